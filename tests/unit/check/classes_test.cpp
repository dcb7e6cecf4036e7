// Checker tests for classes: method tables, override slots, devirtualised calls, super rewriting.
#include "check_helper.hpp"

using namespace bp;
using namespace bp::check::test;

namespace {
const char* kProgram =
    "class A:\n"
    "    def f(self) -> int:\n        return 1\n"
    "    def g(self) -> int:\n        return 2\n"
    "class B(A):\n"
    "    def f(self) -> int:\n        return super.f() + 10\n"
    "    def h(self) -> int:\n        return 3\n"
    "class C(B):\n"
    "    def g(self) -> int:\n        return 4\n"
    "def main() -> int:\n"
    "    let a: A = new C()\n    let b: B = new B()\n    let c: C = new C()\n"
    "    return a.f() + a.g() + b.f() + b.h() + c.g() + c.f()\n";

// Collects the calls of a sum of calls, left to right.
void collect_calls(ast::Expr& e, std::vector<ast::Call*>& out) {
    if (e.kind == ast::ExprKind::Binary) {
        auto& b = static_cast<ast::Binary&>(e);
        collect_calls(*b.lhs, out);
        collect_calls(*b.rhs, out);
    } else if (e.kind == ast::ExprKind::Call) {
        out.push_back(&static_cast<ast::Call&>(e));
    }
}
} // namespace

TEST(CheckClasses, VtablesAndDevirtualisation) {
    auto c = run_check(kProgram);
    ASSERT_TRUE(c->ok) << c->dump();
    auto& a = *static_cast<ast::ClassDecl&>(*c->module.decls[0]).info;
    auto& b = *static_cast<ast::ClassDecl&>(*c->module.decls[1]).info;
    auto& cc = *static_cast<ast::ClassDecl&>(*c->module.decls[2]).info;
    ASSERT_EQ(a.methods.size(), 2u);
    ASSERT_EQ(b.methods.size(), 3u);
    ASSERT_EQ(cc.methods.size(), 3u);
    EXPECT_TRUE(a.methods[0].overridden);  // f: B overrides
    EXPECT_TRUE(a.methods[1].overridden);  // g: C overrides
    EXPECT_FALSE(b.methods[0].overridden); // f: nobody below B
    EXPECT_TRUE(b.methods[1].overridden);  // g: C
    EXPECT_FALSE(b.methods[2].overridden); // h
    EXPECT_EQ(cc.vtable[0], b.vtable[0]);  // C inherits B.f
    EXPECT_NE(cc.vtable[1], b.vtable[1]);  // C.g
    EXPECT_EQ(cc.methods[2].slot, 2u);

    auto& main = static_cast<ast::FuncDecl&>(*c->module.decls[3]);
    auto& ret = static_cast<ast::Return&>(*main.body.stmts[3]);
    std::vector<ast::Call*> calls;
    collect_calls(*ret.value, calls);
    ASSERT_EQ(calls.size(), 6u);
    bool expect_virtual[] = {true, true, false, false, false, false}; // a.f a.g b.f b.h c.g c.f
    for (size_t i = 0; i < calls.size(); ++i) {
        EXPECT_EQ(calls[i]->call_kind, ast::CallKind::Method) << i;
        EXPECT_EQ(calls[i]->virtual_call, expect_virtual[i]) << i;
    }
    EXPECT_EQ(calls[5]->function_index, b.vtable[0]);
}

TEST(CheckClasses, SuperBecomesDirectCallOnSelf) {
    auto c = run_check(kProgram);
    ASSERT_TRUE(c->ok) << c->dump();
    auto& bdecl = static_cast<ast::ClassDecl&>(*c->module.decls[1]);
    auto& ret = static_cast<ast::Return&>(*bdecl.methods[0]->body.stmts[0]);
    auto& call = static_cast<ast::Call&>(*static_cast<ast::Binary&>(*ret.value).lhs);
    EXPECT_EQ(call.call_kind, ast::CallKind::Method);
    EXPECT_FALSE(call.virtual_call);
    auto& a = *static_cast<ast::ClassDecl&>(*c->module.decls[0]).info;
    EXPECT_EQ(call.function_index, a.vtable[0]);
    auto& callee = static_cast<ast::Field&>(*call.callee);
    ASSERT_EQ(callee.object->kind, ast::ExprKind::Name);
    EXPECT_EQ(static_cast<ast::Name&>(*callee.object).ref, ast::NameRef::Local);
    EXPECT_EQ(bdecl.methods[0]->qual_name, "B.f");
}

TEST(CheckClasses, RequiredFields) {
    auto c = run_check("struct P:\n    x: int\nclass K:\n    a: int\n    p: P\n    t: (int, str)\n"
                       "    u: (int, P)\n    f: fn() -> int\n    v: any\n"
                       "def main() -> int:\n    return 0\n");
    ASSERT_TRUE(c->ok) << c->dump();
    auto& k = *static_cast<ast::ClassDecl&>(*c->module.decls[1]).info;
    EXPECT_EQ(k.required_fields, (std::vector<uint32_t>{1, 3, 4}));
}
