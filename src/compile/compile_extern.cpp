// Stubs for `extern fn` (LANGUAGE.md §7 FFI). Each extern is an ordinary function of the program
// (so it can be called directly, passed as a value or spawned) whose body is
//     CallExtern r[n], extern k, (r0 .. r[n-1]);  Ret r[n]   (RetVoid for a void result)
// The VM loads the library and symbol at the first call (vm/ffi.cpp). The stub's spans point at
// the declaration, so a traceback for an unloadable library shows the `extern fn` line.
#include "compile/fn_compiler.hpp"

namespace bp::compile {

namespace {

void push(bytecode::FunctionProto& p, bytecode::Instr i, Span span) {
    p.code.push_back(i);
    p.spans.push_back(span);
}

void push_arg_words(bytecode::FunctionProto& p, uint16_t n, Span span) {
    for (uint16_t k = 0; k < n; k += 4) {
        uint16_t w[4] = {0, 0, 0, 0};
        for (uint16_t j = 0; j < 4 && k + j < n; ++j) w[j] = static_cast<uint16_t>(k + j);
        bytecode::Instr word;
        static_assert(sizeof(word) == sizeof(w));
        __builtin_memcpy(&word, w, sizeof(w));
        push(p, word, span);
    }
}

} // namespace

std::unique_ptr<bytecode::FunctionProto> compile_extern_stub(bytecode::Program& program,
                                                             const ast::ExternDecl& x, uint32_t k) {
    using bytecode::Instr;
    using bytecode::Op;
    auto proto = std::make_unique<bytecode::FunctionProto>();
    proto->name = x.name;
    proto->index = static_cast<uint32_t>(program.functions.size());
    proto->file = x.span.file;
    proto->type = x.fn_type;
    const types::Type* ret = x.fn_type ? x.fn_type->ret : nullptr;
    bool has_result = ret && ret->kind != types::Kind::Void;
    proto->returns_value = has_result;

    bytecode::ExternInfo info{x.name, x.library, x.symbol.empty() ? x.name : x.symbol, {}, ret};
    auto n = static_cast<uint16_t>(x.params.size());
    for (uint16_t i = 0; i < n; ++i) {
        const types::Type* t = x.fn_type ? x.fn_type->items[i] : nullptr;
        info.params.push_back(t);
        proto->reg_is_ref.push_back(t && t->is_ref() ? 1 : 0);
    }
    proto->nparams = n;
    proto->reg_is_ref.push_back(has_result && ret->is_ref() ? 1 : 0); // the result register
    proto->nregs = static_cast<uint16_t>(n + 1);
    program.externs.push_back(std::move(info));

    push(*proto, Instr::make(Op::CallExtern, n, static_cast<uint16_t>(k), n, has_result ? 0 : 1), x.span);
    push_arg_words(*proto, n, x.span);
    push(*proto, has_result ? Instr::make(Op::Ret, n) : Instr::make(Op::RetVoid), x.span);
    return proto;
}

} // namespace bp::compile
