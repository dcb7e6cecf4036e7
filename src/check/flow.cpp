// Missing-return analysis (LANGUAGE.md §5): can control reach the end of a block?
#include "check/checker_impl.hpp"

namespace bp::check {

namespace {

bool stmt_can_complete(const ast::Stmt& s);

// True if `b` contains a `break` that leaves the loop whose body is `b` (not an inner loop's).
bool has_own_break(const ast::Block& b);

bool stmt_has_own_break(const ast::Stmt& s) {
    switch (s.kind) {
    case ast::StmtKind::Break: return true;
    case ast::StmtKind::If: {
        auto& i = static_cast<const ast::If&>(s);
        for (auto& br : i.branches)
            if (has_own_break(br.second)) return true;
        return i.else_block && has_own_break(*i.else_block);
    }
    case ast::StmtKind::Match: {
        auto& m = static_cast<const ast::Match&>(s);
        for (auto& c : m.cases)
            if (has_own_break(c.second)) return true;
        return m.default_block && has_own_break(*m.default_block);
    }
    case ast::StmtKind::With: return has_own_break(static_cast<const ast::With&>(s).body);
    case ast::StmtKind::Select: {
        auto& sel = static_cast<const ast::Select&>(s);
        for (auto& c : sel.cases)
            if (has_own_break(c.body)) return true;
        return sel.default_block && has_own_break(*sel.default_block);
    }
    case ast::StmtKind::Try: {
        auto& t = static_cast<const ast::Try&>(s);
        if (has_own_break(t.body)) return true;
        for (auto& c : t.catches)
            if (has_own_break(c.body)) return true;
        return t.finally_block && has_own_break(*t.finally_block);
    }
    case ast::StmtKind::Let: case ast::StmtKind::LetTuple: case ast::StmtKind::Assign:
    case ast::StmtKind::TupleAssign: case ast::StmtKind::ExprStmt: case ast::StmtKind::While:
    case ast::StmtKind::ForRange: case ast::StmtKind::ForEach: case ast::StmtKind::Continue:
    case ast::StmtKind::Pass: case ast::StmtKind::Return: case ast::StmtKind::Throw:
        return false;
    }
    return false;
}

bool has_own_break(const ast::Block& b) {
    for (auto& s : b.stmts)
        if (stmt_has_own_break(*s)) return true;
    return false;
}

bool is_true_literal(const ast::Expr& e) {
    return e.kind == ast::ExprKind::BoolLit && static_cast<const ast::BoolLit&>(e).value;
}

bool stmt_can_complete(const ast::Stmt& s) {
    switch (s.kind) {
    case ast::StmtKind::Return: case ast::StmtKind::Throw: return false;
    case ast::StmtKind::If: {
        auto& i = static_cast<const ast::If&>(s);
        if (!i.else_block || block_can_complete(*i.else_block)) return true;
        for (auto& br : i.branches)
            if (block_can_complete(br.second)) return true;
        return false;
    }
    case ast::StmtKind::Match: {
        auto& m = static_cast<const ast::Match&>(s);
        if (!m.default_block || block_can_complete(*m.default_block)) return true;
        for (auto& c : m.cases)
            if (block_can_complete(c.second)) return true;
        return false;
    }
    case ast::StmtKind::While: {
        auto& w = static_cast<const ast::While&>(s);
        return !is_true_literal(*w.cond) || has_own_break(w.body);
    }
    case ast::StmtKind::With: return block_can_complete(static_cast<const ast::With&>(s).body);
    case ast::StmtKind::Select: {
        auto& sel = static_cast<const ast::Select&>(s);
        if (sel.default_block && block_can_complete(*sel.default_block)) return true;
        for (auto& c : sel.cases)
            if (block_can_complete(c.body)) return true;
        return false;
    }
    case ast::StmtKind::Try: {
        auto& t = static_cast<const ast::Try&>(s);
        if (t.finally_block && !block_can_complete(*t.finally_block)) return false;
        if (block_can_complete(t.body)) return true;
        for (auto& c : t.catches)
            if (block_can_complete(c.body)) return true;
        return false;
    }
    case ast::StmtKind::Let: case ast::StmtKind::LetTuple: case ast::StmtKind::Assign:
    case ast::StmtKind::TupleAssign: case ast::StmtKind::ExprStmt: case ast::StmtKind::ForRange:
    case ast::StmtKind::ForEach: case ast::StmtKind::Break: case ast::StmtKind::Continue:
    case ast::StmtKind::Pass:
        return true;
    }
    return true;
}

} // namespace

// Per §5 only the last statement decides (earlier returns make the rest dead code, not an error).
bool block_can_complete(const ast::Block& b) {
    return b.stmts.empty() || stmt_can_complete(*b.stmts.back());
}

} // namespace bp::check
