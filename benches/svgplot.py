#!/usr/bin/env python3
"""svgplot.py - line charts from a TSV file as a standalone SVG (stdlib only).

The benchmark scripts in benches/ use it for the plots BENCHMARKS.md embeds;
there is no matplotlib on the machines they run on.

Input: a tab-separated file whose first line is a header. Two layouts:

  wide  (no --series): one x column, every other column (or the --y ones) is
        a line named by its header;
  long  (--series COL): columns x, y and COL; one line per distinct value of
        COL, in order of first appearance.

Empty cells, "-", "nan" and non-numbers are skipped (a gap, not a zero).
Lines beginning with "#" are comments.

Usage:
  python3 benches/svgplot.py DATA.tsv OUT.svg [options]

  --x COL            x column (name or 0-based index; default: the first)
  --y COL[,COL...]   y column(s) (wide layout; default: all but x / series)
  --series COL       long layout: the column naming each line
  --logx, --logy     logarithmic axis (positive values only)
  --title TEXT       title above the plot
  --xlabel TEXT      x axis label (default: the x column's name)
  --ylabel TEXT      y axis label (default: the y column's name, or "")
  --hline Y[:LABEL]  dashed horizontal reference line (repeatable)
  --ymin V, --ymax V fix the y range (default: the data's, padded)
  --width W, --height H   pixel size (default 900 x 560)
  --legend right|below    legend position (default right; below for many lines)
  --colour-by-first-word  series whose names share the first word share a
                     colour and differ by dash and marker (e.g. "2d forward",
                     "2d backward", "3d forward": one colour per matrix)

Examples:
  python3 benches/svgplot.py kernels.tsv kernels.svg --x n --y ratio \\
      --series case --logx --hline 0.9:goal --ylabel "banditsor / MatSOR"
  python3 benches/svgplot.py heat.tsv heat.svg --x nx --logy
"""

import argparse
import math
import sys
from xml.sax.saxutils import escape

# Distinguishable colours (Tableau 10 and a darker second set), then dash patterns
COLOURS = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
    "#393b79", "#ad494a", "#637939", "#8c6d31", "#7b4173", "#3182bd",
]
DASHES = ["", "6,3", "2,3", "8,3,2,3", "12,4"]
MARKERS = ["circle", "square", "triangle", "diamond"]


def parse_number(cell):
    try:
        v = float(cell)
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def read_tsv(path):
    with open(path, encoding="utf-8") as f:
        rows = [ln.rstrip("\n").split("\t") for ln in f if ln.strip() and not ln.startswith("#")]
    if not rows:
        sys.exit(f"svgplot: {path}: no header line")
    return rows[0], rows[1:]


def column(header, spec, what):
    if spec in header:
        return header.index(spec)
    try:
        i = int(spec)
    except ValueError:
        sys.exit(f"svgplot: {what} column '{spec}' not in the header {header}")
    if not 0 <= i < len(header):
        sys.exit(f"svgplot: {what} column index {i} out of range (header has {len(header)} columns)")
    return i


def collect_series(header, rows, args):
    """[(name, [(x, y), ...]), ...] in order of appearance"""
    xi = column(header, args.x, "x") if args.x is not None else 0
    series = {}
    if args.series is not None:
        si = column(header, args.series, "series")
        if args.y is None:
            rest = [i for i in range(len(header)) if i not in (xi, si)]
            if len(rest) != 1:
                sys.exit("svgplot: with --series give --y (more than one candidate column)")
            yi = rest[0]
        else:
            yi = column(header, args.y, "y")
        for r in rows:
            if max(xi, yi, si) >= len(r):
                continue
            x, y = parse_number(r[xi]), parse_number(r[yi])
            series.setdefault(r[si], [])
            if x is not None and y is not None:
                series[r[si]].append((x, y))
        ylabel = header[yi]
    else:
        ys = [column(header, c, "y") for c in args.y.split(",")] if args.y else [i for i in range(len(header)) if i != xi]
        for yi in ys:
            pts = []
            for r in rows:
                if max(xi, yi) >= len(r):
                    continue
                x, y = parse_number(r[xi]), parse_number(r[yi])
                if x is not None and y is not None:
                    pts.append((x, y))
            series[header[yi]] = pts
        ylabel = header[ys[0]] if len(ys) == 1 else ""
    out = []
    for name, pts in series.items():
        pts = [p for p in pts if (not args.logx or p[0] > 0) and (not args.logy or p[1] > 0)]
        pts.sort()
        out.append((name, pts))
    return out, header[xi], ylabel


def nice_step(span, target):
    raw = span / max(target, 1)
    mag = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * mag:
            return m * mag
    return 10 * mag


def linear_ticks(lo, hi, target=6):
    step = nice_step(hi - lo, target)
    t = math.ceil(lo / step - 1e-9) * step
    ticks = []
    while t <= hi + 1e-9 * step:
        ticks.append(round(t, 12))
        t += step
    return ticks


