//! docs/c-api.md against include/banditsor.h: the guide covers every
//! public function and constant, its status table has every code with the
//! functions the header says return it, its call sketches have the
//! header's arity, it names no function or parameter that does not exist,
//! and it gives the two ways of solving as two separate complete programs
//! (tests/c/run.sh extracts, compiles and runs them).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

fn read(rel: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn guide() -> String {
    read("docs/c-api.md")
}

/// A function declared in the header: its parameter names and the
/// `BSOR_ERR_*` codes its doc comment says it returns.
#[derive(Debug)]
struct Function {
    params: Vec<String>,
    codes: BTreeSet<String>,
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Every `PREFIX...` identifier in `text`.
fn identifiers<'a>(text: &'a str, prefix: &str) -> Vec<&'a str> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find(prefix) {
        let before_ok = !rest[..at].ends_with(is_ident_char);
        let tail = &rest[at..];
        let len = tail.find(|c| !is_ident_char(c)).unwrap_or(tail.len());
        if before_ok {
            found.push(&tail[..len]);
        }
        rest = &tail[len..];
    }
    found
}

/// The header's functions, by name.
fn header_functions() -> BTreeMap<String, Function> {
    let header = read("include/banditsor.h");
    let mut functions = BTreeMap::new();
    let mut comment = String::new();
    let mut lines = header.lines();
    while let Some(line) = lines.next() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("/**") {
            comment.clear();
        }
        if trimmed.starts_with("/*") || trimmed.starts_with('*') {
            comment.push_str(line);
            comment.push('\n');
            continue;
        }
        let starts_declaration = line.starts_with(|c: char| c.is_ascii_alphabetic())
            && !line.starts_with("typedef")
            && !line.starts_with("extern")
            && line.contains("bsor_")
            && line.contains('(');
        if !starts_declaration {
            continue;
        }
        let mut declaration = line.to_string();
        while !declaration.contains(");") {
            declaration.push(' ');
            declaration.push_str(lines.next().expect("declaration ends with ');'"));
        }
        let open = declaration.find('(').unwrap();
        let name = declaration[..open]
            .rsplit(|c: char| !is_ident_char(c))
            .next()
            .unwrap()
            .to_string();
        let inside = &declaration[open + 1..declaration.rfind(')').unwrap()];
        let params = if inside.trim() == "void" {
            Vec::new()
        } else {
            inside
                .split(',')
                .map(|p| {
                    p.rsplit(|c: char| !is_ident_char(c))
                        .next()
                        .unwrap()
                        .to_string()
                })
                .collect()
        };
        // The codes named from its "Returns BSOR_..." or "Errors" paragraph on
        // (earlier mentions are examples, as in bsor_status_name's).
        let from = ["Returns BSOR_", "Errors"]
            .iter()
            .filter_map(|word| comment.find(word))
            .min()
            .unwrap_or(comment.len());
        let codes = identifiers(&comment[from..], "BSOR_ERR_")
            .into_iter()
            .map(str::to_string)
            .collect();
        functions.insert(name, Function { params, codes });
        comment.clear();
    }
    assert!(
        functions.len() >= 25,
        "parsed only {} functions from include/banditsor.h: {:?}",
        functions.len(),
        functions.keys()
    );
    functions
}

/// The header's status codes (`BSOR_... = N` of `enum bsor_status`).
fn header_status_codes() -> Vec<(String, i64)> {
    let header = read("include/banditsor.h");
    let codes: Vec<(String, i64)> = header
        .lines()
        .filter_map(|line| {
            let line = line.trim().strip_suffix(',')?;
            let (name, value) = line.split_once(" = ")?;
            name.starts_with("BSOR_")
                .then(|| (name.to_string(), value.parse().expect("numeric code")))
        })
        .collect();
    assert!(
        codes.len() >= 25,
        "parsed only {} status codes",
        codes.len()
    );
    codes
}

