// Parser round trips through the AST dumper: every statement and expression form, precedence.
#include "test_util.hpp"

#include <gtest/gtest.h>

using bp::test::parse_body;
using bp::test::parse_expr_text;
using bp::test::parse_source;

namespace {

TEST(ParserExpr, Literals) {
    EXPECT_EQ(parse_expr_text("42"), "42");
    EXPECT_EQ(parse_expr_text("1.5"), "1.5f");
    EXPECT_EQ(parse_expr_text("true"), "true");
    EXPECT_EQ(parse_expr_text("\"a\\n\""), "\"a\\n\"");
    EXPECT_EQ(parse_expr_text("[1, 2, 3,]"), "(array 1 2 3)");
    EXPECT_EQ(parse_expr_text("[]"), "(array)");
    EXPECT_EQ(parse_expr_text("{}"), "(map)");
    EXPECT_EQ(parse_expr_text("{\"a\": 1, \"b\": 2}"), "(map (\"a\" 1) (\"b\" 2))");
    EXPECT_EQ(parse_expr_text("(1, \"a\")"), "(tuple 1 \"a\")");
    EXPECT_EQ(parse_expr_text("(1)"), "1");
    EXPECT_EQ(parse_expr_text("-9223372036854775808"), "-9223372036854775808");
    EXPECT_EQ(parse_expr_text("0xFFFFFFFFFFFFFFFF"), "-1");
}

TEST(ParserExpr, Precedence) {
    EXPECT_EQ(parse_expr_text("x & 1 == 0"), "(== (& x 1) 0)");
    EXPECT_EQ(parse_expr_text("not a == b"), "(not (== a b))");
    EXPECT_EQ(parse_expr_text("a or b and c"), "(or a (and b c))");
    EXPECT_EQ(parse_expr_text("not a and not b"), "(and (not a) (not b))");
    EXPECT_EQ(parse_expr_text("a | b ^ c & d"), "(| a (^ b (& c d)))");
    EXPECT_EQ(parse_expr_text("a << 1 + 2"), "(<< a (+ 1 2))");
    EXPECT_EQ(parse_expr_text("a + b * c - d"), "(- (+ a (* b c)) d)");
    EXPECT_EQ(parse_expr_text("a - b - c"), "(- (- a b) c)");
    EXPECT_EQ(parse_expr_text("a * b as int"), "(* a (as b int))");
    EXPECT_EQ(parse_expr_text("-x as float"), "(as (neg x) float)");
    EXPECT_EQ(parse_expr_text("-a.b[0](1)"), "(neg (call (index (. a b) 0) 1))");
    EXPECT_EQ(parse_expr_text("~x + 1"), "(+ (~ x) 1)");
}

TEST(ParserExpr, Postfix) {
    EXPECT_EQ(parse_expr_text("f(x, y)"), "(call f x y)");
    EXPECT_EQ(parse_expr_text("f()"), "(call f)");
    EXPECT_EQ(parse_expr_text("a[i][j]"), "(index (index a i) j)");
    EXPECT_EQ(parse_expr_text("o.f.g"), "(. (. o f) g)");
    EXPECT_EQ(parse_expr_text("Color.RED"), "(. Color RED)");
    EXPECT_EQ(parse_expr_text("Point{x: 1, y: 2}"), "(struct-lit Point (x 1) (y 2))");
    EXPECT_EQ(parse_expr_text("m.Point{x: 1}"), "(struct-lit m.Point (x 1))");
    EXPECT_EQ(parse_expr_text("new Dog(\"rex\")"), "(new Dog \"rex\")");
    EXPECT_EQ(parse_expr_text("super.speak()"), "(call (. super speak))");
    EXPECT_EQ(parse_expr_text("super().m()"), "(call (. (call super) m))");
    EXPECT_EQ(parse_expr_text("self.x"), "(. self x)");
}

TEST(ParserExpr, Lambda) {
    EXPECT_EQ(parse_expr_text("fn(x: int, y: int) -> int: x * y + base"),
              "(lambda ((x int) (y int)) int (+ (* x y) base))");
    EXPECT_EQ(parse_expr_text("apply(fn(x: int) -> int: x + 1, 3)"),
              "(call apply (lambda ((x int)) int (+ x 1)) 3)");
}

TEST(ParserExpr, FString) {
    EXPECT_EQ(parse_expr_text("f\"a{x}b{y:>5}{{}}\""), "(fstr \"a\" {x} \"b\" {y :>5} \"{}\")");
    EXPECT_EQ(parse_expr_text("f\"{d[\\\"k\\\"]}\""), "(fstr {(index d \"k\")})");
    EXPECT_EQ(parse_expr_text("f'{d[\"k\"]:.2f}'"), "(fstr {(index d \"k\") :.2f})");
    EXPECT_EQ(parse_expr_text("f\"{f(a, [1, 2])}\""), "(fstr {(call f a (array 1 2))})");
    EXPECT_EQ(parse_expr_text("f\"{ {1: 2}[1] }\""), "(fstr {(index (map (1 2)) 1)})");
}

TEST(ParserType, Types) {
    auto r = parse_source("let g: {str: [int]} = {}\nlet h: fn(int, str) -> (int, [str]) = f\n"
                          "let i: m.Point = p\nlet j: ptr = q\n");
    EXPECT_EQ(r.errors, "");
    EXPECT_EQ(r.ast, "(global g {str: [int]} (map))\n(global h fn(int, str) -> (int, [str]) f)\n"
                     "(global i m.Point p)\n(global j ptr q)\n");
    r = parse_source("let g: i32 = 0\n");
    EXPECT_EQ(r.errors, "1:8: fixed-width integer types are not supported\n");
}

TEST(ParserStmt, Simple) {
    EXPECT_EQ(parse_body("    let n: int = 0\n"), "(let n int 0)");
    EXPECT_EQ(parse_body("    let (a, b) = t\n"), "(let-tuple (a b) _ t)");
    EXPECT_EQ(parse_body("    let (a, b): (int, str) = 1, \"x\"\n"), "(let-tuple (a b) (int, str) (tuple 1 \"x\"))");
    EXPECT_EQ(parse_body("    p.pts[i].x = 3\n"), "(= (. (index (. p pts) i) x) 3)");
    EXPECT_EQ(parse_body("    a[k()] += 1\n"), "(+= (index a (call k)) 1)");
    EXPECT_EQ(parse_body("    x <<= 2\n"), "(<<= x 2)");
    EXPECT_EQ(parse_body("    a, b = b, a\n"), "(tuple= (a b) (tuple b a))");
    EXPECT_EQ(parse_body("    a, b = t\n"), "(tuple= (a b) t)");
    EXPECT_EQ(parse_body("    break\n    continue\n    pass\n"), "(break) (continue) (pass)");
    EXPECT_EQ(parse_body("    return\n"), "(return)");
    EXPECT_EQ(parse_body("    return x * 2\n"), "(return (* x 2))");
    EXPECT_EQ(parse_body("    throw\n"), "(throw)");
    EXPECT_EQ(parse_body("    throw ValueError(\"neg\")\n"), "(throw (call ValueError \"neg\"))");
}

TEST(ParserStmt, Compound) {
    EXPECT_EQ(parse_body("    if x < 0:\n        a()\n    elif x == 0:\n        b()\n    else:\n        c()\n"),
              "(if ((< x 0) (block (expr (call a)))) ((== x 0) (block (expr (call b)))) (else (block (expr (call c)))))");
    EXPECT_EQ(parse_body("    if x > 0: return x\n    return 0\n"), "(if ((> x 0) (block (return x)))) (return 0)");
    EXPECT_EQ(parse_body("    while not done:\n        pass\n"), "(while (not done) (block (pass)))");
    EXPECT_EQ(parse_body("    for i in range(10):\n        pass\n"), "(for-range i (10) (block (pass)))");
    EXPECT_EQ(parse_body("    for i in range(10, 0, -2): pass\n"), "(for-range i (10 0 (neg 2)) (block (pass)))");
    EXPECT_EQ(parse_body("    for x in xs:\n        pass\n"), "(for x xs (block (pass)))");
    EXPECT_EQ(parse_body("    for x in m.range(3):\n        pass\n"), "(for x (call (. m range) 3) (block (pass)))");
    EXPECT_EQ(parse_body("    match cmd:\n        case \"go\":\n            pass\n        case \"stop\": break\n"
                         "        default:\n            pass\n"),
              "(match cmd (case \"go\" (block (pass))) (case \"stop\" (block (break))) (default (block (pass))))");
}

TEST(ParserStmt, TryCatch) {
    EXPECT_EQ(parse_body("    try:\n        f()\n    catch ValueError as e:\n        pass\n    catch e:\n        pass\n"
                         "    finally:\n        g()\n"),
              "(try (block (expr (call f))) (catch (ValueError) e (block (pass))) (catch () e (block (pass))) "
              "(finally (block (expr (call g)))))");
    EXPECT_EQ(parse_body("    try:\n        f()\n    catch:\n        pass\n"),
              "(try (block (expr (call f))) (catch () _ (block (pass))))");
    EXPECT_EQ(parse_body("    try:\n        f()\n    catch ValueError:\n        pass\n"),
              "(try (block (expr (call f))) (catch (ValueError) _ (block (pass))))");
    EXPECT_EQ(parse_body("    try:\n        f()\n    catch (LockError, DeadlockError) as e:\n        pass\n"),
              "(try (block (expr (call f))) (catch (LockError DeadlockError) e (block (pass))))");
}

TEST(ParserDecl, TopLevel) {
    auto r = parse_source(
        "import m\nimport m as n\nimport m (f, Point)\n"
        "export def add(a: int, b: int) -> int:\n    return a + b\n"
        "@packed\nstruct Point:\n    x: float\n    y: float\n    def norm(self) -> float:\n        return 0.0\n"
        "enum Color:\n    RED\n    GREEN = 5\n    BLUE = -1\n"
        "class Dog(Animal):\n    name: str\n    def speak(self) -> str:\n        return super.speak()\n"
        "extern fn cos_c(x: float) -> float from \"libm.so.6\" as \"cos\"\n"
        "let counter: int = 0\n");
    EXPECT_EQ(r.errors, "");
    EXPECT_EQ(r.ast,
              "(import m)\n(import m as n)\n(import m (f Point))\n"
              "(export (def add ((a int) (b int)) int (block (return (+ a b)))))\n"
              "(struct Point (x float) (y float) (def norm (self) float (block (return 0f))))\n"
              "(enum Color RED (GREEN 5) (BLUE -1))\n"
              "(class Dog(Animal) (name str) (def speak (self) str (block (return (call (. super speak))))))\n"
              "(extern cos_c ((x float)) float \"libm.so.6\" \"cos\")\n"
              "(global counter int 0)\n");
}

TEST(ParserLayout, ImplicitJoiningAndComments) {
    auto r = parse_source("def f() -> void:\n    let a: [int] = [1,\n  2,\n        3]\n# comment\n"
                          "        # indented comment\n\n    g(a,\n b)\n");
    EXPECT_EQ(r.errors, "");
    EXPECT_EQ(r.ast, "(def f () void (block (let a [int] (array 1 2 3)) (expr (call g a b))))\n");
}

TEST(ParserSpans, Nodes) {
    bp::SourceMap sources;
    uint32_t file = sources.add("t.bp", "def f() -> void:\n    x = foo(a + b, c)\n");
    bp::diag::Diagnostics diags(sources);
    bp::ast::Module m = bp::parse::parse_file(sources, file, diags);
    ASSERT_FALSE(diags.has_errors());
    auto& fn = static_cast<bp::ast::FuncDecl&>(*m.decls[0]);
    auto& assign = static_cast<bp::ast::Assign&>(*fn.body.stmts[0]);
    EXPECT_EQ(assign.span.begin, 21u);
    EXPECT_EQ(assign.span.end, 38u);
    auto& call = static_cast<bp::ast::Call&>(*assign.value);
    EXPECT_EQ(call.span.begin, 25u); // foo
    EXPECT_EQ(call.span.end, 38u);   // past ')'
    auto& bin = static_cast<bp::ast::Binary&>(*call.args[0]);
    EXPECT_EQ(bin.span.begin, 29u);
    EXPECT_EQ(bin.span.end, 34u);
    EXPECT_EQ(bin.op_span.begin, 31u);
    EXPECT_EQ(bin.op_span.end, 32u);
}

} // namespace

