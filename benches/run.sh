#!/usr/bin/env bash
# The benchmark command of issue 9 (deliverable 4): runs the named stages
# in order, with progress output, each writing markdown tables and SVG plots
# into benches/results/ (committed; BENCHMARKS.md embeds them).
#
#   bash benches/run.sh [kernels] [heat] [petsc-ts] [all]     # no stage: all
#
#   kernels   bash benches/petsc/kernels.sh: SOR sweeps, banditsor against
#             PETSc's MatSOR in the same run, GB/s next to a triad
#   heat      bash benches/heat/run.sh: the paper's heat equation, nx 50..400,
#             every strategy, one process per strategy and seed, 2 at a time
#             (hours; NXS, STRATS, SEEDS, STEPS_<nx>, FIXED_<nx>, JOBS select)
#   petsc-ts  bash benches/petsc/ts_table.sh: PETSc TS ex13 200x200 with
#             banditsor against PCSOR, PCEISENSTAT, ILU(0), Jacobi, GAMG,
#             serial and mpiexec -n 2 (NPS, REPS, OMEGAS select)
#
# Needs PETSc (kernels, petsc-ts) and python3 (tables and plots, stdlib only).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
stages=("$@")
[ ${#stages[@]} -gt 0 ] || stages=(all)
run_stage() {
  local name=$1 script=$2
  [ -f "$ROOT/$script" ] || { echo "benches/run.sh: stage $name: $script missing" >&2; exit 1; }
  echo "=== stage $name: bash $script ($(date -u '+%H:%M:%S UTC'), load $(cut -d' ' -f1-3 /proc/loadavg))"
  local t0=$SECONDS
  bash "$ROOT/$script"
  echo "=== stage $name done in $((SECONDS - t0)) s"
}
for s in "${stages[@]}"; do
  case $s in
    kernels | heat | petsc-ts | all) ;;
    *) echo "benches/run.sh: unknown stage '$s' (expected kernels, heat, petsc-ts or all)" >&2; exit 2 ;;
  esac
done
for s in "${stages[@]}"; do
  case $s in
    kernels) run_stage kernels benches/petsc/kernels.sh ;;
    heat) run_stage heat benches/heat/run.sh ;;
    petsc-ts) run_stage petsc-ts benches/petsc/ts_table.sh ;;
    all)
      run_stage kernels benches/petsc/kernels.sh
      run_stage heat benches/heat/run.sh
      run_stage petsc-ts benches/petsc/ts_table.sh
      ;;
  esac
done
echo "=== results in benches/results/ (BENCHMARKS.md embeds them)"
