#!/usr/bin/env python3
"""Compiler limits on sources generated at run time (docs/reliability.md, "Compiler limits").

Each limit of the bytecode format must end in an ordinary diagnostic at the construct that exceeded
it - `file:line:col: error: message`, the source line, a caret - and exit 65, never a bare `bp:`
message. The sources are too big to commit (up to ~2.5 MB), so they are written to a temporary
directory. Usage: compile_limits.py --bp PATH [CASE...]
"""
from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path


def too_many_registers() -> tuple[str, str, int, str]:
    # Every local has its own register for the whole function: 65,600 lets exceed 65,520.
    lines = ["def main() -> int:"] + [f"    let v{i}: int = {i}" for i in range(65600)] + ["    return 0", ""]
    # main's registers: v0..v65519 fill the 65,520 registers, so `let v65520` is the first that cannot get one.
    return ("\n".join(lines), "function 'main' needs too many registers (the limit is 65520)", 65520 + 2,
            "    let v65520: int = 65520")


def too_many_constants() -> tuple[str, str, int, str]:
    # One left-deep chain of 70,000 distinct string literals: one register, but 65,535 is the
    # constant-pool limit, so literal number 65,535 (counting from 0) is the first without a slot.
    parts = " + ".join(f'"c{i}"' for i in range(70000))
    src = f"def main() -> int:\n    let s: str = {parts}\n    print(len(s))\n    return 0\n"
    return src, "too many constants in function 'main' (the limit is 65535)", 2, None


def branch_too_far() -> tuple[str, str, int, str]:
    # `if x < y:` is a 16-bit compare-and-branch; a body of 40,000 statements is farther than 32,767.
    body = [f"        x = x + y * {i % 7 + 2}" for i in range(40000)]
    lines = ["def main() -> int:", "    let x: int = 0", "    let y: int = 1", "    if x < y:"] + body + \
            ["    print(x)", "    return 0", ""]
    return ("\n".join(lines),
            "function 'main' is too large: this branch spans more than 32767 instructions", 4, "    if x < y:")


def too_many_lambdas() -> tuple[str, str, int, str]:
    # 66 functions of 1,000 lambdas each: 66,000 lambdas plus the defs exceed 65,536 functions.
    lines = []
    for f in range(66):
        lines.append(f"def f{f}() -> int:")
        lines.append("    let g: fn() -> int = fn() -> int: 0")
        for _ in range(999):
            lines.append("    g = fn() -> int: 1")
        lines.append("    return g()")
    lines += ["def main() -> int:", "    return f0()", ""]
    return "\n".join(lines), "too many functions and lambdas (the limit is 65536)", None, None


CASES = {
    "too_many_registers": too_many_registers,
    "too_many_constants": too_many_constants,
    "branch_too_far": branch_too_far,
    "too_many_lambdas": too_many_lambdas,
}


def check(bp: str, name: str, tmp: Path) -> list[str]:
    src, message, line, text = CASES[name]()
    path = tmp / f"{name}.bp"
    path.write_text(src)
    proc = subprocess.run([bp, path.name], cwd=tmp, capture_output=True, timeout=120)
    err = proc.stderr.decode("utf-8", "replace")
    problems = []
    if proc.returncode != 65:
        problems.append(f"exit code {proc.returncode}, expected 65")
    if proc.stdout:
        problems.append(f"unexpected stdout: {proc.stdout[:200]!r}")
    first, _, rest = err.partition("\n")
    m = re.fullmatch(re.escape(path.name) + r":(\d+):(\d+): error: (.*)", first)
    if not m:
        problems.append(f"first stderr line is not file:line:col: error: ...: {first[:300]!r}")
        return problems
    got_line, col, got_message = int(m.group(1)), int(m.group(2)), m.group(3)
    if got_message != message:
        problems.append(f"message {got_message!r}, expected {message!r}")
    if line is not None and got_line != line:
        problems.append(f"line {got_line}, expected {line}")
    source_lines = src.split("\n")
    shown = rest.split("\n")
    expected_source = source_lines[got_line - 1]
    if len(expected_source) <= 1000 and (len(shown) < 2 or shown[0] != expected_source):
        problems.append(f"source line not shown: {shown[:1]!r}")
    if text is not None and expected_source != text:
        problems.append(f"diagnostic on {expected_source!r}, expected {text!r}")
    if len(shown) < 2 or "^" not in shown[1]:
        problems.append("no caret line")
    elif len(expected_source) <= 1000 and shown[1].index("^") != col - 1:
        problems.append(f"caret at column {shown[1].index('^') + 1}, expected {col}")
    if err.count("error:") != 1:
        problems.append(f"{err.count('error:')} errors reported, expected 1")
    return problems


def main(argv) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bp", required=True)
    p.add_argument("cases", nargs="*", default=list(CASES))
    args = p.parse_args(argv)
    args.bp = str(Path(args.bp).resolve())
    failed = 0
    with tempfile.TemporaryDirectory(prefix="bp_limits_") as d:
        for name in args.cases:
            problems = check(args.bp, name, Path(d))
            print(f"{'PASS' if not problems else 'FAIL'} {name}")
            for pr in problems:
                print(f"    {pr}")
            failed += bool(problems)
    print(f"{len(args.cases) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
