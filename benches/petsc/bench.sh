#!/usr/bin/env bash
# PC apply time: banditsor at a fixed omega vs PETSc's own PCSOR (SSOR),
# same matrix, same number of applications, from -log_view.
#
#   bash benches/petsc/bench.sh            # builds the plugin if needed
#   REPS=9 ITS=100 bash benches/petsc/bench.sh
#
# Cases: ex2 -m 1000 -n 1000 (2D 5-point Laplacian, n = 1e6) and ex45 on a
# 100^3 grid (3D 7-point Laplacian, n = 1e6), serial. Each run does exactly
# ITS applications: -ksp_type cg -ksp_norm_type none -ksp_max_it ITS (CG
# calls PCApply once per iteration). A second pair runs SOR as the solver,
# -ksp_type richardson -ksp_norm_type none -ksp_max_it ITS, where both PCs
# take the PCApplyRichardson path; there the KSPSolve time is compared.
# Reported: the best of REPS runs (seconds; the two PCs alternate so load
# changes on the machine hit both alike), ratio = banditsor / PETSc, and
# both as effective GB/s: the nominal traffic of one pass over the matrix
# (values, column indices, row pointers) plus b read and x read and
# written, per half-sweep (a symmetric sweep from zero counts one pass, as
# both implementations read each row once there; a Richardson SSOR
# iteration counts two), divided by the time. Printed next to the
# streaming bandwidth of one core (triad, benches/petsc/triad.c) measured
# by this script on this machine.
#
# INDEX=64 runs the same against Debian's petsc64 (64-bit PetscInt); the
# plugin must then be built with BANDITSOR_PETSC_PKG=petsc64 (this script
# does so in $TARGET_BASE/petsc64 unless BANDITSOR_PETSC_LIB is given).
# Not a test: it prints a table and exits 0 unless a run fails.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
unset PETSC_OPTIONS
TUT=/usr/share/petsc/3.18/share/petsc/examples/src/ksp/ksp/tutorials
TARGET_BASE=${BANDITSOR_PETSC_TARGET:-$ROOT/target}
WORK=$TARGET_BASE/petsc-bench
REPS=${REPS:-5}
ITS=${ITS:-200}
INDEX=${INDEX:-32}
case "$INDEX" in
  32) PKG=petsc IDX_BYTES=4 ;;
  64) PKG=petsc64 IDX_BYTES=8 ;;
  *) echo "INDEX must be 32 or 64" >&2; exit 2 ;;
esac
LIB=${BANDITSOR_PETSC_LIB:-$TARGET_BASE/petsc$INDEX/release/libbanditsor_petsc.so}
WORK=$WORK/$PKG
mkdir -p "$WORK"

if [ -z "${BANDITSOR_PETSC_LIB:-}" ]; then
  echo "building the plugin (release, $PKG) in $TARGET_BASE/petsc$INDEX ..." >&2
  BANDITSOR_PETSC_PKG=$PKG CARGO_TARGET_DIR=$TARGET_BASE/petsc$INDEX cargo build -q -p banditsor_petsc --release --manifest-path "$ROOT/Cargo.toml"
fi
for ex in ex2 ex45; do
  # shellcheck disable=SC2046
  [ -x "$WORK/$ex" ] || mpicc -O2 -o "$WORK/$ex" "$TUT/$ex.c" $(pkg-config --cflags --libs $PKG) -lm
done
[ -x "$WORK/triad" ] || cc -O2 -o "$WORK/triad" "$ROOT/benches/petsc/triad.c"
TRIAD=$("$WORK/triad" 20000000 10 2>/dev/null)

# event_time LOG EVENT: max time column of -log_view
event_time() { awk -v e="$2" '$1 == e {print $4; exit}' "$1"; }
event_count() { awk -v e="$2" '$1 == e {print $2; exit}' "$1"; }

