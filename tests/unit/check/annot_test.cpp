// Checker tests: annotations read by the compiler (name refs, captures, conversions, call kinds).
#include "check_helper.hpp"

using namespace bp;
using namespace bp::check::test;

static ast::FuncDecl& func(Checked& c, size_t i) { return static_cast<ast::FuncDecl&>(*c.module.decls[i]); }

TEST(CheckAnnot, CaptureAnalysis) {
    auto c = run_check("def main() -> int:\n    let a: int = 1\n    let b: int = 2\n"
                       "    let f: fn(int) -> fn() -> int = fn(x: int) -> fn() -> int: fn() -> int: b + a + x\n"
                       "    return f(1)()\n");
    ASSERT_TRUE(c->ok) << c->dump();
    auto& m = func(*c, 0);
    auto& let_f = static_cast<ast::Let&>(*m.body.stmts[2]);
    auto& outer = static_cast<ast::Lambda&>(*let_f.init);
    auto& inner = static_cast<ast::Lambda&>(*outer.body);
    ASSERT_EQ(inner.captures.size(), 3u);
    EXPECT_EQ(inner.captures[0]->name, "b");
    EXPECT_EQ(inner.captures[1]->name, "a");
    EXPECT_EQ(inner.captures[2]->name, "x");
    ASSERT_EQ(outer.captures.size(), 2u); // transitively: b, a (x is its own parameter)
    EXPECT_EQ(outer.captures[0]->name, "b");
    EXPECT_TRUE(m.locals[0]->captured);
    EXPECT_TRUE(outer.locals[0]->captured);
    auto& sum = static_cast<ast::Binary&>(*inner.body);
    auto& x = static_cast<ast::Name&>(*sum.rhs);
    EXPECT_EQ(x.ref, ast::NameRef::Capture);
    EXPECT_EQ(x.index, 2u);
}

TEST(CheckAnnot, CallKindsAndRefs) {
    auto c = run_check("let g: int = 1\ndef f(x: int) -> int:\n    return x + g\n"
                       "def main() -> int:\n    let h: fn(int) -> int = f\n    return f(1) + h(2) + abs(3)\n");
    ASSERT_TRUE(c->ok) << c->dump();
    auto& m = func(*c, 2);
    auto& let_h = static_cast<ast::Let&>(*m.body.stmts[0]);
    EXPECT_EQ(static_cast<ast::Name&>(*let_h.init).ref, ast::NameRef::Function);
    auto& ret = static_cast<ast::Return&>(*m.body.stmts[1]);
    auto& add2 = static_cast<ast::Binary&>(*ret.value);
    auto& add1 = static_cast<ast::Binary&>(*add2.lhs);
    EXPECT_EQ(static_cast<ast::Call&>(*add1.lhs).call_kind, ast::CallKind::Function);
    EXPECT_EQ(static_cast<ast::Call&>(*add1.rhs).call_kind, ast::CallKind::Value);
    auto& abs_call = static_cast<ast::Call&>(*add2.rhs);
    EXPECT_EQ(abs_call.call_kind, ast::CallKind::Builtin);
    EXPECT_EQ(abs_call.builtin_id, static_cast<uint32_t>(Builtin::abs_));
    auto& fr = static_cast<ast::Return&>(*func(*c, 1).body.stmts[0]);
    auto& gname = static_cast<ast::Name&>(*static_cast<ast::Binary&>(*fr.value).rhs);
    EXPECT_EQ(gname.ref, ast::NameRef::Global);
}

TEST(CheckAnnot, BoxAndUnboxInserted) {
    auto c = run_check("def main() -> void:\n    let a: any = 1\n    let n: int = a\n");
    ASSERT_TRUE(c->ok) << c->dump();
    auto& m = func(*c, 0);
    auto& l0 = static_cast<ast::Let&>(*m.body.stmts[0]);
    auto& l1 = static_cast<ast::Let&>(*m.body.stmts[1]);
    ASSERT_EQ(l0.init->kind, ast::ExprKind::Convert);
    EXPECT_EQ(static_cast<ast::Convert&>(*l0.init).conv, ast::ConvertKind::Box);
    ASSERT_EQ(l1.init->kind, ast::ExprKind::Convert);
    EXPECT_EQ(static_cast<ast::Convert&>(*l1.init).conv, ast::ConvertKind::Unbox);
    EXPECT_EQ(l1.init->type->kind, types::Kind::Int);
    EXPECT_EQ(l1.var->id, 1u);
}

