//! Reads include/banditsor.h back with bindgen (libclang) and checks every
//! declaration against the Rust exports of src/ffi: function names and
//! signatures (argument and return types, const-ness of pointers),
//! typedefs, constants, the status enum and the layout of `bsor_stats`.
//!
//! bindgen loads libclang at run time. When it cannot be found this test
//! prints a notice and passes, unless BANDITSOR_REQUIRE_LIBCLANG=1 is set
//! (tests/c/run.sh sets it), in which case it fails.

use std::collections::BTreeMap;
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn require_libclang() -> bool {
    std::env::var("BANDITSOR_REQUIRE_LIBCLANG").is_ok_and(|v| v == "1")
}

/// A type, spelled canonically: paths reduced to their last segment
/// (`::std::os::raw::c_int` and `std::ffi::c_int` are both `c_int`).
fn ty(t: &syn::Type) -> String {
    match t {
        syn::Type::Ptr(p) => format!(
            "*{} {}",
            if p.mutability.is_some() {
                "mut"
            } else {
                "const"
            },
            ty(&p.elem)
        ),
        syn::Type::Path(p) => {
            let seg = p.path.segments.last().expect("non-empty path");
            seg.ident.to_string()
        }
        syn::Type::Tuple(t) if t.elems.is_empty() => "()".into(),
        syn::Type::Paren(p) => ty(&p.elem),
        other => panic!("unexpected type in the C ABI: {}", quote_ty(other)),
    }
}

fn quote_ty(t: &syn::Type) -> String {
    format!("{t:?}").chars().take(200).collect()
}

fn sig(inputs: impl Iterator<Item = String>, output: &syn::ReturnType) -> String {
    let args: Vec<String> = inputs.collect();
    let ret = match output {
        syn::ReturnType::Default => "()".to_string(),
        syn::ReturnType::Type(_, t) => ty(t),
    };
    format!("({}) -> {}", args.join(", "), ret)
}

fn arg_type(arg: &syn::FnArg) -> String {
    match arg {
        syn::FnArg::Typed(p) => ty(&p.ty),
        syn::FnArg::Receiver(_) => panic!("receiver in an extern fn"),
    }
}

fn int_value(e: &syn::Expr) -> Option<i64> {
    match e {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(i),
            ..
        }) => i.base10_parse().ok(),
        syn::Expr::Unary(syn::ExprUnary {
            op: syn::UnOp::Neg(_),
            expr,
            ..
        }) => int_value(expr).map(|v| -v),
        syn::Expr::Cast(c) => int_value(&c.expr),
        syn::Expr::Paren(p) => int_value(&p.expr),
        _ => None,
    }
}

#[derive(Default, Debug)]
struct Api {
    functions: BTreeMap<String, String>,
    aliases: BTreeMap<String, String>,
    consts: BTreeMap<String, i64>,
    structs: BTreeMap<String, Vec<(String, String)>>,
}

