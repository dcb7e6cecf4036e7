// A compiled program: function prototypes, constants, globals. Produced by the compiler,
// immutable once the VM starts (so every thread reads it without locks).
// The instruction encoding and opcode table live in bytecode/opcodes.def and bytecode/instr.hpp.
#pragma once
#include "base/source.hpp"
#include "bytecode/instr.hpp"
#include "types/native_module.hpp"
#include "types/type.hpp"

#include <memory>
#include <string>
#include <vector>

namespace bp::bytecode {

struct Constant {
    enum class Kind : uint8_t { Int, Float, Str, Function, Type };
    Kind kind;
    int64_t i = 0;             // Int; Function: function index
    double f = 0;              // Float
    std::string s;             // Str
    const types::Type* type = nullptr; // Type (for boxing, typed allocation, builtin arg types)
};

// A try region: an exception raised by an instruction with start <= pc < end jumps to `handler`
// with the Error object in register `error_reg`. Regions are listed innermost first.
struct Handler {
    uint32_t start, end, handler;
    uint16_t error_reg;
};

// Static types of one CallBuiltin site (BuiltinArgs::arg_types / result_type).
struct BuiltinSite {
    std::vector<const types::Type*> arg_types;
    const types::Type* result_type = nullptr;
};

struct FunctionProto {
    std::string name;          // "main", "<lambda>", "<module>" (traceback name)
    uint32_t index = 0;        // position in Program::functions
    uint32_t file = 0;         // SourceMap id
    uint16_t nparams = 0;      // parameters occupy registers 0..nparams-1
    uint16_t nregs = 0;        // registers used (>= nparams)
    uint16_t ncaptures = 0;    // lambdas: captured cells (Closure::captures)
    bool returns_value = false;
    // One entry per register: 1 if the register holds a reference (Obj* or nullptr) for the whole
    // function, 0 if it holds a scalar. The compiler never mixes kinds in one register; the
    // collector scans exactly the reference registers of every live frame.
    std::vector<uint8_t> reg_is_ref;
    // The reference registers above the parameters that a call must clear (to nullptr) before the
    // callee runs, since the collector may scan them before the callee writes them. Scalar
    // registers keep whatever the stack held; the compiler writes every scalar before reading it.
    // set_ref_locals() lists every reference register above the parameters; the liveness pass
    // (bytecode/liveness.cpp) then keeps only those live at entry (the verifier checks both).
    std::vector<uint16_t> ref_locals;
    void set_ref_locals() {
        ref_locals.clear();
        for (size_t r = nparams; r < reg_is_ref.size(); ++r)
            if (reg_is_ref[r]) ref_locals.push_back(static_cast<uint16_t>(r));
    }
    // The reference registers a collector scans in a frame stopped at instruction pc:
    // gc_live_regs[gc_live_start[pc] .. gc_live_start[pc + 1]) (bytecode/liveness.cpp; a dead
    // register may hold a stale pointer). Empty for a function built by hand (unit tests): every
    // reference register is scanned.
    std::vector<uint32_t> gc_live_start;
    std::vector<uint16_t> gc_live_regs;
    std::vector<Instr> code;
    std::vector<Span> spans;   // one per instruction (traceback carets)
    std::vector<Constant> consts;
    std::vector<Handler> handlers;
    std::vector<BuiltinSite> builtin_sites; // indexed by CallBuiltin's ext.a
    const types::Type* type = nullptr; // fn type
};

struct GlobalInfo {
    std::string name;
    const types::Type* type = nullptr;
    Span span;
};

// An `extern fn` declaration (LANGUAGE.md §7 FFI). Its FunctionProto is a stub that passes its
// parameters to CallExtern; the VM resolves the symbol at the first call (vm/ffi.hpp).
struct ExternInfo {
    std::string name;     // as declared in BetterPython
    std::string library;  // `from "libm.so.6"`
    std::string symbol;   // `as "cos"`, else the name
    std::vector<const types::Type*> params; // int, float, bool, str or ptr
    const types::Type* ret = nullptr;       // those or void
};
struct Program {
    const SourceMap* sources = nullptr;
    types::TypeTable* types = nullptr;
    std::vector<std::unique_ptr<FunctionProto>> functions;
    std::vector<GlobalInfo> globals;
    uint32_t init_function = 0;  // "<module>": initialises globals in order (may be empty)
    // One "<module>" initialiser per module that has globals, dependencies first (each with its
    // module's file, for tracebacks); the first is init_function. Run in this order before main.
    std::vector<uint32_t> module_inits;
    std::vector<ExternInfo> externs; // indexed by CallExtern's b
    uint32_t entry_function = 0; // main (or the first def)
    bool entry_returns_int = false;
    // The native-module registry (types/native_module.hpp): `thread` first, then the embedder's
    // modules. The Vm installs their host functions and hooks when it is built.
    types::NativeRegistry native_modules;
};

} // namespace bp::bytecode
