// The structural verifier (see verify.hpp). It decodes operands from the format strings of
// opcodes.def, like the disassembler, plus the extension words whose meaning opcodes.def documents.
#include "bytecode/verify.hpp"
#include "types/builtins.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace bp::bytecode {

namespace {

class Verifier {
public:
    Verifier(const Program& p, const FunctionProto& fn) : m_p(p), m_fn(fn) {}

    std::string run() {
        if (m_fn.nregs < m_fn.nparams) return fail(0, "nregs below nparams");
        if (m_fn.reg_is_ref.size() < m_fn.nregs) return fail(0, "reg_is_ref shorter than nregs");
        if (m_fn.spans.size() != m_fn.code.size()) return fail(0, "spans and code differ in length");
        if (!gc_live_ok()) return fail(0, "gc liveness map does not fit the code and its reference registers");
        if (!ref_locals_ok()) return fail(0, "ref_locals does not list the reference registers a call must clear");
        if (!mark_boundaries()) return m_error;
        for (uint32_t pc = 0; pc < m_fn.code.size(); pc += instr_length(m_fn.code[pc]))
            if (!check_instr(pc)) return m_error;
        for (const Handler& h : m_fn.handlers) {
            if (h.start > h.end || h.end > m_fn.code.size()) return fail(h.start, "handler range outside the code");
            if (!jump_ok(h.handler)) return fail(h.start, "handler target is not an instruction");
            if (!reg_ok(h.error_reg) || !m_fn.reg_is_ref[h.error_reg]) return fail(h.start, "bad handler register");
        }
        return "";
    }

private:
    bool fail_b(uint32_t pc, const std::string& what) {
        m_error = fail(pc, what);
        return false;
    }
    std::string fail(uint32_t pc, const std::string& what) const {
        return fmt::format("fn {} pc {}: {}", m_fn.name, pc, what);
    }
    bool reg_ok(uint32_t r) const { return r < m_fn.nregs; }
    // A call clears only ref_locals, so a register the collector may scan before the callee writes
    // it must be there: without a liveness map every reference register above the parameters, with
    // one those live at entry (bytecode/liveness.cpp).
    bool ref_locals_ok() const {
        std::vector<uint16_t> need;
        if (m_fn.gc_live_start.empty()) {
            for (size_t r = m_fn.nparams; r < m_fn.nregs; ++r)
                if (m_fn.reg_is_ref[r]) need.push_back(static_cast<uint16_t>(r));
        } else { // checked by gc_live_ok first
            for (uint32_t i = m_fn.gc_live_start[0]; i < m_fn.gc_live_start[1]; ++i)
                if (m_fn.gc_live_regs[i] >= m_fn.nparams) need.push_back(m_fn.gc_live_regs[i]);
        }
        return m_fn.ref_locals == need;
    }
    // The collector scans exactly the registers the map lists (gc/roots.cpp): each must be a
    // reference register, and the ranges must cover the code.
    bool gc_live_ok() const {
        const auto& start = m_fn.gc_live_start;
        if (start.empty()) return m_fn.gc_live_regs.empty();
        if (start.size() != m_fn.code.size() + 1 || start.back() != m_fn.gc_live_regs.size()) return false;
        if (!std::is_sorted(start.begin(), start.end())) return false;
        return std::all_of(m_fn.gc_live_regs.begin(), m_fn.gc_live_regs.end(),
                           [&](uint16_t r) { return reg_ok(r) && m_fn.reg_is_ref[r]; });
    }
    bool jump_ok(int64_t target) const {
        return target >= 0 && static_cast<size_t>(target) < m_boundary.size() && m_boundary[static_cast<size_t>(target)];
    }

    bool mark_boundaries() {
        m_boundary.assign(m_fn.code.size(), false);
        for (uint32_t pc = 0; pc < m_fn.code.size();) {
            auto opi = static_cast<uint8_t>(m_fn.code[pc].op);
            if (opi >= kOpCount) return fail_b(pc, fmt::format("unknown opcode {}", opi));
            m_boundary[pc] = true;
            uint32_t len = instr_length(m_fn.code[pc]);
            if (len > m_fn.code.size() - pc) return fail_b(pc, "instruction runs past the end of the code");
            pc += len;
        }
        return true;
    }

