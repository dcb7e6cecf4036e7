// Shared driver of the libFuzzer targets: runs the front end on arbitrary bytes up to a given stage,
// exactly as `bp` does (tools/bp/frontend.cpp): each stage runs only if the previous one reported no
// error. Any crash, hang, leak or sanitizer report below is a bug: no input may crash bp.
#pragma once
#include "bytecode/disasm.hpp"
#include "bytecode/verify.hpp"
#include "check/checker.hpp"
#include "compile/compiler.hpp"
#include "parse/parser.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace bp::fuzz {

enum class Stage { Parse, Check, Compile };

inline void run_frontend(const uint8_t* data, size_t size, Stage last) {
    SourceMap sources;
    uint32_t file = sources.add("fuzz.bp", std::string(reinterpret_cast<const char*>(data), size));
    diag::Diagnostics diags(sources);
    ast::Module module = parse::parse_file(sources, file, diags);
    if (diags.has_errors()) {
        (void)diags.render(); // rendering carets over arbitrary bytes is part of the surface
        return;
    }
    if (last == Stage::Parse) return;
    types::TypeTable types;
    check::CheckedProgram checked;
    std::vector<ast::Module*> modules{&module};
    if (!check::check_program(modules, types, diags, checked) || diags.has_errors()) {
        (void)diags.render();
        return;
    }
    if (last == Stage::Check) return;
    std::unique_ptr<bytecode::Program> program = compile::compile_program(checked, sources, types, diags);
    if (!program) { // a limit of the bytecode format: a diagnostic like any other
        (void)diags.render();
        return;
    }
    if (!program->sources) program->sources = &sources;
    if (!program->types) program->types = &types;
    (void)bytecode::disassemble(*program);
    std::string problem = bytecode::verify(*program);
    if (!problem.empty()) { // the compiler emitted bytecode the VM would misread
        std::fprintf(stderr, "bytecode verifier: %s\n", problem.c_str());
        std::abort();
    }
}

} // namespace bp::fuzz
