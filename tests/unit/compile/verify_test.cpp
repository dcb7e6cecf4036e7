// The bytecode verifier (bytecode/verify.hpp): every golden test program compiles to bytecode it
// accepts, and hand-corrupted programs are rejected with the first problem named.
#include "bytecode/verify.hpp"
#include "check/checker.hpp"
#include "compile/compiler.hpp"
#include "parse/parser.hpp"
#include "types/builtins.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

using namespace bp;

namespace {

struct Built {
    SourceMap sources;
    types::TypeTable types;
    std::unique_ptr<ast::Module> module;
    check::CheckedProgram checked;
    std::unique_ptr<bytecode::Program> program;
};

// Null program if the source has compile errors.
std::unique_ptr<Built> build(const std::string& src) {
    auto b = std::make_unique<Built>();
    uint32_t f = b->sources.add("t.bp", src);
    diag::Diagnostics diags(b->sources);
    b->module = std::make_unique<ast::Module>(parse::parse_file(b->sources, f, diags));
    if (!diags.has_errors()) check::check_program({b->module.get()}, b->types, diags, b->checked);
    if (!diags.has_errors()) b->program = compile::compile_program(b->checked, b->sources, b->types, diags);
    return b;
}

const char* kProgram = R"(def f(xs: [int]) -> int:
    let t: int = 0
    for x in xs:
        if x > 2:
            t += x
    try:
        t = t / 0
    catch ZeroDivisionError as e:
        t = -1
    return t

def main() -> int:
    print(f([1, 2, 3]), fn(x: int) -> int: x + 1)
    return 0
)";

} // namespace

TEST(Verify, AcceptsEveryGoldenProgram) {
    int verified = 0;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(BP_TESTS_DIR)) {
        if (entry.path().extension() != ".bp") continue;
        std::ifstream in(entry.path(), std::ios::binary);
        std::stringstream ss;
        ss << in.rdbuf();
        auto b = build(ss.str());
        if (!b->program) continue;
        EXPECT_EQ(bytecode::verify(*b->program), "") << entry.path();
        ++verified;
    }
    EXPECT_GT(verified, 100);
}

TEST(Verify, RejectsBadRegister) {
    auto b = build(kProgram);
    ASSERT_TRUE(b->program);
    ASSERT_EQ(bytecode::verify(*b->program), "");
    b->program->functions[0]->nregs = 0;
    b->program->functions[0]->nparams = 0;
    EXPECT_NE(bytecode::verify(*b->program).find("register"), std::string::npos);
}

// A jump lives in one of three places (bytecode::jump_offset): b:c, a compare-and-branch's c, a
// for-in loop's extension word. Each, pointed past the code, is rejected.
TEST(Verify, RejectsJumpOutsideTheCode) {
    using bytecode::Instr;
    using bytecode::Op;
    const std::pair<bool (*)(Op), void (*)(Instr*)> kinds[] = {
        {[](Op op) { return op == Op::Jmp || op == Op::JmpIfFalse; }, [](Instr* in) { in->set_sbc(100000); }},
        {bytecode::is_int_cmp_jump, [](Instr* in) { in->c = 30000; }},
        {bytecode::is_for_in_loop, [](Instr* in) { in[1].set_sbc(100000); }},
    };
    for (const auto& [is_kind, patch] : kinds) {
        auto b = build(kProgram);
        ASSERT_TRUE(b->program);
        auto& code = b->program->functions[0]->code;
        bool patched = false;
        for (uint32_t pc = 0; pc < code.size() && !patched; pc += bytecode::instr_length(code[pc]))
            if (is_kind(code[pc].op)) {
                patch(&code[pc]);
                patched = true;
            }
        ASSERT_TRUE(patched);
        EXPECT_NE(bytecode::verify(*b->program).find("jump target"), std::string::npos);
    }
}

