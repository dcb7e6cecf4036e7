// Checker tests: expression typing, conversions, literals, calls, f-string specs.
#include "check_helper.hpp"

using namespace bp::check::test;

static std::string in_main(const std::string& body) { return "def main() -> void:\n" + body; }

TEST(CheckExpr, LetMismatchMessageAndSpan) {
    auto c = run_check(in_main("    let x: int = \"seven\"\n"));
    ASSERT_EQ(c->diags->all().size(), 1u) << c->dump();
    auto& d = c->diags->all()[0];
    EXPECT_EQ(d.message, "cannot assign str to variable of type int");
    EXPECT_EQ(c->sources.file(0).text().substr(d.span.begin, d.span.end - d.span.begin), "\"seven\"");
}

TEST(CheckExpr, IntFloatNeverMix) {
    EXPECT_CHECK_ERROR(in_main("    let x: float = 1 + 2.0\n"), "operator '+' cannot be applied to int and float");
    EXPECT_CHECK_ERROR(in_main("    let b: bool = 1 < 2.0\n"), "operator '<' cannot be applied to int and float");
    EXPECT_CHECK_ERROR(in_main("    let x: float = 5 % 2.0\n"), "operator '%' cannot be applied to int and float");
}

TEST(CheckExpr, Operators) {
    EXPECT_CHECK_OK(in_main("    let s: str = \"a\" + \"b\"\n    let b: bool = s < \"c\" and not (1 == 2)\n"
                            "    let i: int = (1 << 3) | 5 & ~2 ^ 7 >> 1\n    let f: float = -1.5 * 2.0 % 3.0\n"));
    EXPECT_CHECK_ERROR(in_main("    let x: float = 1.0 & 2.0\n"), "operator '&' cannot be applied to float and float");
    EXPECT_CHECK_ERROR(in_main("    if 1:\n        pass\n"), "condition must be bool, found int");
}

TEST(CheckExpr, NoCascade) {
    auto c = run_check(in_main("    let x: int = nope + 1 + 2\n"));
    EXPECT_EQ(c->diags->all().size(), 1u) << c->dump();
    EXPECT_TRUE(c->has("undefined name 'nope'"));
}

TEST(CheckExpr, EqualityAnyBoxes) {
    auto c = run_check(in_main("    let a: any = 1\n    let b: bool = a == 2\n"));
    EXPECT_TRUE(c->ok) << c->dump();
    EXPECT_CHECK_ERROR(in_main("    let b: bool = 1 == \"a\"\n"), "operator '==' cannot be applied to int and str");
}

TEST(CheckExpr, EmptyLiterals) {
    EXPECT_CHECK_OK(in_main("    let a: [int] = []\n    let m: {str: [int]} = {}\n    let n: [[str]] = [[], [\"a\"]]\n"
                            "    array_push(a, 1)\n    let mm: {str: [int]} = {\"k\": []}\n"));
    EXPECT_CHECK_ERROR(in_main("    print([])\n"), "cannot infer the type of an empty literal");
    EXPECT_CHECK_OK(in_main("    let xs: [[int]] = []\n    array_push(xs, [])\n"));
}

TEST(CheckExpr, ArrayLiteralElementsMustMatch) {
    auto c = run_check(in_main("    print([1, \"a\"])\n"));
    EXPECT_FALSE(c->ok);
}

TEST(CheckExpr, TupleAsArray) {
    auto c = run_check(in_main("    let t: [int] = (1, 2, 3)\n"));
    EXPECT_TRUE(c->ok) << c->dump();
}

TEST(CheckExpr, TupleIndexing) {
    EXPECT_CHECK_OK(in_main("    let t: (int, str) = (1, \"a\")\n    let s: str = t[1]\n    let n: int = t[-2]\n"));
    EXPECT_CHECK_ERROR(in_main("    let t: (int, str) = (1, \"a\")\n    print(t[2])\n"),
                       "tuple index 2 out of range for (int, str)");
    EXPECT_CHECK_ERROR(in_main("    let t: (int, str) = (1, \"a\")\n    let i: int = 0\n    print(t[i])\n"),
                       "a tuple index must be an integer literal");
}

TEST(CheckExpr, Indexing) {
    EXPECT_CHECK_OK(in_main("    let a: [int] = [1]\n    let s: str = \"ab\"[0]\n    let m: {str: int} = {\"a\": 1}\n"
                            "    let x: int = a[0] + m[\"a\"]\n    a[0] = 2\n    m[\"b\"] = 3\n"));
    EXPECT_CHECK_ERROR(in_main("    let s: str = \"ab\"\n    s[0] = \"c\"\n"), "cannot assign into str (it is immutable)");
}

