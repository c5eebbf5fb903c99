#!/usr/bin/env bash
# Heat-equation suite of issue 9 (deliverable 4): the paper's 2D heat
# equation (demo/src/problems/heat.rs) solved by every strategy, one
# strategy and seed per process (`banditsor heat --threads 1`), at most
# JOBS processes at a time, then tables and plots (benches/heat/tables.py).
#
#   bash benches/heat/run.sh                     # the whole suite (hours)
#   NXS="400" bash benches/heat/run.sh           # one size
#   NXS="100" STRATS="per-step-best" SEEDS=0 bash benches/heat/run.sh
#   TABLES_ONLY=1 bash benches/heat/run.sh       # rebuild tables/plots from the logs
#
# Each run's log (command, start/end time, load average, the demo's table)
# goes to benches/results/heat/logs/nx<NX>-<strategy>-s<SEED>.log; the
# tables are built from every log present there, so sizes and strategies
# can be run in separate invocations. Steps per size: STEPS_<NX> (default
# 5000, 1000 at nx = 400). Fixed omegas: FIXED_<NX> (default the 20-omega
# grid of the learners, 1.0 .. 1.95; at nx = 400 a coarse subset).
# Learners run with SEEDS (default 0 1 2); deterministic strategies once.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OUT=$ROOT/benches/results/heat
LOGS=$OUT/logs
JOBS=${JOBS:-2}
NXS=${NXS:-400 50 100 200}
SEEDS=${SEEDS:-0 1 2}
GRID20="1 1.05 1.1 1.15 1.2 1.25 1.3 1.35 1.4 1.45 1.5 1.55 1.6 1.65 1.7 1.75 1.8 1.85 1.9 1.95"
LEARNERS="default:auto smooth_ts:none tsallis tsallis_cb chebcb"
BIN=$ROOT/target/release/banditsor
mkdir -p "$LOGS"

if [ "${TABLES_ONLY:-0}" != 1 ]; then
  echo "== heat: building the demo (release)"
  (cd "$ROOT" && cargo build --release -p banditsor-demo -q)
  jobs_file=$(mktemp "${TMPDIR:-/tmp}/banditsor-heat-jobs.XXXXXX")
  trap 'rm -f "$jobs_file"' EXIT
  for nx in $NXS; do
    steps_var=STEPS_$nx
    fixed_var=FIXED_$nx
    default_steps=5000
    default_fixed=$GRID20
    if [ "$nx" -ge 400 ]; then
      default_steps=1000
      default_fixed="1.8 1.85 1.9 1.95"
    fi
    steps=${!steps_var:-$default_steps}
    fixed=${!fixed_var:-$default_fixed}
    if [ -n "${STRATS:-}" ]; then
      strats=$STRATS
    else
      strats="cg"
      for w in 1 1.5 $fixed; do
        case " $strats " in *" omega=$w "*) ;; *) strats="$strats omega=$w" ;; esac
      done
      strats="$strats $LEARNERS"
      # The per-step oracle solves every step once per omega of its grid.
      if [ "$nx" -le 100 ]; then strats="$strats per-step-best"; fi
    fi
    for s in $strats; do
      case $s in
        cg | omega=* | per-step-best*) echo "$nx $steps $s 0" >>"$jobs_file" ;;
        *) for seed in $SEEDS; do echo "$nx $steps $s $seed" >>"$jobs_file"; done ;;
      esac
    done
  done
  total=$(wc -l <"$jobs_file")
  echo "== heat: $total runs, $JOBS at a time, logs in $LOGS"
  export BIN LOGS total
  # One run: the demo with one strategy on one thread; its log records the
  # command, the time and the load average before and after.
  one() {
    local nx=$1 steps=$2 strat=$3 seed=$4 log
    log=$LOGS/nx$nx-${strat//[:=]/_}-s$seed.log
    local cmd=("$BIN" heat --nx "$nx" --steps "$steps" --threads 1 --seed "$seed" --learners "$strat" --plot "$log.svg")
    {
      echo "# command: banditsor heat --nx $nx --steps $steps --threads 1 --seed $seed --learners $strat"
      echo "# start: $(date -u '+%Y-%m-%d %H:%M:%S UTC') load: $(cut -d' ' -f1-3 /proc/loadavg)"
    } >"$log.part"
    if nice -n 10 "${cmd[@]}" >>"$log.part" 2>&1; then
      echo "# end: $(date -u '+%Y-%m-%d %H:%M:%S UTC') load: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$log.part"
      rm -f "$log.svg"
      mv "$log.part" "$log"
      echo "   done $(date -u +%H:%M:%S): nx=$nx $strat seed $seed: $(awk '/^(CG|SSOR|per-step)/ {print $(NF - 7) " iterations"}' "$log")"
    else
      echo "   FAILED: nx=$nx $strat seed $seed (see $log.part)" >&2
      return 1
    fi
  }
  export -f one
  xargs -P "$JOBS" -L 1 bash -c 'one "$@"' _ <"$jobs_file"
fi

echo "== heat: tables and plots"
python3 "$ROOT/benches/heat/tables.py" "$LOGS" "$OUT"
