// Parser core: token handling, error recovery, and top-level declarations (LANGUAGE.md §3, §7).
#include "parse/parser.hpp"
#include "parse/parser_impl.hpp"
#include "types/errors.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace bp::parse {

using namespace ast;
using lex::TokenKind;

bool is_error_class_name(std::string_view name) {
    return std::find(std::begin(kErrorNames), std::end(kErrorNames), name) != std::end(kErrorNames);
}

Parser::Parser(std::string_view text, uint32_t file, lex::Lexer& lexer, lex::Reporter& rep, int depth, bool in_field)
    : m_text(text), m_file(file), m_lexer(lexer), m_rep(rep), m_depth(depth), m_in_field(in_field) {
    m_tok = m_lexer.next();
}

void Parser::DepthGuard::push(Span at) {
    ++m_levels;
    if (++m_p.m_depth > kMaxDepth) m_p.fail(at, "expression nested too deeply");
}

// ---- tokens ------------------------------------------------------------------------------------

const lex::Token& Parser::peek_next() {
    if (!m_has_next) {
        m_next = m_tok.kind == TK::Eof ? m_tok : m_lexer.next();
        m_has_next = true;
    }
    return m_next;
}

lex::Token Parser::advance() {
    lex::Token t = std::move(m_tok);
    if (t.kind != TK::Newline && t.kind != TK::Indent && t.kind != TK::Dedent && t.kind != TK::Eof) {
        m_prev_end = t.span.end;
    }
    if (t.kind == TK::Eof) {
        m_tok = t;
    } else if (m_has_next) {
        m_tok = std::move(m_next);
        m_has_next = false;
    } else {
        m_tok = m_lexer.next();
    }
    return t;
}

bool Parser::accept(TK k) {
    if (!at(k)) return false;
    advance();
    return true;
}

lex::Token Parser::expect(TK k, std::string_view message) {
    if (!at(k)) fail_found(std::string(message));
    return advance();
}

std::string Parser::found() const {
    switch (m_tok.kind) {
    case TK::Ident: return fmt::format("identifier '{}'", m_tok.text);
    case TK::Indent: return "an indented line";
    case TK::Dedent: return "the end of the block";
    case TK::Eof: return m_in_field ? "the end of the f-string field" : "end of file";
    default: return lex::describe(m_tok.kind);
    }
}

void Parser::fail(Span span, std::string message, std::vector<std::string> notes) {
    m_rep.error(span, std::move(message), std::move(notes));
    throw SyntaxError{};
}

void Parser::fail_found(std::string message) { fail(here(), fmt::format("{}, found {}", message, found())); }

std::pair<std::string, Span> Parser::expect_ident(std::string_view message) {
    lex::Token t = expect(TK::Ident, message);
    return {std::move(t.text), t.span};
}

void Parser::end_statement() {
    if (at(TK::Eof)) return;
    expect(TK::Newline, "expected end of line");
}

// Skips the rest of the current line and any block it opened; stops before a DEDENT that closes
// the enclosing block, so the caller's loop ends normally.
void Parser::synchronize() {
    while (!at(TK::Eof) && !at(TK::Dedent)) {
        if (at(TK::Indent)) {
            skip_indented_block();
            continue;
        }
        bool newline = at(TK::Newline);
        advance();
        if (newline) {
            if (at(TK::Indent)) skip_indented_block();
            return;
        }
    }
}

void Parser::skip_indented_block() {
    int level = 0;
    do {
        if (at(TK::Indent)) ++level;
        if (at(TK::Dedent)) --level;
        advance();
    } while (level > 0 && !at(TK::Eof));
}

// ---- module ------------------------------------------------------------------------------------

// module := { decl }
Module Parser::parse_module() {
    Module module;
    module.file = m_file;
    while (!at(TK::Eof) && !m_rep.stopped()) {
        try {
            if (at(TK::Newline) || at(TK::Dedent)) {
                advance();
            } else if (at(TK::Indent)) {
                report(here(), "unexpected indent");
                skip_indented_block();
            } else if (DeclPtr d = parse_decl()) {
                module.decls.push_back(std::move(d));
            }
        } catch (const SyntaxError&) {
            if (m_rep.stopped()) break;
            synchronize();
        }
    }
    return module;
}

ExprPtr Parser::parse_field_expr() {
    try {
        ExprPtr e = parse_expr();
        if (!at(TK::Eof)) fail_found("expected '}' after the f-string field expression");
        return e;
    } catch (const SyntaxError&) {
        return nullptr;
    }
}

// decl := ["export"] (func | struct | enum | class) | "@" NAME struct | import | extern | global
DeclPtr Parser::parse_decl() {
    Span start = here();
    if (accept(TK::KwExport)) {
        if (!at(TK::KwDef) && !at(TK::KwStruct) && !at(TK::KwEnum) && !at(TK::KwClass) && !at(TK::At)) {
            fail_found("expected 'def', 'struct', 'enum' or 'class' after 'export'");
        }
        DeclPtr d = parse_exportable(true, false);
        d->span = since(start);
        return d;
    }
    switch (m_tok.kind) {
    case TK::KwDef: case TK::KwStruct: case TK::KwEnum: case TK::KwClass: case TK::At:
        return parse_exportable(false, false);
    case TK::KwImport: return parse_import();
    case TK::KwExtern: return parse_extern();
    case TK::KwLet: return parse_global();
    default: break;
    }
    fail_found("expected a declaration at top level (def, struct, enum, class, let, import or extern)");
}

