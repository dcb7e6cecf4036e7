// Checker tests: statements, missing return, try/catch/throw, match, loops.
#include "check_helper.hpp"

using namespace bp::check::test;

static std::string in_main(const std::string& body) { return "def main() -> void:\n" + body; }

TEST(CheckStmt, MissingReturn) {
    EXPECT_CHECK_ERROR("def f(x: int) -> int:\n    if x > 0:\n        return 1\ndef main() -> void:\n    pass\n",
                       "missing return");
    EXPECT_CHECK_OK("def f(x: int) -> int:\n    if x > 0:\n        return 1\n    else:\n        return 2\n"
                    "def g() -> int:\n    while true:\n        pass\n"
                    "def h(x: int) -> int:\n    match x:\n        case 1:\n            return 1\n        default:\n            throw \"no\"\n"
                    "def k() -> int:\n    try:\n        return 1\n    catch e:\n        return 2\n"
                    "def main() -> void:\n    pass\n");
    EXPECT_CHECK_ERROR("def g() -> int:\n    while true:\n        break\ndef main() -> void:\n    pass\n", "missing return");
    EXPECT_CHECK_OK("def g() -> int:\n    while true:\n        for i in range(3):\n            break\n"
                    "def main() -> void:\n    pass\n");
    EXPECT_CHECK_ERROR("def h(x: int) -> int:\n    match x:\n        case 1:\n            return 1\n"
                       "def main() -> void:\n    pass\n", "missing return");
}

TEST(CheckStmt, MissingReturnSpanAtName) {
    auto c = run_check("def f() -> int:\n    pass\ndef main() -> void:\n    pass\n");
    ASSERT_EQ(c->diags->all().size(), 1u) << c->dump();
    EXPECT_EQ(c->diags->all()[0].span.begin, 4u);
}

TEST(CheckStmt, ReturnChecks) {
    EXPECT_CHECK_ERROR("def f() -> int:\n    return \"a\"\ndef main() -> void:\n    pass\n",
                       "return type mismatch: expected int, found str");
    EXPECT_CHECK_ERROR("def f() -> int:\n    return\ndef main() -> void:\n    pass\n",
                       "return type mismatch: expected int, found nothing");
}

TEST(CheckStmt, LoopControl) {
    EXPECT_CHECK_ERROR(in_main("    break\n"), "'break' outside loop");
    EXPECT_CHECK_ERROR(in_main("    while true:\n        try:\n            pass\n        finally:\n            continue\n"),
                       "'continue' is not allowed in finally");
    EXPECT_CHECK_ERROR("def f() -> int:\n    try:\n        return 1\n    finally:\n        return 2\ndef main() -> void:\n    pass\n",
                       "'return' is not allowed in finally");
}

TEST(CheckStmt, TryRules) {
    EXPECT_CHECK_ERROR(in_main("    try:\n        pass\n    catch:\n        pass\n    catch ValueError:\n        pass\n"),
                       "unreachable catch clause after a catch-all");
    EXPECT_CHECK_ERROR(in_main("    try:\n        pass\n    catch Exception:\n        pass\n    catch ValueError:\n        pass\n"),
                       "unreachable catch clause after a catch-all");
    EXPECT_CHECK_ERROR(in_main("    throw\n"), "bare 'throw' is only allowed inside a catch body");
    EXPECT_CHECK_ERROR(in_main("    throw 1\n"), "throw needs a str or an Error, found int");
    EXPECT_CHECK_OK(in_main("    try:\n        throw ValueError(\"x\")\n    catch (ValueError, KeyError) as e:\n        throw\n"
                            "    catch e:\n        throw e\n    finally:\n        pass\n"));
}

TEST(CheckStmt, CatchKinds) {
    auto c = run_check(in_main("    try:\n        pass\n    catch KeyError as e:\n        pass\n    catch Exception:\n        pass\n"));
    ASSERT_TRUE(c->ok) << c->dump();
    auto& f = static_cast<bp::ast::FuncDecl&>(*c->module.decls[0]);
    auto& t = static_cast<bp::ast::Try&>(*f.body.stmts[0]);
    ASSERT_EQ(t.catches[0].error_kinds.size(), 1u);
    EXPECT_EQ(t.catches[0].error_kinds[0], static_cast<uint32_t>(bp::ErrorKind::KeyError));
    EXPECT_TRUE(t.catches[1].error_kinds.empty());
    EXPECT_EQ(t.catches[0].var->type->kind, bp::types::Kind::Error);
}

TEST(CheckStmt, ForEach) {
    EXPECT_CHECK_OK(in_main("    let m: {str: int} = {\"a\": 1}\n    for k in m:\n        let s: str = k\n"
                            "    for c in \"abc\":\n        let t: str = c\n    for x in [1, 2]:\n        let y: int = x\n"));
    EXPECT_CHECK_ERROR(in_main("    for x in 5:\n        pass\n"), "cannot iterate over int");
    EXPECT_CHECK_ERROR(in_main("    for i in range(1.0):\n        pass\n"), "range() arguments must be int, found float");
}

TEST(CheckStmt, Match) {
    EXPECT_CHECK_ERROR(in_main("    match 1:\n        case \"a\":\n            pass\n"), "case type mismatch: expected int, found str");
}

TEST(CheckStmt, TupleUnpackAndAssign) {
    EXPECT_CHECK_OK(in_main("    let (a, b) = (1, \"x\")\n    let (c, d): (int, str) = (2, \"y\")\n    a, c = c, a\n"
                            "    let s: str = b + d\n"));
    EXPECT_CHECK_ERROR(in_main("    let (a, b, c) = (1, 2)\n"), "cannot unpack (int, int) into 3 names");
}

TEST(CheckStmt, CompoundAssign) {
    EXPECT_CHECK_OK(in_main("    let s: str = \"a\"\n    s += \"b\"\n    let n: int = 1\n    n <<= 2\n    n %= 3\n"));
    EXPECT_CHECK_ERROR(in_main("    let n: int = 1\n    n += 1.0\n"), "compound assignment cannot be applied to int and float");
}

TEST(CheckStmt, LetNeedsType) {
    auto c = run_check(in_main("    let x = 1\n")); // reported by the parser
    EXPECT_TRUE(c->diags->has_errors());
}
