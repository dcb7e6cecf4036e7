#!/usr/bin/env python3
"""Prints the benchmark table from hyperfine's JSON exports (the minimum of each command's runs)
and, with --svg FILE, draws the ratios as a bar chart (no plotting library needed).

Usage: report.py [--svg FILE] DIR NAME...   (reads DIR/NAME.json, written by bench/run.sh)
"""
import json
import math
import sys
from pathlib import Path

ANCHORS = [("lua", "lua5.4"), ("luajit", "luajit -joff"), ("python", "python3")]
COLOURS = {"lua": "#4a6fb5", "luajit": "#6fa84a", "python": "#d08a2c"}


def min_times(path: Path) -> dict:
    results = json.loads(path.read_text())["results"]
    return {r["command"]: min(r["times"]) for r in results}


def geomean(xs):
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else float("nan")


def svg_chart(rows, means) -> str:
    """Grouped bars: for each benchmark, bp's time divided by each anchor's (log scale, 1 = parity)."""
    names = [r["name"] for r in rows] + ["geomean"]
    ratios = [{k: r["ratio"].get(k) for k, _ in ANCHORS} for r in rows] + [means]
    lo, hi = 0.05, 4.0
    width, height, left, top, bottom = 900, 420, 60, 40, 90
    plot_h = height - top - bottom
    group = (width - left - 20) / len(names)
    bar = group / (len(ANCHORS) + 1)

    def y(v):
        v = min(max(v, lo), hi)
        return top + plot_h * (math.log(hi) - math.log(v)) / (math.log(hi) - math.log(lo))

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'font-family="sans-serif" font-size="12">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="{width / 2}" y="20" text-anchor="middle" font-size="15">'
           'BetterPython time / other interpreter time (log scale; below 1 = BetterPython faster)</text>']
    for tick in (0.05, 0.1, 0.2, 0.5, 1, 2, 4):
        ty = y(tick)
        style = 'stroke="black" stroke-width="1.5"' if tick == 1 else 'stroke="#ddd"'
        out.append(f'<line x1="{left}" x2="{width - 20}" y1="{ty:.1f}" y2="{ty:.1f}" {style}/>')
        out.append(f'<text x="{left - 6}" y="{ty + 4:.1f}" text-anchor="end">{tick:g}</text>')
    base = y(1)
    for i, (name, rs) in enumerate(zip(names, ratios)):
        gx = left + i * group + bar / 2
        for j, (key, _) in enumerate(ANCHORS):
            v = rs.get(key)
            if v is None:
                continue
            vy = y(v)
            x = gx + j * bar
            out.append(f'<rect x="{x:.1f}" y="{min(vy, base):.1f}" width="{bar - 2:.1f}" '
                       f'height="{abs(base - vy):.1f}" fill="{COLOURS[key]}"><title>{name} bp/{key} '
                       f'{v:.2f}</title></rect>')
        cx = gx + bar * len(ANCHORS) / 2
        weight = ' font-weight="bold"' if name == "geomean" else ""
        out.append(f'<text x="{cx:.1f}" y="{height - bottom + 16}" text-anchor="middle"{weight}>{name}</text>')
    for j, (key, label) in enumerate(ANCHORS):
        lx = left + j * 170
        out.append(f'<rect x="{lx}" y="{height - 40}" width="12" height="12" fill="{COLOURS[key]}"/>')
        out.append(f'<text x="{lx + 18}" y="{height - 30}">bp / {label}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main(argv) -> int:
    svg = None
    if len(argv) >= 2 and argv[0] == "--svg":
        svg, argv = Path(argv[1]), argv[2:]
    if len(argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 64
    out = Path(argv[0])
    rows = []
    for name in argv[1:]:
        t = min_times(out / f"{name}.json")
        ratio = {k: t["bp"] / t[k] for k, _ in ANCHORS if k in t}
        rows.append({"name": name, "t": t, "ratio": ratio})
    means = {k: geomean([r["ratio"][k] for r in rows if k in r["ratio"]]) for k, _ in ANCHORS}
    print()
    print(f"{'benchmark':<14} {'bp (s)':>8} {'lua (s)':>8} {'luajit (s)':>10} {'python (s)':>10} "
          f"{'bp/lua':>7} {'bp/jit':>7} {'bp/py':>7}")
    for r in rows:
        t, q = r["t"], r["ratio"]
        print(f"{r['name']:<14} {t['bp']:>8.3f} {t.get('lua', math.nan):>8.3f} {t.get('luajit', math.nan):>10.3f} "
              f"{t.get('python', math.nan):>10.3f} {q.get('lua', math.nan):>7.2f} {q.get('luajit', math.nan):>7.2f} "
              f"{q.get('python', math.nan):>7.2f}")
    print(f"{'geomean':<14} {'':>8} {'':>8} {'':>10} {'':>10} {means['lua']:>7.2f} {means['luajit']:>7.2f} "
          f"{means['python']:>7.2f}")
    print("(minimum wall time of each command's runs; a ratio below 1 means bp is faster)")
    if svg:
        svg.write_text(svg_chart(rows, means))
        print(f"chart: {svg}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
