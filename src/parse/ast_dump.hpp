// Renders the AST as compact S-expressions, one top-level declaration per line. Used by the
// parser's unit tests and by `bp --dump-ast`. Parser-filled fields only (no checker annotations).
#pragma once
#include "parse/ast.hpp"

#include <string>

namespace bp::parse {

std::string dump_type(const ast::TypeExpr& t);  // int, [int], {str: int}, (int, str), fn(int) -> int
std::string dump_expr(const ast::Expr& e);      // (+ a (* b c)), (call f x), (. o name), ...
std::string dump_stmt(const ast::Stmt& s);      // (let x int 1), (if (c (block ...)) (else ...)), ...
std::string dump_block(const ast::Block& b);    // (block s1 s2 ...)
std::string dump_decl(const ast::Decl& d);      // (def f ((x int)) int (block ...)), (export (struct ...))
std::string dump_module(const ast::Module& m);  // dump_decl of each declaration, one per line

} // namespace bp::parse