DeclPtr Parser::parse_exportable(bool exported, bool packed) {
    DeclPtr d;
    if (at(TK::At)) {
        // "@packed" is a no-op decorator kept for compatibility; only structs take it.
        advance();
        auto [name, span] = expect_ident("expected a decorator name after '@'");
        if (name != "packed") report(span, fmt::format("unknown decorator '@{}'", name));
        accept(TK::Newline);
        if (!at(TK::KwStruct)) fail_found("expected 'struct' after '@packed'");
        return parse_exportable(exported, true);
    }
    if (at(TK::KwDef)) d = parse_func(false);
    else if (at(TK::KwEnum)) d = parse_enum();
    else d = parse_struct_or_class();
    d->exported = exported;
    return d;
}

// func := "def" NAME "(" params ")" "->" type ":" suite
std::unique_ptr<FuncDecl> Parser::parse_func(bool is_method) {
    Span start = expect(TK::KwDef, "expected 'def'").span;
    auto fn = std::make_unique<FuncDecl>(start);
    std::tie(fn->name, fn->name_span) = expect_ident("expected a function name after 'def'");
    expect(TK::LParen, "expected '(' after the function name");
    fn->params = parse_params(is_method, false);
    expect(TK::Arrow, "expected '->' and a return type after the parameters");
    fn->ret = parse_type();
    expect(TK::Colon, "expected ':' after the function signature");
    fn->body = parse_suite("function definition");
    fn->span = since(start);
    return fn;
}

// params := [param {"," param} [","]] ")"      param := NAME ":" type | "self"
std::vector<Param> Parser::parse_params(bool is_method, bool typed_only) {
    std::vector<Param> params;
    while (!at(TK::RParen)) {
        Param p;
        if (at(TK::KwSelf) && !typed_only) {
            p.span = advance().span;
            p.name = "self";
            if (!is_method || !params.empty()) {
                report(p.span, "'self' is allowed only as the first parameter of a method");
            }
        } else {
            std::tie(p.name, p.span) = expect_ident("expected a parameter name");
            expect(TK::Colon, fmt::format("expected ':' and a type after parameter '{}'", p.name));
            p.type = parse_type();
        }
        params.push_back(std::move(p));
        if (!accept(TK::Comma)) break;
    }
    expect(TK::RParen, "expected ',' or ')' in the parameter list");
    return params;
}

void Parser::check_type_name(const std::string& name, Span span) {
    static constexpr std::string_view kReserved[] = {
        "int", "float", "bool", "str", "void", "any", "bytes", "Error", "Thread", "Mutex", "Condition",
        "Volatile", "Channel", "Scope", "i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64"};
    if (std::find(std::begin(kReserved), std::end(kReserved), name) != std::end(kReserved)) {
        report(span, fmt::format("'{}' is a reserved type name", name));
    }
}

// struct := "struct" NAME ":" record_body
// class  := "class" NAME ["(" NAME ["." NAME] ")"] ":" record_body
DeclPtr Parser::parse_struct_or_class() {
    bool is_class = at(TK::KwClass);
    Span start = advance().span;
    auto [name, name_span] = expect_ident(is_class ? "expected a class name" : "expected a struct name");
    check_type_name(name, name_span);
    if (!is_class) {
        auto s = std::make_unique<StructDecl>(start);
        s->name = name;
        s->name_span = name_span;
        expect(TK::Colon, "expected ':' after the struct name");
        parse_record_body(s->fields, s->methods, "struct");
        s->span = since(start);
        return s;
    }
    auto c = std::make_unique<ClassDecl>(start);
    c->name = name;
    c->name_span = name_span;
    if (accept(TK::LParen)) {
        c->parent = expect_ident("expected a parent class name").first;
        if (accept(TK::Dot)) c->parent += "." + expect_ident("expected a class name after '.'").first;
        expect(TK::RParen, "expected ')' after the parent class");
    }
    expect(TK::Colon, "expected ':' after the class name");
    parse_record_body(c->fields, c->methods, "class");
    c->span = since(start);
    return c;
}