def log_ticks(lo, hi):
    """decades in [lo, hi]; also 2 and 5 times them when few decades"""
    a, b = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
    span = math.log10(hi) - math.log10(lo)
    mults = (1,) if span > 4 else (1, 2, 5) if span > 1.5 else (1, 2, 3, 5, 7)
    return [m * 10.0 ** e for e in range(a, b + 1) for m in mults if lo * (1 - 1e-9) <= m * 10.0 ** e <= hi * (1 + 1e-9)]


def fmt_tick(v):
    if v == 0:
        return "0"
    a = abs(v)
    if a >= 1e5 or a < 1e-3:
        m, e = f"{v:.0e}".split("e")
        return f"{m}e{int(e)}"
    if a >= 100 or float(v).is_integer():
        return f"{v:.0f}"
    return f"{v:.3g}"


def marker(kind, x, y, colour):
    r = 3.5
    if kind == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r}" fill="{colour}"/>'
    if kind == "square":
        return f'<rect x="{x - r:.1f}" y="{y - r:.1f}" width="{2 * r}" height="{2 * r}" fill="{colour}"/>'
    if kind == "triangle":
        return f'<polygon points="{x:.1f},{y - r - 1:.1f} {x - r:.1f},{y + r:.1f} {x + r:.1f},{y + r:.1f}" fill="{colour}"/>'
    return f'<polygon points="{x:.1f},{y - r - 1:.1f} {x + r + 1:.1f},{y:.1f} {x:.1f},{y + r + 1:.1f} {x - r - 1:.1f},{y:.1f}" fill="{colour}"/>'