namespace {

TEST(ParserDecl, RealisticProgram) {
    auto r = parse_source(R"(import thread

@packed
struct Node:
    kids: [Node]

enum Color:
    RED
    GREEN = 5

let lock: Mutex = thread.mutex_new()

def worker(n: int) -> int:
    print("Worker: ")
    return n * 2

def main() -> int:
    let t: Thread = thread.spawn(worker, 42)
    let result: int = thread.join(t)
    let m: {str: [int]} = {"a": [1, 2]}
    for k in m:
        print(f"{k}: {m[k]} {len(m[k]):>3} {f'{k}'}")
    let p: Point = Point{x: 1.0,
                         y: 2.0}
    if p.x > 0.0 and not (p.y < 0.0): print("ok")
    let f: fn(int) -> int = fn(x: int) -> int: x + result
    match Color.RED:
        case Color.RED:
            pass
        default:
            pass
    try:
        throw ValueError("x")
    catch ValueError as e:
        print(e.message)
    finally:
        print("done")
    while true:
        if result > 0:
            break
    return 0)");
    EXPECT_EQ(r.errors, "");
    EXPECT_EQ(r.error_count, 0u);
    EXPECT_NE(r.ast.find("(fstr {k} \": \" {(index m k)} \" \" {(call len (index m k)) :>3} \" \" {(fstr {k})})"),
              std::string::npos)
        << r.ast;
    EXPECT_NE(r.ast.find("(while true (block (if ((> result 0) (block (break)))))) (return 0)"), std::string::npos)
        << r.ast;
}

TEST(ParserDecl, RenderedDiagnostic) {
    bp::SourceMap sources;
    uint32_t file = sources.add("calc.bp", "def f() -> bool:\n    return a < b < c\n");
    bp::diag::Diagnostics diags(sources);
    bp::parse::parse_file(sources, file, diags);
    std::string out = diags.render();
    EXPECT_EQ(out.substr(0, out.find('\n') + 1), "calc.bp:2:12: error: comparisons cannot be chained\n");
    EXPECT_NE(out.find("^~~~~~~~~\nhint: use 'and' to combine comparisons\n"), std::string::npos) << out;
}

} // namespace
