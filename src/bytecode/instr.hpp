// Instruction encoding (owned by the compiler/VM; see opcodes.def for the opcode table).
// Fixed 64-bit instructions: op (8 bits), x (8 bits, small extra operand), a, b, c (16 bits each).
// Wide operands: sbc() reads b:c as a signed 32-bit value (jump offsets, immediates).
#pragma once
#include <cstdint>

namespace bp::bytecode {

enum class Op : uint8_t {
#define BP_OP(name, fmt, doc) name,
#include "bytecode/opcodes.def"
#undef BP_OP
};

struct Instr {
    Op op;
    uint8_t x;
    uint16_t a, b, c;
    int32_t sbc() const { return static_cast<int32_t>((static_cast<uint32_t>(b) << 16) | c); }
    static Instr make(Op op, uint16_t a = 0, uint16_t b = 0, uint16_t c = 0, uint8_t x = 0) {
        return Instr{op, x, a, b, c};
    }
    static Instr make_sbc(Op op, uint16_t a, int32_t v, uint8_t x = 0) {
        uint32_t u = static_cast<uint32_t>(v);
        return Instr{op, x, a, static_cast<uint16_t>(u >> 16), static_cast<uint16_t>(u & 0xFFFF)};
    }
};
static_assert(sizeof(Instr) == 8);

} // namespace bp::bytecode
