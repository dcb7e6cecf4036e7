// Typed AST -> register bytecode.
#pragma once
#include "bytecode/program.hpp"
#include "check/checker.hpp"
#include "diag/diagnostics.hpp"

namespace bp::compile {

// The AST must have been checked without errors. A limit of the bytecode format (registers,
// constants, branch distance, number of functions) is reported into `diags` at the construct that
// exceeded it, and the result is null.
std::unique_ptr<bytecode::Program> compile_program(const check::CheckedProgram& checked,
                                                   const SourceMap& sources, types::TypeTable& types,
                                                   diag::Diagnostics& diags);
// The same for callers without a diagnostics sink: a limit is printed to stderr, then exit(65).
std::unique_ptr<bytecode::Program> compile_program(const check::CheckedProgram& checked,
                                                   const SourceMap& sources, types::TypeTable& types);

} // namespace bp::compile
