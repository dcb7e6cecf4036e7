// Statements: declarations of locals, assignments, control flow, match, try/catch/throw.
#include "check/checker_impl.hpp"

#include "types/errors.hpp"

namespace bp::check {

void Checker::check_block(ast::Block& b) {
    push_scope();
    for (auto& s : b.stmts) check_stmt(*s);
    pop_scope();
}

void Checker::check_stmt(ast::Stmt& s) {
    switch (s.kind) {
    case ast::StmtKind::Let: check_let(static_cast<ast::Let&>(s)); break;
    case ast::StmtKind::LetTuple: check_let_tuple(static_cast<ast::LetTuple&>(s)); break;
    case ast::StmtKind::Assign: check_assign(static_cast<ast::Assign&>(s)); break;
    case ast::StmtKind::TupleAssign: check_tuple_assign(static_cast<ast::TupleAssign&>(s)); break;
    case ast::StmtKind::ExprStmt: check_expr(static_cast<ast::ExprStmt&>(s).expr); break;
    case ast::StmtKind::If: check_if(static_cast<ast::If&>(s)); break;
    case ast::StmtKind::While: {
        auto& w = static_cast<ast::While&>(s);
        check_cond(w.cond);
        ++m_loop_depth;
        check_block(w.body);
        --m_loop_depth;
        break;
    }
    case ast::StmtKind::ForRange: check_for_range(static_cast<ast::ForRange&>(s)); break;
    case ast::StmtKind::ForEach: check_for_each(static_cast<ast::ForEach&>(s)); break;
    case ast::StmtKind::Break: check_jump(s, "break"); break;
    case ast::StmtKind::Continue: check_jump(s, "continue"); break;
    case ast::StmtKind::Pass: break;
    case ast::StmtKind::Return: check_return(static_cast<ast::Return&>(s)); break;
    case ast::StmtKind::Match: check_match(static_cast<ast::Match&>(s)); break;
    case ast::StmtKind::Try: check_try(static_cast<ast::Try&>(s)); break;
    case ast::StmtKind::With: check_with(static_cast<ast::With&>(s)); break;
    case ast::StmtKind::Select: check_select(static_cast<ast::Select&>(s)); break;
    case ast::StmtKind::Throw: check_throw(static_cast<ast::Throw&>(s)); break;
    }
}

void Checker::check_let(ast::Let& s) {
    const Type* t = s.type ? resolve_type(s.type.get()) : nullptr;
    if (!s.type) error(s.name_span, "'let " + s.name + "' needs a type annotation");
    if (s.init) check_to(s.init, t, CoerceCtx::Let);
    else error(s.name_span, "'let " + s.name + "' needs an initialiser");
    // Declared after the initialiser: `let x: int = x` does not see the new x.
    s.var = declare_local(s.name, s.name_span, t);
}

void Checker::check_let_tuple(ast::LetTuple& s) {
    const Type* want = s.type ? resolve_type(s.type.get()) : nullptr;
    if (want && (want->kind != Kind::Tuple || want->items.size() != s.names.size())) {
        error(s.type->span, "the annotation must be a tuple of " + std::to_string(s.names.size()) + " elements");
        want = nullptr;
    }
    const Type* t = nullptr;
    if (want) {
        if (check_to(s.init, want, CoerceCtx::Let)) t = want;
    } else if (!s.type) {
        t = check_expr(s.init);
    } else {
        check_expr(s.init);
    }
    if (t && (t->kind != Kind::Tuple || t->items.size() != s.names.size())) {
        error(s.init->span, "cannot unpack " + t->name() + " into " + std::to_string(s.names.size()) + " names");
        t = nullptr;
    }
    for (size_t i = 0; i < s.names.size(); ++i)
        s.vars.push_back(declare_local(s.names[i].first, s.names[i].second, t ? t->items[i] : nullptr));
}

static ast::BinaryOp compound_op(ast::AssignOp op) {
    switch (op) {
    case ast::AssignOp::Set: case ast::AssignOp::Add: return ast::BinaryOp::Add;
    case ast::AssignOp::Sub: return ast::BinaryOp::Sub;
    case ast::AssignOp::Mul: return ast::BinaryOp::Mul;
    case ast::AssignOp::Div: return ast::BinaryOp::Div;
    case ast::AssignOp::Mod: return ast::BinaryOp::Mod;
    case ast::AssignOp::BitAnd: return ast::BinaryOp::BitAnd;
    case ast::AssignOp::BitOr: return ast::BinaryOp::BitOr;
    case ast::AssignOp::BitXor: return ast::BinaryOp::BitXor;
    case ast::AssignOp::Shl: return ast::BinaryOp::Shl;
    case ast::AssignOp::Shr: return ast::BinaryOp::Shr;
    }
    return ast::BinaryOp::Add;
}

static const char* target_what(const Expr& t) {
    return t.kind == ast::ExprKind::Field ? "field" : t.kind == ast::ExprKind::Index ? "element" : "variable";
}

void Checker::check_assign(ast::Assign& s) {
    bool ok = check_lvalue(s.target);
    const Type* t = ok ? s.target->type : nullptr;
    if (s.op == ast::AssignOp::Set) {
        if (t) check_to(s.value, t, CoerceCtx::Assign, target_what(*s.target));
        else check_expr(s.value);
        return;
    }
    // a op= b: typed as a op b, whose result must be the target's type (it always is when valid).
    const Type* v = check_expr(s.value, t);
    if (!t || !v) return;
    bool valid = false;
    Kind k = t->kind;
    switch (compound_op(s.op)) {
    case ast::BinaryOp::Add: valid = t == v && (k == Kind::Int || k == Kind::Float || k == Kind::Str); break;
    case ast::BinaryOp::Sub: case ast::BinaryOp::Mul: case ast::BinaryOp::Div: case ast::BinaryOp::Mod:
        valid = t == v && (k == Kind::Int || k == Kind::Float);
        break;
    case ast::BinaryOp::BitAnd: case ast::BinaryOp::BitOr: case ast::BinaryOp::BitXor:
    case ast::BinaryOp::Shl: case ast::BinaryOp::Shr:
    case ast::BinaryOp::Eq: case ast::BinaryOp::Ne: case ast::BinaryOp::Lt: case ast::BinaryOp::Le:
    case ast::BinaryOp::Gt: case ast::BinaryOp::Ge:
        valid = t == v && k == Kind::Int;
        break;
    }
    if (!valid) error(s.span, "compound assignment cannot be applied to " + t->name() + " and " + v->name());
}

// Types an assignment target and checks that it can be assigned; false after an error.
bool Checker::check_lvalue(ExprPtr& target) {
    if (!target) return false;
    if (target->kind == ast::ExprKind::Name) {
        auto& n = static_cast<ast::Name&>(*target);
        if (resolve_variable(n)) return n.type != nullptr;
        n.type = check_name(n, true);
        if (n.type) error(n.span, "cannot assign to function '" + n.name + "'");
        return false;
    }
    if (target->kind == ast::ExprKind::Field) {
        auto& f = static_cast<ast::Field&>(*target);
        if (!check_expr(target)) return false;
        if (f.ref == ast::FieldRef::StructField) return true;
        error(f.name_span, f.ref == ast::FieldRef::EnumMember ? "cannot assign to an enum member"
                                                                : "field '" + f.name + "' is read-only");
        return false;
    }
    if (target->kind == ast::ExprKind::Index) {
        auto& ix = static_cast<ast::Index&>(*target);
        if (!check_expr(target)) return false;
        Kind k = ix.object->type->kind;
        if (k == Kind::Array || k == Kind::Map || k == Kind::Bytes) return true;
        error(target->span, "cannot assign into " + ix.object->type->name() + " (it is immutable)");
        return false;
    }
    check_expr(target);
    error(target->span, "cannot assign to this expression");
    return false;
}

void Checker::check_tuple_assign(ast::TupleAssign& s) {
    std::vector<const Type*> ts;
    bool ok = true;
    for (auto& t : s.targets) {
        bool l = check_lvalue(t);
        ok = ok && l;
        ts.push_back(l ? t->type : nullptr);
    }
    if (!ok) {
        check_expr(s.value);
        return;
    }
    const Type* want = m_types.tuple_of(ts);
    if (s.value->kind == ast::ExprKind::TupleLit) {
        auto& lit = static_cast<ast::TupleLit&>(*s.value);
        if (lit.items.size() == ts.size()) {
            for (size_t i = 0; i < ts.size(); ++i) check_to(lit.items[i], ts[i], CoerceCtx::Assign);
            lit.type = want;
            return;
        }
    }
    const Type* v = check_expr(s.value, want);
    if (v && v != want)
        error(s.value->span, "cannot assign " + v->name() + " to targets of type " + want->name());
}

void Checker::check_if(ast::If& s) {
    for (auto& [cond, body] : s.branches) {
        check_cond(cond);
        check_block(body);
    }
    if (s.else_block) check_block(*s.else_block);
}

void Checker::check_for_range(ast::ForRange& s) {
    if (s.args.empty() || s.args.size() > 3) error(s.span, "range() takes 1 to 3 arguments");
    for (auto& a : s.args) {
        const Type* t = check_expr(a, m_types.int_t());
        if (t && t->kind != Kind::Int) error(a->span, "range() arguments must be int, found " + t->name());
    }
    push_scope();
    s.var = declare_local(s.var_name, s.var_span, m_types.int_t());
    ++m_loop_depth;
    check_block(s.body);
    --m_loop_depth;
    pop_scope();
}

void Checker::check_for_each(ast::ForEach& s) {
    const Type* t = check_expr(s.iterable);
    const Type* var = nullptr;
    if (t) {
        var = t->kind == Kind::Array ? t->elem : t->kind == Kind::Map ? t->key : t->kind == Kind::Str ? t
            : t->kind == Kind::Bytes ? m_types.int_t() : t->kind == Kind::Channel ? t->elem : nullptr;
        if (t->kind == Kind::Channel) s.chan_item = m_types.tuple_of({m_types.bool_t(), t->elem});
        if (!var) error(s.iterable->span, "cannot iterate over " + t->name());
    }
    push_scope();
    s.var = declare_local(s.var_name, s.var_span, var);
    ++m_loop_depth;
    check_block(s.body);
    --m_loop_depth;
    pop_scope();
}

void Checker::check_jump(ast::Stmt& s, const char* what) {
    if (m_loop_depth > 0) return;
    if (m_finally_depth > 0) error(s.span, std::string("'") + what + "' is not allowed in finally");
    else error(s.span, std::string("'") + what + "' outside loop");
}

void Checker::check_return(ast::Return& s) {
    if (m_finally_depth > 0) error(s.span, "'return' is not allowed in finally");
    if (!m_ret) {
        if (s.value) check_expr(s.value);
        return;
    }
    if (!s.value) {
        if (m_ret->kind != Kind::Void) error(s.span, "return type mismatch: expected " + m_ret->name() + ", found nothing");
        return;
    }
    if (m_ret->kind == Kind::Void) {
        const Type* t = check_expr(s.value);
        if (t && t->kind != Kind::Void) error(s.value->span, "return type mismatch: expected void, found " + t->name());
        return;
    }
    check_to(s.value, m_ret, CoerceCtx::Return);
}

void Checker::check_match(ast::Match& s) {
    const Type* t = check_expr(s.subject);
    if (t && t->kind == Kind::Void) error(s.subject->span, "cannot match on a void value");
    for (auto& [e, body] : s.cases) {
        const Type* ct = check_expr(e, t);
        if (t && ct && ct != t) error(e->span, "case type mismatch: expected " + t->name() + ", found " + ct->name());
        check_block(body);
    }
    if (s.default_block) check_block(*s.default_block);
}

void Checker::check_catch(ast::Catch& c) {
    bool all = c.classes.empty();
    for (auto& [name, span] : c.classes) {
        uint32_t k = 0;
        while (k < kErrorKindCount && kErrorNames[k] != name) ++k;
        if (k == kErrorKindCount) error(span, "unknown error class '" + name + "'");
        else if (static_cast<ErrorKind>(k) == ErrorKind::Exception) all = true;
        else c.error_kinds.push_back(k);
    }
    if (all) c.error_kinds.clear();
    push_scope();
    if (!c.binding.empty()) c.var = declare_local(c.binding, c.binding_span, m_types.error_t());
    ++m_catch_depth;
    check_block(c.body);
    --m_catch_depth;
    pop_scope();
}

void Checker::check_try(ast::Try& s) {
    if (s.catches.empty() && !s.finally_block) error(s.span, "'try' needs a 'catch' or 'finally'");
    check_block(s.body);
    bool seen_all = false;
    for (auto& c : s.catches) {
        if (seen_all) error(c.span, "unreachable catch clause after a catch-all");
        check_catch(c);
        for (auto& cls : c.classes) seen_all = seen_all || cls.first == "Exception";
        seen_all = seen_all || c.classes.empty();
    }
    if (s.finally_block) {
        int saved_loops = m_loop_depth;
        m_loop_depth = 0;
        ++m_finally_depth;
        check_block(*s.finally_block);
        --m_finally_depth;
        m_loop_depth = saved_loops;
    }
}

void Checker::check_throw(ast::Throw& s) {
    if (!s.value) {
        if (m_catch_depth == 0) error(s.span, "bare 'throw' is only allowed inside a catch body");
        return;
    }
    const Type* t = check_expr(s.value);
    if (t && t->kind != Kind::Str && t->kind != Kind::Error)
        error(s.value->span, "throw needs a str or an Error, found " + t->name());
}

} // namespace bp::check
