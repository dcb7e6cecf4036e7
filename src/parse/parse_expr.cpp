// Expressions (LANGUAGE.md §6.1 precedence, lowest first) and type expressions (§4).
#include "parse/parser_impl.hpp"

#include <array>
#include <fmt/format.h>

namespace bp::parse {

using namespace ast;

namespace {

// Binary levels 6..11 of §6.1, lowest first; each maps tokens to operators.
struct BinaryEntry {
    lex::TokenKind token;
    BinaryOp op;
};
using TKind = lex::TokenKind;
constexpr int kBinaryLevels = 6;
constexpr std::array<std::array<BinaryEntry, 3>, kBinaryLevels> kBinaryTable = {{
    {{{TKind::Pipe, BinaryOp::BitOr}, {TKind::Pipe, BinaryOp::BitOr}, {TKind::Pipe, BinaryOp::BitOr}}},
    {{{TKind::Caret, BinaryOp::BitXor}, {TKind::Caret, BinaryOp::BitXor}, {TKind::Caret, BinaryOp::BitXor}}},
    {{{TKind::Amp, BinaryOp::BitAnd}, {TKind::Amp, BinaryOp::BitAnd}, {TKind::Amp, BinaryOp::BitAnd}}},
    {{{TKind::Shl, BinaryOp::Shl}, {TKind::Shr, BinaryOp::Shr}, {TKind::Shr, BinaryOp::Shr}}},
    {{{TKind::Plus, BinaryOp::Add}, {TKind::Minus, BinaryOp::Sub}, {TKind::Minus, BinaryOp::Sub}}},
    {{{TKind::Star, BinaryOp::Mul}, {TKind::Slash, BinaryOp::Div}, {TKind::Percent, BinaryOp::Mod}}},
}};

bool comparison_op(lex::TokenKind k, BinaryOp& op) {
    switch (k) {
    case TKind::EqEq: op = BinaryOp::Eq; return true;
    case TKind::NotEq: op = BinaryOp::Ne; return true;
    case TKind::Lt: op = BinaryOp::Lt; return true;
    case TKind::Le: op = BinaryOp::Le; return true;
    case TKind::Gt: op = BinaryOp::Gt; return true;
    case TKind::Ge: op = BinaryOp::Ge; return true;
    default: return false;
    }
}

// `Point` or `m.Point`: the only expressions a struct literal's '{' may follow.
bool is_type_name(const Expr& e) {
    if (e.kind == ExprKind::Name) return static_cast<const Name&>(e).name != "self";
    if (e.kind != ExprKind::Field) return false;
    const Expr& obj = *static_cast<const Field&>(e).object;
    return obj.kind == ExprKind::Name && static_cast<const Name&>(obj).name != "self";
}

// "m.Point" from Name / Field(Name).
std::string dotted_name(const Expr& e) {
    if (e.kind == ExprKind::Name) return static_cast<const Name&>(e).name;
    const auto& f = static_cast<const Field&>(e);
    return static_cast<const Name&>(*f.object).name + "." + f.name;
}

bool is_blank(std::string_view s) {
    for (char c : s) {
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return false;
    }
    return true;
}

} // namespace

// expr := or_expr          (a lambda is parsed as a primary; its body extends as far as possible)
ExprPtr Parser::parse_expr() {
    DepthGuard guard(*this);
    guard.push(here());
    return parse_or();
}

// or_expr := and_expr {"or" and_expr}        (one Logical node for the whole chain)
ExprPtr Parser::parse_or() {
    return parse_logical(TK::KwOr, LogicalOp::Or, &Parser::parse_and);
}

// and_expr := not_expr {"and" not_expr}
ExprPtr Parser::parse_and() {
    return parse_logical(TK::KwAnd, LogicalOp::And, &Parser::parse_not);
}

// A chain of `operand {keyword operand}`, collected into one node: no depth is counted per keyword.
ExprPtr Parser::parse_logical(TK keyword, LogicalOp op, ExprPtr (Parser::*operand)()) {
    ExprPtr first = (this->*operand)();
    if (!at(keyword)) return first;
    std::vector<ExprPtr> xs;
    xs.push_back(std::move(first));
    while (at(keyword)) {
        advance();
        xs.push_back((this->*operand)());
    }
    Span s = Span::cover(xs.front()->span, xs.back()->span);
    return std::make_unique<Logical>(s, op, std::move(xs));
}

// not_expr := "not" not_expr | comparison
ExprPtr Parser::parse_not() {
    if (!at(TK::KwNot)) return parse_comparison();
    DepthGuard guard(*this);
    Span op = advance().span;
    guard.push(op);
    ExprPtr operand = parse_not();
    Span s = Span::cover(op, operand->span);
    return std::make_unique<Unary>(s, UnaryOp::Not, std::move(operand));
}

// Python operators BetterPython spells as builtins or as ==: `x in c`, `x not in c`, `a is b`
// right after an operand (where nothing else may follow it) get the spelling to use.
void Parser::python_operator_check() {
    bool in = at(TK::KwIn) || (at(TK::KwNot) && peek_next().kind == TK::KwIn);
    if (in)
        fail(here(), "'in' is not an operator",
             {"hint: map_has_key(m, k), array_contains(xs, x) or str_contains(s, sub)"});
    if (at(TK::Ident) && m_tok.text == "is") fail(here(), "'is' is not an operator", {"hint: compare with == or !="});
}

// comparison := bitor [COMPARE_OP bitor]        (non-associative)
ExprPtr Parser::parse_comparison() {
    ExprPtr lhs = parse_binary(0);
    python_operator_check();
    BinaryOp op;
    if (!comparison_op(m_tok.kind, op)) return lhs;
    Span op_span = advance().span;
    ExprPtr rhs = parse_binary(0);
    Span s = Span::cover(lhs->span, rhs->span);
    auto bin = std::make_unique<Binary>(s, op, std::move(lhs), std::move(rhs));
    bin->op_span = op_span;
    if (comparison_op(m_tok.kind, op)) {
        advance();
        ExprPtr next = parse_binary(0);
        fail(Span::cover(bin->span, next->span), "comparisons cannot be chained",
             {"hint: use 'and' to combine comparisons"});
    }
    return bin;
}

// level 0: bitor := bitxor {"|" bitxor}; 1: "^"; 2: "&"; 3: "<<" ">>"; 4: "+" "-"; 5: "*" "/" "%"
ExprPtr Parser::parse_binary(int level) {
    if (level == kBinaryLevels) return parse_cast();
    ExprPtr lhs = parse_binary(level + 1);
    for (;;) {
        const BinaryEntry* entry = nullptr;
        for (const BinaryEntry& e : kBinaryTable[level]) {
            if (e.token == m_tok.kind) entry = &e;
        }
        if (!entry) return lhs;
        // No depth is counted per operator: a left-associative chain is built iteratively here and
        // checked and compiled along its spine iteratively, so it may be arbitrarily long.
        Span op_span = advance().span;
        ExprPtr rhs = parse_binary(level + 1);
        Span s = Span::cover(lhs->span, rhs->span);
        auto bin = std::make_unique<Binary>(s, entry->op, std::move(lhs), std::move(rhs));
        bin->op_span = op_span;
        lhs = std::move(bin);
    }
}

// cast := unary {"as" type}
ExprPtr Parser::parse_cast() {
    DepthGuard guard(*this);
    ExprPtr e = parse_unary();
    while (at(TK::KwAs) && !m_no_cast) {
        guard.push(advance().span);
        TypeExprPtr t = parse_type();
        Span s = Span::cover(e->span, t->span);
        e = std::make_unique<Cast>(s, std::move(e), std::move(t));
    }
    return e;
}

// unary := ("-" | "~") unary | postfix       (-9223372036854775808 folds to INT64_MIN)
ExprPtr Parser::parse_unary() {
    if (!at(TK::Minus) && !at(TK::Tilde)) return parse_postfix();
    DepthGuard guard(*this);
    bool neg = at(TK::Minus);
    Span op = advance().span;
    guard.push(op);
    if (neg && at(TK::Int) && m_tok.int_is_min) {
        Span lit = advance().span;
        return std::make_unique<IntLit>(Span::cover(op, lit), INT64_MIN);
    }
    ExprPtr operand = parse_unary();
    Span s = Span::cover(op, operand->span);
    return std::make_unique<Unary>(s, neg ? UnaryOp::Neg : UnaryOp::BitNot, std::move(operand));
}

// postfix := primary {"(" args ")" | "[" expr "]" | "." NAME | "{" field_inits "}"}
ExprPtr Parser::parse_postfix() {
    DepthGuard guard(*this);
    ExprPtr e = parse_primary();
    for (;;) {
        if (at(TK::LParen)) {
            guard.push(here());
            e = parse_call(std::move(e));
        } else if (at(TK::LBracket)) {
            guard.push(advance().span);
            ExprPtr index = at(TK::Colon) ? nullptr : parse_expr();
            if (at(TK::Colon)) // Python's slice: xs[a:b], xs[:b]
                fail(here(), "slices are not supported",
                     {"hint: substr(s, start, count) for a str, array_slice(xs, start, end) for an array"});
            Span close = expect(TK::RBracket, "expected ']' after the index").span;
            Span s = Span::cover(e->span, close);
            e = std::make_unique<Index>(s, std::move(e), std::move(index));
        } else if (at(TK::Dot)) {
            guard.push(advance().span);
            auto [name, name_span] = expect_ident("expected a field or member name after '.'");
            auto f = std::make_unique<Field>(Span::cover(e->span, name_span), std::move(e), std::move(name));
            f->name_span = name_span;
            e = std::move(f);
        } else if (at(TK::LBrace) && is_type_name(*e)) {
            guard.push(here());
            e = parse_struct_lit(std::move(e));
        } else {
            return e;
        }
    }
}

ExprPtr Parser::parse_call(ExprPtr callee) {
    advance(); // (
    std::vector<ExprPtr> args = parse_expr_list(TK::RParen, "argument list");
    auto call = std::make_unique<Call>(Span::cover(callee->span, Span{m_file, m_prev_end - 1, m_prev_end}),
                                       std::move(callee));
    call->args = std::move(args);
    return call;
}

// items := [expr {"," expr} [","]] CLOSE      (the opening bracket is already consumed)
std::vector<ExprPtr> Parser::parse_expr_list(TK close, std::string_view what) {
    std::vector<ExprPtr> items;
    while (!at(close)) {
        items.push_back(parse_expr());
        if (at(TK::Assign) && close == TK::RParen && items.back()->kind == ExprKind::Name) // f(end="")
            fail(here(), "there are no keyword arguments", {"hint: pass every argument by position"});
        if (at(TK::KwFor)) // Python's comprehension
            fail(here(), "comprehensions are not supported", {"hint: build the array in a for loop with array_push"});
        if (!accept(TK::Comma)) break;
    }
    expect(close, fmt::format("expected ',' or {} in the {}", lex::describe(close), what));
    return items;
}

// struct_lit := type_name "{" [NAME ":" expr {"," NAME ":" expr} [","]] "}"
ExprPtr Parser::parse_struct_lit(ExprPtr type_name) {
    advance(); // {
    auto lit = std::make_unique<StructLit>(type_name->span, dotted_name(*type_name));
    while (!at(TK::RBrace)) {
        StructLit::Init init;
        std::tie(init.field, init.span) = expect_ident("expected a field name in the struct literal");
        expect(TK::Colon, fmt::format("expected ':' after field '{}'", init.field));
        init.value = parse_expr();
        lit->fields.push_back(std::move(init));
        if (!accept(TK::Comma)) break;
    }
    Span close = expect(TK::RBrace, "expected ',' or '}' in the struct literal").span;
    lit->span = Span::cover(lit->span, close);
    return lit;
}

// primary := INT | FLOAT | STRING | FSTRING | "true" | "false" | NAME | "self" | "super"
//          | "(" expr ")" | tuple | array | map | lambda | new
ExprPtr Parser::parse_primary() {
    switch (m_tok.kind) {
    case TK::Int: return parse_int_literal();
    case TK::Float: {
        lex::Token t = advance();
        return std::make_unique<FloatLit>(t.span, t.float_value);
    }
    case TK::Str: {
        lex::Token t = advance();
        return std::make_unique<StrLit>(t.span, std::move(t.text));
    }
    case TK::FStr: return parse_fstring();
    case TK::KwTrue: case TK::KwFalse: {
        bool v = at(TK::KwTrue);
        return std::make_unique<BoolLit>(advance().span, v);
    }
    case TK::Ident: {
        lex::Token t = advance();
        if (t.text == "lambda" && at(TK::Ident)) // Python's spelling (a name never follows a name)
            fail(Span::cover(t.span, here()), "a lambda is written 'fn(x: T) -> R: expr', not 'lambda x: expr'",
                 {"hint: the parameters and the result are typed, e.g. fn(x: int) -> int: x + 1"});
        return std::make_unique<Name>(t.span, std::move(t.text));
    }
    case TK::KwSelf: return std::make_unique<Name>(advance().span, "self");
    case TK::KwSuper: return std::make_unique<Super>(advance().span);
    case TK::LParen: return parse_paren();
    case TK::LBracket: return parse_array_lit();
    case TK::LBrace: return parse_map_lit();
    case TK::KwFn: return parse_lambda();
    case TK::KwNew: return parse_new();
    default: break;
    }
    fail_found("expected an expression");
}

ExprPtr Parser::parse_int_literal() {
    lex::Token t = advance();
    if (t.int_is_min) report(t.span, "integer literal is too large");
    return std::make_unique<IntLit>(t.span, t.int_value);
}

// paren := "(" expr ")" | "(" expr "," expr {"," expr} [","] ")"
ExprPtr Parser::parse_paren() {
    Span open = advance().span;
    ExprPtr first = parse_expr();
    if (!at(TK::Comma)) {
        Span close = expect(TK::RParen, "expected ')'").span;
        first->span = Span::cover(open, close);
        return first;
    }
    auto tuple = std::make_unique<TupleLit>(open);
    tuple->items.push_back(std::move(first));
    advance(); // ,
    std::vector<ExprPtr> rest = parse_expr_list(TK::RParen, "tuple");
    for (ExprPtr& e : rest) tuple->items.push_back(std::move(e));
    tuple->span = since(open);
    if (tuple->items.size() < 2) report(tuple->span, "a tuple needs at least two elements");
    return tuple;
}

// array := "[" [expr {"," expr} [","]] "]"
ExprPtr Parser::parse_array_lit() {
    Span open = advance().span;
    auto arr = std::make_unique<ArrayLit>(open);
    arr->items = parse_expr_list(TK::RBracket, "array literal");
    arr->span = since(open);
    return arr;
}

// map := "{" [expr ":" expr {"," expr ":" expr} [","]] "}"
ExprPtr Parser::parse_map_lit() {
    Span open = advance().span;
    auto map = std::make_unique<MapLit>(open);
    while (!at(TK::RBrace)) {
        ExprPtr key = parse_expr();
        expect(TK::Colon, "expected ':' after the map key");
        ExprPtr value = parse_expr();
        map->entries.emplace_back(std::move(key), std::move(value));
        if (!accept(TK::Comma)) break;
    }
    expect(TK::RBrace, "expected ',' or '}' in the map literal");
    map->span = since(open);
    return map;
}

// lambda := "fn" "(" params ")" "->" type ":" expr
ExprPtr Parser::parse_lambda() {
    Span start = advance().span;
    auto lam = std::make_unique<Lambda>(start);
    expect(TK::LParen, "expected '(' after 'fn'");
    lam->params = parse_params(false, true);
    expect(TK::Arrow, "expected '->' and a return type after the lambda parameters");
    lam->ret = parse_type();
    expect(TK::Colon, "expected ':' before the lambda body");
    lam->body = parse_expr();
    lam->span = since(start);
    return lam;
}

// new := "new" NAME ["." NAME] "(" args ")"
ExprPtr Parser::parse_new() {
    Span start = advance().span;
    std::string name = expect_ident("expected a class name after 'new'").first;
    if (accept(TK::Dot)) name += "." + expect_ident("expected a class name after '.'").first;
    auto n = std::make_unique<New>(start, std::move(name));
    expect(TK::LParen, "expected '(' and constructor arguments");
    n->args = parse_expr_list(TK::RParen, "argument list");
    n->span = since(start);
    return n;
}

// ---- f-strings ---------------------------------------------------------------------------------

ExprPtr Parser::parse_fstring() {
    lex::Token t = advance();
    auto fs = std::make_unique<FString>(t.span);
    for (const lex::FStringPiece& piece : t.pieces) {
        FStringPart part;
        if (!piece.is_field) {
            part.literal = piece.literal;
        } else {
            part.expr = parse_fstring_field(piece, t.quote);
            if (!part.expr) continue;
            part.spec = piece.spec;
            part.spec_span = piece.spec_span;
        }
        fs->parts.push_back(std::move(part));
    }
    return fs;
}

// A field's expression is lexed and parsed in place, so its spans are those of the file.
ExprPtr Parser::parse_fstring_field(const lex::FStringPiece& piece, char quote) {
    if (is_blank(m_text.substr(piece.expr_begin, piece.expr_end - piece.expr_begin))) {
        report(piece.span, "empty expression in f-string field");
        return nullptr;
    }
    if (m_depth + 1 > kMaxDepth) {
        report(piece.span, "expression nested too deeply");
        return nullptr;
    }
    lex::Lexer lexer(m_text, m_file, piece.expr_begin, piece.expr_end, m_rep, lex::LexMode::Field, quote);
    Parser sub(m_text, m_file, lexer, m_rep, m_depth + 1, true);
    return sub.parse_field_expr();
}

// ---- types -------------------------------------------------------------------------------------

// type := NAME ["." NAME] | NAME "[" type "]" | "ptr" | "[" type "]" | "{" type ":" type "}" | "(" type "," type {"," type} ")"
//       | "fn" "(" [type {"," type}] ")" "->" type
TypeExprPtr Parser::parse_type() {
    DepthGuard guard(*this);
    guard.push(here());
    Span start = here();
    if (at(TK::Ident) || at(TK::KwPtr)) return parse_named_type();
    if (at(TK::KwFn)) return parse_func_type();
    auto t = std::make_unique<TypeExpr>();
    if (accept(TK::LBracket)) {
        t->kind = TypeExprKind::Array;
        t->items.push_back(parse_type());
        expect(TK::RBracket, "expected ']' after the array element type");
    } else if (accept(TK::LBrace)) {
        t->kind = TypeExprKind::Map;
        t->items.push_back(parse_type());
        expect(TK::Colon, "expected ':' between the map key and value types");
        t->items.push_back(parse_type());
        expect(TK::RBrace, "expected '}' after the map value type");
    } else if (accept(TK::LParen)) {
        t->kind = TypeExprKind::Tuple;
        do {
            if (at(TK::RParen)) break;
            t->items.push_back(parse_type());
        } while (accept(TK::Comma));
        expect(TK::RParen, "expected ',' or ')' in the tuple type");
        if (t->items.size() < 2) report(since(start), "a tuple type needs at least two element types");
    } else {
        fail_found("expected a type");
    }
    t->span = since(start);
    return t;
}

TypeExprPtr Parser::parse_named_type() {
    auto t = std::make_unique<TypeExpr>();
    t->kind = TypeExprKind::Named;
    lex::Token first = advance();
    t->span = first.span;
    t->name = first.kind == TK::KwPtr ? "ptr" : first.text;
    static constexpr std::string_view kFixed[] = {"i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64"};
    for (std::string_view f : kFixed) {
        if (t->name == f) report(t->span, "fixed-width integer types are not supported");
    }
    if (first.kind == TK::Ident && accept(TK::Dot)) {
        t->name += "." + expect_ident("expected a type name after '.'").first;
        t->span = since(first.span);
    }
    if (first.kind == TK::Ident && accept(TK::LBracket)) { // generic handle type: Channel[int]
        t->kind = TypeExprKind::Generic;
        t->items.push_back(parse_type());
        expect(TK::RBracket, "expected ']' after the type argument");
        t->span = since(first.span);
    }
    return t;
}

TypeExprPtr Parser::parse_func_type() {
    Span start = advance().span;
    auto t = std::make_unique<TypeExpr>();
    t->kind = TypeExprKind::Func;
    expect(TK::LParen, "expected '(' after 'fn' in a function type");
    while (!at(TK::RParen)) {
        t->items.push_back(parse_type());
        if (!accept(TK::Comma)) break;
    }
    expect(TK::RParen, "expected ',' or ')' in the function type");
    expect(TK::Arrow, "expected '->' and a return type in the function type");
    t->ret = parse_type();
    t->span = since(start);
    return t;
}

} // namespace bp::parse
