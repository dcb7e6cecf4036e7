// Compiler unit tests through the real front end: parse -> check -> compile -> disassemble, then
// structural checks on the bytecode (register kinds, handlers, lengths).
#include "bytecode/disasm.hpp"
#include "check/checker.hpp"
#include "compile/compiler.hpp"
#include "parse/parser.hpp"

#include <gtest/gtest.h>

#include <algorithm>

using namespace bp;

namespace {

struct Compiled {
    SourceMap sources;
    types::TypeTable types;
    std::unique_ptr<ast::Module> module;
    check::CheckedProgram checked;
    std::unique_ptr<bytecode::Program> program;
    std::string errors;
};

std::unique_ptr<Compiled> compile_src(const std::string& src) {
    auto c = std::make_unique<Compiled>();
    uint32_t f = c->sources.add("t.bp", src);
    diag::Diagnostics diags(c->sources);
    c->module = std::make_unique<ast::Module>(parse::parse_file(c->sources, f, diags));
    if (!diags.has_errors()) check::check_program({c->module.get()}, c->types, diags, c->checked);
    if (diags.has_errors()) {
        c->errors = diags.render();
        return c;
    }
    c->program = compile::compile_program(c->checked, c->sources, c->types, diags);
    if (!c->program) c->errors = diags.render(); // a limit of the bytecode format
    return c;
}

const bytecode::FunctionProto* find_fn(const bytecode::Program& p, const std::string& name) {
    for (const auto& f : p.functions)
        if (f->name == name) return f.get();
    return nullptr;
}

// Every function: spans match code, register kinds cover nregs, instructions decode to the end,
// every register operand is in range.
void check_well_formed(const bytecode::Program& p) {
    for (const auto& f : p.functions) {
        EXPECT_EQ(f->code.size(), f->spans.size()) << f->name;
        EXPECT_EQ(f->reg_is_ref.size(), f->nregs) << f->name;
        uint32_t pc = 0;
        while (pc < f->code.size()) pc += bytecode::instr_length(f->code[pc]);
        EXPECT_EQ(pc, f->code.size()) << f->name;
        for (const auto& h : f->handlers) {
            EXPECT_LT(h.start, h.end);
            EXPECT_LT(h.handler, f->code.size());
            EXPECT_EQ(f->reg_is_ref[h.error_reg], 1);
        }
    }
}

std::string disasm(const std::string& src) {
    auto c = compile_src(src);
    EXPECT_EQ(c->errors, "");
    if (!c->program) return "";
    check_well_formed(*c->program);
    return bytecode::disassemble(*c->program);
}

} // namespace

TEST(Compile, FibUsesTypedOpsAndFusedBranch) {
    std::string d = disasm("def fib(n: int) -> int:\n    if n < 2:\n        return n\n"
                           "    return fib(n - 1) + fib(n - 2)\n"
                           "def main() -> int:\n    print(fib(10))\n    return 0\n");
    EXPECT_NE(d.find("JLtInt"), std::string::npos) << d;
    EXPECT_NE(d.find("AddIntImm"), std::string::npos) << d;
    EXPECT_NE(d.find("AddInt "), std::string::npos) << d;
    EXPECT_NE(d.find("Call "), std::string::npos) << d;
    EXPECT_NE(d.find("(print)"), std::string::npos) << d;
}

TEST(Compile, LoopsAndCollections) {
    std::string d = disasm(
        "def main() -> void:\n"
        "    let xs: [int] = [1, 2, 3]\n"
        "    let m: {str: int} = {\"a\": 1}\n"
        "    let total: int = 0\n"
        "    for i in range(10):\n"
        "        total += i\n"
        "    for x in xs:\n"
        "        total += x\n"
        "    for k in m:\n"
        "        total += m[k]\n"
        "    for c in \"abc\":\n"
        "        print(c)\n"
        "    while total > 0:\n"
        "        total -= 7\n"
        "        if total == 3:\n"
        "            break\n"
        "    xs[-1] = 5\n"
        "    xs[0] += 1\n"
        "    print(f\"{total} and {xs[0]:>5}\")\n");
    for (const char* op : {"ForPrep", "ForLoop", "ForArray", "ForStr", "MapKeys", "NewArray", "NewMap",
                           "SetIndexMap", "IndexMap", "SetIndexArray", "IndexArray", "ConcatN", "FormatSpec", "ToStr"})
        EXPECT_NE(d.find(op), std::string::npos) << op << "\n" << d;
}

