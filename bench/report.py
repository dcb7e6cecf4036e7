#!/usr/bin/env python3
"""Prints the benchmark table from hyperfine's JSON exports (the minimum of each command's runs).

Usage: report.py DIR NAME...   (reads DIR/NAME.json, written by bench/run.sh)
"""
import json
import math
import sys
from pathlib import Path


def min_times(path: Path) -> dict:
    results = json.loads(path.read_text())["results"]
    return {r["command"]: min(r["times"]) for r in results}


def geomean(xs):
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else float("nan")


def main(argv) -> int:
    if len(argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 64
    out = Path(argv[0])
    rows, vs_lua, vs_py = [], [], []
    for name in argv[1:]:
        t = min_times(out / f"{name}.json")
        bp, lua, py = t["bp"], t["lua"], t["python"]
        rows.append((name, bp, lua, py, bp / lua, bp / py))
        vs_lua.append(bp / lua)
        vs_py.append(bp / py)
    print()
    print(f"{'benchmark':<14} {'bp (s)':>9} {'lua (s)':>9} {'python (s)':>11} {'bp/lua':>8} {'bp/py':>8}")
    for name, bp, lua, py, rl, rp in rows:
        print(f"{name:<14} {bp:>9.3f} {lua:>9.3f} {py:>11.3f} {rl:>8.2f} {rp:>8.2f}")
    print(f"{'geomean':<14} {'':>9} {'':>9} {'':>11} {geomean(vs_lua):>8.2f} {geomean(vs_py):>8.2f}")
    print("(minimum wall time of each command's runs; a ratio below 1 means bp is faster)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
