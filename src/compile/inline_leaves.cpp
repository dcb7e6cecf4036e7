// Leaf inlining: a direct call (`Call`) of a small function that can neither raise, allocate,
// call, jump nor block is replaced by that function's instructions, its registers renamed into
// the caller's and its constants copied into the caller's table. A getter, `def dot(self, o: Vec)
// -> int: return self.x * o.x + self.y * o.y` or `def sq(x: float) -> float: return x * x` then
// costs its own instructions and nothing more: no frame, no argument copy, no return (a call and
// its return are ~60 instructions).
//
// Why this is invisible to a program:
// - Nothing in an inlined body raises, so no traceback could show the missing frame; nothing blocks
//   or loops, so no thread dump or deadlock report could either; and a leaf cannot recurse, so the
//   depth limit is never the difference.
// - A parameter the body reads stays the caller's argument register (the body never writes it);
//   a parameter the body writes, and every other register of the callee, becomes a fresh register
//   of the caller with the callee's kind (reference or scalar), so the collector scans exactly what
//   it scanned in the callee's frame. Fresh reference registers join the caller's ref_locals (set
//   after this pass; the liveness pass keeps those live at entry), which every call of the caller
//   clears.
// - The call's own safepoint poll goes with it: the body is a handful of straight-line instructions.
// - The caller's code is re-laid out: jumps, loop offsets, handler ranges and spans follow their
//   instructions (a function whose 16-bit branch offsets would overflow is left as it was).
//
// Only `Call` is inlined: a method call on a class (`CallMethod`) dispatches at run time.
#include "compile/fn_compiler.hpp"

#include <algorithm>
#include <optional>
#include <vector>

