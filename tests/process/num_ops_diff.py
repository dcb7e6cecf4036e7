#!/usr/bin/env python3
"""Integer and float arithmetic and control flow against CPython: random programs, the same result.

    python3 tests/process/num_ops_diff.py --bp build/release/bp [--programs N] [--seed S]

The compiler picks among many instructions for the same operator (constant operands that fit 16
bits or not, compare-and-branch forms with the sense flipped, `a[i] = k` with the constant in the
instruction, abs/min/max as instructions, left-deep chains in one accumulator, and/or chains as
jumps), and the interpreter implements each one separately. Each generated program runs a loop of
random statements over five int variables, five floats, an [int] and a [bool]: assignments and
compound assignments of random expressions (ints: + - * / % & | ^ << >> unary - ~ abs min max,
calls of small functions, array reads with negative indexes; floats: + - * / %, the float math
builtins, fpow, atan2, int_to_float, with infinities, nans and negative zeros arising), stores with
constant and computed indexes, if/elif/else on random conditions (int and float comparisons, where
a nan makes `not (a < b)` differ from `a >= b`; is_nan, is_inf; and/or/not chains; bool elements),
inner for and while loops with break and continue. It prints running checksums and the final values.
The Python twin spells BetterPython's rules (LANGUAGE.md §6.2, §13) as functions: wrapping + - * and
unary minus, division truncating toward zero, a remainder with the dividend's sign, shifts of 64 or
more; float division by zero giving inf or nan; and the C library's own fmod, pow and math
functions (through ctypes), which return nan or inf where Python's math module raises.
"""
from __future__ import annotations

import random
import sys

import diff_twins

PRELUDE_PY = """\
import ctypes, math
libm = ctypes.CDLL("libm.so.6")
for f in ("sin", "cos", "tan", "asin", "acos", "atan", "log", "log10", "log2", "exp", "fabs", "floor",
          "ceil", "round", "sqrt", "fmod", "pow", "atan2"):
    getattr(libm, f).restype = ctypes.c_double
    getattr(libm, f).argtypes = [ctypes.c_double] * (2 if f in ("fmod", "pow", "atan2") else 1)
def fdiv(a, b):
    if b != 0.0:
        return a / b
    if a == 0.0 or a != a:
        return math.nan
    return math.inf if math.copysign(1.0, a) == math.copysign(1.0, b) else -math.inf
M = 1 << 64
def w(x):
    x &= M - 1
    return x - M if x >> 63 else x
def tdiv(a, b):
    q = abs(a) // abs(b)
    return w(q if (a < 0) == (b < 0) else -q)
def tmod(a, b):
    r = abs(a) % abs(b)
    return -r if a < 0 else r
def shl(a, c):
    return w(a << c)
"""

LITERALS = [0, 1, 2, 3, 5, 7, 10, 31, 100, -1, -2, -5, -100, 32767, -32768, 32768, -32769, 65535,
            123456789, -987654321012, 1 << 40, (1 << 62) + 12345, -(1 << 63), (1 << 63) - 1]
DIVISORS = [1, -1, 2, 3, 7, -8, 10, 1000, 40000, -(1 << 63)]
COMPARE = ["<", "<=", ">", ">=", "==", "!="]
FLOATS = ["0.0", "-0.0", "1.0", "-1.5", "0.1", "2.5", "0.5", "3.0", "-7.25", "1e308", "-1e308", "5e-324", "1e-300",
          "123456.789"]
FLOAT_MATH = ["sin", "cos", "tan", "asin", "acos", "atan", "log", "log10", "log2", "exp", "fabs", "ffloor",
              "fceil", "fround", "fsqrt"]  # libm's names: drop a leading f (not fabs)
FLOAT_VARS = [f"y{k}" for k in range(5)]
ARRAY_LEN = 8


