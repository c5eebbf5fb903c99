#!/usr/bin/env bash
# Mutation testing of banditsor's core with cargo-mutants
# (`cargo install cargo-mutants`): each mutant is one plausible bug planted
# in the source (an operator flipped, a return value replaced, a condition
# negated); a test run that still passes means no test guards that line.
#
#   bash tests/mutants.sh [GROUP...]      groups: kernels learners tuner
#                                          solvers state ffi (default: all)
#
# Each group mutates its files and builds and runs only the test targets
# that exercise them (all of a group's tests must stay under the timeout),
# one mutant at a time. The targets go to cargo-mutants as --cargo-arg, so
# that its build step compiles only them too (arguments after `--` reach
# only the test step: the build step would compile every test binary of
# the package for every mutant, about twice the time). File lists are
# globs resolved at run time, so moved or new files of a group are picked
# up; a group whose globs match nothing is an error, and so is a file of
# the core with mutants that no group lists.
# Not part of tests/run-all.sh: the core has about 1740 mutants and each
# costs 10-40 s of building and testing on this 2-core machine (more under
# load), so the whole core is many hours; run groups, or parts of them.
#
# Environment: MUTANTS_JOBS (default 1), MUTANTS_TIMEOUT (seconds per test
# run, default 300), MUTANTS_OUT (default target/mutants), MUTANTS_IN_PLACE=1
# (mutate this checkout instead of a copy: faster, warm target dir; leave the
# tree alone meanwhile), MUTANTS_ARGS (more cargo-mutants arguments, e.g.
# "--re src/sweep.rs" to run one file of a group, "--re eisenstat" for
# some functions, "--shard 0/4", or "--iterate" to re-run only the mutants
# not caught last time). Prints per group and in total
#   caught / (caught + missed + timeout)   and the missed mutants.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

command -v cargo-mutants >/dev/null || {
    echo "cargo-mutants not found: cargo install cargo-mutants" >&2
    exit 1
}

# group -> file globs; group -> test targets ("lib" = the unit tests,
# anything else a tests/NAME.rs binary)
declare -A FILES TESTS
FILES[kernels]="src/sweep.rs src/matrix.rs src/context.rs"
TESTS[kernels]="lib kernels preconditioner"
FILES[learners]="src/learn/*.rs"
TESTS[learners]="lib learners contextual_learners replay_fixtures smooth_ts_replay smooth_ts_units"
FILES[tuner]="src/pc.rs src/tuner.rs"
TESTS[tuner]="lib preconditioner replay_fixtures ffi_api faults smooth_ts"
FILES[solvers]="src/solve.rs"
TESTS[solvers]="lib preconditioner"
FILES[state]="src/state.rs"
TESTS[state]="lib preconditioner replay_fixtures ffi_api learners"
FILES[ffi]="src/ffi/*.rs src/error.rs"
TESTS[ffi]="lib ffi_api preconditioner concurrency"
ORDER=(tuner state ffi kernels solvers learners)

# Every file of the core that has mutants belongs to some group, so that
# running all groups is the whole core (a new module fails here first).
declare -A grouped
for g in "${ORDER[@]}"; do
    for pattern in ${FILES[$g]}; do
        for f in $pattern; do grouped[$f]=1; done
    done
done
ungrouped=$(cargo mutants --package banditsor --list | cut -d: -f1 | sort -u |
    while read -r f; do [ -n "${grouped[$f]:-}" ] || echo "$f"; done)
if [ -n "$ungrouped" ]; then
    echo "files with mutants in no group (add them to tests/mutants.sh):" $ungrouped >&2
    exit 2
fi

groups=("$@")
[ ${#groups[@]} -eq 0 ] && groups=("${ORDER[@]}")
out_base=${MUTANTS_OUT:-$root/target/mutants}
mkdir -p "$out_base"
# --in-place and --jobs exclude each other: a copy per job, or this tree.
if [ "${MUTANTS_IN_PLACE:-0}" = 1 ]; then
    extra=(--in-place)
else
    extra=(--jobs "${MUTANTS_JOBS:-1}")
fi

total_caught=0
total_missed=0
total_timeout=0
total_unviable=0
for g in "${groups[@]}"; do
    [ -n "${FILES[$g]:-}" ] || { echo "unknown group $g (known: ${ORDER[*]})" >&2; exit 2; }
    file_args=()
    for pattern in ${FILES[$g]}; do
        for f in $pattern; do
            [ -f "$f" ] && file_args+=(--file "$f")
        done
    done
    if [ ${#file_args[@]} -eq 0 ]; then
        echo "group $g: no file matches ${FILES[$g]} (files moved? update tests/mutants.sh)" >&2
        exit 2
    fi
    target_args=()
    for t in ${TESTS[$g]}; do
        if [ "$t" = lib ]; then
            target_args+=(--cargo-arg=--lib)
        else
            [ -f "tests/$t.rs" ] || { echo "group $g: no test tests/$t.rs" >&2; exit 2; }
            target_args+=(--cargo-arg="--test=$t")
        fi
    done
    echo "=== group $g: ${file_args[*]}; tests: ${TESTS[$g]}"
    # shellcheck disable=SC2086 # MUTANTS_ARGS is a list of words
    cargo mutants --package banditsor --no-shuffle --timeout "${MUTANTS_TIMEOUT:-300}" \
        --output "$out_base/$g" "${extra[@]}" "${file_args[@]}" "${target_args[@]}" \
        ${MUTANTS_ARGS:-} || true
    dir=$out_base/$g/mutants.out
    # grep -c prints 0 and fails on an empty file: no second 0 then.
    count() { if [ -f "$dir/$1.txt" ]; then grep -c . "$dir/$1.txt" || true; else echo 0; fi; }
    c=$(count caught) m=$(count missed) t=$(count timeout) u=$(count unviable)
    echo "=== group $g: caught $c, missed $m, timeout $t (unviable $u, not counted)"
    [ "$m" -gt 0 ] && sed 's/^/    missed: /' "$dir/missed.txt"
    total_caught=$((total_caught + c))
    total_missed=$((total_missed + m))
    total_timeout=$((total_timeout + t))
    total_unviable=$((total_unviable + u))
done
viable=$((total_caught + total_missed + total_timeout))
echo "=== total: caught $total_caught of $viable viable mutants" \
    "($total_missed missed, $total_timeout timeouts, $total_unviable unviable)"