/// The cells of the guide's status table rows (`| N | ... |`), by code.
fn status_rows(guide: &str) -> BTreeMap<i64, Vec<String>> {
    let mut rows = BTreeMap::new();
    for line in guide.lines() {
        let Some(inner) = line.strip_prefix("| ").and_then(|l| l.strip_suffix(" |")) else {
            continue;
        };
        let cells: Vec<String> = inner.split(" | ").map(|c| c.trim().to_string()).collect();
        if let Ok(code) = cells[0].parse::<i64>() {
            assert!(
                rows.insert(code, cells).is_none(),
                "status {code} has two rows in the guide"
            );
        }
    }
    rows
}

/// The reference entries: table rows starting with "| `bsor_name(args)`",
/// as name -> argument count.
fn reference_entries(guide: &str) -> BTreeMap<String, usize> {
    let mut entries = BTreeMap::new();
    for line in guide.lines() {
        let Some(rest) = line.strip_prefix("| `bsor_") else {
            continue;
        };
        let Some(open) = rest.find('(') else { continue };
        let name = format!("bsor_{}", &rest[..open]);
        let close = rest
            .find(")`")
            .unwrap_or_else(|| panic!("unclosed call in: {line}"));
        let args = rest[open + 1..close].trim();
        let count = if args.is_empty() {
            0
        } else {
            args.split(',').count()
        };
        entries.insert(name, count);
    }
    entries
}

#[test]
fn every_header_function_has_a_reference_entry_with_its_arity() {
    let guide = guide();
    let entries = reference_entries(&guide);
    let mut missing = Vec::new();
    for (name, function) in header_functions() {
        match entries.get(&name) {
            None => missing.push(name),
            Some(&count) => assert_eq!(
                count,
                function.params.len(),
                "docs/c-api.md shows {name} with {count} arguments; the header has {:?}",
                function.params
            ),
        }
    }
    assert!(
        missing.is_empty(),
        "public functions of include/banditsor.h without an entry \"| `name(...)` | ... |\" \
         in docs/c-api.md: {missing:?}"
    );
}

#[test]
fn every_header_constant_is_in_the_guide() {
    let guide = guide();
    let header = read("include/banditsor.h");
    // (prose such as "BSOR_LEARNER_*" yields "BSOR_LEARNER_": not a name)
    let names: BTreeSet<&str> = identifiers(&header, "BSOR_")
        .into_iter()
        .filter(|name| !name.ends_with('_'))
        .collect();
    let missing: Vec<_> = names
        .iter()
        .filter(|name| identifiers(&guide, name).iter().all(|found| found != *name))
        .collect();
    assert!(
        missing.is_empty(),
        "constants of include/banditsor.h missing from docs/c-api.md: {missing:?}"
    );
}

#[test]
fn status_table_has_every_code_once_with_its_meaning_and_callers() {
    let guide = guide();
    let rows = status_rows(&guide);
    let codes = header_status_codes();
    for (name, value) in &codes {
        let row = rows
            .get(value)
            .unwrap_or_else(|| panic!("docs/c-api.md has no status table row for {value} {name}"));
        assert_eq!(
            row.len(),
            4,
            "status row {value}: want code | name | meaning | returned by"
        );
        assert_eq!(row[1], format!("`{name}`"), "status row {value}");
        assert!(!row[2].is_empty(), "status row {value}: no meaning");
        assert!(!row[3].is_empty(), "status row {value}: no callers");
    }
    let known: BTreeSet<i64> = codes.iter().map(|(_, v)| *v).collect();
    let extra: Vec<_> = rows.keys().filter(|c| !known.contains(c)).collect();
    assert!(
        extra.is_empty(),
        "status rows for codes the header lacks: {extra:?}"
    );
}