TEST(Verify, RejectsTruncatedCodeAndBadHandler) {
    auto b = build(kProgram);
    ASSERT_TRUE(b->program);
    auto& fn = *b->program->functions[0];
    ASSERT_FALSE(fn.handlers.empty());
    fn.handlers[0].handler = static_cast<uint32_t>(fn.code.size());
    EXPECT_NE(bytecode::verify(*b->program).find("handler"), std::string::npos);
    fn.spans.pop_back();
    EXPECT_NE(bytecode::verify(*b->program).find("spans"), std::string::npos);
}

// The collector scans exactly what the liveness map lists (bytecode/liveness.cpp): a scalar
// register in it would be followed as a pointer, and a map shorter than the code read past its end.
TEST(Verify, RejectsABadLivenessMap) {
    auto b = build(kProgram);
    ASSERT_TRUE(b->program);
    auto& fn = *b->program->functions[0]; // f: xs and e are references, t is not
    ASSERT_FALSE(fn.gc_live_regs.empty());
    auto scalar = std::find(fn.reg_is_ref.begin(), fn.reg_is_ref.end(), 0);
    ASSERT_NE(scalar, fn.reg_is_ref.end());
    const uint16_t saved = fn.gc_live_regs[0];
    fn.gc_live_regs[0] = static_cast<uint16_t>(scalar - fn.reg_is_ref.begin());
    EXPECT_NE(bytecode::verify(*b->program).find("liveness"), std::string::npos);
    fn.gc_live_regs[0] = saved;
    ASSERT_EQ(bytecode::verify(*b->program), "");
    fn.gc_live_start.pop_back();
    EXPECT_NE(bytecode::verify(*b->program).find("liveness"), std::string::npos);
}

// ModIntK divides without a check (the compiler emits it only for a literal divisor other than 0):
// the verifier must refuse a hand-made one whose constant is 0, -1 or not an Int.
TEST(Verify, RejectsModIntKWithUncheckedDivisor) {
    auto b = build("def f(x: int) -> int:\n    return x % 7\n\ndef main() -> int:\n    return f(3)\n");
    ASSERT_TRUE(b->program);
    ASSERT_EQ(bytecode::verify(*b->program), "");
    auto& fn = *b->program->functions[0];
    const bytecode::Instr* mod = nullptr;
    for (uint32_t pc = 0; pc < fn.code.size(); pc += bytecode::instr_length(fn.code[pc]))
        if (fn.code[pc].op == bytecode::Op::ModIntK) mod = &fn.code[pc];
    ASSERT_NE(mod, nullptr);
    auto& k = fn.consts[mod->c];
    ASSERT_EQ(k.kind, bytecode::Constant::Kind::Int);
    EXPECT_EQ(k.i, 7);
    for (int64_t bad : {int64_t{0}, int64_t{-1}}) {
        k.i = bad;
        EXPECT_NE(bytecode::verify(*b->program).find("ModIntK"), std::string::npos) << bad;
    }
    k.i = 7;
    k.kind = bytecode::Constant::Kind::Float;
    EXPECT_NE(bytecode::verify(*b->program).find("ModIntK"), std::string::npos);
}

// FloatMath's c names the builtin it computes, and the interpreter has a case only for those of
// types/float_math.def: the verifier must refuse any other builtin id.
TEST(Verify, RejectsFloatMathOfAnotherBuiltin) {
    auto b = build("def f(x: float) -> float:\n    return fsqrt(x)\n\ndef main() -> int:\n    f(2.0)\n    return 0\n");
    ASSERT_TRUE(b->program);
    ASSERT_EQ(bytecode::verify(*b->program), "");
    auto& fn = *b->program->functions[0];
    bytecode::Instr* fm = nullptr;
    for (uint32_t pc = 0; pc < fn.code.size(); pc += bytecode::instr_length(fn.code[pc]))
        if (fn.code[pc].op == bytecode::Op::FloatMath) fm = &fn.code[pc];
    ASSERT_NE(fm, nullptr);
    EXPECT_EQ(fm->c, static_cast<uint16_t>(Builtin::fsqrt));
    for (Builtin bad : {Builtin::print_, Builtin::atan2_, Builtin::float_to_int}) {
        fm->c = static_cast<uint16_t>(bad);
        EXPECT_NE(bytecode::verify(*b->program).find("FloatMath"), std::string::npos) << fm->c;
    }
    fm->c = static_cast<uint16_t>(kBuiltinCount);
    EXPECT_NE(bytecode::verify(*b->program).find("FloatMath"), std::string::npos);
}

