// The static type checker: resolves names, types every expression, inserts implicit conversions
// (ast::Convert), checks statements (missing return, break outside loops, ...) and fills every
// "checker:" annotation of the AST. Reports all errors it finds, in source order.
#pragma once
#include "diag/diagnostics.hpp"
#include "parse/ast.hpp"

#include <vector>

namespace bp::check {

struct CheckedProgram {
    // Every top-level function of every module; ast::FuncDecl::function_index is the position.
    std::vector<ast::FuncDecl*> functions;
    // Every global, in initialisation order; ast::GlobalDecl::global_index is the position.
    std::vector<ast::GlobalDecl*> globals;
    uint32_t entry = 0;          // function index of main (or the main file's first def)
    bool entry_returns_int = false;
};

// modules: the main file's module last (imports are a later issue: a single module for now).
// Returns false if any error was reported.
bool check_program(std::vector<ast::Module*> modules, types::TypeTable& types,
                   diag::Diagnostics& diags, CheckedProgram& out);

} // namespace bp::check