#[test]
fn status_table_names_every_function_the_header_says_returns_the_code() {
    let guide = guide();
    let rows = status_rows(&guide);
    let value_of: BTreeMap<String, i64> = header_status_codes().into_iter().collect();
    let mut missing = Vec::new();
    for (name, function) in header_functions() {
        for code in &function.codes {
            let value = value_of
                .get(code)
                .unwrap_or_else(|| panic!("{name}'s comment names unknown code {code}"));
            let callers = &rows[value][3];
            if !callers.contains(&format!("`{name}`")) && !callers.contains("every function") {
                missing.push(format!("{code}: {name}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "the header says these functions return these codes; the guide's status table \
         does not list them: {missing:?}"
    );
}

#[test]
fn guide_names_only_functions_and_parameters_that_exist() {
    let guide = guide();
    let functions = header_functions();
    let header = read("include/banditsor.h");
    let fortran = read("include/banditsor.f90");
    let known: BTreeSet<&str> = identifiers(&header, "bsor_")
        .into_iter()
        .chain(identifiers(&fortran, "bsor_"))
        .collect();
    let unknown: BTreeSet<&str> = identifiers(&guide, "bsor_")
        .into_iter()
        .filter(|name| !known.contains(name))
        .collect();
    assert!(
        unknown.is_empty(),
        "docs/c-api.md names bsor_ identifiers that neither include/banditsor.h nor \
         banditsor.f90 declares: {unknown:?}"
    );
    // "`param` of `function`": the parameter must be one of that function's.
    let mut checked = 0;
    for (at, _) in guide.match_indices("` of `bsor_") {
        let param = guide[..at].rsplit('`').next().unwrap();
        let tail = &guide[at + "` of `".len()..];
        let function = &tail[..tail.find('`').unwrap()];
        let params = &functions
            .get(function)
            .unwrap_or_else(|| {
                panic!("docs/c-api.md: \"`{param}` of `{function}`\": no such function")
            })
            .params;
        assert!(
            params.iter().any(|p| p == param),
            "docs/c-api.md speaks of \"`{param}` of `{function}`\", whose parameters are {params:?}"
        );
        checked += 1;
    }
    assert!(
        checked >= 3,
        "expected the guide to name the optional outputs by function"
    );
}

/// The code blocks tests/c/run.sh compiles: (file name, code).
fn compiled_examples(guide: &str) -> Vec<(String, String)> {
    const MARK: &str = "<!-- tests/c/run.sh compiles and runs this block as ";
    let mut examples = Vec::new();
    let mut lines = guide.lines();
    while let Some(line) = lines.next() {
        let Some(name) = line.strip_prefix(MARK).and_then(|l| l.strip_suffix(" -->")) else {
            continue;
        };
        assert_eq!(
            lines.next(),
            Some("```c"),
            "{name}: the marker must precede a ```c block"
        );
        let code: Vec<&str> = lines.by_ref().take_while(|l| *l != "```").collect();
        examples.push((name.to_string(), code.join("\n")));
    }
    examples
}

#[test]
fn guide_gives_the_two_ways_of_solving_as_two_separate_programs() {
    let guide = guide();
    let examples = compiled_examples(&guide);
    let names: Vec<&str> = examples.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["solve_loop.c", "protocol_loop.c"]);
    for (name, code) in &examples {
        assert!(
            code.contains("int main("),
            "{name} is not a complete program"
        );
        assert!(code.contains("#include <banditsor.h>"), "{name}");
        assert!(
            code.contains("bsor_pc_destroy(&pc)"),
            "{name} leaks its handle"
        );
    }
    let (solve, protocol) = (&examples[0].1, &examples[1].1);
    // One way per program: bsor_solve already does presolve and postsolve,
    // so a program calling both would solve every system twice.
    assert!(
        solve.contains("bsor_solve(pc,"),
        "solve_loop.c must call bsor_solve"
    );
    for call in ["bsor_pc_presolve(", "bsor_pc_apply(", "bsor_pc_postsolve("] {
        assert!(!solve.contains(call), "solve_loop.c also calls {call}");
        assert!(protocol.contains(call), "protocol_loop.c must call {call}");
    }
    assert!(
        !protocol.contains("bsor_solve("),
        "protocol_loop.c also calls bsor_solve"
    );
}
