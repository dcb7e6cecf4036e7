// Which reference registers the collector scans when a frame stops at an instruction.
//
// Before this pass the collector scanned every reference register of every frame, so a register
// kept whatever it last held until the function wrote it again or returned. In
//
//     for i in range(rounds):
//         total += check(build(14))
//
// the register that received build's tree held it through the next iteration's build: every
// collection found two trees alive, the one being built and the one already checked (trees.bp:
// 14 MiB heap peak on one thread where 7 MiB hold what the program can still reach). CPython
// frees that tree when check returns; a precise collector should at least not keep it.
//
// Liveness, the compiler textbook's backward dataflow, over the final bytecode (after inlining):
//   live_out(i) = union of live_in(s) over the successors s of i (fall-through, jump targets)
//   live_in(i)  = uses(i) + (live_out(i) - defs(i)) + (live_in(h) - error_reg(h)) for each
//                 handler h covering i
// A handler's registers are live *into* every instruction it covers, not subtracted by its defs
// (an instruction that raises has not written its destination), except the handler's error
// register, which the unwinder writes before the handler runs.
//
// Safety rests on two approximations that may only ever keep more alive:
// - uses: every register operand the format names (a, b, c, argument words, a for-in loop's
//   length register, a range loop's four registers), whatever the opcode does with it;
// - defs: only the destination `a` of the opcodes listed in `kills`, which write it on every
//   normal completion (a call only when not void). Any other opcode kills nothing.
// A register wrongly thought dead would let the collector free what the program reads next;
// one wrongly thought live only keeps garbage a while longer, as before this pass.
//
// A frame stops (interp.cpp: BP_SAFEPOINT saves its position first) only where its own instruction
// has not yet written anything: at the start of an allocating instruction, at a loop's back-edge
// (the position is then the jump's target), inside a call (the callee runs; the destination is
// written on return, with no poll in between) or a builtin that blocks. So the collector scans
// live_in of the stopped instruction, and nothing else. Not live_out as well: before a
// `LoadConst r10` runs, r10 still holds the value of the previous loop iteration, which was dead
// (so not marked) at the previous collection and may since have been freed. Scanning exactly
// live_in is consistent along every path: a register dead at one point stays dead until written,
// so the collector never meets a pointer it let go.
#include "bytecode/liveness.hpp"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace bp::bytecode {

namespace {

// Opcodes that write a reference into R[a] whenever they complete (a call: unless void, x bit 0).
// Scalar destinations are not listed: only reference registers are tracked.
bool kills(const Instr& in) {
    switch (in.op) {
    case Op::Move: case Op::LoadConst: case Op::LoadNull: case Op::GetGlobal:
    case Op::MakeCell: case Op::MakeCellEmpty: case Op::GetCell: case Op::GetCapture: case Op::LoadCaptureCell:
    case Op::MakeClosure: case Op::ConcatStr: case Op::ConcatN: case Op::ToStr: case Op::FormatSpec:
    case Op::IndexStr: case Op::NewArray: case Op::IndexArray: case Op::NewMap: case Op::IndexMap:
    case Op::MapKeys: case Op::NewTuple: case Op::GetTupleItem: case Op::NewInstance: case Op::GetField:
    case Op::Box: case Op::BoxEmpty: case Op::Unbox: case Op::NewError: case Op::ErrorField:
    case Op::NewObject: case Op::GetFieldChecked:
        return true;
    case Op::Call: case Op::CallValue: case Op::CallMethod: case Op::CallBuiltin: case Op::CallExtern:
        return !(in.x & 1);
    default: return false;
    }
}

// Calls f(r) for every register the instruction at pc may read (see the essay above).
template <class F>
void for_each_use(const FunctionProto& fn, uint32_t pc, F&& f) {
    const Instr& in = fn.code[pc];
    const char* format = kOpFormats[static_cast<uint8_t>(in.op)];
    const uint32_t fields[3] = {in.a, in.b, in.c};
    for (int k = 0; k < 3 && format[k]; ++k) {
        if (format[k] == 'I' || format[k] == 'J') break; // b:c is one immediate
        if (format[k] == 'r' && !(k == 0 && kills(in))) f(fields[k]);
        if (format[k] == 'n')
            for (uint32_t i = 0; i < in.c; ++i) f(in.arg_regs()[i]);
    }
    if (is_for_in_loop(in.op)) f(fn.code[pc + 1].a);
    if (in.op == Op::ForPrep || in.op == Op::ForLoop || in.op == Op::ForLoopInc)
        for (uint32_t r = 1; r <= 3; ++r) f(in.a + r);
}

// Calls f(target) for every instruction control may reach next from pc (a superset is safe).
template <class F>
void for_each_successor(const FunctionProto& fn, uint32_t pc, F&& f) {
    const Instr& in = fn.code[pc];
    switch (in.op) {
    case Op::Jmp: case Op::Ret: case Op::RetVoid: case Op::Throw: case Op::Halt: break;
    default: f(pc + instr_length(in));
    }
    if (int64_t off = 0; jump_offset(&in, &off)) f(static_cast<uint32_t>(int64_t{pc} + off));
}

// A set of reference registers, one bit per reference register (numbered in register order).
class RefSets {
public:
    RefSets(size_t count, uint32_t nrefs) : m_words((nrefs + 63) / 64), m_bits(count * m_words) {}
    uint64_t* at(size_t i) { return m_bits.data() + i * m_words; }
    size_t words() const { return m_words; }

private:
    size_t m_words;
    std::vector<uint64_t> m_bits;
};

} // namespace