TEST(CheckAnnot, TupleIndexNormalised) {
    auto c = run_check("def main() -> void:\n    let t: (int, str) = (1, \"a\")\n    print(t[-1])\n");
    ASSERT_TRUE(c->ok) << c->dump();
    auto& m = func(*c, 0);
    auto& call = static_cast<ast::Call&>(*static_cast<ast::ExprStmt&>(*m.body.stmts[1]).expr);
    auto& ix = static_cast<ast::Index&>(*call.args[0]);
    ASSERT_EQ(ix.index->kind, ast::ExprKind::IntLit);
    EXPECT_EQ(static_cast<ast::IntLit&>(*ix.index).value, 1);
    EXPECT_EQ(ix.type->kind, types::Kind::Str);
}

TEST(CheckAnnot, TupleLiteralBecomesArray) {
    auto c = run_check("def main() -> void:\n    let t: [int] = (1, 2, 3)\n");
    ASSERT_TRUE(c->ok) << c->dump();
    auto& l = static_cast<ast::Let&>(*func(*c, 0).body.stmts[0]);
    EXPECT_EQ(l.init->kind, ast::ExprKind::TupleLit);
    EXPECT_EQ(l.init->type->kind, types::Kind::Array);
}

TEST(CheckAnnot, EnumMember) {
    auto c = run_check("enum E:\n    A = 3\n    B\ndef main() -> int:\n    return E.B\n");
    ASSERT_TRUE(c->ok) << c->dump();
    auto& r = static_cast<ast::Return&>(*func(*c, 1).body.stmts[0]);
    auto& f = static_cast<ast::Field&>(*r.value);
    EXPECT_EQ(f.ref, ast::FieldRef::EnumMember);
    EXPECT_EQ(f.enum_value, 4);
    EXPECT_EQ(f.type->kind, types::Kind::Int);
}

TEST(CheckAnnot, LambdaInLoopAndGlobalInit) {
    auto c = run_check("let base: int = 10\nlet add: fn(int) -> int = fn(x: int) -> int: x + base\n"
                       "def main() -> void:\n    let fs: [fn() -> int] = []\n    for i in range(3):\n"
                       "        array_push(fs, fn() -> int: i + add(1))\n");
    ASSERT_TRUE(c->ok) << c->dump();
    auto& g = static_cast<ast::GlobalDecl&>(*c->module.decls[1]);
    auto& lam = static_cast<ast::Lambda&>(*g.init);
    EXPECT_TRUE(lam.captures.empty());
    ASSERT_EQ(lam.locals.size(), 1u);
    auto& m = func(*c, 2);
    auto& loop = static_cast<ast::ForRange&>(*m.body.stmts[1]);
    EXPECT_TRUE(loop.var->captured);
    auto& push = static_cast<ast::Call&>(*static_cast<ast::ExprStmt&>(*loop.body.stmts[0]).expr);
    auto& inner = static_cast<ast::Lambda&>(*push.args[1]);
    ASSERT_EQ(inner.captures.size(), 1u);
    EXPECT_EQ(inner.captures[0], loop.var);
}

TEST(CheckAnnot, BytesResultFromContext) {
    auto c = run_check("def main() -> void:\n    let b: bytes = str_bytes(\"ab\")\n    let a: [int] = str_bytes(\"ab\")\n");
    ASSERT_TRUE(c->ok) << c->dump();
    auto& m = func(*c, 0);
    EXPECT_EQ(static_cast<ast::Let&>(*m.body.stmts[0]).init->type->kind, types::Kind::Bytes);
    EXPECT_EQ(static_cast<ast::Let&>(*m.body.stmts[1]).init->type->kind, types::Kind::Array);
}

TEST(CheckAnnot, NoCascadeOnBadCall) {
    auto c = run_check("def main() -> void:\n    let x: int = nothing(1) + 2\n    print(x)\n");
    EXPECT_EQ(c->diags->all().size(), 1u) << c->dump();
}
