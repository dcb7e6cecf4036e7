// Source text -> AST. Reports lexical and syntax errors to the diagnostics and recovers at
// statement/declaration boundaries so several errors can be reported per run.
#pragma once
#include "diag/diagnostics.hpp"
#include "parse/ast.hpp"

namespace bp::parse {

// Parses file `file` of `sources`. Always returns a module (possibly partial when errors occurred).
ast::Module parse_file(const SourceMap& sources, uint32_t file, diag::Diagnostics& diags);

} // namespace bp::parse
