#!/usr/bin/env python3
"""Independent check of the heat-equation iteration totals (issue 9, item 5).

A from-scratch numpy/scipy re-implementation of the paper's 2D heat
equation (as documented in src/problems/heat.rs) and of SSOR-preconditioned
CG with M = (D + wL) D^-1 (D + wU) / (w (2 - w)), warm start, rtol 1e-8 on
the true residual (MATLAB pcg's rule: test the recurrence residual, confirm
with the true one, continue from the true one if it fails). Shares no code
with the Rust implementation.

  /usr/bin/python3 benches/totals/heat_totals.py --nx 50 --steps 5000 \
      --omegas cg,1,1.5,1.6
  /usr/bin/python3 benches/totals/heat_totals.py --nx 100 --steps 1000 \
      --omegas cg,1,1.8 --per-step-best

Prints one line per strategy: total iterations over the steps.
"""
import argparse
import math
import sys
import time

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import splu


def kappa(t):
    s = math.sin(2 * math.pi * t)
    return max(0.1 * s, -10 * s)


def bump(x, y, cx, cy, r):
    d2 = ((x - cx) ** 2 + (y - cy) ** 2) / (r * r)
    out = np.zeros_like(d2)
    inside = d2 < 1.0
    out[inside] = np.exp(1.0 - 1.0 / (1.0 - d2[inside]))
    return out


def stiffness(nx):
    m = nx - 1
    h = 1.0 / nx
    t = sp.diags([-np.ones(m - 1), 2 * np.ones(m), -np.ones(m - 1)], [-1, 0, 1])
    eye = sp.identity(m)
    return ((sp.kron(eye, t) + sp.kron(t, eye)) / (h * h)).tocsr()


class Ssor:
    """z = M^-1 r for M = (D + wL) D^-1 (D + wU) / (w (2 - w))."""

    def __init__(self, a, w):
        d = a.diagonal()
        lower = sp.tril(a, -1)
        upper = sp.triu(a, 1)
        opts = dict(permc_spec="NATURAL", diag_pivot_thresh=0.0, options=dict(SymmetricMode=True))
        self.lo = splu((sp.diags(d) + w * lower).tocsc(), **opts)
        self.up = splu((sp.diags(d) + w * upper).tocsc(), **opts)
        self.d = d
        self.scale = w * (2.0 - w)

    def __call__(self, r):
        y = self.lo.solve(r)
        return self.scale * self.up.solve(self.d * y)


def pcg(a, b, x, rtol, max_it, precond):
    bnorm = np.linalg.norm(b)
    target = rtol * bnorm
    r = b - a @ x
    if np.linalg.norm(r) <= target:
        return 0
    z = precond(r)
    p = z.copy()
    rz = r @ z
    for k in range(1, max_it + 1):
        q = a @ p
        alpha = rz / (p @ q)
        x += alpha * p
        r -= alpha * q
        if np.linalg.norm(r) <= target:
            r = b - a @ x
            if np.linalg.norm(r) <= target:
                return k
        z = precond(r)
        rz_new = r @ z
        p = z + (rz_new / rz) * p
        rz = rz_new
    raise RuntimeError("no convergence")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nx", type=int, default=50)
    ap.add_argument("--steps", type=int, default=5000)
    ap.add_argument("--omegas", default="cg,1,1.5")
    ap.add_argument("--per-step-best", action="store_true",
                    help="also the per-step best of the paper's grid subset 1.0, 1.1, ..., 1.9 (10 omegas)")
    ap.add_argument("--rtol", type=float, default=1e-8)
    args = ap.parse_args()
    nx, dt = args.nx, 1e-3
    m = nx - 1
    h = 1.0 / nx
    k_mat = stiffness(nx)
    eye = sp.identity(m * m, format="csr")
    jj, ii = np.meshgrid(np.arange(m), np.arange(m))
    xs = ((jj + 1) * h).ravel()
    ys = ((ii + 1) * h).ravel()
    strategies = [s.strip() for s in args.omegas.split(",") if s.strip()]
    best_grid = [1.0 + 0.1 * i for i in range(10)]
    u = {s: bump(xs, ys, 0.5, 0.5, 0.25) for s in strategies}
    totals = {s: 0 for s in strategies}
    best_total = 0
    u_best = bump(xs, ys, 0.5, 0.5, 0.25)
    start = time.time()
    for step in range(args.steps):
        t_mid = (step + 0.5) * dt
        half = 0.5 * dt * kappa(t_mid)
        a = (eye + half * k_mat).tocsr()
        cx = 0.5 + math.cos(16 * math.pi * t_mid) / 4
        cy = 0.5 + math.sin(16 * math.pi * t_mid) / 4
        f = 32.0 * bump(xs, ys, cx, cy, 0.125)
        for s in strategies:
            b = u[s] - half * (k_mat @ u[s]) + dt * f
            x = u[s].copy()
            precond = (lambda r: r) if s == "cg" else Ssor(a, float(s))
            totals[s] += pcg(a, b, x, args.rtol, 10000, precond)
            u[s] = x
        if args.per_step_best:
            # Per-step best: every omega from the same state (the best
            # trajectory's own), the smallest count is charged.
            b = u_best - half * (k_mat @ u_best) + dt * f
            counts = []
            for w in best_grid:
                x = u_best.copy()
                counts.append((pcg(a, b, x, args.rtol, 10000, Ssor(a, w)), x))
            its, x = min(counts, key=lambda c: c[0])
            best_total += its
            u_best = x
        if (step + 1) % 100 == 0:
            done = ", ".join(f"{s}: {totals[s]}" for s in strategies)
            print(f"  step {step + 1}/{args.steps} ({time.time() - start:.0f} s): {done}"
                  + (f", per-step best: {best_total}" if args.per_step_best else ""),
                  file=sys.stderr, flush=True)
    print(f"nx = {nx}, {args.steps} steps, rtol {args.rtol:g}")
    for s in strategies:
        label = "plain CG" if s == "cg" else f"SSOR-PCG omega = {s}"
        print(f"{label:<28} {totals[s]:>10}")
    if args.per_step_best:
        print(f"{'per-step best of 10 omegas':<28} {best_total:>10}")


if __name__ == "__main__":
    main()
