#!/usr/bin/env bash
# Total linear iterations of unmodified PETSc tutorials with the plugin's
# learners against PETSc's PCSOR (SSOR) at fixed omegas: the evidence for
# the default learner (BENCHMARKS.md, "The default learner").
#
#   bash benches/petsc/learner_totals.sh       # builds the plugin and tutorials if needed
#
# KSP ex16: -ntimes 50 -m 60 -n 60 -ksp_type cg -ksp_rtol 1e-8 (50 solves of
# one 2D Laplacian, the sum of its "System N: iterations" lines).
# TS ex13: 2D heat equation, backward Euler, -da_grid_x 100 -da_grid_y 100
# -ts_max_steps 100 -ksp_type cg -ksp_rtol 1e-8 (two Newton steps per time
# step, so 200 linear solves; "total number of linear solver iterations"
# of -ts_view). Serial. Not a test: prints a table and exits 0 unless a
# run fails.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
unset PETSC_OPTIONS
KSP_TUT=/usr/share/petsc/3.18/share/petsc/examples/src/ksp/ksp/tutorials
TS_TUT=/usr/share/petsc/3.18/share/petsc/examples/src/ts/tutorials
TARGET_BASE=${BANDITSOR_PETSC_TARGET:-$ROOT/target}
WORK=$TARGET_BASE/petsc-learner-totals
mkdir -p "$WORK"
LIB=${BANDITSOR_PETSC_LIB:-$TARGET_BASE/petsc32/release/libbanditsor_petsc.so}
if [ ! -f "$LIB" ]; then
  (cd "$ROOT" && CARGO_TARGET_DIR="$TARGET_BASE/petsc32" cargo build -p banditsor_petsc --release)
fi
for src in "$KSP_TUT/ex16.c" "$TS_TUT/ex13.c"; do
  exe=$WORK/$(basename "$(dirname "$(dirname "$src")")")-$(basename "$src" .c)
  # shellcheck disable=SC2046
  [ -x "$exe" ] || mpicc -O2 -o "$exe" "$src" $(pkg-config --cflags --libs petsc) -lm
done
EX16=$WORK/ksp-ex16
EX13=$WORK/ts-ex13

ex16() { # label options...
  local log=$WORK/ex16-$1.log
  shift
  "$EX16" -ntimes 50 -m 60 -n 60 -ksp_type cg -ksp_rtol 1e-8 -ksp_converged_reason "$@" >"$log" 2>&1
  awk '/System [0-9]+: iterations/ {s += $NF} END {print s + 0}' "$log"
}
ex13() {
  local log=$WORK/ex13-$1.log
  shift
  "$EX13" -da_grid_x 100 -da_grid_y 100 -ts_max_steps 100 -ksp_type cg -ksp_rtol 1e-8 -ts_view "$@" >"$log" 2>&1
  awk -F= '/total number of linear solver iterations=/ {print $2; exit}' "$log"
}

printf '%-34s %12s %12s\n' "PC" "KSP ex16" "TS ex13"
row() { # label options...
  local label=$1
  shift
  local a b
  a=$(ex16 "$label" "$@") || { echo "ex16 $label failed: see $WORK/ex16-$label.log" >&2; exit 1; }
  b=$(ex13 "$label" "$@") || { echo "ex13 $label failed: see $WORK/ex13-$label.log" >&2; exit 1; }
  printf '%-34s %12s %12s\n' "$label" "$a" "$b"
}
row "banditsor-default" -dll_append "$LIB" -pc_type banditsor
row "banditsor-smooth_ts" -dll_append "$LIB" -pc_type banditsor -pc_banditsor_learner smooth_ts
row "banditsor-smooth_ts-ctx-none" -dll_append "$LIB" -pc_type banditsor -pc_banditsor_learner smooth_ts -pc_banditsor_context none
row "banditsor-tsallis" -dll_append "$LIB" -pc_type banditsor -pc_banditsor_learner tsallis
for w in 1 1.5 1.6 1.7 1.75 1.8 1.85 1.9 1.95; do
  row "sor-omega-$w" -pc_type sor -pc_sor_omega "$w"
done
echo "(total linear iterations; logs in $WORK)"