class Twins:
    """Builds a BetterPython program and its Python twin side by side."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.bp: list[str] = []
        self.py: list[str] = []
        self.fresh = 0
        self.functions = 0

    def line(self, depth: int, bp: str, py: str) -> None:
        self.bp.append("    " * depth + bp)
        self.py.append("    " * depth + py)

    def name(self, prefix: str) -> str:
        self.fresh += 1
        return f"{prefix}{self.fresh}"

    # ---- expressions: (BetterPython text, Python text), every operation parenthesized
    def leaf(self, names: list[str]) -> tuple[str, str]:
        r = self.rng.random()
        if r < 0.45:
            v = self.rng.choice([n for n in names if n not in ("arr", "flags")])
            return v, v
        if r < 0.75:
            k = self.rng.choice(LITERALS)
            return str(k), str(k)
        if r < 0.85 and "arr" in names:
            k = self.rng.randrange(-ARRAY_LEN, ARRAY_LEN)
            return f"arr[{k}]", f"arr[{k}]"
        if "arr" in names:
            return "len(arr)", "len(arr)"
        k = self.rng.randrange(-40, 40)
        return str(k), str(k)

    def expr(self, names: list[str], depth: int) -> tuple[str, str]:
        if depth <= 0 or self.rng.random() < 0.25:
            return self.leaf(names)
        rng = self.rng
        a_bp, a_py = self.expr(names, depth - 1)
        b_bp, b_py = self.expr(names, depth - 1)
        r = rng.random()
        if r < 0.3:
            op = rng.choice("+-*")
            return f"({a_bp} {op} {b_bp})", f"w({a_py} {op} {b_py})"
        if r < 0.4:
            op, fn = rng.choice([("/", "tdiv"), ("%", "tmod")])
            if rng.random() < 0.5:
                d = rng.choice(DIVISORS)
                return f"({a_bp} {op} {d})", f"{fn}({a_py}, {d})"
            return f"({a_bp} {op} ({b_bp} | 1))", f"{fn}({a_py}, ({b_py} | 1))"
        if r < 0.52:
            op = rng.choice("&|^")
            return f"({a_bp} {op} {b_bp})", f"({a_py} {op} {b_py})"
        if r < 0.6:
            if rng.random() < 0.5:
                c = rng.choice([0, 1, 3, 31, 63, 64, 70])
                c_bp = c_py = str(c)
            else:
                c_bp, c_py = f"({b_bp} & 63)", f"({b_py} & 63)"
            if rng.random() < 0.5:
                return f"({a_bp} << {c_bp})", f"shl({a_py}, {c_py})"
            return f"({a_bp} >> {c_bp})", f"({a_py} >> {c_py})"
        if r < 0.68:
            return (f"(-{a_bp})", f"w(-{a_py})") if rng.random() < 0.6 else (f"(~{a_bp})", f"(~{a_py})")
        if r < 0.78:
            fn = rng.choice(["abs", "min", "max"])
            if fn == "abs":
                return f"abs({a_bp})", f"w(abs({a_py}))"
            return f"{fn}({a_bp}, {b_bp})", f"{fn}({a_py}, {b_py})"
        if r < 0.86 and "arr" in names:
            return f"arr[{a_bp} % {ARRAY_LEN}]", f"arr[tmod({a_py}, {ARRAY_LEN})]"
        if r < 0.94 and self.functions and "arr" in names:  # main calls the helpers
            g = rng.randrange(self.functions)
            return f"g{g}({a_bp}, {b_bp})", f"g{g}({a_py}, {b_py})"
        return f"({a_bp} + {b_bp} - {a_bp} * 3 + {b_bp})", f"w({a_py} + {b_py} - {a_py} * 3 + {b_py})"

    def fexpr(self, names: list[str], depth: int) -> tuple[str, str]:
        """A float expression over y0..y4 (main only) and the ints in `names`."""
        rng = self.rng
        floats = FLOAT_VARS if "arr" in names else []
        if depth <= 0 or rng.random() < 0.25:
            r = rng.random()
            if r < 0.5 and floats:
                v = rng.choice(floats)
                return v, v
            if r < 0.85:
                k = rng.choice(FLOATS)
                return k, k
            i_bp, i_py = self.expr(names, 1)
            return f"int_to_float({i_bp})", f"float({i_py})"
        a_bp, a_py = self.fexpr(names, depth - 1)
        b_bp, b_py = self.fexpr(names, depth - 1)
        r = rng.random()
        if r < 0.45:
            op = rng.choice("+-*")
            return f"({a_bp} {op} {b_bp})", f"({a_py} {op} {b_py})"
        if r < 0.6:
            return f"({a_bp} / {b_bp})", f"fdiv({a_py}, {b_py})"
        if r < 0.67:
            return f"({a_bp} % {b_bp})", f"libm.fmod({a_py}, {b_py})"
        if r < 0.72:
            return f"(-{a_bp})", f"(-{a_py})"
        if r < 0.9:
            fn = rng.choice(FLOAT_MATH)
            c_fn = fn if fn == "fabs" or fn[0] != "f" else fn[1:]
            return f"{fn}({a_bp})", f"libm.{c_fn}({a_py})"
        fn, c_fn = rng.choice([("fpow", "pow"), ("atan2", "atan2")])
        return f"{fn}({a_bp}, {b_bp})", f"libm.{c_fn}({a_py}, {b_py})"

    def cond(self, names: list[str], depth: int) -> tuple[str, str]:
        rng = self.rng
        r = rng.random()
        if (depth <= 0 or r < 0.5) and "arr" in names and rng.random() < 0.35:  # floats, nans among them
            a_bp, a_py = self.fexpr(names, 2)
            if rng.random() < 0.15:
                fn = rng.choice(["is_nan", "is_inf"])
                test = "math.isnan" if fn == "is_nan" else "math.isinf"
                return f"{fn}({a_bp})", f"{test}({a_py})"
            b_bp, b_py = self.fexpr(names, 1)
            op = rng.choice(COMPARE)
            return f"({a_bp} {op} {b_bp})", f"({a_py} {op} {b_py})"
        if depth <= 0 or r < 0.5:
            a_bp, a_py = self.expr(names, 2)
            op = rng.choice(COMPARE)
            if rng.random() < 0.5:
                if rng.random() < 0.5:  # a loop counter against its likely values: the boundaries
                    a_bp = a_py = rng.choice([n for n in names if n[0] in "ijc"] or ["0"])
                    k = rng.randrange(-1, 6)
                else:
                    k = rng.choice([0, 1, -1, 5, 100, -32768, 32767, 40000])
                return f"({a_bp} {op} {k})", f"({a_py} {op} {k})"
            b_bp, b_py = self.expr(names, 2)
            return f"({a_bp} {op} {b_bp})", f"({a_py} {op} {b_py})"
        if r < 0.8:
            parts = [self.cond(names, depth - 1) for _ in range(rng.randrange(2, 5))]
            kw = rng.choice(["and", "or"])
            return "(" + f" {kw} ".join(p[0] for p in parts) + ")", "(" + f" {kw} ".join(p[1] for p in parts) + ")"
        if r < 0.9:
            c_bp, c_py = self.cond(names, depth - 1)
            return f"(not {c_bp})", f"(not {c_py})"
        if "flags" in names:
            k = rng.randrange(-ARRAY_LEN, ARRAY_LEN)
            return f"flags[{k}]", f"flags[{k}]"
        return ("true", "True") if rng.random() < 0.5 else ("false", "False")

    # ---- statements
    def assign(self, depth: int, names: list[str], targets: list[str]) -> None:
        rng = self.rng
        if rng.random() < 0.35 and "arr" in names:  # a float variable
            y = rng.choice(FLOAT_VARS)
            f_bp, f_py = self.fexpr(names, 3)
            op = rng.choice(["=", "+=", "-=", "*=", "/="])
            if op == "/=":
                self.line(depth, f"{y} /= {f_bp}", f"{y} = fdiv({y}, {f_py})")
            elif op == "=":
                self.line(depth, f"{y} = {f_bp}", f"{y} = {f_py}")
            else:
                self.line(depth, f"{y} {op} {f_bp}", f"{y} = {y} {op[0]} ({f_py})")
            return
        e_bp, e_py = self.expr(names, 3)
        r = rng.random()
        if r < 0.35:
            x = rng.choice(targets)
            op = rng.choice(["=", "+=", "-=", "*=", "&=", "|=", "^=", "/=", "%=", "<<="])
            if op == "=":
                self.line(depth, f"{x} = {e_bp}", f"{x} = {e_py}")
            elif op in ("+=", "-=", "*="):
                self.line(depth, f"{x} {op} {e_bp}", f"{x} = w({x} {op[0]} {e_py})")
            elif op in ("&=", "|=", "^="):
                self.line(depth, f"{x} {op} {e_bp}", f"{x} = {x} {op[0]} {e_py}")
            elif op in ("/=", "%="):
                fn = "tdiv" if op == "/=" else "tmod"
                self.line(depth, f"{x} {op} ({e_bp} | 1)", f"{x} = {fn}({x}, ({e_py} | 1))")
            else:
                self.line(depth, f"{x} <<= ({e_bp} & 7)", f"{x} = shl({x}, {e_py} & 7)")
        elif r < 0.5:
            k = rng.randrange(-ARRAY_LEN, ARRAY_LEN)
            v = rng.choice([0, 1, -1, 7, 32767, -32768, 32768, 100000])  # fits the instruction or not
            self.line(depth, f"arr[{k}] = {v}", f"arr[{k}] = {v}")
        elif r < 0.62:
            i_bp, i_py = self.expr(names, 2)
            self.line(depth, f"arr[{i_bp} % {ARRAY_LEN}] = {e_bp}", f"arr[tmod({i_py}, {ARRAY_LEN})] = {e_py}")
        elif r < 0.7:
            k = rng.randrange(-ARRAY_LEN, ARRAY_LEN)
            self.line(depth, f"arr[{k}] += {e_bp}", f"arr[{k}] = w(arr[{k}] + {e_py})")
        elif r < 0.8:
            k = rng.randrange(-ARRAY_LEN, ARRAY_LEN)
            if rng.random() < 0.4:
                b = rng.choice([("true", "True"), ("false", "False")])
                self.line(depth, f"flags[{k}] = {b[0]}", f"flags[{k}] = {b[1]}")
            else:
                c_bp, c_py = self.cond(names, 2)
                self.line(depth, f"flags[{k}] = {c_bp}", f"flags[{k}] = {c_py}")
        else:
            x = rng.choice(targets)
            self.line(depth, f"{x} = {e_bp}", f"{x} = {e_py}")

    def block(self, depth: int, names: list[str], targets: list[str], loops: int, size: int) -> None:
        """`size` statements at `depth`; `loops` > 0: inside a loop (break/continue allowed)."""
        rng = self.rng
        for _ in range(size):
            r = rng.random()
            nested = depth < 5
            if r < 0.55 or not nested:
                self.assign(depth, names, targets)
            elif r < 0.72:
                c_bp, c_py = self.cond(names, 2)
                self.line(depth, f"if {c_bp}:", f"if {c_py}:")
                self.block(depth + 1, names, targets, loops, rng.randrange(1, 3))
                if rng.random() < 0.4:
                    c_bp, c_py = self.cond(names, 2)
                    self.line(depth, f"elif {c_bp}:", f"elif {c_py}:")
                    self.block(depth + 1, names, targets, loops, rng.randrange(1, 3))
                if rng.random() < 0.5:
                    self.line(depth, "else:", "else:")
                    self.block(depth + 1, names, targets, loops, rng.randrange(1, 3))
            elif r < 0.82:
                j = self.name("j")
                n = rng.randrange(0, 6)
                self.line(depth, f"for {j} in range({n}):", f"for {j} in range({n}):")
                self.block(depth + 1, names + [j], targets, loops + 1, rng.randrange(1, 4))
            elif r < 0.9:
                g = self.name("c")
                c_bp, c_py = self.cond(names, 1)
                self.line(depth, f"let {g}: int = 0", f"{g} = 0")
                self.line(depth, f"while {c_bp} and {g} < 4:", f"while {c_py} and {g} < 4:")
                self.line(depth + 1, f"{g} += 1", f"{g} += 1")
                self.block(depth + 1, names + [g], targets, loops + 1, rng.randrange(1, 4))
            elif loops:
                c_bp, c_py = self.cond(names, 1)
                kw = rng.choice(["break", "continue"])
                self.line(depth, f"if {c_bp}:", f"if {c_py}:")
                self.line(depth + 1, kw, kw)

    def function(self) -> None:
        g = self.functions
        self.line(0, f"def g{g}(a: int, b: int) -> int:", f"def g{g}(a, b):")
        c_bp, c_py = self.cond(["a", "b"], 1)
        e_bp, e_py = self.expr(["a", "b"], 3)
        self.line(1, f"if {c_bp}:", f"if {c_py}:")
        self.line(2, f"return {e_bp}", f"return {e_py}")
        e_bp, e_py = self.expr(["a", "b"], 3)
        self.line(1, f"return {e_bp}", f"return {e_py}")
        self.line(0, "", "")
        self.functions += 1


def generate(rng: random.Random) -> tuple[str, str]:
    t = Twins(rng)
    t.py.append(PRELUDE_PY)
    for _ in range(rng.randrange(1, 4)):
        t.function()
    xs = [f"x{k}" for k in range(5)]
    t.line(0, "def main() -> int:", "def main():")
    for x in xs:
        k = rng.choice(LITERALS)
        t.line(1, f"let {x}: int = {k}", f"{x} = {k}")
    arr = [rng.choice(LITERALS) for _ in range(ARRAY_LEN)]
    flags = [rng.random() < 0.5 for _ in range(ARRAY_LEN)]
    t.line(1, f"let arr: [int] = {arr}", f"arr = {arr}")
    t.line(1, f"let flags: [bool] = [{', '.join(str(f).lower() for f in flags)}]", f"flags = {flags}")
    for y in FLOAT_VARS:
        k = rng.choice(FLOATS)
        t.line(1, f"let {y}: float = {k}", f"{y} = {k}")
    t.line(1, "let h: int = 0", "h = 0")
    t.line(1, "let hf: float = 0.0", "hf = 0.0")
    n = rng.randrange(10, 40)
    t.line(1, f"for i in range({n}):", f"for i in range({n}):")
    t.block(2, xs + ["i", "arr", "flags"], xs, 1, rng.randrange(4, 12))
    for x in xs:
        t.line(2, f"h = h * 31 + {x}", f"h = w(h * 31 + {x})")
    for y in FLOAT_VARS:
        t.line(2, f"hf = hf * 0.5 + {y}", f"hf = hf * 0.5 + {y}")
    t.line(1, "print(h, x0, x1, x2, x3, x4)", "print(h, x0, x1, x2, x3, x4)")
    t.line(1, "print(hf, y0, y1, y2, y3, y4)", "print(hf, y0, y1, y2, y3, y4)")
    t.line(1, "for e in arr:", "for e in arr:")
    t.line(2, "print(e)", "print(e)")
    t.line(1, "for f in flags:", "for f in flags:")
    t.line(2, "if f:", "if f:")
    t.line(3, "print(1)", "print(1)")
    t.line(2, "else:", "else:")
    t.line(3, "print(0)", "print(0)")
    t.line(1, "return 0", "return 0")
    t.py.append("main()")
    return "\n".join(t.bp) + "\n", "\n".join(t.py) + "\n"


if __name__ == "__main__":
    sys.exit(diff_twins.main(generate, 150, 19, [[]]))
