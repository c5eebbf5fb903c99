#!/usr/bin/env python3
"""Tables and plots of the heat-equation suite (benches/heat/run.sh), stdlib only.

  python3 benches/heat/tables.py LOGDIR OUTDIR

Reads every LOGDIR/nx<NX>-<strategy>-s<SEED>.log (one `banditsor heat
--threads 1` run each: its command line, start/end time and load average,
the demo's table) and writes OUTDIR/../heat.md (one table per nx),
OUTDIR/heat_iterations.tsv/.svg (iterations relative to omega = 1 against
nx, per strategy) and OUTDIR/heat_time.tsv/.svg (solving-thread CPU time
relative to plain CG against nx), the plots by benches/svgplot.py.

Time is the solving thread's CPU time inside the solves (the demo's cpu/it
column times its iterations): the machine is shared, wall time swings with
the load, CPU time much less. The wall time inside the solves (the demo's
solve column) is reported next to it; read it with the load of the runs. Learners: min / mean / max over the seeds
run. Best fixed omega in hindsight: the fixed-omega run with the fewest
iterations at that nx (of those run). Per-step best: iterations only (its
time would be that of the chosen solves, not a cost anyone can pay).
"""

import math
import os
import re
import subprocess
import sys
from collections import defaultdict

NAMES = {
    "default:auto": "default (SmoothTS, automatic context)",
    "smooth_ts:none": "SmoothTS, no context",
    "tsallis": "Tsallis-INF",
    "tsallis_cb": "Tsallis-INF-CB (kappa)",
    "chebcb": "ChebCB (kappa)",
}


def parse_log(path):
    text = open(path, encoding="utf-8").read()
    cmd = re.search(r"^# command: (.*)$", text, re.M).group(1).split()
    opts = dict(zip(cmd[2::2], cmd[3::2]))
    start = re.search(r"^# start: (.*) load: (.*)$", text, re.M)
    end = re.search(r"^# end: (.*) load: (.*)$", text, re.M)
    row = None
    for line in text.splitlines():
        if line.startswith(("CG ", "SSOR-CG", "per-step best")):
            f = line.split()
            # label ... iterations time solve solve/it cpu/it ratio omega failures
            row = {
                "iterations": int(f[-8]),
                "seconds": float(f[-7]),
                "solve_seconds": float(f[-6]),
                "cpu_seconds": float(f[-4]) * int(f[-8]) * 1e-6,
                "failures": int(f[-1]),
            }
    if row is None:
        sys.exit(f"heat tables: no result row in {path}")
    row.update(
        nx=int(opts["--nx"]), steps=int(opts["--steps"]), seed=int(opts["--seed"]),
        strategy=opts["--learners"], start=start.group(1), start_load=start.group(2),
        end=end.group(1), end_load=end.group(2),
    )
    return row


def spread(values, fmt):
    if len(values) == 1:
        return fmt(values[0])
    return f"{fmt(min(values))} / {fmt(sum(values) / len(values))} / {fmt(max(values))}"


