// Loading a program's import graph (LANGUAGE.md §3 Modules): finds each imported module's file,
// parses every module once, reports missing modules and import cycles, and orders the modules
// for checking and initialisation: dependencies first (depth-first in `import` order), the main
// file last.
#pragma once
#include "diag/diagnostics.hpp"
#include "parse/ast.hpp"
#include "types/native_module.hpp"

#include <memory>
#include <string>
#include <vector>

namespace bp::parse {

// The directories searched for `import m` after the importing file's own directory, in order:
// each entry of `betterpython_path` (the value of $BETTERPYTHON_PATH, `:`-separated; empty entries
// are skipped; null = unset), /usr/local/lib/betterpython/stdlib, /usr/lib/betterpython/stdlib,
// ./stdlib, ./packages.
std::vector<std::string> module_search_dirs(const char* betterpython_path);

// The main file (already in `sources` as `main_file`) and every module it imports, transitively,
// parsed and linked (ImportDecl::target, Module::name), in initialisation order, main last.
// A module of `natives` (the native-module registry, types/native_module.hpp; nullptr = `thread`
// alone) is never looked up as a file: a builtin-backed one (`thread`) is left unlinked for the
// checker, a host one is linked to its generated declarations (file "<native:NAME>"). Errors (syntax, missing module, cycle) go to `diags`;
// a module is listed even if it had errors.
std::vector<std::unique_ptr<ast::Module>> load_program(SourceMap& sources, uint32_t main_file,
                                                       const std::vector<std::string>& search_dirs,
                                                       diag::Diagnostics& diags,
                                                       const types::NativeRegistry* natives = nullptr);

} // namespace bp::parse