TEST(Compile, TryFinallyRegions) {
    auto c = compile_src(
        "def f(x: int) -> int:\n"
        "    try:\n"
        "        if x > 0:\n"
        "            return x\n"
        "        throw \"neg\"\n"
        "    catch ValueError as e:\n"
        "        print(e)\n"
        "    catch e:\n"
        "        print(e.message)\n"
        "    finally:\n"
        "        print(\"fin\")\n"
        "    return 0\n"
        "def main() -> void:\n"
        "    print(f(1))\n");
    ASSERT_EQ(c->errors, "");
    check_well_formed(*c->program);
    const auto* f = find_fn(*c->program, "f");
    ASSERT_TRUE(f);
    std::string d = bytecode::disassemble_function(*c->program, *f);
    EXPECT_GE(f->handlers.size(), 2u) << d;
    // finally text appears 3 times: inline before return, normal path, exception path
    size_t n = 0;
    for (size_t pos = d.find("\"fin\""); pos != std::string::npos; pos = d.find("\"fin\"", pos + 1)) ++n;
    EXPECT_GE(n, 3u) << d;
    EXPECT_NE(d.find("JmpIfErrKind"), std::string::npos) << d;
    EXPECT_NE(d.find("Throw"), std::string::npos) << d;
}

TEST(Compile, LambdasCaptureCells) {
    auto c = compile_src(
        "def main() -> void:\n"
        "    let base: int = 10\n"
        "    let add: fn(int) -> int = fn(x: int) -> int: x + base\n"
        "    base = 20\n"
        "    print(add(1))\n");
    ASSERT_EQ(c->errors, "");
    check_well_formed(*c->program);
    std::string d = bytecode::disassemble(*c->program);
    EXPECT_NE(d.find("MakeCell"), std::string::npos) << d;
    EXPECT_NE(d.find("MakeClosure"), std::string::npos) << d;
    EXPECT_NE(d.find("SetCell"), std::string::npos) << d;
    EXPECT_NE(d.find("GetCapture"), std::string::npos) << d;
    EXPECT_NE(d.find("CallValue"), std::string::npos) << d;
    EXPECT_TRUE(find_fn(*c->program, "<lambda>"));
}

TEST(Compile, GlobalsStructsTuplesMatch) {
    auto c = compile_src(
        "struct P:\n    x: int\n    y: str\n"
        "enum Color:\n    RED\n    GREEN = 5\n"
        "let g: int = 3\n"
        "def main() -> int:\n"
        "    let p: P = P{y: \"a\", x: g}\n"
        "    p.x = 4\n"
        "    let t: (int, str) = (1, \"b\")\n"
        "    let (a, b) = t\n"
        "    a, g = g, a\n"
        "    match b:\n"
        "        case \"b\":\n"
        "            print(1)\n"
        "        default:\n"
        "            print(2)\n"
        "    let v: any = 5\n"
        "    let w: int = v\n"
        "    return Color.GREEN + w + p.x + t[0]\n");
    ASSERT_EQ(c->errors, "");
    check_well_formed(*c->program);
    std::string d = bytecode::disassemble(*c->program);
    for (const char* op : {"InitGlobal", "GetGlobal", "SetGlobal", "NewInstance", "SetField", "GetField",
                           "NewTuple", "GetTupleItem", "EqStr", "Box", "Unbox"})
        EXPECT_NE(d.find(op), std::string::npos) << op << "\n" << d;
    EXPECT_TRUE(c->program->entry_returns_int);
}

