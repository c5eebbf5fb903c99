#!/usr/bin/env bash
# The C, C++, Fortran, CMake and pkg-config checks of banditsor's C API.
#
# Run from the repository root (as root on a fresh Debian 12 with the Rust
# toolchain; missing apt packages are installed):
#
#     bash tests/c/run.sh
#
# It builds and installs the library with CMake into a temporary prefix,
# builds c_examples against it with find_package and runs its ctest suite,
# builds a pkg-config consumer and the two example programs of
# docs/c-api.md, builds and runs the failure-path test
# (tests/c/failure_paths.c), compiles the headers as C99 / C++17 / Fortran
# 2008 with warnings as errors, runs the programs under valgrind and, built
# with clang's AddressSanitizer + UndefinedBehaviorSanitizer, the examples,
# the failure-path test and a multi-threaded stress test (tests/c/stress.c),
# and runs
# the Rust-side ABI checks (cbindgen freshness, bindgen read-back with
# libclang required, nm -D symbols, C ABI behaviour).
#
# Prints one line per check and finally "N passed, M failed"; exits non-zero
# if any check failed. Set BANDITSOR_KEEP_TMP=1 to keep the scratch
# directory (build trees, logs).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
[ -d "$HOME/.cargo/bin" ] && export PATH="$HOME/.cargo/bin:$PATH"

TMP="$(mktemp -d "${TMPDIR:-/tmp}/banditsor-c.XXXXXX")"
LOGS="$TMP/logs"
mkdir -p "$LOGS"
cleanup() {
    if [ "${BANDITSOR_KEEP_TMP:-0}" = 1 ]; then
        echo "scratch directory kept: $TMP"
    else
        rm -rf "$TMP"
    fi
}
trap cleanup EXIT

PASSED=0
FAILED=0
SKIPPED=0
FAILED_NAMES=()

# check NAME COMMAND...: run, log, count; sets LAST_OK. Never aborts the
# script (returns 0 even when the check fails).
LAST_OK=0
check() {
    local name="$1"
    shift
    local log
    log="$LOGS/$(echo "$name" | tr -c 'A-Za-z0-9_.-' '_').log"
    local start=$SECONDS rc=0
    "$@" >"$log" 2>&1 || rc=$?
    if [ "$rc" -eq 0 ]; then
        PASSED=$((PASSED + 1))
        LAST_OK=1
        printf 'ok    %-62s (%ds)\n' "$name" $((SECONDS - start))
    else
        FAILED=$((FAILED + 1))
        FAILED_NAMES+=("$name")
        LAST_OK=0
        printf 'FAIL  %-62s (exit %d, %ds); last lines of its log:\n' "$name" "$rc" \
            $((SECONDS - start))
        tail -n 40 "$log" | sed 's/^/      | /'
    fi
    return 0
}

summary() {
    if [ "$FAILED" -ne 0 ]; then
        echo "failed checks:"
        printf '  %s\n' "${FAILED_NAMES[@]}"
    fi
    if [ "$SKIPPED" -ne 0 ]; then
        echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
    else
        echo "$PASSED passed, $FAILED failed"
    fi
}

# A check the rest depends on: stop (counting it) if it fails.
need() {
    check "$@"
    if [ "$LAST_OK" -ne 1 ]; then
        echo "stopping: later checks depend on '$1'"
        summary
        exit 1
    fi
}

# ----- tools -----------------------------------------------------------------
install_missing_packages() {
    local missing=()
    command -v cmake >/dev/null || missing+=(cmake)
    command -v gfortran >/dev/null || missing+=(gfortran)
    command -v pkg-config >/dev/null || missing+=(pkg-config)
    command -v valgrind >/dev/null || missing+=(valgrind)
    command -v g++ >/dev/null || missing+=(g++)
    command -v gcc >/dev/null || missing+=(gcc)
    command -v nm >/dev/null || missing+=(binutils)
    dpkg -s libclang-dev >/dev/null 2>&1 || missing+=(libclang-dev)
    if [ "${#missing[@]}" -eq 0 ]; then
        echo "all tools present"
        return 0
    fi
    echo "installing: ${missing[*]}"
    if ! command -v apt-get >/dev/null; then
        echo "apt-get not available: install ${missing[*]} by hand"
        return 1
    fi
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "${missing[@]}"
}
need "tools: apt packages present or installed" install_missing_packages
need "tools: cargo available" cargo --version

