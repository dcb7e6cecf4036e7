// Helpers shared by the parser unit tests: parse or lex a source string and render the result.
#pragma once
#include "lex/lexer.hpp"
#include "parse/ast_dump.hpp"
#include "parse/parser.hpp"

#include <string>

namespace bp::test {

struct ParseResult {
    std::string ast;    // dump_module
    std::string errors; // "line:col: message" per error, in report order, '\n'-separated
    size_t error_count = 0;
};

inline ParseResult parse_source(std::string text) {
    SourceMap sources;
    uint32_t file = sources.add("t.bp", std::move(text));
    diag::Diagnostics diags(sources);
    ast::Module m = parse::parse_file(sources, file, diags);
    ParseResult r;
    r.ast = parse::dump_module(m);
    for (const diag::Diagnostic& d : diags.all()) {
        LineCol lc = sources.file(file).line_col(d.span.begin);
        r.errors += std::to_string(lc.line) + ":" + std::to_string(lc.col) + ": " + d.message + "\n";
        for (const std::string& n : d.notes) r.errors += "  " + n + "\n";
    }
    r.error_count = diags.error_count();
    return r;
}

// Parses `def f() -> void:` with `body` (lines already indented by 4) and returns the body dump.
inline std::string parse_body(const std::string& body, std::string* errors = nullptr) {
    ParseResult r = parse_source("def f() -> void:\n" + body);
    if (errors) *errors = r.errors;
    std::string prefix = "(def f () void (block ";
    if (r.ast.rfind(prefix, 0) != 0) return "<" + r.ast + "> " + r.errors;
    std::string inner = r.ast.substr(prefix.size());
    while (!inner.empty() && inner.back() == '\n') inner.pop_back();
    if (!inner.empty()) inner.pop_back(); // ")" of block
    if (!inner.empty()) inner.pop_back(); // ")" of def
    return r.errors.empty() ? inner : inner + " ERR " + r.errors;
}

// The dump of one expression statement.
inline std::string parse_expr_text(const std::string& expr) {
    std::string body = parse_body("    " + expr + "\n");
    if (body.rfind("(expr ", 0) == 0 && body.back() == ')') return body.substr(6, body.size() - 7);
    return body;
}

} // namespace bp::test
