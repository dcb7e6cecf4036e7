// The disassembler: one line per instruction, operands decoded from the format strings of
// opcodes.def, with constants, jump targets and source lines spelled out.
#include "bytecode/disasm.hpp"
#include "types/builtins.hpp"

#include <fmt/format.h>

namespace bp::bytecode {

namespace {

std::string const_text(const Program& p, const FunctionProto& fn, uint32_t k) {
    if (k >= fn.consts.size()) return fmt::format("k{}?", k);
    const Constant& c = fn.consts[k];
    switch (c.kind) {
    case Constant::Kind::Int: return fmt::format("{}", c.i);
    case Constant::Kind::Float: return fmt::format("{}", c.f);
    case Constant::Kind::Str: {
        std::string s = "\"";
        for (char ch : c.s) {
            if (ch == '\n') s += "\\n";
            else if (ch == '"') s += "\\\"";
            else if (static_cast<unsigned char>(ch) < 0x20) s += fmt::format("\\x{:02x}", ch);
            else s += ch;
        }
        return s + "\"";
    }
    case Constant::Kind::Function:
        return c.i >= 0 && static_cast<size_t>(c.i) < p.functions.size()
                   ? fmt::format("<fn {}>", p.functions[static_cast<size_t>(c.i)]->name)
                   : "<fn ?>";
    case Constant::Kind::Type: return c.type ? "type " + c.type->name() : "type ?";
    }
    return "?";
}

std::string operand(const Program& p, const FunctionProto& fn, char f, uint32_t v, uint32_t pc) {
    switch (f) {
    case 'r': return fmt::format("r{}", v);
    case 'k': return fmt::format("k{}({})", v, const_text(p, fn, v));
    case 'g': return v < p.globals.size() ? fmt::format("g{}({})", v, p.globals[v].name) : fmt::format("g{}", v);
    case 'f': return v < p.functions.size() ? fmt::format("f{}({})", v, p.functions[v]->name) : fmt::format("f{}", v);
    case 'u': return fmt::format("{}", v);
    case 's': case 'i': return fmt::format("{}", static_cast<int16_t>(v));
    case 'n': return fmt::format("n={}", v);
    default: return "";
    }
    (void)pc;
}

std::string line_of(const Program& p, Span s) {
    if (!p.sources || s.file >= p.sources->size()) return "";
    return fmt::format("{}", p.sources->file(s.file).line_col(s.begin).line);
}

std::string instr_text(const Program& p, const FunctionProto& fn, uint32_t pc) {
    const Instr& in = fn.code[pc];
    auto opi = static_cast<uint8_t>(in.op);
    if (opi >= kOpCount) return fmt::format("<bad opcode {}>", opi);
    const char* f = kOpFormats[opi];
    std::vector<std::string> ops;
    uint32_t fields[3] = {in.a, in.b, in.c};
    for (int k = 0; k < 3 && f[k]; ++k) {
        if (f[k] == 'J') { ops.push_back(fmt::format("-> {}", static_cast<int64_t>(pc) + in.sbc())); break; }
        if (f[k] == 'I') { ops.push_back(fmt::format("{}", in.sbc())); break; }
        if (f[k] == 's' && is_int_cmp_jump(in.op)) {
            ops.push_back(fmt::format("-> {}", static_cast<int64_t>(pc) + in.sc()));
            continue;
        }
        if (in.op == Op::FloatMath && k == 2 && in.c < kBuiltinCount) {
            ops.push_back(fmt::format("({})", kBuiltins[in.c].name));
            continue;
        }
        if (f[k] != '-') ops.push_back(operand(p, fn, f[k], fields[k], pc));
    }
    if (in.x) ops.push_back(fmt::format("x={}", in.x));
    if (kOpExt[opi] && pc + 1 < fn.code.size()) {
        const Instr& e = fn.code[pc + 1];
        if (is_for_in_loop(in.op)) {
            ops.push_back(fmt::format("len=r{} loop-> {}", e.a, static_cast<int64_t>(pc) + e.sbc()));
        } else if (in.op == Op::EqDeep) {
            ops.push_back(operand(p, fn, 'k', e.a, pc));
        } else if (in.op == Op::FormatSpec) {
            ops.push_back("spec=" + operand(p, fn, 'k', e.a, pc));
        } else if (in.op == Op::CallBuiltin) {
            ops.push_back(fmt::format("site={}", e.a));
            if (in.b < kBuiltinCount) ops.push_back(std::string("(") + std::string(kBuiltins[in.b].name) + ")");
        }
    }
    if (op_has_args(in.op)) {
        const uint16_t* regs = in.arg_regs();
        std::string a = "(";
        for (uint32_t k = 0; k < in.c; ++k) a += fmt::format("{}r{}", k ? ", " : "", regs[k]);
        ops.push_back(a + ")");
    }
    std::string s = fmt::format("{:<13} ", kOpNames[opi]); // a longer name still gets its space
    for (size_t k = 0; k < ops.size(); ++k) s += (k ? ", " : "") + ops[k];
    return s;
}

} // namespace

std::string disassemble_function(const Program& p, const FunctionProto& fn) {
    std::string out = fmt::format("function {} #{}: params={} regs={} captures={}{}\n", fn.name, fn.index,
                                  fn.nparams, fn.nregs, fn.ncaptures, fn.returns_value ? " returns" : "");
    std::string kinds;
    for (uint8_t r : fn.reg_is_ref) kinds += r ? 'R' : 's';
    if (!kinds.empty()) out += "  kinds: " + kinds + "\n";
    for (uint32_t pc = 0; pc < fn.code.size();) {
        std::string line = pc < fn.spans.size() ? line_of(p, fn.spans[pc]) : "";
        out += fmt::format("  {:04}  {:>4}  {}\n", pc, line, instr_text(p, fn, pc));
        pc += instr_length(fn.code[pc]);
    }
    for (const Handler& h : fn.handlers)
        out += fmt::format("  handler [{}, {}) -> {} err=r{}\n", h.start, h.end, h.handler, h.error_reg);
    return out;
}

std::string disassemble(const Program& p) {
    std::string out;
    for (const auto& fn : p.functions) out += disassemble_function(p, *fn) + "\n";
    return out;
}

} // namespace bp::bytecode