    bool check_operand(uint32_t pc, char f, uint32_t v) {
        const Instr& in = m_fn.code[pc];
        switch (f) {
        case 'r': return reg_ok(v) || fail_b(pc, fmt::format("register r{} >= nregs {}", v, m_fn.nregs));
        case 'k': return v < m_fn.consts.size() || fail_b(pc, fmt::format("constant k{} out of range", v));
        case 'g': return v < m_p.globals.size() || fail_b(pc, fmt::format("global g{} out of range", v));
        case 'f': return v < m_p.functions.size() || fail_b(pc, fmt::format("function f{} out of range", v));
        case 'n': {
            const uint16_t* regs = in.arg_regs();
            for (uint32_t i = 0; i < in.c; ++i)
                if (!reg_ok(regs[i])) return fail_b(pc, fmt::format("argument register r{} >= nregs", regs[i]));
            return true;
        }
        default: return true; // u, i, I, -: immediates; J, s: jumps (check_instr)
        }
    }

    bool check_ext(uint32_t pc) {
        const Instr& in = m_fn.code[pc];
        if (kOpExt[static_cast<uint8_t>(in.op)] == 0) return true;
        const Instr& e = m_fn.code[pc + 1];
        if (is_for_in_loop(in.op)) {
            return reg_ok(e.a) || fail_b(pc, "loop length register out of range"); // its jump: check_instr
        }
        if (in.op == Op::EqDeep || in.op == Op::FormatSpec)
            return e.a < m_fn.consts.size() || fail_b(pc, "extension constant out of range");
        if (in.op == Op::CallBuiltin) return e.a < m_fn.builtin_sites.size() || fail_b(pc, "builtin site out of range");
        return true; // an opcode appended later with extension words: not checked yet
    }

    bool check_instr(uint32_t pc) {
        const Instr& in = m_fn.code[pc];
        const char* f = kOpFormats[static_cast<uint8_t>(in.op)];
        uint32_t fields[3] = {in.a, in.b, in.c};
        for (int k = 0; k < 3 && f[k]; ++k) {
            if (f[k] == 'I') break;
            if (!check_operand(pc, f[k], fields[k])) return false;
            if (f[k] == 'J') break;
        }
        if (int64_t off = 0; jump_offset(&in, &off) && !jump_ok(int64_t{pc} + off))
            return fail_b(pc, "jump target is not an instruction");
        if (in.op == Op::ForPrep || in.op == Op::ForLoop || in.op == Op::ForLoopInc) {
            // counter, stop, step, loop variable
            if (!reg_ok(uint32_t{in.a} + 3)) return fail_b(pc, "range loop registers run past nregs");
        }
        if (in.op == Op::NewInstance) { // the interpreter sizes the instance by c and fills every field
            const Constant& k = m_fn.consts[in.b];
            if (k.kind != Constant::Kind::Type || !k.type || k.type->kind != types::Kind::Struct ||
                k.type->info->fields().size() != in.c)
                return fail_b(pc, "NewInstance must give every field of a struct type constant");
        }
        if (in.op == Op::FloatMath && !is_float_math(in.c)) return fail_b(pc, "FloatMath of a builtin not in float_math.def");
        if (in.op == Op::ModIntK) { // the interpreter divides without a check
            const Constant& k = m_fn.consts[in.c];
            if (k.kind != Constant::Kind::Int || k.i == 0 || k.i == -1)
                return fail_b(pc, "ModIntK divisor must be an Int constant other than 0 and -1");
        }
        return check_ext(pc);
    }

    const Program& m_p;
    const FunctionProto& m_fn;
    std::vector<bool> m_boundary;
    std::string m_error;
};

} // namespace

std::string verify(const Program& program) {
    if (!program.functions.empty() &&
        (program.entry_function >= program.functions.size() || program.init_function >= program.functions.size()))
        return "entry or init function out of range";
    for (size_t i = 0; i < program.functions.size(); ++i) {
        const FunctionProto& fn = *program.functions[i];
        if (fn.index != i) return fmt::format("fn {}: index {} at position {}", fn.name, fn.index, i);
        if (std::string e = Verifier(program, fn).run(); !e.empty()) return e;
    }
    return "";
}

} // namespace bp::bytecode
