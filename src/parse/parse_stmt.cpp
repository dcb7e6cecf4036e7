// Statements and blocks (LANGUAGE.md §5).
#include "parse/parser_impl.hpp"

#include <fmt/format.h>

namespace bp::parse {

using namespace ast;

// suite := NEWLINE INDENT stmt {stmt} DEDENT | simple_stmt
Block Parser::parse_suite(std::string_view after) {
    Block block;
    block.span = here();
    if (!accept(TK::Newline)) {
        if (at(TK::KwIf) || at(TK::KwWhile) || at(TK::KwFor) || at(TK::KwMatch) || at(TK::KwTry) ||
            at(TK::KwDef)) {
            fail_found(fmt::format("expected a simple statement after ':' on the same line as the {}", after));
        }
        block.stmts.push_back(parse_simple_stmt());
        block.span = block.stmts.back()->span;
        return block;
    }
    if (!at(TK::Indent)) fail_found(fmt::format("expected an indented block after the {}", after));
    DepthGuard guard(*this);
    guard.push(here());
    advance();
    parse_block_stmts(block);
    accept(TK::Dedent);
    if (!block.stmts.empty()) block.span = Span::cover(block.stmts.front()->span, block.stmts.back()->span);
    return block;
}

void Parser::parse_block_stmts(Block& block) {
    while (!at(TK::Dedent) && !at(TK::Eof)) {
        try {
            if (at(TK::Indent)) {
                report(here(), "unexpected indent");
                skip_indented_block();
            } else if (StmtPtr s = parse_stmt()) {
                block.stmts.push_back(std::move(s));
            }
        } catch (const SyntaxError&) {
            if (m_rep.stopped()) throw;
            synchronize();
        }
    }
}

// stmt := if | while | for | match | try | simple_stmt
StmtPtr Parser::parse_stmt() {
    switch (m_tok.kind) {
    case TK::KwIf: return parse_if();
    case TK::KwWhile: return parse_while();
    case TK::KwFor: return parse_for();
    case TK::KwMatch: return parse_match();
    case TK::KwTry: return parse_try();
    case TK::KwDef: {
        std::string name = peek_next().kind == TK::Ident ? m_next.text : "";
        fail(here(), fmt::format("functions cannot be nested; define '{}' at top level", name));
    }
    case TK::KwStruct: case TK::KwEnum: case TK::KwClass: case TK::KwImport: case TK::KwExtern:
    case TK::KwExport: case TK::At:
        fail(here(), fmt::format("{} is allowed only at top level", lex::describe(m_tok.kind)));
    case TK::KwElif: case TK::KwElse: fail(here(), fmt::format("{} without a matching 'if'", found()));
    case TK::KwCase: case TK::KwDefault: fail(here(), fmt::format("{} outside a 'match'", found()));
    case TK::KwCatch: case TK::KwFinally: fail(here(), fmt::format("{} without a matching 'try'", found()));
    case TK::Ident:
        // `with` is a contextual keyword: `with NAME...` / `with self...` starts a with statement.
        if (m_tok.text == "with" && (peek_next().kind == TK::Ident || peek_next().kind == TK::KwSelf))
            return parse_with();
        if (m_tok.text == "select" && peek_next().kind == TK::Colon) return parse_select();
        return parse_simple_stmt();
    default: return parse_simple_stmt();
    }
}

// simple_stmt := (let | "break" | "continue" | "pass" | return | throw | assign | expr) NEWLINE
StmtPtr Parser::parse_simple_stmt() {
    StmtPtr s;
    switch (m_tok.kind) {
    case TK::KwLet: return parse_let();
    case TK::KwBreak: s = std::make_unique<Break>(advance().span); break;
    case TK::KwContinue: s = std::make_unique<Continue>(advance().span); break;
    case TK::KwPass: s = std::make_unique<Pass>(advance().span); break;
    case TK::KwReturn: case TK::KwThrow: return parse_return_or_throw();
    default: return parse_assign_or_expr();
    }
    end_statement();
    return s;
}

// let := "let" NAME ":" type "=" expr NEWLINE | "let" "(" NAME {"," NAME} ")" [":" type] "=" tuple_rhs NEWLINE
StmtPtr Parser::parse_let() {
    Span start = expect(TK::KwLet, "expected 'let'").span;
    if (at(TK::LParen)) return parse_let_tuple(start);
    auto let = std::make_unique<Let>(start);
    std::tie(let->name, let->name_span) = expect_ident("expected a variable name after 'let'");
    expect(TK::Colon, "expected ':' and a type after the variable name (annotations are required)");
    let->type = parse_type();
    expect(TK::Assign, "expected '=' and an initial value");
    let->init = parse_expr();
    let->span = since(start);
    end_statement();
    return let;
}

StmtPtr Parser::parse_let_tuple(Span start) {
    auto let = std::make_unique<LetTuple>(start);
    expect(TK::LParen, "expected '('");
    do {
        if (at(TK::RParen)) break;
        let->names.push_back(expect_ident("expected a variable name in the unpacking pattern"));
    } while (accept(TK::Comma));
    Span close = expect(TK::RParen, "expected ',' or ')' in the unpacking pattern").span;
    if (let->names.size() < 2) report(Span::cover(start, close), "an unpacking pattern needs at least two names");
    if (accept(TK::Colon)) let->type = parse_type();
    expect(TK::Assign, "expected '=' and a tuple value");
    let->init = parse_tuple_rhs();
    let->span = since(start);
    end_statement();
    return let;
}

// tuple_rhs := expr {"," expr}   (two or more items build a TupleLit)
ExprPtr Parser::parse_tuple_rhs() {
    ExprPtr first = parse_expr();
    if (!at(TK::Comma)) return first;
    auto tuple = std::make_unique<TupleLit>(first->span);
    tuple->items.push_back(std::move(first));
    while (accept(TK::Comma)) tuple->items.push_back(parse_expr());
    tuple->span = Span::cover(tuple->span, tuple->items.back()->span);
    return tuple;
}

void Parser::check_lvalue(const Expr& e) {
    if (e.kind == ExprKind::Name || e.kind == ExprKind::Field || e.kind == ExprKind::Index) return;
    report(e.span, "cannot assign to this expression");
}

namespace {

bool assign_op(lex::TokenKind k, AssignOp& op) {
    using TK = lex::TokenKind;
    switch (k) {
    case TK::Assign: op = AssignOp::Set; return true;
    case TK::PlusEq: op = AssignOp::Add; return true;
    case TK::MinusEq: op = AssignOp::Sub; return true;
    case TK::StarEq: op = AssignOp::Mul; return true;
    case TK::SlashEq: op = AssignOp::Div; return true;
    case TK::PercentEq: op = AssignOp::Mod; return true;
    case TK::AmpEq: op = AssignOp::BitAnd; return true;
    case TK::PipeEq: op = AssignOp::BitOr; return true;
    case TK::CaretEq: op = AssignOp::BitXor; return true;
    case TK::ShlEq: op = AssignOp::Shl; return true;
    case TK::ShrEq: op = AssignOp::Shr; return true;
    default: return false;
    }
}

} // namespace

// assign := target {"," target} "=" tuple_rhs | target ASSIGN_OP expr | expr
StmtPtr Parser::parse_assign_or_expr() {
    Span start = here();
    ExprPtr first = parse_expr();
    if (at(TK::Comma)) {
        auto ta = std::make_unique<TupleAssign>(start);
        ta->targets.push_back(std::move(first));
        while (accept(TK::Comma)) ta->targets.push_back(parse_expr());
        expect(TK::Assign, "expected '=' after the assignment targets");
        for (const ExprPtr& t : ta->targets) check_lvalue(*t);
        ta->value = parse_tuple_rhs();
        ta->span = since(start);
        end_statement();
        return ta;
    }
    AssignOp op;
    if (assign_op(m_tok.kind, op)) {
        advance();
        auto a = std::make_unique<Assign>(start);
        a->op = op;
        check_lvalue(*first);
        a->target = std::move(first);
        a->value = parse_expr();
        a->span = since(start);
        end_statement();
        return a;
    }
    auto s = std::make_unique<ExprStmt>(first->span, std::move(first));
    end_statement();
    return s;
}

// if := "if" expr ":" suite {"elif" expr ":" suite} ["else" ":" suite]
StmtPtr Parser::parse_if() {
    Span start = advance().span;
    auto s = std::make_unique<If>(start);
    ExprPtr cond = parse_expr();
    expect(TK::Colon, "expected ':' after the if condition");
    s->branches.emplace_back(std::move(cond), parse_suite("'if' statement"));
    while (at(TK::KwElif)) {
        advance();
        ExprPtr c = parse_expr();
        expect(TK::Colon, "expected ':' after the elif condition");
        s->branches.emplace_back(std::move(c), parse_suite("'elif' clause"));
    }
    if (accept(TK::KwElse)) {
        expect(TK::Colon, "expected ':' after 'else'");
        s->else_block = std::make_unique<Block>(parse_suite("'else' clause"));
    }
    s->span = since(start);
    return s;
}

// while := "while" expr ":" suite
StmtPtr Parser::parse_while() {
    Span start = advance().span;
    auto s = std::make_unique<While>(start);
    s->cond = parse_expr();
    expect(TK::Colon, "expected ':' after the while condition");
    s->body = parse_suite("'while' statement");
    s->span = since(start);
    return s;
}

// for := "for" NAME "in" expr ":" suite      (ForRange when expr is a call of the bare name `range`)
StmtPtr Parser::parse_for() {
    Span start = advance().span;
    auto [name, name_span] = expect_ident("expected a loop variable name after 'for'");
    if (at(TK::Comma)) // Python's `for i, x in enumerate(xs)` or `for k, v in d.items()`
        fail(here(), "a for loop binds one variable",
             {"hint: for i in range(len(xs)) with xs[i]; for k in m with m[k]"});
    expect(TK::KwIn, "expected 'in' after the loop variable");
    ExprPtr iter = parse_expr();
    expect(TK::Colon, "expected ':' after the for header");
    Block body = parse_suite("'for' statement");
    auto* call = iter->kind == ExprKind::Call ? static_cast<Call*>(iter.get()) : nullptr;
    if (call && call->callee->kind == ExprKind::Name && static_cast<Name&>(*call->callee).name == "range") {
        auto s = std::make_unique<ForRange>(since(start));
        if (call->args.empty() || call->args.size() > 3) report(call->span, "range() takes 1 to 3 arguments");
        s->var_name = std::move(name);
        s->var_span = name_span;
        s->args = std::move(call->args);
        s->range_span = call->span;
        s->body = std::move(body);
        return s;
    }
    auto s = std::make_unique<ForEach>(since(start));
    s->var_name = std::move(name);
    s->var_span = name_span;
    s->iterable = std::move(iter);
    s->body = std::move(body);
    return s;
}

// match := "match" expr ":" NEWLINE INDENT {"case" expr ":" suite} ["default" ":" suite] DEDENT
StmtPtr Parser::parse_match() {
    Span start = advance().span;
    auto m = std::make_unique<Match>(start);
    m->subject = parse_expr();
    expect(TK::Colon, "expected ':' after the match subject");
    expect(TK::Newline, "expected a new line after 'match ...:'");
    if (!at(TK::Indent)) fail_found("expected an indented block of 'case' clauses");
    advance();
    bool seen_default = false;
    while (!at(TK::Dedent) && !at(TK::Eof)) {
        try {
            parse_match_clause(*m, seen_default);
        } catch (const SyntaxError&) {
            if (m_rep.stopped()) throw;
            synchronize();
        }
    }
    accept(TK::Dedent);
    m->span = since(start);
    return m;
}

void Parser::parse_match_clause(Match& m, bool& seen_default) {
    if (at(TK::KwCase)) {
        Span kw = advance().span;
        if (seen_default) report(kw, "'default' must be the last clause of a match");
        ExprPtr value = parse_expr();
        expect(TK::Colon, "expected ':' after the case value");
        m.cases.emplace_back(std::move(value), parse_suite("'case' clause"));
    } else if (at(TK::KwDefault)) {
        Span kw = advance().span;
        if (seen_default) report(kw, "a match may have only one 'default' clause");
        seen_default = true;
        expect(TK::Colon, "expected ':' after 'default'");
        auto block = std::make_unique<Block>(parse_suite("'default' clause"));
        if (!m.default_block) m.default_block = std::move(block);
    } else {
        fail_found("expected 'case' or 'default' in the match block");
    }
}

// with := "with" expr ["as" NAME] ":" suite
StmtPtr Parser::parse_with() {
    Span start = advance().span;
    auto w = std::make_unique<With>(start);
    m_no_cast = true;
    try {
        w->subject = parse_expr();
    } catch (...) {
        m_no_cast = false;
        throw;
    }
    m_no_cast = false;
    if (accept(TK::KwAs)) std::tie(w->binding, w->binding_span) = expect_ident("expected a name after 'as'");
    expect(TK::Colon, "expected ':' after the with subject");
    w->body = parse_suite("'with' statement");
    w->span = since(start);
    return w;
}

// select := "select" ":" NEWLINE INDENT {"case" sel_op ":" suite} ["default" ":" suite] DEDENT
// sel_op := [NAME "="] "recv" "(" expr ")" | "send" "(" expr "," expr ")" | "timeout" "(" expr ")"
StmtPtr Parser::parse_select() {
    Span start = advance().span;
    auto sel = std::make_unique<Select>(start);
    expect(TK::Colon, "expected ':' after 'select'");
    expect(TK::Newline, "expected a new line after 'select:'");
    if (!at(TK::Indent)) fail_found("expected an indented block of 'case' clauses");
    advance();
    bool seen_timeout = false;
    while (!at(TK::Dedent) && !at(TK::Eof)) {
        try {
            if (at(TK::KwDefault)) {
                Span kw = advance().span;
                if (sel->default_block) report(kw, "a select may have only one 'default' clause");
                expect(TK::Colon, "expected ':' after 'default'");
                sel->default_block = std::make_unique<Block>(parse_suite("'default' clause"));
                continue;
            }
            if (!at(TK::KwCase)) fail_found("expected 'case' or 'default' in the select block");
            Span kw = advance().span;
            if (sel->default_block) report(kw, "'default' must be the last clause of a select");
            SelectCase c;
            c.span = kw;
            if (at(TK::Ident) && peek_next().kind == TK::Assign) {
                std::tie(c.var, c.var_span) = expect_ident("expected a name");
                advance();
            }
            auto [op, op_span] = expect_ident("expected recv(...), send(...) or timeout(...) after 'case'");
            expect(TK::LParen, "expected '(' after '" + op + "'");
            if (op == "recv") {
                c.op = SelectCase::Op::Recv;
                c.chan = parse_expr();
            } else if (op == "send") {
                c.op = SelectCase::Op::Send;
                c.chan = parse_expr();
                expect(TK::Comma, "expected ',' and the value to send");
                c.value = parse_expr();
            } else if (op == "timeout") {
                c.op = SelectCase::Op::Timeout;
                c.value = parse_expr();
                if (seen_timeout) report(op_span, "a select may have only one 'timeout' case");
                seen_timeout = true;
            } else {
                fail(op_span, "expected recv(...), send(...) or timeout(...) after 'case'");
            }
            if (!c.var.empty() && c.op != SelectCase::Op::Recv) report(c.var_span, "only a recv case can bind a value");
            expect(TK::RParen, "expected ')'");
            expect(TK::Colon, "expected ':' after the select case");
            c.body = parse_suite("'case' clause");
            sel->cases.push_back(std::move(c));
        } catch (const SyntaxError&) {
            if (m_rep.stopped()) throw;
            synchronize();
        }
    }
    accept(TK::Dedent);
    sel->span = since(start);
    return sel;
}

// try := "try" ":" suite {catch} ["finally" ":" suite]
StmtPtr Parser::parse_try() {
    Span start = advance().span;
    auto t = std::make_unique<Try>(start);
    expect(TK::Colon, "expected ':' after 'try'");
    t->body = parse_suite("'try' statement");
    if (at(TK::Ident) && m_tok.text == "except") // Python's spelling
        fail(here(), "a handler is spelled 'catch', not 'except'", {"hint: catch ValueError as e:"});
    while (at(TK::KwCatch)) t->catches.push_back(parse_catch());
    if (accept(TK::KwFinally)) {
        expect(TK::Colon, "expected ':' after 'finally'");
        t->finally_block = std::make_unique<Block>(parse_suite("'finally' clause"));
    }
    if (t->catches.empty() && !t->finally_block) report(start, "'try' needs at least one 'catch' or 'finally'");
    t->span = since(start);
    return t;
}

// catch := "catch" [NAME | NAME "as" NAME | "(" NAME {"," NAME} ")" ["as" NAME]] ":" suite
// A lone NAME is a class if it names an error class (errors.def), otherwise a binding.
Catch Parser::parse_catch() {
    Catch c;
    Span start = advance().span;
    if (accept(TK::LParen)) {
        do {
            if (at(TK::RParen)) break;
            c.classes.push_back(expect_ident("expected an error class name"));
        } while (accept(TK::Comma));
        expect(TK::RParen, "expected ',' or ')' after the error classes");
        if (accept(TK::KwAs)) std::tie(c.binding, c.binding_span) = expect_ident("expected a name after 'as'");
    } else if (at(TK::Ident)) {
        auto [name, span] = expect_ident("expected a name");
        if (accept(TK::KwAs)) {
            c.classes.emplace_back(std::move(name), span);
            std::tie(c.binding, c.binding_span) = expect_ident("expected a name after 'as'");
        } else if (is_error_class_name(name)) {
            c.classes.emplace_back(std::move(name), span);
        } else {
            c.binding = std::move(name);
            c.binding_span = span;
        }
    }
    expect(TK::Colon, "expected ':' after the catch clause");
    c.body = parse_suite("'catch' clause");
    c.span = since(start);
    return c;
}

// return := "return" [expr]     throw := "throw" [expr]
StmtPtr Parser::parse_return_or_throw() {
    bool is_return = at(TK::KwReturn);
    Span start = advance().span;
    ExprPtr value;
    if (!at(TK::Newline) && !at(TK::Eof) && !at(TK::Dedent)) value = parse_expr();
    StmtPtr s;
    if (is_return) s = std::make_unique<Return>(since(start), std::move(value));
    else s = std::make_unique<Throw>(since(start), std::move(value));
    end_statement();
    return s;
}

} // namespace bp::parse
