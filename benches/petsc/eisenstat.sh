#!/usr/bin/env bash
# KSPSolve time and iterations of PETSc TS ex13 (2D heat equation, backward
# Euler, unmodified) with SSOR-CG: PCSOR and PCEISENSTAT at their best fixed
# omega, the plugin at that omega without and with -pc_banditsor_eisenstat,
# and the plugin learning omega (the default learner) without and with it
# (BENCHMARKS.md, "Eisenstat's trick in the PETSc plugin").
#
#   bash benches/petsc/eisenstat.sh            # builds the plugin and ex13 if needed
#   REPS=5 GRID=200 STEPS=200 bash benches/petsc/eisenstat.sh
#
# Every run: ex13 -da_grid_x GRID -da_grid_y GRID -ts_max_steps STEPS
# -ksp_type cg -ts_view -log_view, PETSc's default rtol 1e-5 (two Newton
# steps per time step, so 2 STEPS linear solves). "best omega": the omega of
# OMEGAS with the fewest total iterations, for PCSOR and PCEISENSTAT apart.
# KSPSolve time is the best of REPS runs (the cases alternate, so load changes
# on the machine hit all alike); iterations are those of -ts_view ("total
# number of linear solver iterations"). Serial, or NP=2 for mpiexec -n 2
# (then without PCEISENSTAT, which fails on MPIAIJ in PETSc 3.18.5: "No
# method multdiagonalblock for Mat of type seqaij"). Not a test: prints a
# table and exits 0 unless a run fails.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
unset PETSC_OPTIONS
TS_TUT=/usr/share/petsc/3.18/share/petsc/examples/src/ts/tutorials
TARGET_BASE=${BANDITSOR_PETSC_TARGET:-$ROOT/target}
NP=${NP:-1}
WORK=$TARGET_BASE/petsc-eisenstat-bench-np$NP
REPS=${REPS:-3}
GRID=${GRID:-200}
STEPS=${STEPS:-200}
OMEGAS=${OMEGAS:-1.8 1.85 1.9 1.93 1.95 1.97}
RUNNER=()
[ "$NP" -eq 1 ] || RUNNER=(mpiexec --oversubscribe -n "$NP")
mkdir -p "$WORK"
LIB=${BANDITSOR_PETSC_LIB:-$TARGET_BASE/petsc32/release/libbanditsor_petsc.so}
if [ ! -f "$LIB" ]; then
  (cd "$ROOT" && CARGO_TARGET_DIR="$TARGET_BASE/petsc32" cargo build -p banditsor_petsc --release)
fi
EX13=$WORK/ts-ex13
# shellcheck disable=SC2046
[ -x "$EX13" ] || mpicc -O2 -o "$EX13" "$TS_TUT/ex13.c" $(pkg-config --cflags --libs petsc) -lm

# run LABEL OPTIONS...: one ex13 run; prints "iterations KSPSolve-seconds"
run() {
  local log=$WORK/$1.log
  shift
  "${RUNNER[@]}" "$EX13" -da_grid_x "$GRID" -da_grid_y "$GRID" -ts_max_steps "$STEPS" -ksp_type cg -ts_view -log_view "$@" >"$log" 2>&1 ||
    { echo "failed: see $log" >&2; exit 1; }
  local its secs
  its=$(awk -F= '/total number of linear solver iterations=/ {print $2 + 0; exit}' "$log")
  secs=$(awk '$1 == "KSPSolve" {print $4; exit}' "$log")
  [ -n "$its" ] && [ -n "$secs" ] || { echo "no iterations or KSPSolve time in $log" >&2; exit 1; }
  echo "$its $secs"
}

echo "== best fixed omega (fewest total iterations) of: $OMEGAS"
best() { # pc-type omega-option
  local pc=$1 opt=$2 w its best_w="" best_its=""
  for w in $OMEGAS; do
    its=$(run "scan-$pc-$w" -pc_type "$pc" "$opt" "$w" | cut -d' ' -f1)
    echo "   $pc omega $w: $its iterations" >&2
    if [ -z "$best_its" ] || [ "$its" -lt "$best_its" ]; then
      best_its=$its
      best_w=$w
    fi
  done
  echo "$best_w"
}
W_SOR=$(best sor -pc_sor_omega)
LABELS=("PCSOR omega=$W_SOR")
ARGS=("-pc_type sor -pc_sor_omega $W_SOR")
if [ "$NP" -eq 1 ]; then
  W_EIS=$(best eisenstat -pc_eisenstat_omega)
  LABELS+=("PCEISENSTAT omega=$W_EIS")
  ARGS+=("-pc_type eisenstat -pc_eisenstat_omega $W_EIS")
fi
LABELS+=("banditsor fixed omega=$W_SOR" "banditsor fixed omega=$W_SOR, eisenstat"
  "banditsor learning (default)" "banditsor learning, eisenstat")
ARGS+=("-dll_append $LIB -pc_type banditsor -pc_banditsor_omega $W_SOR"
  "-dll_append $LIB -pc_type banditsor -pc_banditsor_omega $W_SOR -pc_banditsor_eisenstat"
  "-dll_append $LIB -pc_type banditsor"
  "-dll_append $LIB -pc_type banditsor -pc_banditsor_eisenstat")
declare -a ITS TIME
for rep in $(seq 1 "$REPS"); do
  for i in "${!LABELS[@]}"; do
    read -r -a a <<<"${ARGS[$i]}"
    read -r its secs <<<"$(run "case$i-rep$rep" "${a[@]}")"
    ITS[i]=$its
    if [ -z "${TIME[i]:-}" ] || awk -v s="$secs" -v b="${TIME[i]}" 'BEGIN {exit !(s < b)}'; then TIME[i]=$secs; fi
  done
  echo "   repetition $rep of $REPS done" >&2
done
echo
printf '%-40s %11s %14s %12s\n' "PC (TS ex13 ${GRID}x$GRID, $STEPS steps, CG, np=$NP)" iterations "KSPSolve (s)" "s / 1k its"
for i in "${!LABELS[@]}"; do
  printf '%-40s %11s %14s %12.3f\n' "${LABELS[$i]}" "${ITS[$i]}" "${TIME[$i]}" "$(awk -v t="${TIME[$i]}" -v n="${ITS[$i]}" 'BEGIN {print 1000 * t / n}')"
done
echo "(KSPSolve: best of $REPS runs, -log_view; iterations: -ts_view; logs in $WORK)"