namespace bp::compile {

namespace {

using bytecode::FunctionProto;
using bytecode::Instr;
using bytecode::Op;

constexpr size_t kMaxBody = 8;          // instructions of a body, besides its Ret
constexpr uint32_t kMaxRegs = 60000;    // a caller stops growing its frame here (registers are 16-bit)
constexpr size_t kMaxConsts = 60000;    // and its constant table (constant indexes are 16-bit too)

// The instructions an inlined body may hold: one word each; they read and write registers, the
// fields of an object and constants (copied into the caller's table), and none raises, allocates,
// calls, jumps or polls. (ModIntK cannot raise: the verifier rejects a divisor of 0 or -1.)
bool inlinable(Op op) {
    switch (op) {
    case Op::Move: case Op::LoadInt: case Op::LoadConst: case Op::LoadNull: case Op::GetField:
    case Op::SetField: case Op::ModIntK:
    case Op::GetTupleItem: case Op::AddInt: case Op::SubInt: case Op::MulInt: case Op::AddIntImm:
    case Op::MulIntImm: case Op::NegInt: case Op::AbsInt: case Op::MinInt: case Op::MaxInt:
    case Op::BitAnd: case Op::BitOr: case Op::BitXor: case Op::BitNot: case Op::AddFloat:
    case Op::SubFloat: case Op::MulFloat: case Op::NegFloat: case Op::FloatMath: case Op::Not:
    case Op::EqInt: case Op::NeInt: case Op::LtInt: case Op::LeInt: case Op::EqFloat: case Op::NeFloat:
    case Op::LtFloat: case Op::LeFloat: case Op::LenStr:
        return true;
    default:
        return false;
    }
}

const char* format_of(Op op) { return bytecode::kOpFormats[static_cast<uint8_t>(op)]; }

// Calls `fn(field)` for each operand of `in` of the given kind ('r' register, 'k' constant).
template <class Fn>
void each_operand(Instr& in, char kind, Fn&& fn) {
    const char* f = format_of(in.op);
    uint16_t* fields[3] = {&in.a, &in.b, &in.c};
    for (int k = 0; k < 3 && f[k]; ++k)
        if (f[k] == kind) fn(*fields[k]);
}

// The register an inlinable instruction writes: a, except SetField's (a is the object it writes to).
bool writes_a(Op op) { return op != Op::SetField; }

// A function whose calls can be inlined: its body (without the Ret) and the register it returns.
struct Leaf {
    std::vector<Instr> body;
    std::optional<uint16_t> result; // Ret's register; none for RetVoid
    std::vector<bool> param_written;
};

std::optional<Leaf> as_leaf(const FunctionProto& fn) {
    if (fn.ncaptures != 0 || !fn.handlers.empty()) return std::nullopt;
    Leaf leaf;
    leaf.param_written.assign(fn.nparams, false);
    for (const Instr& in : fn.code) {
        if (in.op == Op::Ret || in.op == Op::RetVoid) {
            if (in.op == Op::Ret) leaf.result = in.a;
            return leaf;
        }
        if (!inlinable(in.op) || leaf.body.size() == kMaxBody) return std::nullopt;
        if (writes_a(in.op) && in.a < fn.nparams) leaf.param_written[in.a] = true;
        leaf.body.push_back(in);
    }
    return std::nullopt; // no Ret: not a leaf's shape
}

// The words replacing `call` (a Call of `leaf`'s function) in `caller`; may add registers to caller.
std::vector<Instr> expand(const Instr& call, const uint16_t* args, const FunctionProto& callee,
                          const Leaf& leaf, FunctionProto& caller) {
    std::vector<uint16_t> map(callee.nregs);
    std::vector<Instr> out;
    auto fresh = [&](uint16_t r) {
        caller.reg_is_ref.resize(caller.nregs); // one kind per register (the compiler keeps them equal)
        caller.reg_is_ref.push_back(callee.reg_is_ref[r]);
        return static_cast<uint16_t>(caller.nregs++);
    };
    // The result register may be the call's destination itself (no Move at the end), unless the
    // destination is also an argument, which the body may still read after writing its result.
    const bool used = leaf.result && !(call.x & 1);
    const bool into_dest = used && *leaf.result >= callee.nparams &&
                           std::find(args, args + call.c, call.a) == args + call.c;
    for (uint16_t r = 0; r < callee.nregs; ++r) {
        if (r < callee.nparams && !leaf.param_written[r]) {
            map[r] = args[r];
        } else if (into_dest && r == *leaf.result) {
            map[r] = call.a;
        } else {
            map[r] = fresh(r);
            if (r < callee.nparams) out.push_back(Instr::make(Op::Move, map[r], args[r]));
        }
    }
    for (Instr in : leaf.body) {
        each_operand(in, 'r', [&](uint16_t& reg) { reg = map[reg]; });
        each_operand(in, 'k', [&](uint16_t& k) {
            caller.consts.push_back(callee.consts[k]);
            k = static_cast<uint16_t>(caller.consts.size() - 1);
        });
        out.push_back(in);
    }
    if (used && !into_dest) out.push_back(Instr::make(Op::Move, call.a, map[*leaf.result]));
    return out;
}

// Re-lays out `fn` with the inlined calls; leaves fn untouched if a branch offset would overflow.
void inline_into(FunctionProto& fn, const bytecode::Program& program,
                 const std::vector<std::optional<Leaf>>& leaves) {
    const uint16_t nregs = fn.nregs;
    const std::vector<uint8_t> kinds = fn.reg_is_ref;
    const size_t nconsts = fn.consts.size();
    std::vector<Instr> code;
    std::vector<Span> spans;
    std::vector<uint32_t> new_pc(fn.code.size() + 1, 0);
    std::vector<bool> inlined(fn.code.size(), false);
    bool changed = false;
    for (uint32_t pc = 0; pc < fn.code.size();) {
        const Instr& in = fn.code[pc];
        const uint32_t len = bytecode::instr_length(in);
        new_pc[pc] = static_cast<uint32_t>(code.size());
        const FunctionProto* callee = in.op == Op::Call ? program.functions[in.b].get() : nullptr;
        if (callee && leaves[in.b] && callee != &fn && in.c == callee->nparams &&
            fn.nregs + callee->nregs < kMaxRegs && fn.consts.size() + callee->consts.size() < kMaxConsts) {
            for (const Instr& w : expand(in, in.arg_regs(), *callee, *leaves[in.b], fn)) {
                code.push_back(w);
                spans.push_back(fn.spans[pc]);
            }
            inlined[pc] = changed = true;
        } else {
            for (uint32_t k = 0; k < len; ++k) {
                code.push_back(fn.code[pc + k]);
                spans.push_back(fn.spans[pc + k]);
            }
        }
        pc += len;
    }
    if (!changed) return;
    new_pc[fn.code.size()] = static_cast<uint32_t>(code.size());
    // Every jump of the old code, moved: relative offsets are recomputed from the old target.
    auto moved = [&](uint32_t pc, int64_t offset) {
        return int64_t{new_pc[pc + offset]} - int64_t{new_pc[pc]};
    };
    bool fits = true;
    for (uint32_t pc = 0; pc < fn.code.size(); pc += bytecode::instr_length(fn.code[pc])) {
        if (int64_t off = 0; !inlined[pc] && bytecode::jump_offset(&fn.code[pc], &off))
            fits = bytecode::set_jump_offset(&code[new_pc[pc]], moved(pc, off)) && fits;
    }
    if (!fits) {
        fn.nregs = nregs;
        fn.reg_is_ref = kinds;
        fn.consts.resize(nconsts);
        return;
    }
    for (bytecode::Handler& h : fn.handlers) {
        h.start = new_pc[h.start];
        h.end = new_pc[h.end];
        h.handler = new_pc[h.handler];
    }
    fn.code = std::move(code);
    fn.spans = std::move(spans);
}

} // namespace

void inline_leaf_calls(bytecode::Program& program) {
    std::vector<std::optional<Leaf>> leaves;
    for (const auto& fn : program.functions) leaves.push_back(as_leaf(*fn));
    for (auto& fn : program.functions) inline_into(*fn, program, leaves);
}

} // namespace bp::compile
