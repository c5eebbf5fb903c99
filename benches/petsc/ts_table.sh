#!/usr/bin/env bash
# PETSc TS ex13 (2D heat equation, backward Euler; Debian's
# libpetsc3.18-dev-examples, unmodified) with CG under the preconditioners a
# PETSc user would pick, against banditsor (issue 9, deliverable 4):
# total linear iterations (-ts_view) and KSPSolve time (-log_view).
#
#   bash benches/petsc/ts_table.sh                 # serial and mpiexec -n 2
#   NPS=1 REPS=3 GRID=200 STEPS=200 GAMG=1 bash benches/petsc/ts_table.sh
#
# Every run: ex13 -da_grid_x GRID -da_grid_y GRID -ts_max_steps STEPS
# -ksp_type cg -ts_view -log_view <PC options>, PETSc's default rtol 1e-5.
# Cases: the plugin learning (default learner), its Eisenstat mode learning
# and at the best fixed PCSOR omega, its normal mode at that omega, PCSOR omega = 1 and at the best of
# OMEGAS (fewest iterations, found by one run each), PCEISENSTAT at that
# omega (serial only: PETSc 3.18.5's PCEISENSTAT fails on MPIAIJ, "No
# method multdiagonalblock for Mat of type seqaij"), ILU(0) (serial
# -pc_type ilu; in parallel PETSc's default, block Jacobi with ILU(0)
# blocks), Jacobi and GAMG. REPS repetitions, the cases alternating within
# each, KSPSolve best and median. Writes benches/results/petsc_ts.md (and
# the logs to target/petsc-ts-table-np<NP>/). Not a test.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
unset PETSC_OPTIONS
TS_TUT=/usr/share/petsc/3.18/share/petsc/examples/src/ts/tutorials
TARGET_BASE=${BANDITSOR_PETSC_TARGET:-$ROOT/target}
NPS=${NPS:-1 2}
REPS=${REPS:-3}
GRID=${GRID:-200}
STEPS=${STEPS:-200}
OMEGAS=${OMEGAS:-1.8 1.85 1.9 1.93 1.95}
# GAMG sets up its hierarchy for each of the 2 STEPS Jacobians: by far the
# slowest case (GAMG=0 leaves it out).
GAMG=${GAMG:-1}
OUT=${OUT:-$ROOT/benches/results/petsc_ts.md}
[ -f "$TS_TUT/ex13.c" ] || { echo "petsc-ts: $TS_TUT/ex13.c missing (apt-get install libpetsc3.18-dev-examples)" >&2; exit 1; }
LIB=${BANDITSOR_PETSC_LIB:-$TARGET_BASE/petsc32/release/libbanditsor_petsc.so}
echo "== petsc-ts: building the plugin (release)"
(cd "$ROOT" && CARGO_TARGET_DIR="$TARGET_BASE/petsc32" cargo build -p banditsor_petsc --release -q)
mkdir -p "$TARGET_BASE/petsc-ts-table"
EX13=$TARGET_BASE/petsc-ts-table/ts-ex13
# shellcheck disable=SC2046
[ -x "$EX13" ] || mpicc -O2 -o "$EX13" "$TS_TUT/ex13.c" $(pkg-config --cflags --libs petsc) -lm

# run NP LABEL OPTIONS...: one ex13 run; prints "iterations KSPSolve-seconds"
run() {
  local np=$1 log=$WORK/$2.log
  shift 2
  local runner=()
  [ "$np" -eq 1 ] || runner=(mpiexec --oversubscribe -n "$np")
  nice -n 10 "${runner[@]}" "$EX13" -da_grid_x "$GRID" -da_grid_y "$GRID" -ts_max_steps "$STEPS" -ksp_type cg -ts_view -log_view "$@" >"$log" 2>&1 ||
    { echo "petsc-ts: run failed: see $log" >&2; return 1; }
  local its secs
  its=$(awk -F= '/total number of linear solver iterations=/ {print $2 + 0; exit}' "$log")
  secs=$(awk '$1 == "KSPSolve" {print $4; exit}' "$log")
  [ -n "$its" ] && [ -n "$secs" ] || { echo "petsc-ts: no iterations or KSPSolve time in $log" >&2; return 1; }
  echo "$its $secs"
}