// record_body := NEWLINE INDENT { NAME ":" type NEWLINE | func | "pass" NEWLINE } DEDENT
void Parser::parse_record_body(std::vector<FieldDecl>& fields, std::vector<std::unique_ptr<FuncDecl>>& methods,
                               std::string_view what) {
    expect(TK::Newline, fmt::format("expected a new line after the {} header", what));
    if (!at(TK::Indent)) fail_found(fmt::format("expected an indented {} body", what));
    advance();
    while (!at(TK::Dedent) && !at(TK::Eof)) {
        try {
            if (at(TK::KwDef)) {
                methods.push_back(parse_func(true));
            } else if (accept(TK::KwPass)) {
                end_statement();
            } else if (at(TK::Ident)) {
                FieldDecl f;
                std::tie(f.name, f.span) = expect_ident("expected a field name");
                expect(TK::Colon, fmt::format("expected ':' and a type after field '{}'", f.name));
                f.type = parse_type();
                end_statement();
                fields.push_back(std::move(f));
            } else {
                fail_found(fmt::format("expected a field or a method in the {} body", what));
            }
        } catch (const SyntaxError&) {
            if (m_rep.stopped()) throw;
            synchronize();
        }
    }
    accept(TK::Dedent);
}

// enum := "enum" NAME ":" NEWLINE INDENT { NAME ["=" ["-"] INT] NEWLINE } DEDENT
DeclPtr Parser::parse_enum() {
    Span start = expect(TK::KwEnum, "expected 'enum'").span;
    auto e = std::make_unique<EnumDecl>(start);
    std::tie(e->name, e->name_span) = expect_ident("expected an enum name");
    check_type_name(e->name, e->name_span);
    expect(TK::Colon, "expected ':' after the enum name");
    expect(TK::Newline, "expected a new line after the enum header");
    if (!at(TK::Indent)) fail_found("expected an indented list of enum members");
    advance();
    while (!at(TK::Dedent) && !at(TK::Eof)) {
        try {
            EnumDecl::Member m;
            std::tie(m.name, m.span) = expect_ident("expected an enum member name");
            if (accept(TK::Assign)) {
                bool negative = accept(TK::Minus);
                lex::Token lit = expect(TK::Int, "expected an integer literal as the enum member value");
                if (lit.int_is_min && !negative) report(lit.span, "integer literal is too large");
                m.has_value = true;
                m.value = negative ? static_cast<int64_t>(0 - static_cast<uint64_t>(lit.int_value)) : lit.int_value;
            }
            e->members.push_back(std::move(m));
            accept(TK::Comma);
            end_statement();
        } catch (const SyntaxError&) {
            if (m_rep.stopped()) throw;
            synchronize();
        }
    }
    accept(TK::Dedent);
    e->span = since(start);
    return e;
}

// import := "import" NAME ["as" NAME | "(" NAME {"," NAME} ")"] NEWLINE
DeclPtr Parser::parse_import() {
    Span start = expect(TK::KwImport, "expected 'import'").span;
    auto d = std::make_unique<ImportDecl>(start);
    d->module = expect_ident("expected a module name after 'import'").first;
    if (accept(TK::KwAs)) {
        d->alias = expect_ident("expected a name after 'as'").first;
    } else if (accept(TK::LParen)) {
        do {
            if (at(TK::RParen)) break;
            d->names.push_back(expect_ident("expected a name to import"));
        } while (accept(TK::Comma));
        expect(TK::RParen, "expected ',' or ')' in the import list");
    }
    d->span = since(start);
    end_statement();
    return d;
}

// extern := "extern" "fn" NAME "(" params ")" "->" type "from" STRING ["as" STRING] NEWLINE
DeclPtr Parser::parse_extern() {
    Span start = expect(TK::KwExtern, "expected 'extern'").span;
    auto d = std::make_unique<ExternDecl>(start);
    expect(TK::KwFn, "expected 'fn' after 'extern'");
    std::tie(d->name, d->name_span) = expect_ident("expected a function name");
    expect(TK::LParen, "expected '(' after the function name");
    d->params = parse_params(false, true);
    expect(TK::Arrow, "expected '->' and a return type after the parameters");
    d->ret = parse_type();
    expect(TK::KwFrom, "expected 'from \"library\"' after the extern signature");
    d->library = expect(TK::Str, "expected a library name string after 'from'").text;
    if (accept(TK::KwAs)) d->symbol = expect(TK::Str, "expected a symbol name string after 'as'").text;
    d->span = since(start);
    end_statement();
    return d;
}

// global := "let" NAME ":" type "=" expr NEWLINE
DeclPtr Parser::parse_global() {
    Span start = expect(TK::KwLet, "expected 'let'").span;
    auto g = std::make_unique<GlobalDecl>(start);
    if (at(TK::LParen)) fail(here(), "tuple unpacking is not allowed at top level");
    std::tie(g->name, g->name_span) = expect_ident("expected a variable name after 'let'");
    expect(TK::Colon, "expected ':' and a type after the variable name (annotations are required)");
    g->type = parse_type();
    expect(TK::Assign, "expected '=' and an initial value");
    g->init = parse_expr();
    g->span = since(start);
    end_statement();
    return g;
}

// ---- entry point -------------------------------------------------------------------------------

Module parse_file(const SourceMap& sources, uint32_t file, diag::Diagnostics& diags) {
    std::string_view text = sources.file(file).text();
    lex::Reporter rep(diags);
    lex::Lexer lexer(text, file, rep);
    Parser parser(text, file, lexer, rep);
    return parser.parse_module();
}

} // namespace bp::parse