// A left-deep chain reuses one accumulator register whatever its length (docs/reliability.md).
TEST(Compile, LongChainsUseFewRegisters) {
    for (const char* term : {" + 1", " + x", " * x - y", " + s"}) {
        std::string src = "def main() -> int:\n    let x: int = 2\n    let y: int = 3\n    let s: str = \"a\"\n";
        std::string chain = std::string(term).find('s') != std::string::npos ? "s" : "x";
        for (int i = 0; i < 10000; ++i) chain += term;
        src += "    let z: " + std::string(chain[0] == 's' ? "str" : "int") + " = " + chain + "\n    return 0\n";
        auto c = compile_src(src);
        ASSERT_TRUE(c->program) << c->errors;
        const bytecode::FunctionProto* f = find_fn(*c->program, "main");
        ASSERT_TRUE(f);
        EXPECT_LT(f->nregs, 10) << term;
        check_well_formed(*c->program);
    }
}

// Exceeding a limit of the format is a diagnostic at the construct, not an exit.
TEST(Compile, LimitIsADiagnostic) {
    std::string src = "def main() -> int:\n    let s: str = \"c0\"";
    for (int i = 1; i < 66000; ++i) src += " + \"c" + std::to_string(i) + "\"";
    src += "\n    return 0\n";
    auto c = compile_src(src);
    EXPECT_FALSE(c->program);
    EXPECT_NE(c->errors.find("t.bp:2:"), std::string::npos) << c->errors.substr(0, 200);
    EXPECT_NE(c->errors.find("error: too many constants in function 'main' (the limit is 65535)"), std::string::npos);
}

// GC liveness maps (bytecode/liveness.cpp): the registers a collector scans where a frame stops.
namespace {
std::vector<uint16_t> live_at(const bytecode::FunctionProto& f, uint32_t pc) {
    return {f.gc_live_regs.begin() + f.gc_live_start[pc], f.gc_live_regs.begin() + f.gc_live_start[pc + 1]};
}
bool contains(const std::vector<uint16_t>& regs, uint32_t r) {
    return std::find(regs.begin(), regs.end(), r) != regs.end();
}
// Compiles src into c and returns its function `name` (nullptr, with a test failure, if either fails).
const bytecode::FunctionProto* compile_fn(std::unique_ptr<Compiled>& c, const std::string& src,
                                          const std::string& name) {
    c = compile_src(src);
    if (!c->program) {
        ADD_FAILURE() << c->errors;
        return nullptr;
    }
    const auto* f = find_fn(*c->program, name);
    if (!f) ADD_FAILURE() << "no function " << name;
    return f;
}
// The pc of the n-th instruction (0-based) with opcode op in f.
uint32_t nth_pc(const bytecode::FunctionProto& f, bytecode::Op op, int n = 0) {
    for (uint32_t pc = 0; pc < f.code.size(); pc += bytecode::instr_length(f.code[pc]))
        if (f.code[pc].op == op && n-- == 0) return pc;
    ADD_FAILURE() << "no such instruction";
    return 0;
}
} // namespace

TEST(Liveness, ACallsDestinationIsDeadWhileTheCalleeRuns) {
    std::unique_ptr<Compiled> c;
    const auto* f = compile_fn(c,
                               "struct Node:\n    kids: [Node]\n"
                               "def build(d: int) -> Node:\n    return Node{kids: []}\n"
                               "def check(n: Node) -> int:\n    return len(n.kids)\n"
                               "def work(rounds: int) -> int:\n    let total: int = 0\n"
                               "    for i in range(rounds):\n        total += check(build(14))\n    return total\n"
                               "def main() -> int:\n    return work(3)\n", "work");
    ASSERT_TRUE(f);
    ASSERT_EQ(f->gc_live_start.size(), f->code.size() + 1);
    uint32_t build = nth_pc(*f, bytecode::Op::Call, 0), check = nth_pc(*f, bytecode::Op::Call, 1);
    uint32_t tree = f->code[build].a; // build's result, check's argument
    EXPECT_EQ(f->reg_is_ref[tree], 1);
    // While build runs, the register still holds the previous round's tree: not a root.
    EXPECT_FALSE(contains(live_at(*f, build), tree));
    // At check's call the tree is the argument (the call reads it), and nothing else is needed.
    EXPECT_EQ(live_at(*f, check), std::vector<uint16_t>{static_cast<uint16_t>(tree)});
}

