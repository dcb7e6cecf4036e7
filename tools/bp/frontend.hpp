// The front end as the tool drives it: source -> tokens -> AST -> checked AST -> bytecode.
#pragma once
#include "bytecode/program.hpp"
#include "cli.hpp"
#include "parse/ast.hpp"

#include <memory>
#include <vector>

namespace bp::tool {

// Everything the running program refers to; lives until the process ends.
struct Compiled {
    SourceMap sources;
    types::TypeTable types;
    std::vector<std::unique_ptr<ast::Module>> modules;
    std::unique_ptr<bytecode::Program> program;
};

// Loads, parses, checks and compiles options.path. Returns 0 with out.program set, or the exit
// code after printing the reason (diagnostics, unreadable file). Handles the --dump-* options that
// stop before running (then out.program stays null and 0 is returned).
int compile_source(const CliOptions& options, Compiled& out);

} // namespace bp::tool
