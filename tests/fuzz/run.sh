#!/usr/bin/env bash
# Fuzzing stage of the full test command: runs every cargo-fuzz target of
# fuzz/ for BANDITSOR_FUZZ_SECONDS seconds each (default 30), starting from
# the committed corpus fuzz/corpus/<target> (replayed first, so an input
# that once crashed and was added there is re-checked on every run), and
# fails on any crash, panic, sanitizer report, leak or out-of-memory.
# New corpus entries go to a scratch directory, never into the repository.
#
# Needs the nightly toolchain (rustup); installs cargo-fuzz if missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
seconds=${BANDITSOR_FUZZ_SECONDS:-30}

if ! cargo +nightly --version >/dev/null 2>&1; then
    echo "error: the nightly Rust toolchain is required (rustup toolchain install nightly)" >&2
    exit 1
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi

cd "$root/fuzz"
start=$(date +%s)
cargo +nightly fuzz build
echo "fuzz build: $(($(date +%s) - start)) s"

scratch=$(mktemp -d)
# The targets keep scratch state files in /dev/shm/banditsor-fuzz-<pid>.
trap 'rm -rf "$scratch" /dev/shm/banditsor-fuzz-*' EXIT
failed=()
for target in $(cargo +nightly fuzz list); do
    mkdir -p "$scratch/$target"
    log="$scratch/$target.log"
    dict=()
    [ -f "$target.dict" ] && dict=(-dict="$target.dict")
    if cargo +nightly fuzz run "$target" "$scratch/$target" "corpus/$target" -- \
        -max_total_time="$seconds" -rss_limit_mb=2048 -print_final_stats=1 "${dict[@]}" \
        >"$log" 2>&1; then
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
        echo "$target: ${runs:-?} inputs in ${seconds} s, no crash"
    else
        failed+=("$target")
        echo "$target: FAILED"
        grep -E -A12 "panicked at|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)" "$log" | head -60
        grep -E "^\s+cargo fuzz run" "$log" || true
        echo "(the failing input is in $root/fuzz/artifacts/$target/)"
    fi
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz targets with failures: ${failed[*]}"
    exit 1
fi