TEST(Liveness, AHandlersRegistersLiveThroughTheTryBody) {
    std::unique_ptr<Compiled> c;
    const auto* f = compile_fn(c,
                               "def f(xs: [int], s: str) -> str:\n    let keep: str = s + \"!\"\n"
                               "    try:\n        let y: int = xs[3]\n        let t: str = to_str(y)\n"
                               "        return t\n    catch IndexError as e:\n        return keep\n"
                               "def main() -> int:\n    print(f([1], \"a\"))\n    return 0\n", "f");
    ASSERT_TRUE(f);
    ASSERT_EQ(f->handlers.size(), 1u);
    uint32_t keep = f->code[nth_pc(*f, bytecode::Op::ConcatStr)].a;
    const bytecode::Handler& h = f->handlers[0];
    for (uint32_t pc = h.start; pc < h.end; pc += bytecode::instr_length(f->code[pc]))
        EXPECT_TRUE(contains(live_at(*f, pc), keep)) << "pc " << pc; // the catch block reads it
    EXPECT_TRUE(contains(live_at(*f, h.handler), keep));
    EXPECT_FALSE(contains(live_at(*f, h.start), h.error_reg)); // written by the unwinder first
}

TEST(Liveness, ALoopCarriedReferenceStaysLive) {
    std::unique_ptr<Compiled> c;
    const auto* f = compile_fn(c,
                               "def f(n: int) -> str:\n    let s: str = \"\"\n    let last: str = \"x\"\n"
                               "    for i in range(n):\n        s = s + last\n        last = to_str(i)\n    return s\n"
                               "def main() -> int:\n    print(f(3))\n    return 0\n", "f");
    ASSERT_TRUE(f);
    uint32_t concat = nth_pc(*f, bytecode::Op::ConcatStr);
    uint32_t s = f->code[concat].b, last = f->code[concat].c;
    // The back-edge's target is a safepoint: both references reach the next iteration.
    uint32_t loop = nth_pc(*f, bytecode::Op::ForLoopInc);
    uint32_t body = static_cast<uint32_t>(int64_t{loop} + f->code[loop].sbc());
    EXPECT_TRUE(contains(live_at(*f, body), s));
    EXPECT_TRUE(contains(live_at(*f, body), last));
}

TEST(Liveness, AHugeFunctionKeepsNoMapAndIsScannedWhole) {
    // 1 500 live strings over ~4 500 instructions: past the pass's budget (instructions x
    // reference registers), so the collector scans every reference register of this function.
    std::string src = "def big() -> int:\n    let acc: [str] = []\n";
    for (int i = 0; i < 1500; ++i)
        src += "    let s" + std::to_string(i) + ": str = to_str(" + std::to_string(i) + ")\n";
    for (int i = 0; i < 1500; ++i) src += "    array_push(acc, s" + std::to_string(i) + ")\n";
    src += "    return len(acc)\ndef main() -> int:\n    return big()\n";
    auto c = compile_src(src);
    ASSERT_TRUE(c->program) << c->errors;
    EXPECT_TRUE(find_fn(*c->program, "big")->gc_live_start.empty());
    EXPECT_TRUE(find_fn(*c->program, "big")->gc_live_regs.empty());
}

TEST(Liveness, ACallClearsOnlyTheRegistersLiveAtEntry) {
    const char* src = "struct Node:\n    kids: [Node]\n"
                      "def build(d: int) -> Node:\n"
                      "    if d == 0:\n        return Node{kids: []}\n"
                      "    return Node{kids: [build(d - 1), build(d - 1)]}\n"
                      "def check(n: Node) -> int:\n    let c: int = 1\n"
                      "    for k in n.kids:\n        c += check(k)\n    return c\n"
                      "def main() -> int:\n    return check(build(3))\n";
    std::unique_ptr<Compiled> c;
    const auto* build = compile_fn(c, src, "build");
    ASSERT_TRUE(build);
    // Every reference register of build is written before any collection could scan it.
    EXPECT_TRUE(build->ref_locals.empty());
    const auto* check = find_fn(*c->program, "check");
    ASSERT_TRUE(check);
    // The for-in loop's variable counts as read by the loop test (ForArray), which the entry
    // reaches before the variable is written: it is cleared.
    uint32_t loop_var = check->code[nth_pc(*check, bytecode::Op::ForArray)].a;
    EXPECT_EQ(check->ref_locals, std::vector<uint16_t>{static_cast<uint16_t>(loop_var)});
}