def main():
    logdir, outdir = sys.argv[1], sys.argv[2]
    runs = [parse_log(os.path.join(logdir, f)) for f in sorted(os.listdir(logdir)) if f.endswith(".log")]
    if not runs:
        sys.exit(f"heat tables: no logs in {logdir}")
    by_nx = defaultdict(lambda: defaultdict(list))
    for r in runs:
        by_nx[r["nx"]][r["strategy"]].append(r)
    md = ["<!-- written by benches/heat/tables.py from benches/results/heat/logs -->", ""]
    iter_tsv = [("nx", "ratio", "strategy")]
    time_tsv = [("nx", "ratio", "strategy")]
    for nx in sorted(by_nx):
        strats = by_nx[nx]
        steps = sorted({r["steps"] for rs in strats.values() for r in rs})
        first = min(r["start"] for rs in strats.values() for r in rs)
        last = max(r["end"] for rs in strats.values() for r in rs)
        loads = [float(x.split()[0]) for rs in strats.values() for r in rs for x in (r["start_load"], r["end_load"])]
        one = strats.get("omega=1", [None])[0]
        cg = strats.get("cg", [None])[0]

        def rel(value, base, key):
            return "-" if base is None else f"{value / base[key]:.3f}"

        rows = []  # (label, strategy key, runs)
        fixed = sorted((k for k in strats if k.startswith("omega=")), key=lambda k: float(k[6:]))
        order = ["cg", "omega=1", "omega=1.5"]
        for key in order:
            if key in strats:
                rows.append((("plain CG" if key == "cg" else f"SSOR-PCG omega = {key[6:]}"), key, strats[key]))
        if len(fixed) >= 2:
            best = min(fixed, key=lambda k: strats[k][0]["iterations"])
            of = "the 20-omega grid" if len(fixed) == 20 else ", ".join(k[6:] for k in fixed)
            rows.append((f"best fixed omega in hindsight ({best[6:]}, of {of})", best, strats[best]))
        for key in sorted(k for k in strats if k.startswith("per-step-best")):
            grid = "10 omegas 1.0, 1.1, ..., 1.9" if key.endswith(":10") else "20 omegas 1.0, 1.05, ..., 1.95"
            rows.append((f"per-step best ({grid})", key, strats[key]))
        for key in NAMES:
            if key in strats:
                rows.append((NAMES[key], key, sorted(strats[key], key=lambda r: r["seed"])))
        md.append(f"### nx = {nx} (n = {(nx - 1) ** 2:,}), {', '.join(map(str, steps))} steps")
        md.append("")
        md.append(f"Runs {first} to {last}; load average (1 min) at the runs' starts and ends {min(loads):.1f} to {max(loads):.1f} on 2 cores.")
        md.append("")
        md.append("| strategy | seeds | iterations (min / mean / max) | vs omega = 1 | vs plain CG | CPU in solves [s] | CPU vs omega = 1 | CPU vs plain CG | wall in solves [s] | wall vs plain CG | failures |")
        md.append("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for label, key, rs in rows:
            its = [r["iterations"] for r in rs]
            cpu = [r["cpu_seconds"] for r in rs]
            wall = [r["solve_seconds"] for r in rs]
            mean_its = sum(its) / len(its)
            mean_cpu = sum(cpu) / len(cpu)
            mean_wall = sum(wall) / len(wall)
            oracle = key.startswith("per-step-best")
            md.append("| " + " | ".join([
                label,
                ",".join(str(r["seed"]) for r in rs) if key in NAMES else "-",
                spread(its, lambda v: f"{v:,.0f}"),
                rel(mean_its, one, "iterations"),
                rel(mean_its, cg, "iterations"),
                "-" if oracle else spread(cpu, lambda v: f"{v:.2f}" if v < 100 else f"{v:.0f}"),
                "-" if oracle else rel(mean_cpu, one, "cpu_seconds"),
                "-" if oracle else rel(mean_cpu, cg, "cpu_seconds"),
                "-" if oracle else spread(wall, lambda v: f"{v:.2f}" if v < 100 else f"{v:.0f}"),
                "-" if oracle else rel(mean_wall, cg, "solve_seconds"),
                str(sum(r["failures"] for r in rs)),
            ]) + " |")
            name = label.split(" (")[0] if key in NAMES or oracle else label
            if key not in ("cg",) and one is not None and (len(steps) == 1):
                iter_tsv.append((nx, f"{mean_its / one['iterations']:.4f}", name if not label.startswith("best fixed") else "best fixed omega"))
            if not oracle and cg is not None and len(steps) == 1:
                time_tsv.append((nx, f"{mean_cpu / cg['cpu_seconds']:.4f}", name if not label.startswith("best fixed") else "best fixed omega"))
        md.append("")
    os.makedirs(outdir, exist_ok=True)
    heat_md = os.path.join(os.path.dirname(outdir.rstrip("/")), "heat.md")
    with open(heat_md, "w", encoding="utf-8") as f:
        f.write("\n".join(md))
    print("\n".join(md))
    plot = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "svgplot.py")
    for name, rows, ylabel in (
        ("heat_iterations", iter_tsv, "iterations / omega = 1's"),
        ("heat_time", time_tsv, "CPU time in solves / plain CG's"),
    ):
        tsv = os.path.join(outdir, name + ".tsv")
        with open(tsv, "w", encoding="utf-8") as f:
            f.write("\n".join("\t".join(map(str, r)) for r in rows) + "\n")
        if len(rows) < 2:
            print(f"{name}: nothing to plot yet (needs omega = 1 / plain CG and another strategy at one nx)")
            continue
        if not os.path.exists(plot):
            sys.exit("heat tables: benches/svgplot.py missing (it lands with the kernels stage)")
        subprocess.run([sys.executable, plot, tsv, os.path.join(outdir, name + ".svg"), "--x", "nx", "--y", "ratio",
                        "--series", "strategy", "--logx", "--ylabel", ylabel, "--legend", "below",
                        "--title", f"2D heat equation: {ylabel} against nx"], check=True)
        print(f"plot written to {os.path.join(outdir, name + '.svg')}")


if __name__ == "__main__":
    main()