BUILD="$TMP/build"
PREFIX="$TMP/prefix"
EXBUILD="$TMP/examples"
export PKG_CONFIG_PATH="$PREFIX/lib/pkgconfig"

# ----- build and install with CMake ---------------------------------------
need "cmake configure (top level)" cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release
need "cmake build (cargo release build)" cmake --build "$BUILD"
need "cmake install to a prefix" cmake --install "$BUILD" --prefix "$PREFIX"

installed_layout() {
    local version
    version="$(sed -n 's/^version = "\([0-9.]*\)".*/\1/p' Cargo.toml | head -n 1)"
    local major="${version%%.*}"
    for f in "lib/libbanditsor.so.$version" lib/libbanditsor.a include/banditsor.h \
        include/banditsor.hpp include/banditsor.f90 lib/cmake/BanditSOR/BanditSORConfig.cmake \
        lib/cmake/BanditSOR/BanditSORConfigVersion.cmake lib/pkgconfig/banditsor.pc; do
        [ -f "$PREFIX/$f" ] || { echo "missing $f"; return 1; }
    done
    [ "$(readlink "$PREFIX/lib/libbanditsor.so.$major")" = "libbanditsor.so.$version" ] ||
        { echo "bad link libbanditsor.so.$major"; return 1; }
    [ "$(readlink "$PREFIX/lib/libbanditsor.so")" = "libbanditsor.so.$major" ] ||
        { echo "bad link libbanditsor.so"; return 1; }
    local soname
    soname="$(readelf -d "$PREFIX/lib/libbanditsor.so.$version" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')"
    echo "soname: $soname"
    [ "$soname" = "libbanditsor.so.$major" ]
}
check "installed layout: versioned .so + links, soname, .a, headers, configs" installed_layout

# ----- c_examples with find_package ------------------------------------------
need "c_examples: configure with find_package(BanditSOR)" \
    cmake -S c_examples -B "$EXBUILD" -DCMAKE_PREFIX_PATH="$PREFIX" -DCMAKE_BUILD_TYPE=Release
need "c_examples: build (C, C++, Fortran, static; -Wall -Wextra -Werror)" cmake --build "$EXBUILD"
check "c_examples: ctest" ctest --test-dir "$EXBUILD" --output-on-failure

# find_package(... COMPONENTS PETSc) must fail cleanly when the plugin is not
# installed (this prefix was built without BANDITSOR_WITH_PETSC).
petsc_component_absent() {
    local dir="$TMP/petsc-component"
    mkdir -p "$dir"
    cat >"$dir/CMakeLists.txt" <<'EOF'
cmake_minimum_required(VERSION 3.16)
project(petsc_component_probe LANGUAGES C)
find_package(BanditSOR COMPONENTS PETSc)
if(BanditSOR_FOUND OR TARGET BanditSOR::petsc)
  message(FATAL_ERROR "component PETSc reported found without the plugin")
endif()
message(STATUS "optional PETSc component correctly not found: ${BanditSOR_NOT_FOUND_MESSAGE}")
find_package(BanditSOR REQUIRED)
if(NOT TARGET BanditSOR::banditsor OR NOT TARGET BanditSOR::banditsor_static)
  message(FATAL_ERROR "imported targets missing")
endif()
EOF
    cmake -S "$dir" -B "$dir/build" -DCMAKE_PREFIX_PATH="$PREFIX" && required_petsc_fails "$dir"
}
required_petsc_fails() {
    local dir="$1/required"
    mkdir -p "$dir"
    cat >"$dir/CMakeLists.txt" <<'EOF'
cmake_minimum_required(VERSION 3.16)
project(petsc_component_required LANGUAGES C)
find_package(BanditSOR REQUIRED COMPONENTS PETSc)
EOF
    if cmake -S "$dir" -B "$dir/build" -DCMAKE_PREFIX_PATH="$PREFIX" >"$dir/out.log" 2>&1; then
        echo "find_package(BanditSOR REQUIRED COMPONENTS PETSc) succeeded without the plugin"
        return 1
    fi
    grep -q "BANDITSOR_WITH_PETSC" "$dir/out.log" || { cat "$dir/out.log"; return 1; }
    echo "REQUIRED COMPONENTS PETSc fails with:"
    grep -A2 "component PETSc" "$dir/out.log" || true
}
check "CMake config: PETSc component absent -> not found / REQUIRED fails" petsc_component_absent

