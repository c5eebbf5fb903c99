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
# changes on the machine hit both alike), ratio = banditsor / PETSc.
# Not a test: it prints a table and exits 0 unless a run fails.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
unset PETSC_OPTIONS
TUT=/usr/share/petsc/3.18/share/petsc/examples/src/ksp/ksp/tutorials
TARGET_BASE=${BANDITSOR_PETSC_TARGET:-$ROOT/target}
LIB=${BANDITSOR_PETSC_LIB:-$TARGET_BASE/petsc32/release/libbanditsor_petsc.so}
WORK=$TARGET_BASE/petsc-bench
REPS=${REPS:-5}
ITS=${ITS:-200}
mkdir -p "$WORK"

if [ -z "${BANDITSOR_PETSC_LIB:-}" ]; then
  echo "building the plugin (release) in $TARGET_BASE/petsc32 ..." >&2
  CARGO_TARGET_DIR=$TARGET_BASE/petsc32 cargo build -q -p banditsor_petsc --release --manifest-path "$ROOT/Cargo.toml"
fi
for ex in ex2 ex45; do
  # shellcheck disable=SC2046
  [ -x "$WORK/$ex" ] || mpicc -O2 -o "$WORK/$ex" "$TUT/$ex.c" $(pkg-config --cflags --libs petsc) -lm
done

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

declare -A CASE
CASE[ex2-2D-1e6]="ex2 -m 1000 -n 1000"
CASE[ex45-3D-1e6]="ex45 -da_grid_x 100 -da_grid_y 100 -da_grid_z 100"

printf '%-14s %-22s %6s %12s %12s %7s\n' "matrix" "measured" "calls" "PETSc sor" "banditsor" "ratio"
printf '%-14s %-22s %6s %12s %12s %7s\n' "------" "--------" "-----" "---------" "---------" "-----"
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
    printf '%-14s %-22s %6s %12s %12s %7s\n' "$name" "$what" "$cb" "$tp" "$tb" "$ratio"
  done
done
echo "(seconds, best of $REPS runs, $ITS iterations each, serial; ratio = banditsor / PETSc)"
