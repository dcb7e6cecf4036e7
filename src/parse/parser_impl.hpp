// The recursive-descent parser's internals (parse_file is the public entry). Split over
// parser.cpp (token handling, recovery, declarations), parse_stmt.cpp and parse_expr.cpp.
//
// Error handling: a syntax error is reported through the Reporter and then thrown as
// SyntaxError; statement and declaration loops catch it and resynchronise at the next line of
// the same indentation (skipping any block that line opened). Nesting is capped (kMaxDepth) so
// neither the parser nor later passes over the tree recurse deeply on hostile input.
#pragma once
#include "lex/lexer.hpp"
#include "parse/ast.hpp"

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

namespace bp::parse {

struct SyntaxError {};

inline constexpr int kMaxDepth = 200; // as CPython's parser; keeps every later pass well inside a small stack

class Parser {
public:
    Parser(std::string_view text, uint32_t file, lex::Lexer& lexer, lex::Reporter& rep, int depth = 0,
           bool in_field = false);
    ast::Module parse_module();
    // For an f-string field: one expression, then the end of the field. Null after an error.
    ast::ExprPtr parse_field_expr();

private:
    using TK = lex::TokenKind;

    // Counts nesting levels entered by one parse function; undone when it returns.
    class DepthGuard {
    public:
        explicit DepthGuard(Parser& p) : m_p(p) {}
        ~DepthGuard() { m_p.m_depth -= m_levels; }
        DepthGuard(const DepthGuard&) = delete;
        DepthGuard& operator=(const DepthGuard&) = delete;
        void push(Span at);

    private:
        Parser& m_p;
        int m_levels = 0;
    };

    // ---- tokens (parser.cpp) ----
    const lex::Token& tok() const { return m_tok; }
    bool at(TK k) const { return m_tok.kind == k; }
    const lex::Token& peek_next();
    lex::Token advance();
    bool accept(TK k);
    lex::Token expect(TK k, std::string_view message);
    Span here() const { return m_tok.span; }
    Span since(Span start) const { return Span{m_file, start.begin, std::max(start.end, m_prev_end)}; }
    std::string found() const;
    [[noreturn]] void fail(Span span, std::string message, std::vector<std::string> notes = {});
    [[noreturn]] void fail_found(std::string message);
    void report(Span span, std::string message) { m_rep.error(span, std::move(message)); }
    void synchronize();
    void skip_indented_block();
    void end_statement();
    std::pair<std::string, Span> expect_ident(std::string_view message);

    // ---- declarations (parser.cpp) ----
    ast::DeclPtr parse_decl();
    ast::DeclPtr parse_exportable(bool exported, bool packed);
    std::unique_ptr<ast::FuncDecl> parse_func(bool is_method);
    std::vector<ast::Param> parse_params(bool is_method, bool typed_only);
    ast::DeclPtr parse_struct_or_class();
    void parse_record_body(std::vector<ast::FieldDecl>& fields,
                           std::vector<std::unique_ptr<ast::FuncDecl>>& methods, std::string_view what);
    ast::DeclPtr parse_enum();
    ast::DeclPtr parse_import();
    ast::DeclPtr parse_extern();
    ast::DeclPtr parse_global();
    void check_type_name(const std::string& name, Span span);

    // ---- statements (parse_stmt.cpp) ----
    ast::Block parse_suite(std::string_view after);
    void parse_block_stmts(ast::Block& block);
    ast::StmtPtr parse_stmt();
    ast::StmtPtr parse_simple_stmt();
    ast::StmtPtr parse_let();
    ast::StmtPtr parse_let_tuple(Span start);
    ast::StmtPtr parse_assign_or_expr();
    ast::ExprPtr parse_tuple_rhs();
    void check_lvalue(const ast::Expr& e);
    ast::StmtPtr parse_if();
    ast::StmtPtr parse_while();
    ast::StmtPtr parse_for();
    ast::StmtPtr parse_match();
    void parse_match_clause(ast::Match& m, bool& seen_default);
    ast::StmtPtr parse_with();
    ast::StmtPtr parse_select();
    ast::StmtPtr parse_try();
    ast::Catch parse_catch();
    ast::StmtPtr parse_return_or_throw();

    // ---- expressions and types (parse_expr.cpp) ----
    ast::ExprPtr parse_expr();
    ast::ExprPtr parse_or();
    ast::ExprPtr parse_and();
    ast::ExprPtr parse_not();
    // `operand {keyword operand}` as one Logical node (parse_or, parse_and)
    ast::ExprPtr parse_logical(TK keyword, ast::LogicalOp op, ast::ExprPtr (Parser::*operand)());
    ast::ExprPtr parse_comparison();
    void python_operator_check(); // `in`, `not in`, `is` after an operand: the spelling to use
    ast::ExprPtr parse_binary(int level);
    ast::ExprPtr parse_cast();
    ast::ExprPtr parse_unary();
    ast::ExprPtr parse_postfix();
    ast::ExprPtr parse_call(ast::ExprPtr callee);
    ast::ExprPtr parse_struct_lit(ast::ExprPtr type_name);
    ast::ExprPtr parse_primary();
    ast::ExprPtr parse_int_literal();
    ast::ExprPtr parse_paren();
    ast::ExprPtr parse_array_lit();
    ast::ExprPtr parse_map_lit();
    ast::ExprPtr parse_lambda();
    ast::ExprPtr parse_new();
    ast::ExprPtr parse_fstring();
    ast::ExprPtr parse_fstring_field(const lex::FStringPiece& piece, char quote);
    std::vector<ast::ExprPtr> parse_expr_list(TK close, std::string_view what);
    ast::TypeExprPtr parse_type();
    ast::TypeExprPtr parse_named_type();
    ast::TypeExprPtr parse_func_type();

    std::string_view m_text;
    uint32_t m_file;
    lex::Lexer& m_lexer;
    lex::Reporter& m_rep;
    int m_depth;
    bool m_in_field; // parsing an f-string field (created by parse_fstring_field)
    lex::Token m_tok;
    lex::Token m_next;
    bool m_has_next = false;
    bool m_no_cast = false; // parsing a with subject: `as` starts the binding, not a cast
    uint32_t m_prev_end = 0; // end of the last consumed token that is not layout
};

bool is_error_class_name(std::string_view name);

} // namespace bp::parse
