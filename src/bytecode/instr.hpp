// Instruction encoding (owned by the compiler/VM; see opcodes.def for the opcode table).
// Fixed 64-bit instructions: op (8 bits), x (8 bits, small extra operand), a, b, c (16 bits each).
// Wide operands: sbc() reads b:c as a signed 32-bit value (jump offsets, immediates).
// Some instructions are followed by extension words (fixed count per opcode, `ext` in
// opcodes.def) and then argument words (ceil(c/4) words of uint16 register numbers, for formats
// with `n`). instr_length() gives the total number of 8-byte words an instruction occupies.
#pragma once
#include <cstdint>

namespace bp::bytecode {

enum class Op : uint8_t {
#define BP_OP(name, fmt, ext, doc) name,
#include "bytecode/opcodes.def"
#undef BP_OP
};

inline constexpr const char* kOpNames[] = {
#define BP_OP(name, fmt, ext, doc) #name,
#include "bytecode/opcodes.def"
#undef BP_OP
};
inline constexpr const char* kOpFormats[] = {
#define BP_OP(name, fmt, ext, doc) fmt,
#include "bytecode/opcodes.def"
#undef BP_OP
};
inline constexpr uint8_t kOpExt[] = {
#define BP_OP(name, fmt, ext, doc) ext,
#include "bytecode/opcodes.def"
#undef BP_OP
};
inline constexpr uint32_t kOpCount = sizeof(kOpExt) / sizeof(kOpExt[0]);

struct Instr {
    Op op;
    uint8_t x;
    uint16_t a, b, c;
    int32_t sbc() const { return static_cast<int32_t>((static_cast<uint32_t>(b) << 16) | c); }
    int16_t sc() const { return static_cast<int16_t>(c); }
    static Instr make(Op op, uint16_t a = 0, uint16_t b = 0, uint16_t c = 0, uint8_t x = 0) {
        return Instr{op, x, a, b, c};
    }
    static Instr make_sbc(Op op, uint16_t a, int32_t v, uint8_t x = 0) {
        uint32_t u = static_cast<uint32_t>(v);
        return Instr{op, x, a, static_cast<uint16_t>(u >> 16), static_cast<uint16_t>(u & 0xFFFF)};
    }
    void set_sbc(int32_t v) {
        uint32_t u = static_cast<uint32_t>(v);
        b = static_cast<uint16_t>(u >> 16);
        c = static_cast<uint16_t>(u & 0xFFFF);
    }
    // The argument register numbers of an `n`-format instruction (after its ext words).
    const uint16_t* arg_regs() const {
        return reinterpret_cast<const uint16_t*>(this + 1 + kOpExt[static_cast<uint8_t>(op)]);
    }
    // The same for an instruction whose opcode is kOp (an interpreter handler): no table lookup.
    template <Op kOp>
    const uint16_t* arg_regs_of() const {
        return reinterpret_cast<const uint16_t*>(this + 1 + kOpExt[static_cast<uint8_t>(kOp)]);
    }
};
static_assert(sizeof(Instr) == 8);

// The int compare-and-branch family: its c field is a jump offset (format letter s).
inline bool is_int_cmp_jump(Op op) {
    switch (op) {
    case Op::JLtInt: case Op::JLeInt: case Op::JEqInt: case Op::JNeInt:
    case Op::JLtIntK: case Op::JLeIntK: case Op::JEqIntK: case Op::JNeIntK: return true;
    default: return false;
    }
}

// The for-in loop tests: one extension word, whose a is the loop's length register and whose b:c
// is the jump back to the body.
inline bool is_for_in_loop(Op op) { return op == Op::ForArray || op == Op::ForStr || op == Op::ForBytes; }

inline bool op_has_args(Op op) { return kOpFormats[static_cast<uint8_t>(op)][2] == 'n'; }

// An instruction's jump, relative to its own position, in one of three places: b:c (format J,
// always the second letter), c (the compare-and-branch family) or its extension word's b:c (the
// for-in loops). No instruction has two. `jump_offset` is false for one without a jump;
// `set_jump_offset` is false if the offset does not fit (c holds 16 bits).
inline bool jump_offset(const Instr* ip, int64_t* offset) {
    if (kOpFormats[static_cast<uint8_t>(ip->op)][1] == 'J') *offset = ip->sbc();
    else if (is_int_cmp_jump(ip->op)) *offset = ip->sc();
    else if (is_for_in_loop(ip->op)) *offset = ip[1].sbc();
    else return false;
    return true;
}
inline bool set_jump_offset(Instr* ip, int64_t offset) {
    if (is_int_cmp_jump(ip->op)) {
        if (offset < INT16_MIN || offset > INT16_MAX) return false;
        ip->c = static_cast<uint16_t>(static_cast<int16_t>(offset));
        return true;
    }
    if (offset < INT32_MIN || offset > INT32_MAX) return false;
    (is_for_in_loop(ip->op) ? ip[1] : *ip).set_sbc(static_cast<int32_t>(offset));
    return true;
}

// Number of 8-byte words the instruction at `i` occupies (itself + ext words + argument words).
inline uint32_t instr_length(const Instr& i) {
    uint32_t n = 1 + kOpExt[static_cast<uint8_t>(i.op)];
    if (op_has_args(i.op)) n += (i.c + 3u) / 4u;
    return n;
}
// instr_length of an instruction whose opcode is kOp (an interpreter handler): no table lookups.
template <Op kOp>
uint32_t instr_length_of(const Instr& i) {
    constexpr uint32_t fixed = 1 + kOpExt[static_cast<uint8_t>(kOp)];
    if constexpr (kOpFormats[static_cast<uint8_t>(kOp)][2] == 'n') return fixed + (i.c + 3u) / 4u;
    return fixed;
}

} // namespace bp::bytecode