{
  echo "<!-- written by benches/petsc/ts_table.sh; $(date -u '+%Y-%m-%d %H:%M UTC') -->"
  echo
} >"$OUT.part"
for np in $NPS; do
  WORK=$TARGET_BASE/petsc-ts-table-np$np
  mkdir -p "$WORK"
  start="$(date -u '+%Y-%m-%d %H:%M UTC'), load $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "== petsc-ts np=$np: best PCSOR omega (fewest iterations) of: $OMEGAS"
  best_w="" best_its=""
  declare -A SCAN=()
  for w in $OMEGAS; do
    its=$(run "$np" "scan-sor-$w" -pc_type sor -pc_sor_omega "$w" | cut -d' ' -f1)
    SCAN[$w]=$its
    echo "   PCSOR omega $w: $its iterations"
    if [ -z "$best_its" ] || [ "$its" -lt "$best_its" ]; then best_its=$its best_w=$w; fi
  done
  LABELS=("banditsor default (learning)" "banditsor Eisenstat mode (learning)"
    "banditsor Eisenstat mode, fixed omega = $best_w" "banditsor normal mode, fixed omega = $best_w"
    "PCSOR omega = 1" "PCSOR omega = $best_w (best of sweep)")
  ARGS=("-dll_append $LIB -pc_type banditsor"
    "-dll_append $LIB -pc_type banditsor -pc_banditsor_eisenstat"
    "-dll_append $LIB -pc_type banditsor -pc_banditsor_omega $best_w -pc_banditsor_eisenstat"
    "-dll_append $LIB -pc_type banditsor -pc_banditsor_omega $best_w"
    "-pc_type sor -pc_sor_omega 1" "-pc_type sor -pc_sor_omega $best_w")
  if [ "$np" -eq 1 ]; then
    LABELS+=("PCEISENSTAT omega = $best_w" "ILU(0)")
    ARGS+=("-pc_type eisenstat -pc_eisenstat_omega $best_w" "-pc_type ilu")
  else
    LABELS+=("block Jacobi + ILU(0) (PETSc's default)")
    ARGS+=("-pc_type bjacobi -sub_pc_type ilu")
  fi
  LABELS+=("Jacobi")
  ARGS+=("-pc_type jacobi")
  if [ "$GAMG" = 1 ]; then
    LABELS+=("GAMG")
    ARGS+=("-pc_type gamg")
  fi
  declare -a ITS=() TIMES=()
  for rep in $(seq 1 "$REPS"); do
    for i in "${!LABELS[@]}"; do
      read -r -a a <<<"${ARGS[$i]}"
      read -r its secs <<<"$(run "$np" "case$i-rep$rep" "${a[@]}")"
      ITS[i]=$its
      TIMES[i]="${TIMES[i]:-} $secs"
    done
    echo "   np=$np: repetition $rep of $REPS done ($(date -u +%H:%M:%S), load $(cut -d' ' -f1-3 /proc/loadavg))"
  done
  end="$(date -u '+%Y-%m-%d %H:%M UTC'), load $(cut -d' ' -f1-3 /proc/loadavg)"
  {
    echo "### TS ex13 ${GRID}x$GRID, $STEPS steps, CG, np = $np"
    echo
    echo "Run $start to $end; KSPSolve wall time from -log_view, best and median of $REPS alternating runs."
    echo "PCSOR sweep (iterations): $(for w in $OMEGAS; do printf '%s: %s; ' "$w" "${SCAN[$w]}"; done)"
    echo
    echo "| PC | iterations | KSPSolve best (s) | KSPSolve median (s) | all runs (s) | best vs banditsor default |"
    echo "| --- | ---: | ---: | ---: | --- | ---: |"
    base_best=$(tr ' ' '\n' <<<"${TIMES[0]}" | grep . | sort -g | head -1)
    for i in "${!LABELS[@]}"; do
      sorted=$(tr ' ' '\n' <<<"${TIMES[$i]}" | grep . | sort -g)
      b=$(head -1 <<<"$sorted")
      med=$(awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}' <<<"$sorted")
      printf '| %s | %s | %.3f | %.3f | %s | %.2f |\n' "${LABELS[$i]}" "${ITS[$i]}" "$b" "$med" "$(awk '{for (i = 1; i <= NF; i++) printf "%s%.2f", (i > 1 ? ", " : ""), $i}' <<<"${TIMES[$i]}")" "$(awk -v t="$b" -v r="$base_best" 'BEGIN {print t / r}')"
    done
    echo
  } >>"$OUT.part"
  unset SCAN ITS TIMES
done
mv "$OUT.part" "$OUT"
echo "== petsc-ts: table written to $OUT"
cat "$OUT"