/// The exports of src/ffi: `#[no_mangle] extern "C"` functions, public
/// type aliases, integer constants and `#[repr(C)]` structs.
fn rust_api() -> Api {
    let mut api = Api::default();
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("src/ffi"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .collect();
    files.sort();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let file = syn::parse_file(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for item in file.items {
            match item {
                syn::Item::Fn(f) => {
                    let no_mangle = f.attrs.iter().any(|a| a.path().is_ident("no_mangle"));
                    let extern_c = f
                        .sig
                        .abi
                        .as_ref()
                        .and_then(|a| a.name.as_ref())
                        .is_some_and(|n| n.value() == "C");
                    if no_mangle {
                        assert!(
                            extern_c,
                            "{} is #[no_mangle] but not extern \"C\"",
                            f.sig.ident
                        );
                        assert!(
                            matches!(f.vis, syn::Visibility::Public(_)),
                            "{} is not pub",
                            f.sig.ident
                        );
                        api.functions.insert(
                            f.sig.ident.to_string(),
                            sig(f.sig.inputs.iter().map(arg_type), &f.sig.output),
                        );
                    }
                }
                syn::Item::Type(t) if matches!(t.vis, syn::Visibility::Public(_)) => {
                    api.aliases.insert(t.ident.to_string(), ty(&t.ty));
                }
                syn::Item::Const(c) if matches!(c.vis, syn::Visibility::Public(_)) => {
                    if let Some(v) = int_value(&c.expr) {
                        api.consts.insert(c.ident.to_string(), v);
                    }
                }
                syn::Item::Struct(s) => {
                    let repr_c = s.attrs.iter().any(|a| {
                        a.path().is_ident("repr")
                            && a.parse_args::<syn::Ident>().is_ok_and(|i| i == "C")
                    });
                    if repr_c {
                        let fields = s
                            .fields
                            .iter()
                            .map(|f| (f.ident.as_ref().unwrap().to_string(), ty(&f.ty)))
                            .collect();
                        api.structs.insert(s.ident.to_string(), fields);
                    }
                }
                _ => {}
            }
        }
    }
    // The header's version macros come from Cargo.toml.
    for (name, v) in [
        ("BSOR_VERSION_MAJOR", env!("CARGO_PKG_VERSION_MAJOR")),
        ("BSOR_VERSION_MINOR", env!("CARGO_PKG_VERSION_MINOR")),
        ("BSOR_VERSION_PATCH", env!("CARGO_PKG_VERSION_PATCH")),
    ] {
        api.consts.insert(name.into(), v.parse().unwrap());
    }
    // The status enum's variants are constants of type bsor_status in C.
    for s in banditsor::ffi::bsor_status::all() {
        api.consts.insert(format!("{s:?}"), *s as i64);
    }
    api
}

/// The declarations of include/banditsor.h, as bindgen sees them.
fn header_api(bindings: &str) -> Api {
    let mut api = Api::default();
    let file = syn::parse_file(bindings).expect("bindgen output parses");
    for item in file.items {
        match item {
            syn::Item::ForeignMod(m) => {
                for fi in m.items {
                    if let syn::ForeignItem::Fn(f) = fi {
                        assert!(f.sig.variadic.is_none());
                        api.functions.insert(
                            f.sig.ident.to_string(),
                            sig(f.sig.inputs.iter().map(arg_type), &f.sig.output),
                        );
                    }
                }
            }
            syn::Item::Type(t) => {
                api.aliases.insert(t.ident.to_string(), ty(&t.ty));
            }
            syn::Item::Const(c) => {
                if let Some(v) = int_value(&c.expr) {
                    api.consts.insert(c.ident.to_string(), v);
                }
            }
            syn::Item::Struct(s) => {
                let fields: Vec<(String, String)> = s
                    .fields
                    .iter()
                    .filter_map(|f| f.ident.as_ref().map(|i| (i.to_string(), &f.ty)))
                    .filter(|(name, _)| !name.starts_with('_'))
                    .map(|(name, t)| (name, ty(t)))
                    .collect();
                if !fields.is_empty() {
                    api.structs.insert(s.ident.to_string(), fields);
                }
            }
            _ => {}
        }
    }
    api
}

fn generate_bindings() -> Option<String> {
    let header = root().join("include/banditsor.h");
    let result = std::panic::catch_unwind(|| {
        bindgen::Builder::default()
            .header(header.to_str().unwrap())
            .allowlist_function("bsor_.*")
            .allowlist_type("bsor_.*")
            .allowlist_var("BSOR_.*")
            .prepend_enum_name(false)
            .layout_tests(false)
            .generate_comments(false)
            .generate()
    });
    match result {
        Ok(Ok(b)) => Some(b.to_string()),
        Ok(Err(e)) => panic!("bindgen could not parse include/banditsor.h: {e}"),
        Err(payload) => {
            let msg = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            if msg.to_lowercase().contains("libclang") || msg.contains("clang") {
                let notice = format!(
                    "NOTICE: libclang not found, the bindgen check of include/banditsor.h \
                     was NOT run ({msg}). Install libclang (Debian: apt-get install \
                     libclang-dev) or set LIBCLANG_PATH; set BANDITSOR_REQUIRE_LIBCLANG=1 \
                     to make this a failure."
                );
                if require_libclang() {
                    panic!("BANDITSOR_REQUIRE_LIBCLANG=1 but {notice}");
                }
                // Straight to stderr: visible in `cargo test` output even
                // though the test passes (eprintln! would be captured).
                use std::io::Write;
                let _ = writeln!(std::io::stderr(), "{notice}");
                None
            } else {
                std::panic::resume_unwind(payload)
            }
        }
    }
}

#[test]
fn header_declarations_match_rust_exports() {
    let Some(bindings) = generate_bindings() else {
        return;
    };
    let rust = rust_api();
    let header = header_api(&bindings);

    assert!(
        rust.functions.len() >= 20,
        "suspiciously few exports found: {:?}",
        rust.functions.keys()
    );
    let mut problems = Vec::new();
    for (name, s) in &rust.functions {
        match header.functions.get(name) {
            None => problems.push(format!("{name}: exported by Rust, missing from the header")),
            Some(h) if h != s => problems.push(format!("{name}: Rust {s} but header {h}")),
            Some(_) => {}
        }
    }
    for name in header.functions.keys() {
        if !rust.functions.contains_key(name) {
            problems.push(format!(
                "{name}: declared in the header, not exported by Rust"
            ));
        }
    }
    for (name, t) in &rust.aliases {
        match header.aliases.get(name) {
            Some(h) if h == t => {}
            other => problems.push(format!("typedef {name}: Rust {t}, header {other:?}")),
        }
    }
    for (name, v) in &rust.consts {
        match header.consts.get(name) {
            Some(h) if h == v => {}
            other => problems.push(format!("constant {name}: Rust {v}, header {other:?}")),
        }
    }
    for name in header.consts.keys() {
        if !rust.consts.contains_key(name) {
            problems.push(format!("constant {name}: in the header, not in Rust"));
        }
    }
    for (name, fields) in &rust.structs {
        match header.structs.get(name) {
            Some(h) if h == fields => {}
            other => problems.push(format!("struct {name}: Rust {fields:?}, header {other:?}")),
        }
    }
    // The handle stays opaque: no fields visible in C.
    assert!(
        !header.structs.contains_key("bsor_pc"),
        "bsor_pc must be opaque"
    );
    assert!(
        bindings.contains("pub struct bsor_pc"),
        "bsor_pc is not declared in the header"
    );
    assert!(
        problems.is_empty(),
        "include/banditsor.h disagrees with src/ffi:\n  {}",
        problems.join("\n  ")
    );
    // A few spot checks of const-correctness from the design contract.
    assert_eq!(
        header.functions["bsor_pc_get_omega"],
        "(*const bsor_pc, *mut f64) -> c_int"
    );
    assert_eq!(
        header.functions["bsor_pc_apply"],
        "(*mut bsor_pc, *const f64, *mut f64) -> c_int"
    );
    assert_eq!(header.functions["bsor_last_error"], "() -> *const c_char");
}

#[test]
fn bsor_stats_layout_matches() {
    // Compile-time view of the Rust side; the header side is checked by
    // field list above (all int64_t, so no padding differences).
    use banditsor::ffi::bsor_stats;
    assert_eq!(std::mem::size_of::<bsor_stats>(), 32);
    assert_eq!(std::mem::align_of::<bsor_stats>(), 8);
}
