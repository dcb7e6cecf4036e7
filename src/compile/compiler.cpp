// compile_program: one FunctionProto per top-level function, one "<module>" initialiser for the
// globals, and one per lambda (appended as they are met).
#include "compile/compiler.hpp"
#include "bytecode/liveness.hpp"
#include "compile/fn_compiler.hpp"

#include <cstdio>
#include <cstdlib>

namespace bp::compile {

uint32_t compile_lambda_proto(ProgramBuilder& pb, const ast::Lambda& lam, uint32_t file) {
    if (pb.program.functions.size() > 0xFFFF) // MakeClosure's function operand is 16 bits
        throw LimitError{lam.span, "too many functions and lambdas (the limit is 65536)"};
    auto proto = std::make_unique<bytecode::FunctionProto>();
    proto->name = "<lambda>";
    proto->index = static_cast<uint32_t>(pb.program.functions.size());
    proto->file = file;
    proto->type = lam.type;
    proto->returns_value = lam.type && lam.type->ret && lam.type->ret->kind != types::Kind::Void;
    bytecode::FunctionProto& p = *proto;
    pb.program.functions.push_back(std::move(proto));
    FnCompiler fc(pb, p, &lam);
    fc.compile_lambda(lam);
    return p.index;
}

// One "<module>" per run of globals from the same file (the checker lists globals module by
// module, in initialisation order), so a traceback names the initialiser's own file.
static void compile_module_inits(ProgramBuilder& pb, bytecode::FunctionProto& first,
                                 const std::vector<ast::GlobalDecl*>& globals) {
    bytecode::Program& program = pb.program;
    program.module_inits.push_back(first.index);
    size_t begin = 0;
    do {
        size_t end = begin;
        while (end < globals.size() && globals[end]->span.file == globals[begin]->span.file) ++end;
        bytecode::FunctionProto* proto = &first;
        if (begin > 0) {
            auto init = std::make_unique<bytecode::FunctionProto>();
            init->name = "<module>";
            init->index = static_cast<uint32_t>(program.functions.size());
            proto = init.get();
            program.functions.push_back(std::move(init));
            program.module_inits.push_back(proto->index);
        }
        if (begin < globals.size()) proto->file = globals[begin]->span.file;
        std::vector<ast::GlobalDecl*> part(globals.begin() + static_cast<std::ptrdiff_t>(begin),
                                           globals.begin() + static_cast<std::ptrdiff_t>(end));
        FnCompiler ic(pb, *proto, nullptr);
        ic.compile_module_init(part);
        begin = end;
    } while (begin < globals.size());
}

static std::unique_ptr<bytecode::Program> compile_all(const check::CheckedProgram& checked,
                                                      const SourceMap& sources, types::TypeTable& types);

std::unique_ptr<bytecode::Program> compile_program(const check::CheckedProgram& checked,
                                                   const SourceMap& sources, types::TypeTable& types,
                                                   diag::Diagnostics& diags) {
    try {
        return compile_all(checked, sources, types);
    } catch (const LimitError& e) {
        diags.error(e.span, e.message);
        return nullptr;
    }
}

std::unique_ptr<bytecode::Program> compile_program(const check::CheckedProgram& checked,
                                                   const SourceMap& sources, types::TypeTable& types) {
    diag::Diagnostics diags(sources);
    auto program = compile_program(checked, sources, types, diags);
    if (!program) { // callers without a diagnostics sink: the message, then exit 65 as before
        std::string text = diags.render();
        std::fwrite(text.data(), 1, text.size(), stderr);
        std::exit(65);
    }
    return program;
}

static std::unique_ptr<bytecode::Program> compile_all(const check::CheckedProgram& checked,
                                                      const SourceMap& sources, types::TypeTable& types) {
    auto program = std::make_unique<bytecode::Program>();
    program->sources = &sources;
    program->types = &types;
    ProgramBuilder pb{*program, types, checked};
    // Reserve the top-level functions' indexes first: calls name them before they are compiled.
    for (const ast::FuncDecl* fn : checked.functions) {
        auto proto = std::make_unique<bytecode::FunctionProto>();
        proto->name = fn->qual_name.empty() ? fn->name : fn->qual_name;
        proto->index = fn->function_index;
        proto->file = fn->span.file;
        proto->type = fn->fn_type;
        proto->returns_value = fn->fn_type && fn->fn_type->ret && fn->fn_type->ret->kind != types::Kind::Void;
        program->functions.push_back(std::move(proto));
    }
    for (size_t k = 0; k < checked.externs.size(); ++k) // indexes follow the defs (checker)
        program->functions.push_back(
            compile_extern_stub(*program, *checked.externs[k], static_cast<uint32_t>(k)));
    auto init = std::make_unique<bytecode::FunctionProto>();
    init->name = "<module>";
    init->index = static_cast<uint32_t>(program->functions.size());
    init->file = checked.functions.empty() ? 0 : checked.functions[checked.entry]->span.file;
    program->init_function = init->index;
    bytecode::FunctionProto& init_ref = *init;
    program->functions.push_back(std::move(init));

    for (const ast::GlobalDecl* g : checked.globals)
        program->globals.push_back(bytecode::GlobalInfo{g->name, g->type ? g->type->resolved : g->init->type, g->name_span});
    for (const ast::FuncDecl* fn : checked.functions) {
        FnCompiler fc(pb, *program->functions[fn->function_index], nullptr);
        fc.compile_function(*fn);
    }
    compile_module_inits(pb, init_ref, checked.globals);
    program->entry_function = checked.entry;
    program->entry_returns_int = checked.entry_returns_int;
    program->native_modules = checked.native_modules;
    inline_leaf_calls(*program);
    for (auto& fn : program->functions) {
        fn->set_ref_locals();
        bytecode::compute_gc_liveness(*fn);
    }
    return program;
}

} // namespace bp::compile