TEST(CheckExpr, StructLiterals) {
    std::string p = "struct P:\n    x: int\n    y: int\n";
    EXPECT_CHECK_OK(p + in_main("    let a: P = P{y: 1, x: 2}\n    a.x = a.y\n"));
    EXPECT_CHECK_ERROR(p + in_main("    let a: P = P{x: 1}\n"), "missing field 'y' in P literal");
    EXPECT_CHECK_ERROR(p + in_main("    let a: P = P{x: 1, y: 2, z: 3}\n"), "struct P has no field 'z'");
    EXPECT_CHECK_ERROR(p + in_main("    let a: P = P{x: 1, y: 2, x: 3}\n"), "field 'x' given more than once");
}

TEST(CheckExpr, ErrorFields) {
    EXPECT_CHECK_OK(in_main("    try:\n        pass\n    catch e:\n        print(e.kind, e.message, e.traceback)\n"
                            "        let s: str = e\n"));
    EXPECT_CHECK_ERROR(in_main("    try:\n        pass\n    catch e:\n        e.message = \"x\"\n"),
                       "field 'message' is read-only");
}

TEST(CheckExpr, Calls) {
    EXPECT_CHECK_OK("def twice(x: int) -> int:\n    return x * 2\n"
                    "def apply(f: fn(int) -> int, x: int) -> int:\n    return f(x)\n"
                    "def main() -> int:\n    let g: fn(int) -> int = twice\n    return apply(twice, g(3)) + apply(fn(x: int) -> int: x, 1)\n");
    EXPECT_CHECK_ERROR("def f(x: int) -> int:\n    return x\ndef main() -> void:\n    print(f(\"a\"))\n",
                       "argument 1 of 'f': expected int, found str");
    EXPECT_CHECK_ERROR(in_main("    print(nothing(1))\n"), "undefined function 'nothing'");
    EXPECT_CHECK_ERROR(in_main("    let x: int = abs(\"s\")\n"), "argument 1 of 'abs': expected int, found str");
}

TEST(CheckExpr, BuiltinGenerics) {
    EXPECT_CHECK_OK(in_main("    let xs: [str] = [\"a\"]\n    let s: str = array_pop(xs)\n"
                            "    let m: {str: int} = {}\n    let ks: [str] = map_keys(m)\n    let ok: bool = map_has_key(m, \"a\")\n"
                            "    let n: int = len(xs) + len(m) + len(\"abc\") + len((1, 2))\n    array_sort(xs)\n"
                            "    let filled: [[int]] = array_fill(3, [])\n    print(typeof(1), to_str(xs))\n"));
    EXPECT_CHECK_ERROR(in_main("    let xs: [int] = []\n    array_push(xs, \"a\")\n"),
                       "argument 2 of 'array_push': expected int, found str");
    EXPECT_CHECK_ERROR(in_main("    let m: {str: int} = {}\n    print(map_has_key(m, 1))\n"),
                       "argument 2 of 'map_has_key': expected str, found int");
    EXPECT_CHECK_ERROR(in_main("    let xs: [bool] = []\n    array_sort(xs)\n"),
                       "array_sort needs an array of int, float, str or any, found [bool]");
    EXPECT_CHECK_ERROR(in_main("    print(len(1))\n"), "len() needs a str, array, map, bytes or tuple, found int");
}

TEST(CheckExpr, AnyConversions) {
    EXPECT_CHECK_OK(in_main("    let a: any = 1\n    let n: int = a\n    let m: int = a as int\n    let xs: [any] = [1, \"x\"]\n"));
    EXPECT_CHECK_ERROR(in_main("    let n: int = 1\n    let s: str = n as str\n"),
                       "cannot cast int to str (only from any or the same type)");
}

TEST(CheckExpr, FStringSpecs) {
    EXPECT_CHECK_OK(in_main("    let x: int = 3\n    let f: float = 1.5\n    let s: str = \"a\"\n"
                            "    print(f\"{x:>5} {x:08d} {x:#x} {x:,} {f:.2f} {f:e} {s:^6} {x:.1f} {s:.2}\")\n"));
    EXPECT_CHECK_ERROR(in_main("    let s: str = \"a\"\n    print(f\"{s:d}\")\n"),
                       "format spec 'd' does not fit a value of type str");
    EXPECT_CHECK_ERROR(in_main("    let f: float = 1.0\n    print(f\"{f:x}\")\n"),
                       "format spec 'x' does not fit a value of type float");
}

TEST(CheckExpr, LambdaNeedsMatchingBody) {
    EXPECT_CHECK_ERROR(in_main("    let f: fn(int) -> str = fn(x: int) -> str: x\n"),
                       "return type mismatch: expected str, found int");
}

TEST(CheckExpr, BuiltinNotValue) {
    EXPECT_CHECK_ERROR(in_main("    let f: fn(int) -> int = abs\n"), "builtin 'abs' is not a value (wrap it in a lambda)");
}