def styles(names, by_first_word):
    """(colour, dash, marker) per series name"""
    if not by_first_word:
        return [(COLOURS[k % len(COLOURS)], DASHES[(k // len(COLOURS)) % len(DASHES)], MARKERS[k % len(MARKERS)]) for k in range(len(names))]
    groups, rests, out = [], [], []
    for name in names:
        head, _, rest = name.partition(" ")
        if head not in groups:
            groups.append(head)
        if rest not in rests:
            rests.append(rest)
        g, r = groups.index(head), rests.index(rest)
        out.append((COLOURS[g % len(COLOURS)], DASHES[r % len(DASHES)], MARKERS[r % len(MARKERS)]))
    return out


def render(series, args, xname, yname):
    pts = [p for _, s in series for p in s]
    if not pts:
        sys.exit("svgplot: no numeric points to plot")
    W, H = args.width, args.height
    names = [n for n, _ in series]
    legend_below = args.legend == "below"
    legend_w = 0 if legend_below else min(320, 40 + 7 * max(len(n) for n in names))
    legend_rows = math.ceil(len(names) / 3) if legend_below else 0
    left, right = 78, 20 + legend_w
    top, bottom = 44 if args.title else 20, 58 + 20 * legend_rows
    pw, ph = W - left - right, H - top - bottom

    xs = [p[0] for p in pts]
    ys = [p[1] for p in pts]
    hlines = []
    for h in args.hline or []:
        v, _, label = h.partition(":")
        hv = parse_number(v)
        if hv is None:
            sys.exit(f"svgplot: --hline {h}: not a number")
        hlines.append((hv, label))
        ys.append(hv)
    x0, x1 = min(xs), max(xs)
    y0 = args.ymin if args.ymin is not None else min(ys)
    y1 = args.ymax if args.ymax is not None else max(ys)
    if x0 == x1:
        x0, x1 = (x0 / 2, x1 * 2) if args.logx else (x0 - 1, x1 + 1)
    if y0 == y1:
        y0, y1 = (y0 / 2, y1 * 2) if args.logy else (y0 - 1, y1 + 1)
    # a little room so that markers on the range's ends are not cut
    if args.logx:
        pad = (math.log10(x1) - math.log10(x0)) * 0.03
        x0, x1 = 10 ** (math.log10(x0) - pad), 10 ** (math.log10(x1) + pad)
    else:
        pad = (x1 - x0) * 0.03
        x0, x1 = x0 - pad, x1 + pad
    if args.logy:
        pad = (math.log10(y1) - math.log10(y0)) * 0.05
        if args.ymin is None:
            y0 = 10 ** (math.log10(y0) - pad)
        if args.ymax is None:
            y1 = 10 ** (math.log10(y1) + pad)
    else:
        pad = (y1 - y0) * 0.05
        if args.ymin is None:
            y0 -= pad
        if args.ymax is None:
            y1 += pad

    def tx(x):
        f = (math.log10(x) - math.log10(x0)) / (math.log10(x1) - math.log10(x0)) if args.logx else (x - x0) / (x1 - x0)
        return left + f * pw

    def ty(y):
        f = (math.log10(y) - math.log10(y0)) / (math.log10(y1) - math.log10(y0)) if args.logy else (y - y0) / (y1 - y0)
        return top + (1 - f) * ph

    o = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" font-family="sans-serif" font-size="12">',
         f'<rect width="{W}" height="{H}" fill="#ffffff"/>']
    if args.title:
        o.append(f'<text x="{left + pw / 2:.1f}" y="26" text-anchor="middle" font-size="15">{escape(args.title)}</text>')
    # grid and ticks
    for t in (log_ticks(x0, x1) if args.logx else linear_ticks(x0, x1)):
        X = tx(t)
        o.append(f'<line x1="{X:.1f}" y1="{top}" x2="{X:.1f}" y2="{top + ph}" stroke="#000" stroke-opacity="0.1"/>')
        o.append(f'<text x="{X:.1f}" y="{top + ph + 16}" text-anchor="middle">{fmt_tick(t)}</text>')
    for t in (log_ticks(y0, y1) if args.logy else linear_ticks(y0, y1)):
        Y = ty(t)
        o.append(f'<line x1="{left}" y1="{Y:.1f}" x2="{left + pw}" y2="{Y:.1f}" stroke="#000" stroke-opacity="0.1"/>')
        o.append(f'<text x="{left - 6}" y="{Y + 4:.1f}" text-anchor="end">{fmt_tick(t)}</text>')
    o.append(f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="#000"/>')
    o.append(f'<text x="{left + pw / 2:.1f}" y="{top + ph + 38}" text-anchor="middle" font-size="13">{escape(args.xlabel if args.xlabel is not None else xname)}</text>')
    yl = args.ylabel if args.ylabel is not None else yname
    o.append(f'<text transform="translate(18,{top + ph / 2:.1f}) rotate(-90)" text-anchor="middle" font-size="13">{escape(yl)}</text>')
    for hv, label in hlines:
        Y = ty(hv)
        o.append(f'<line x1="{left}" y1="{Y:.1f}" x2="{left + pw}" y2="{Y:.1f}" stroke="#000" stroke-dasharray="4,4"/>')
        if label:
            o.append(f'<text x="{left + 4}" y="{Y - 4:.1f}" text-anchor="start" fill="#444">{escape(label)}</text>')
    # lines, clipped to the plot area
    o.append(f'<clipPath id="plot"><rect x="{left}" y="{top}" width="{pw}" height="{ph}"/></clipPath><g clip-path="url(#plot)">')
    style = styles(names, args.colour_by_first_word)
    for k, (name, s) in enumerate(series):
        colour, dash, mk = style[k]
        if len(s) > 1:
            d = " ".join(f"{tx(x):.1f},{ty(y):.1f}" for x, y in s)
            da = f' stroke-dasharray="{dash}"' if dash else ""
            o.append(f'<polyline points="{d}" fill="none" stroke="{colour}" stroke-width="1.8"{da}/>')
        if len(s) <= 40:
            o.extend(marker(mk, tx(x), ty(y), colour) for x, y in s)
    o.append("</g>")
    # legend
    for k, name in enumerate(names):
        colour, dash, mk = style[k]
        if legend_below:
            lx, ly = left + (k % 3) * (pw / 3), top + ph + 56 + 20 * (k // 3)
        else:
            lx, ly = left + pw + 14, top + 10 + 18 * k
        da = f' stroke-dasharray="{dash}"' if dash else ""
        o.append(f'<line x1="{lx:.1f}" y1="{ly:.1f}" x2="{lx + 24:.1f}" y2="{ly:.1f}" stroke="{colour}" stroke-width="1.8"{da}/>')
        o.append(marker(mk, lx + 12, ly, colour))
        o.append(f'<text x="{lx + 30:.1f}" y="{ly + 4:.1f}">{escape(name)}</text>')
    o.append("</svg>")
    return "\n".join(o) + "\n"


def main(argv=None):
    p = argparse.ArgumentParser(description="line chart from a TSV file as SVG (see the module docstring)")
    p.add_argument("data")
    p.add_argument("out")
    p.add_argument("--x")
    p.add_argument("--y")
    p.add_argument("--series")
    p.add_argument("--logx", action="store_true")
    p.add_argument("--logy", action="store_true")
    p.add_argument("--title")
    p.add_argument("--xlabel")
    p.add_argument("--ylabel")
    p.add_argument("--hline", action="append")
    p.add_argument("--ymin", type=float)
    p.add_argument("--ymax", type=float)
    p.add_argument("--width", type=int, default=900)
    p.add_argument("--height", type=int, default=560)
    p.add_argument("--legend", choices=["right", "below"], default="right")
    p.add_argument("--colour-by-first-word", action="store_true")
    args = p.parse_args(argv)
    header, rows = read_tsv(args.data)
    series, xname, yname = collect_series(header, rows, args)
    svg = render(series, args, xname, yname)
    with open(args.out, "w", encoding="utf-8") as f:
        f.write(svg)


if __name__ == "__main__":
    main()