// NewInstance sizes the instance by its argument count and leaves no field unset: the verifier
// must refuse one that gives fewer fields than the struct has, or names a non-struct constant.
TEST(Verify, RejectsNewInstanceThatLeavesFieldsUnset) {
    auto b = build("struct P:\n    x: int\n    s: str\n\ndef main() -> int:\n    let p: P = P{x: 1, s: \"a\"}\n"
                   "    return p.x\n");
    ASSERT_TRUE(b->program);
    ASSERT_EQ(bytecode::verify(*b->program), "");
    bytecode::Instr* ni = nullptr;
    for (auto& fn : b->program->functions)
        for (uint32_t pc = 0; pc < fn->code.size(); pc += bytecode::instr_length(fn->code[pc]))
            if (fn->code[pc].op == bytecode::Op::NewInstance) ni = &fn->code[pc];
    ASSERT_NE(ni, nullptr);
    EXPECT_EQ(ni->c, 2);
    ni->c = 1;
    EXPECT_NE(bytecode::verify(*b->program).find("NewInstance"), std::string::npos);
}

// Range loops use four registers from their base (counter, stop, step, variable).
TEST(Verify, RejectsRangeLoopPastTheRegisters) {
    auto b = build("def main() -> int:\n    let t: int = 0\n    for i in range(3):\n        t += i\n    return t\n");
    ASSERT_TRUE(b->program);
    ASSERT_EQ(bytecode::verify(*b->program), "");
    auto& fn = *b->program->functions[0];
    bool found = false;
    for (uint32_t pc = 0; pc < fn.code.size(); pc += bytecode::instr_length(fn.code[pc]))
        if (fn.code[pc].op == bytecode::Op::ForLoopInc) {
            fn.code[pc].a = static_cast<uint16_t>(fn.nregs - 2);
            found = true;
        }
    ASSERT_TRUE(found);
    EXPECT_NE(bytecode::verify(*b->program).find("range loop registers"), std::string::npos);
}

// Leaf inlining (compile/inline_leaves.cpp) re-lays out the caller. A caller whose 16-bit
// compare-and-branch offset would overflow once the calls grow is left as it was: still valid,
// still calling. A small caller of the same leaf is inlined, and verifies.
TEST(Verify, InliningKeepsACallerWhoseBranchWouldOverflow) {
    auto count_calls = [](const bytecode::FunctionProto& fn) {
        int calls = 0;
        for (uint32_t pc = 0; pc < fn.code.size(); pc += bytecode::instr_length(fn.code[pc]))
            calls += fn.code[pc].op == bytecode::Op::Call;
        return calls;
    };
    const std::string leaf = "def f(n: int) -> int:\n    return ((n * 3 + 1) * (n * 5 + 2)) ^ (n * 7)\n\n";
    std::string big = leaf + "def main() -> int:\n    let t: int = 0\n    let i: int = 0\n    while i < 2:\n";
    for (int k = 0; k < 6000; ++k) big += "        t += f(i)\n";
    big += "        i += 1\n    return t\n";
    auto b = build(big);
    ASSERT_TRUE(b->program);
    EXPECT_EQ(bytecode::verify(*b->program), "");
    EXPECT_EQ(count_calls(*b->program->functions[1]), 6000); // not inlined: the loop's branch would overflow
    auto small = build(leaf + "def main() -> int:\n    let t: int = 0\n    let i: int = 0\n    while i < 2:\n"
                              "        t += f(i)\n        i += 1\n    return t\n");
    ASSERT_TRUE(small->program);
    EXPECT_EQ(bytecode::verify(*small->program), "");
    EXPECT_EQ(count_calls(*small->program->functions[1]), 0);
}