# time1 EVENT BIN ARGS...: "time count" of EVENT in one run
time1() {
  local ev=$1 bin=$2
  shift 2
  "$WORK/$bin" "$@" -log_view ascii:"$WORK/log.txt" >"$WORK/out.txt" 2>&1 || {
    cat "$WORK/out.txt" >&2
    exit 1
  }
  echo "$(event_time "$WORK/log.txt" "$ev") $(event_count "$WORK/log.txt" "$ev")"
}
min() { awk -v a="$1" -v b="$2" 'BEGIN {print (b == "" || a < b) ? a : b}'; }

declare -A CASE NNZ
CASE[ex2-2D-1e6]="ex2 -m 1000 -n 1000"
CASE[ex45-3D-1e6]="ex45 -da_grid_x 100 -da_grid_y 100 -da_grid_z 100"
# stored entries: ex2's 5-point stencil (edge rows shorter); ex45's 7-point
# stencil on the 98^3 interior, boundary rows hold only their diagonal
NNZ[ex2-2D-1e6]=$((5 * 1000 * 1000 - 4 * 1000))
NNZ[ex45-3D-1e6]=$((7 * 98 * 98 * 98 + 100 * 100 * 100 - 98 * 98 * 98))
ROWS=1000000

# gbs SECONDS PASSES_PER_CALL CALLS NNZ: effective GB/s (see the header)
gbs() {
  awk -v t="$1" -v p="$2" -v c="$3" -v nnz="$4" -v n="$ROWS" -v ib="$IDX_BYTES" \
    'BEGIN {printf "%.2f", p * c * (nnz * (8 + ib) + (n + 1) * ib + 3 * 8 * n) / t / 1e9}'
}

echo "PetscInt: $INDEX-bit; streaming bandwidth (triad, one core): $TRIAD GB/s"
printf '%-14s %-22s %6s %12s %12s %7s %9s %9s\n' "matrix" "measured" "calls" "PETSc sor" "banditsor" "ratio" "GB/s PETSc" "GB/s ours"
printf '%-14s %-22s %6s %12s %12s %7s %9s %9s\n' "------" "--------" "-----" "---------" "---------" "-----" "----------" "---------"
for name in ex2-2D-1e6 ex45-3D-1e6; do
  read -r -a c <<<"${CASE[$name]}"
  bin=${c[0]}
  args=("${c[@]:1}")
  for mode in cg richardson; do
    if [ "$mode" = cg ]; then ev=PCApply; what="PCApply (CG)"; else ev=KSPSolve; what="KSPSolve (Richardson)"; fi
    common=("${args[@]}" -ksp_type "$mode" -ksp_norm_type none -ksp_max_it "$ITS")
    # interleave the two PCs so that load changes hit both alike
    tp="" tb=""
    for _ in $(seq "$REPS"); do
      read -r t cp <<<"$(time1 "$ev" "$bin" "${common[@]}" -pc_type sor -pc_sor_symmetric)"
      tp=$(min "$t" "$tp")
      read -r t cb <<<"$(time1 "$ev" "$bin" "${common[@]}" -dll_append "$LIB" -pc_type banditsor -pc_banditsor_learner fixed -pc_banditsor_omega 1.0)"
      tb=$(min "$t" "$tb")
    done
    [ "$cp" = "$cb" ] || echo "warning: $name $mode: call counts differ ($cp vs $cb)" >&2
    ratio=$(awk -v a="$tb" -v b="$tp" 'BEGIN {printf "%.3f", a / b}')
    if [ "$mode" = cg ]; then passes=1 calls=$cb; else passes=2 calls=$ITS; fi
    printf '%-14s %-22s %6s %12s %12s %7s %9s %9s\n' "$name" "$what" "$cb" "$tp" "$tb" "$ratio" \
      "$(gbs "$tp" "$passes" "$calls" "${NNZ[$name]}")" "$(gbs "$tb" "$passes" "$calls" "${NNZ[$name]}")"
  done
done
echo "(seconds, best of $REPS runs, $ITS iterations each, serial, $INDEX-bit PetscInt; ratio = banditsor / PETSc)"
