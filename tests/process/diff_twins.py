"""Shared runner of the differential tests (string_ops_diff.py, num_ops_diff.py).

Each test generates random programs as twins, a BetterPython source and a Python one that must
print the same. This module runs both, BetterPython also under every extra flag set asked for, and
reports every program whose outputs (exit status, stdout, stderr) differ, with its source.
"""
from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Callable


def run(cmd: list[str]) -> str:
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    return f"exit {r.returncode}\n{r.stdout}{r.stderr}"


def main(generate: Callable[[random.Random], tuple[str, str]], default_programs: int, default_seed: int,
         flag_sets: list[list[str]]) -> int:
    """Parses --bp/--programs/--seed, runs the twins, prints a summary; the process exit status."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--bp", required=True)
    ap.add_argument("--programs", type=int, default=default_programs)
    ap.add_argument("--seed", type=int, default=default_seed)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(args.programs):
            bp_src, py_src = generate(rng)
            bp_file, py_file = Path(tmp, f"p{n}.bp"), Path(tmp, f"p{n}.py")
            bp_file.write_text(bp_src)
            py_file.write_text(py_src)
            want = run([sys.executable, str(py_file)])
            for extra in flag_sets:
                got = run([args.bp, *extra, str(bp_file)])
                if got != want:
                    failures += 1
                    print(f"program {n} (seed {args.seed}) {' '.join(extra)}: expected\n{want}got\n{got}\n"
                          f"--- source\n{bp_src}", file=sys.stderr)
    print(f"{args.programs} programs, {failures} mismatches")
    return 1 if failures else 0
