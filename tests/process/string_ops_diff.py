#!/usr/bin/env python3
"""Strings built by concatenation against CPython: random programs, the same result.

    python3 tests/process/string_ops_diff.py --bp build/release/bp [--programs N] [--seed S]

Long concatenations share append buffers (runtime/string.cpp, "Appending in place"): a string may be
extended in place, copied, appended to itself, sliced, compared or used as a map key while other
strings of its buffer live on. Each generated program builds a list of strings by random
operations on earlier ones (`+` of a literal or of two earlier strings, an f-string of two of
them, a prefix slice, a loop of `+=` or of `s = f"{s}..."`, a plain alias), then prints a checksum
of their lengths and last bytes, the number of distinct ones (a map) and a checksum of which pairs
are equal. The BetterPython program and its
Python twin must print the same; the BetterPython one also under --gc-stress (a collection at every
allocation safepoint, so buffers are marked and swept between any two appends).
"""
from __future__ import annotations

import random
import sys

import diff_twins

SUMMARY_BP = """\
    let h: int = 0
    for s in v:
        m[s] = len(s)
        h = (h * 31 + len(s)) % 1000000007
        if len(s) > 0:
            h = (h * 31 + ord(s[len(s) - 1])) % 1000000007
    print(h, len(m))
    for i in range(len(v)):
        for j in range(len(v)):
            if v[i] == v[j]:
                h = (h + i * j) % 1000000007
    print(h)
    return 0
"""
SUMMARY_PY = """\
h = 0
for s in v:
    m[s] = len(s)
    h = (h * 31 + len(s)) % 1000000007
    if len(s) > 0:
        h = (h * 31 + ord(s[len(s) - 1])) % 1000000007
print(h, len(m))
for i in range(len(v)):
    for j in range(len(v)):
        if v[i] == v[j]:
            h = (h + i * j) % 1000000007
print(h)
"""


def generate(rng: random.Random, steps: int) -> tuple[str, str]:
    """One program as (BetterPython source, Python source)."""
    bp = ["def main() -> int:", '    let v: [str] = [""]', "    let m: {str: int} = {}"]
    py = ["v = ['']", "m = {}"]
    for i in range(steps):
        a, b = rng.randrange(i + 1), rng.randrange(i + 1)  # earlier strings (v has i + 1)
        op = rng.random()
        if op < 0.1:  # an f-string of earlier strings and a literal
            lit = "y" * rng.choice([1, 40, 300])
            bp.append(f'    array_push(v, f"{{v[{a}]}}{lit}{{v[{b}]}}{{len(v[{a}])}}")')
            py.append(f"v.append(f'{{v[{a}]}}{lit}{{v[{b}]}}{{len(v[{a}])}}')")
        elif op < 0.35:  # a literal appended: short or long, so both representations occur
            lit = "x" * rng.choice([1, 3, 50, 200, 300])
            bp.append(f'    array_push(v, v[{a}] + "{lit}")')
            py.append(f"v.append(v[{a}] + '{lit}')")
        elif op < 0.65:  # two earlier strings (the same one, at times)
            bp.append(f"    array_push(v, v[{a}] + v[{b}])")
            py.append(f"v.append(v[{a}] + v[{b}])")
        elif op < 0.75:  # a prefix of an earlier string, extended
            bp.append(f"    array_push(v, substr(v[{a}], 0, len(v[{a}]) / 2) + to_str({i}))")
            py.append(f"v.append(v[{a}][:len(v[{a}]) // 2] + str({i}))")
        elif op < 0.9:  # a loop of += from an earlier string (which stays in v)
            k = rng.randrange(1, 400)
            step = ("+= to_str(k % 10)", "+= str(k % 10)") if k % 2 else (f'= f"{{s{i}}}{{k % 10}}"', f"= f'{{s{i}}}{{k % 10}}'")
            bp += [f"    let s{i}: str = v[{a}]", f"    for k in range({k}):", f"        s{i} {step[0]}",
                   f"    array_push(v, s{i})"]
            py += [f"s{i} = v[{a}]", f"for k in range({k}):", f"    s{i} {step[1]}", f"v.append(s{i})"]
        else:  # an alias
            bp.append(f"    array_push(v, v[{a}])")
            py.append(f"v.append(v[{a}])")
    return "\n".join(bp) + "\n" + SUMMARY_BP, "\n".join(py) + "\n" + SUMMARY_PY


if __name__ == "__main__":
    sys.exit(diff_twins.main(lambda rng: generate(rng, 40), 60, 18, [[], ["--gc-stress"]]))