void compute_gc_liveness(FunctionProto& fn) {
    fn.gc_live_start.clear();
    fn.gc_live_regs.clear();
    const auto n = static_cast<uint32_t>(fn.code.size());
    std::vector<int32_t> ref_index(fn.nregs, -1);
    std::vector<uint16_t> ref_reg;
    for (uint32_t r = 0; r < fn.nregs && r < fn.reg_is_ref.size(); ++r)
        if (fn.reg_is_ref[r]) {
            ref_index[r] = static_cast<int32_t>(ref_reg.size());
            ref_reg.push_back(static_cast<uint16_t>(r));
        }
    if (ref_reg.empty() || n == 0) return; // nothing to scan: the fallback (all of none) is exact

    std::vector<uint32_t> starts;
    for (uint32_t pc = 0; pc < n; pc += instr_length(fn.code[pc])) starts.push_back(pc);
    // The sets, and the map at worst, grow as instructions x reference registers: a generated
    // function of 20 000 lines with 10 000 live strings took 1.8 s and 590 MB. Past this budget
    // (2 000 instructions with 2 000 references, 40 000 with 100) the function keeps no map and
    // every reference register is scanned, as before this pass.
    constexpr uint64_t kMaxBits = uint64_t{1} << 22;
    if (uint64_t{starts.size()} * ref_reg.size() > kMaxBits) return;
    RefSets in(n + 1, static_cast<uint32_t>(ref_reg.size())); // in.at(n): past the end, empty
    RefSets scratch(2, static_cast<uint32_t>(ref_reg.size())); // live_out, a handler's share
    const size_t words = in.words();
    auto add = [&](uint64_t* set, uint32_t r) {
        if (r < fn.nregs && ref_index[r] >= 0) set[ref_index[r] / 64] |= uint64_t{1} << (ref_index[r] % 64);
    };
    auto remove = [&](uint64_t* set, uint32_t r) {
        if (r < fn.nregs && ref_index[r] >= 0) set[ref_index[r] / 64] &= ~(uint64_t{1} << (ref_index[r] % 64));
    };
    auto merge = [&](uint64_t* into, const uint64_t* from) {
        for (size_t w = 0; w < words; ++w) into[w] |= from[w];
    };
    auto live_in_of = [&](uint32_t target) { // past the end: empty (never: the verifier checks targets)
        return in.at(std::min(target, n));
    };
    // live_out of the instruction at pc, into scratch.at(0).
    auto live_out = [&](uint32_t pc) {
        uint64_t* o = scratch.at(0);
        std::fill(o, o + words, 0);
        for_each_successor(fn, pc, [&](uint32_t s) { merge(o, live_in_of(s)); });
        return o;
    };

    for (bool changed = true; changed;) {
        changed = false;
        for (auto it = starts.rbegin(); it != starts.rend(); ++it) {
            const uint32_t pc = *it;
            const Instr& ins = fn.code[pc];
            uint64_t* o = live_out(pc);
            if (kills(ins)) remove(o, ins.a);
            for_each_use(fn, pc, [&](uint32_t r) { add(o, r); });
            for (const Handler& h : fn.handlers) {
                if (pc < h.start || pc >= h.end) continue;
                uint64_t* t = scratch.at(1);
                std::copy_n(live_in_of(h.handler), words, t);
                remove(t, h.error_reg); // the unwinder writes it before the handler runs
                merge(o, t);
            }
            uint64_t* i = in.at(pc);
            for (size_t w = 0; w < words; ++w)
                if ((i[w] | o[w]) != i[w]) i[w] |= o[w], changed = true;
        }
    }

    // Words inside an instruction (extension and argument words) are never a frame's position:
    // their ranges are empty.
    fn.gc_live_start.assign(n + 1, 0);
    size_t next = 0;
    for (uint32_t pc = 0; pc < n; ++pc) {
        fn.gc_live_start[pc] = static_cast<uint32_t>(fn.gc_live_regs.size());
        if (next == starts.size() || starts[next] != pc) continue;
        ++next;
        for (size_t k = 0; k < ref_reg.size(); ++k)
            if (in.at(pc)[k / 64] >> (k % 64) & 1) fn.gc_live_regs.push_back(ref_reg[k]);
    }
    fn.gc_live_start[n] = static_cast<uint32_t>(fn.gc_live_regs.size());

    // A call need clear only the registers live at entry: any other is written before a
    // collection can scan it (dead stays dead until written), so it may start with whatever the
    // register stack held. `build` in bench/threads/trees.bp cleared 4 registers per call, now none.
    fn.ref_locals.clear();
    for (uint32_t i = fn.gc_live_start[0]; i < fn.gc_live_start[1]; ++i)
        if (fn.gc_live_regs[i] >= fn.nparams) fn.ref_locals.push_back(fn.gc_live_regs[i]);
}

} // namespace bp::bytecode
