// Checker tests: top-level declarations, entry point, globals, names and scopes.
#include "check_helper.hpp"

using namespace bp::check::test;

TEST(CheckDecls, MainReturnsInt) {
    auto c = run_check("def main() -> int:\n    return 0\n");
    EXPECT_TRUE(c->ok) << c->dump();
    EXPECT_TRUE(c->program.entry_returns_int);
    ASSERT_EQ(c->program.functions.size(), 1u);
}

TEST(CheckDecls, NoMainFunction) {
    auto c = run_check("");
    EXPECT_TRUE(c->has("no main function")) << c->dump();
    ASSERT_FALSE(c->diags->all().empty());
    EXPECT_EQ(c->diags->all()[0].span.begin, 0u);
}

TEST(CheckDecls, FirstDefIsEntryWithoutMain) {
    auto c = run_check("def helper() -> int:\n    return 1\ndef go() -> void:\n    print(helper())\n");
    EXPECT_TRUE(c->ok) << c->dump();
    EXPECT_EQ(c->program.entry, 0u);
}

TEST(CheckDecls, MainAfterOtherDefs) {
    auto c = run_check("def f() -> int:\n    return 1\ndef main() -> void:\n    print(f())\n");
    EXPECT_TRUE(c->ok) << c->dump();
    EXPECT_EQ(c->program.entry, 1u);
    EXPECT_FALSE(c->program.entry_returns_int);
}

TEST(CheckDecls, MainWithParams) {
    auto c = run_check("def main(x: int) -> int:\n    return x\n");
    EXPECT_FALSE(c->ok);
}

TEST(CheckDecls, UseBeforeDefinition) {
    EXPECT_CHECK_OK("def main() -> int:\n    return f(g)\nlet g: int = 2\ndef f(x: int) -> int:\n    return x\n");
}

TEST(CheckDecls, ShadowsBuiltin) {
    EXPECT_CHECK_ERROR("def max(a: int, b: int) -> int:\n    return a\ndef main() -> void:\n    pass\n",
                       "'max' shadows builtin");
}

TEST(CheckDecls, VariableNamedLikeBuiltin) {
    EXPECT_CHECK_OK("def main() -> void:\n    let exp: float = 1.0\n    print(exp)\n");
    EXPECT_CHECK_ERROR("def main() -> void:\n    let exp: fn(int) -> int = fn(x: int) -> int: x\n",
                       "'exp' shadows builtin");
}

TEST(CheckDecls, DuplicateLocal) {
    EXPECT_CHECK_ERROR("def main() -> void:\n    let x: int = 1\n    let x: int = 2\n", "duplicate symbol 'x'");
    EXPECT_CHECK_ERROR("def f(x: int) -> void:\n    let x: int = 2\ndef main() -> void:\n    pass\n",
                       "duplicate symbol 'x'");
    EXPECT_CHECK_ERROR("let x: int = 1\ndef main() -> void:\n    for x in range(3):\n        pass\n",
                       "duplicate symbol 'x'");
    EXPECT_CHECK_ERROR("def main() -> void:\n    let x: int = 1\n    let f: fn(int) -> int = fn(x: int) -> int: x\n",
                       "duplicate symbol 'x'");
}

TEST(CheckDecls, ReuseAfterBlockEnds) {
    EXPECT_CHECK_OK("def main() -> void:\n    if true:\n        let x: int = 1\n    else:\n        let x: str = \"a\"\n"
                    "    let x: bool = false\n");
}

TEST(CheckDecls, DuplicateFunctionAndGlobal) {
    EXPECT_CHECK_ERROR("let f: int = 1\ndef f() -> void:\n    pass\n", "duplicate symbol 'f'");
}

TEST(CheckDecls, GlobalsInitOrder) {
    auto c = run_check("let a: int = 1\nlet b: int = a + 1\ndef main() -> void:\n    print(a, b)\n");
    EXPECT_TRUE(c->ok) << c->dump();
    ASSERT_EQ(c->program.globals.size(), 2u);
    EXPECT_EQ(c->program.globals[1]->global_index, 1u);
    EXPECT_CHECK_ERROR("let a: int = b\nlet b: int = 1\ndef main() -> void:\n    pass\n",
                       "global 'b' is used before its initialisation");
}

TEST(CheckDecls, GlobalInitMayCallFunctions) {
    EXPECT_CHECK_OK("let a: int = f()\nlet b: int = 2\ndef f() -> int:\n    return b\ndef main() -> void:\n    pass\n");
}

TEST(CheckDecls, ReservedTypeName) {
    auto c = run_check("struct Error:\n    x: int\ndef main() -> void:\n    pass\n");
    EXPECT_FALSE(c->ok);
}

TEST(CheckDecls, LaterFeatures) {
    EXPECT_CHECK_ERROR("import thread (spawn)\ndef main() -> void:\n    pass\n", "import thread (...) is not supported; use thread.<name>");
    EXPECT_CHECK_ERROR("import foo\ndef main() -> void:\n    pass\n", "module 'foo' not found");
    EXPECT_CHECK_ERROR("def main() -> void:\n    thread_yield(1)\n", "'thread_yield' takes 0 argument(s), 1 given");
}

TEST(CheckDecls, EnumValues) {
    auto c = run_check("enum Color:\n    RED\n    GREEN = 5\n    BLUE\n    NEG = -3\n    AFTER\n"
                       "def main() -> int:\n    let c: Color = Color.BLUE\n    return c + Color.AFTER\n");
    EXPECT_TRUE(c->ok) << c->dump();
    auto& e = static_cast<bp::ast::EnumDecl&>(*c->module.decls[0]);
    ASSERT_EQ(e.members.size(), 5u);
    EXPECT_EQ(e.members[0].value, 0);
    EXPECT_EQ(e.members[1].value, 5);
    EXPECT_EQ(e.members[2].value, 6);
    EXPECT_EQ(e.members[3].value, -3);
    EXPECT_EQ(e.members[4].value, -2);
}

TEST(CheckDecls, UnknownEnumMember) {
    EXPECT_CHECK_ERROR("enum Color:\n    RED\ndef main() -> void:\n    print(Color.PINK)\n",
                       "enum Color has no member 'PINK'");
}

TEST(CheckDecls, StructSelfReference) {
    EXPECT_CHECK_OK("struct Node:\n    v: int\n    kids: [Node]\n"
                    "def main() -> void:\n    let n: Node = Node{v: 1, kids: []}\n    array_push(n.kids, Node{kids: [], v: 2})\n");
}
