// Typed AST -> register bytecode.
#pragma once
#include "bytecode/program.hpp"
#include "check/checker.hpp"

namespace bp::compile {

// The AST must have been checked without errors.
std::unique_ptr<bytecode::Program> compile_program(const check::CheckedProgram& checked,
                                                   const SourceMap& sources, types::TypeTable& types);

} // namespace bp::compile