# ----- pkg-config consumer -------------------------------------------------
pkgconfig_consumer() {
    local flags
    flags="$(pkg-config --cflags --libs banditsor)"
    echo "pkg-config banditsor: $flags (version $(pkg-config --modversion banditsor))"
    # shellcheck disable=SC2086
    cc -std=c99 -Wall -Wextra -Werror -pedantic c_examples/pkgconfig/consumer.c $flags \
        -Wl,-rpath,"$(pkg-config --variable=libdir banditsor)" -o "$TMP/consumer" &&
        "$TMP/consumer" | tee "$TMP/consumer.out" && grep -q '^PASS$' "$TMP/consumer.out"
}
check "pkg-config consumer: build and run" pkgconfig_consumer

# ----- the guide's two example programs (docs/c-api.md) ---------------------------
# Each block after "<!-- tests/c/run.sh compiles and runs this block as
# NAME -->" is written to $GUIDE/NAME, compiled as a user would (pkg-config,
# C99, warnings as errors) and run.
GUIDE="$TMP/guide"
extract_guide_examples() {
    local name
    mkdir -p "$GUIDE"
    awk -v dir="$GUIDE" '
        /^<!-- tests\/c\/run.sh compiles and runs this block as [A-Za-z0-9_]+\.c -->$/ {
            name = $(NF - 1)
            if ((getline line) <= 0 || line != "```c") {
                print "marker for " name " not followed by a ```c block" > "/dev/stderr"
                exit 1
            }
            out = dir "/" name
            printf "" > out
            inside = 1
            next
        }
        inside && /^```$/ { inside = 0; close(out); print "extracted " name; next }
        inside { print > out }
    ' docs/c-api.md || return 1
    for name in solve_loop.c protocol_loop.c; do
        [ -s "$GUIDE/$name" ] || { echo "docs/c-api.md has no example $name"; return 1; }
    done
}
build_guide_example() {
    rm -f "$GUIDE/$1"
    # shellcheck disable=SC2046
    cc -std=c99 -Wall -Wextra -Werror -pedantic "$GUIDE/$1.c" \
        $(pkg-config --cflags --libs banditsor) -lm -Wl,-rpath,"$PREFIX/lib" -o "$GUIDE/$1"
}
# Run twice with a state file: the first run starts from scratch, the
# second continues (its statistics count both runs' 100 solves each).
run_solve_loop() {
    local state="$GUIDE/learner.json"
    rm -f "$state"
    "$GUIDE/solve_loop" "$state" | tee "$GUIDE/run1.out" &&
        "$GUIDE/solve_loop" "$state" | tee "$GUIDE/run2.out" &&
        grep -q '^learning from scratch (bsor_pc_load_state: ' "$GUIDE/run1.out" &&
        grep -q '^100 solves, [0-9]* SSOR-CG iterations, 0 not converged' "$GUIDE/run1.out" &&
        ! grep -q 'learning from scratch' "$GUIDE/run2.out" &&
        grep -q '^200 solves, [0-9]* SSOR-CG iterations, 0 not converged' "$GUIDE/run2.out"
}
run_protocol_loop() {
    "$GUIDE/protocol_loop" | tee "$GUIDE/protocol.out" &&
        grep -q '^100 solves, [0-9]* CG iterations' "$GUIDE/protocol.out"
}
need "docs/c-api.md: extract solve_loop.c and protocol_loop.c" extract_guide_examples
check "docs/c-api.md solve_loop.c: build (-std=c99 -Wall -Wextra -Werror -pedantic)" \
    build_guide_example solve_loop
check "docs/c-api.md solve_loop.c: run twice, the second continues from the state file" \
    run_solve_loop
check "docs/c-api.md protocol_loop.c: build (-std=c99 -Wall -Wextra -Werror -pedantic)" \
    build_guide_example protocol_loop
check "docs/c-api.md protocol_loop.c: run" run_protocol_loop

# ----- failure-path test ---------------------------------------------------------
build_failure_test() {
    # shellcheck disable=SC2046
    cc -std=c99 -Wall -Wextra -Werror -pedantic tests/c/failure_paths.c \
        $(pkg-config --cflags --libs banditsor) -lm \
        -Wl,-rpath,"$PREFIX/lib" -o "$TMP/failure_paths"
}
mkdir -p "$TMP/scratch"
check "failure_paths.c: build (-std=c99 -Wall -Wextra -Werror -pedantic)" build_failure_test
check "failure_paths: every failure status, message, unchanged handle" \
    "$TMP/failure_paths" "$TMP/scratch"

# ----- headers compile cleanly ------------------------------------------------------
header_c99() {
    printf '#include <banditsor.h>\nint main(void) { bsor_pc *pc = 0; return bsor_pc_destroy(&pc); }\n' \
        >"$TMP/h.c"
    cc -std=c99 -Wall -Wextra -Werror -pedantic -I"$PREFIX/include" -c "$TMP/h.c" -o "$TMP/h.o"
}
header_cxx17() {
    printf '#include <banditsor.h>\nint main() { bsor_pc *pc = nullptr; return bsor_pc_destroy(&pc); }\n' \
        >"$TMP/h.cpp"
    c++ -std=c++17 -Wall -Wextra -Werror -pedantic -I"$PREFIX/include" -c "$TMP/h.cpp" -o "$TMP/hpp.o"
}
wrapper_cxx17() {
    printf '#include <banditsor.hpp>\nint main() { banditsor::Preconditioner pc; return pc.n() == 0 ? 0 : 1; }\n' \
        >"$TMP/w.cpp"
    c++ -std=c++17 -Wall -Wextra -Werror -pedantic -I"$PREFIX/include" "$TMP/w.cpp" \
        -L"$PREFIX/lib" -lbanditsor -Wl,-rpath,"$PREFIX/lib" -o "$TMP/w" && "$TMP/w"
}
fortran_module() {
    (cd "$TMP" && gfortran -std=f2008 -Wall -Wextra -Werror -c "$PREFIX/include/banditsor.f90" \
        -o "$TMP/banditsor_f.o")
}
check "banditsor.h compiles as C99 (-Wall -Wextra -Werror -pedantic)" header_c99
check "banditsor.h compiles as C++17 (-Wall -Wextra -Werror -pedantic)" header_cxx17
check "banditsor.hpp compiles as C++17 and runs" wrapper_cxx17
check "banditsor.f90 compiles as Fortran 2008 (-Wall -Wextra -Werror)" fortran_module
fortran_sizes() {
    (cd "$TMP" && gfortran -std=f2008 -Wall -Wextra -Werror "$TMP/banditsor_f.o" \
        "$ROOT/tests/c/fortran_sizes.f90" -L"$PREFIX/lib" -lbanditsor \
        -Wl,-rpath,"$PREFIX/lib" -o "$TMP/fortran_sizes") &&
        "$TMP/fortran_sizes" | tee "$TMP/fortran_sizes.out" && grep -q '^PASS$' "$TMP/fortran_sizes.out"
}
check "fortran_sizes.f90: wrappers check array sizes the C side cannot see" fortran_sizes

# ----- valgrind ------------------------------------------------------------------------
VG=(valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite)
check "valgrind: failure_paths" "${VG[@]}" "$TMP/failure_paths" "$TMP/scratch"
check "valgrind: heat_protocol (own PCG, presolve/apply/postsolve)" \
    "${VG[@]}" "$EXBUILD/heat_protocol" 30 100 chebcb
check "valgrind: heat_solve (bsor_solve)" "${VG[@]}" "$EXBUILD/heat_solve" 30 100 tsallis
check "valgrind: heat_solve_static (libbanditsor.a)" \
    "${VG[@]}" "$EXBUILD/heat_solve_static" 30 100 chebcb
check "valgrind: heat_cpp (banditsor.hpp)" "${VG[@]}" "$EXBUILD/heat_cpp" 30 100
check "valgrind: heat_fortran (module banditsor)" "${VG[@]}" "$EXBUILD/heat_fortran" 30 100
check "valgrind: pkg-config consumer" "${VG[@]}" "$TMP/consumer"
check "valgrind: fortran_sizes" "${VG[@]}" "$TMP/fortran_sizes"
check "valgrind: docs/c-api.md solve_loop.c" "${VG[@]}" "$GUIDE/solve_loop"
check "valgrind: docs/c-api.md protocol_loop.c" "${VG[@]}" "$GUIDE/protocol_loop"

# Sanitizers: the examples, the failure-path test and a multi-threaded
# stress test built with clang's AddressSanitizer + UndefinedBehaviorSanitizer
# (any report is fatal: -fno-sanitize-recover=all, halt_on_error). Debian has
# no clang Fortran compiler: the Fortran example uses gfortran's sanitizers.
SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g -O1"
export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:abort_on_error=0"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
ASANBUILD="$TMP/examples-asan"
need "sanitizers: c_examples configured with clang/clang++ (+ gfortran) ASan+UBSan" \
    cmake -S c_examples -B "$ASANBUILD" -DCMAKE_PREFIX_PATH="$PREFIX" -DCMAKE_BUILD_TYPE=Debug \
    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_Fortran_COMPILER=gfortran \
    -DCMAKE_C_FLAGS="$SAN" -DCMAKE_CXX_FLAGS="$SAN" -DCMAKE_Fortran_FLAGS="$SAN" \
    -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined"
need "sanitizers: c_examples build" cmake --build "$ASANBUILD"
sanitized() {
    # Run, require the PASS line, and make sure the sanitizers were linked in.
    local out
    out="$("$@" 2>&1)" || { echo "$out"; return 1; }
    echo "$out" | tail -n 3
    echo "$out" | grep -q "PASS" || return 1
    # grep -c reads all of nm's output (grep -q would SIGPIPE it under pipefail).
    [ "$(nm "$1" | grep -c "__asan_init")" -ge 1 ] || { echo "$1 has no ASan"; return 1; }
}
check "ASan+UBSan: heat_protocol (C, own PCG)" sanitized "$ASANBUILD/heat_protocol" 30 150 chebcb
check "ASan+UBSan: heat_solve (C, bsor_solve)" sanitized "$ASANBUILD/heat_solve" 30 150 tsallis
check "ASan+UBSan: heat_solve_static (C, libbanditsor.a)" \
    sanitized "$ASANBUILD/heat_solve_static" 30 150 chebcb
check "ASan+UBSan: heat_cpp (C++, banditsor.hpp)" sanitized "$ASANBUILD/heat_cpp" 30 150
check "ASan+UBSan: heat_fortran (Fortran, gfortran sanitizers)" \
    sanitized "$ASANBUILD/heat_fortran" 30 150
build_sanitized_c() {
    # $1 source, $2 output
    clang -std=c99 -Wall -Wextra -Werror -pedantic $SAN -I"$PREFIX/include" "$1" \
        -L"$PREFIX/lib" -lbanditsor -Wl,-rpath,"$PREFIX/lib" -lpthread -lm -o "$2"
}
check "ASan+UBSan: failure_paths.c build (clang)" \
    build_sanitized_c tests/c/failure_paths.c "$TMP/failure_paths_asan"
mkdir -p "$TMP/scratch-asan"
check "ASan+UBSan: failure_paths" "$TMP/failure_paths_asan" "$TMP/scratch-asan"
check "ASan+UBSan: stress.c build (clang, pthreads)" \
    build_sanitized_c tests/c/stress.c "$TMP/stress_asan"
mkdir -p "$TMP/scratch-stress"
check "ASan+UBSan: stress (16 handles, 8 threads = 1 thread; shared read-only handle)" \
    sanitized "$TMP/stress_asan" "$TMP/scratch-stress"
build_stress() {
    cc -std=c99 -Wall -Wextra -Werror -pedantic -O2 -g -I"$PREFIX/include" tests/c/stress.c \
        -L"$PREFIX/lib" -lbanditsor -Wl,-rpath,"$PREFIX/lib" -lpthread -lm -o "$TMP/stress"
}
check "stress.c build (gcc)" build_stress
check "valgrind: stress" "${VG[@]}" "$TMP/stress" "$TMP/scratch-stress"

# ----- PETSc plugin through CMake (BANDITSOR_WITH_PETSC, component PETSc) -----
# Runs when PETSc is installed (pkg-config petsc or PETSC_DIR); with
# BANDITSOR_REQUIRE_PETSC=1 a missing PETSc is installed (Debian petsc-dev)
# and any failure counts. Otherwise its absence is reported as a skip.
have_petsc() { pkg-config --exists petsc 2>/dev/null || [ -n "${PETSC_DIR:-}" ]; }
if ! have_petsc && [ "${BANDITSOR_REQUIRE_PETSC:-0}" = 1 ]; then
    check "tools: install petsc-dev (BANDITSOR_REQUIRE_PETSC=1)" \
        env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends petsc-dev
fi
if have_petsc; then
    PPREFIX="$TMP/prefix-petsc"
    PEXBUILD="$TMP/examples-petsc"
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
    check "cmake -DBANDITSOR_WITH_PETSC=ON: configure, build, install" \
        bash -c "cmake -S . -B '$BUILD' -DBANDITSOR_WITH_PETSC=ON && cmake --build '$BUILD' &&
                 cmake --install '$BUILD' --prefix '$PPREFIX' &&
                 test -f '$PPREFIX/lib/libbanditsor_petsc.so' &&
                 test -f '$PPREFIX/include/banditsor_petsc.h'"
    check "c_examples with COMPONENTS PETSc: configure, build, ctest (petsc_heat)" \
        bash -c "cmake -S c_examples -B '$PEXBUILD' -DCMAKE_PREFIX_PATH='$PPREFIX' \
                   -DBANDITSOR_EXAMPLES_REQUIRE_PETSC=ON -DCMAKE_BUILD_TYPE=Release &&
                 cmake --build '$PEXBUILD' &&
                 ctest --test-dir '$PEXBUILD' --output-on-failure -R petsc_heat"
else
    SKIPPED=$((SKIPPED + 1))
    echo "SKIP  PETSc plugin via CMake: PETSc not installed (apt-get install petsc-dev, or set BANDITSOR_REQUIRE_PETSC=1)"
fi

# ----- Rust-side ABI checks ---------------------------------------------------------
check "cargo test --test ffi_header (banditsor.h is fresh)" cargo test --test ffi_header
check "cargo test --test ffi_bindgen (libclang required)" \
    env BANDITSOR_REQUIRE_LIBCLANG=1 cargo test --test ffi_bindgen
check "cargo test --test ffi_symbols (nm -D vs header)" \
    env BANDITSOR_REQUIRE_LIBCLANG=1 cargo test --test ffi_symbols
check "cargo test --test ffi_api (C ABI from Rust)" cargo test --test ffi_api
check "cargo test --lib ffi:: (panic boundary, status codes)" cargo test --lib ffi::

# The installed library exports exactly the header's functions, too.
check "installed libbanditsor.so: nm -D symbols match the header" \
    env BANDITSOR_REQUIRE_LIBCLANG=1 BANDITSOR_LIB="$PREFIX/lib/libbanditsor.so" \
    cargo test --test ffi_symbols

summary
[ "$FAILED" -eq 0 ]
