// Type expressions -> interned types, and the implicit conversions of LANGUAGE.md §4.
#include "check/checker_impl.hpp"

namespace bp::check {

namespace {
bool is_fixed_width(const std::string& n) {
    return n == "i8" || n == "i16" || n == "i32" || n == "i64" || n == "u8" || n == "u16" || n == "u32" ||
           n == "u64";
}
bool is_handle(const Type* t) {
    return t->kind == Kind::Thread || t->kind == Kind::Mutex || t->kind == Kind::Condition ||
           t->kind == Kind::Volatile || t->kind == Kind::Sync || t->kind == Kind::Channel || t->kind == Kind::Scope;
}
} // namespace

bool Checker::is_map_key(const Type* t) const {
    return t->kind == Kind::Int || t->kind == Kind::Str || t->kind == Kind::Bool || t->kind == Kind::Float;
}

// Resolves a named type; nullptr (after reporting, or silently for already-reported names).
static const Type* named_type(Checker& c, ast::TypeExpr& t) {
    types::TypeTable& tt = c.m_types;
    const std::string& n = t.name;
    if (n == "int") return tt.int_t();
    if (n == "float") return tt.float_t();
    if (n == "bool") return tt.bool_t();
    if (n == "str") return tt.str_t();
    if (n == "void") return tt.void_t();
    if (n == "any") return tt.any_t();
    if (n == "ptr") return tt.ptr_t();
    if (n == "bytes") return tt.bytes_t();
    if (n == "Error") return tt.error_t();
    if (n == "Thread") return tt.handle(Kind::Thread);
    if (n == "Mutex") return tt.handle(Kind::Mutex);
    if (n == "Condition") return tt.handle(Kind::Condition);
    if (n == "Volatile") return tt.handle(Kind::Volatile);
    if (n == "Scope") return tt.handle(Kind::Scope);
    if (is_fixed_width(n) || c.m_silent_types.count(n)) return nullptr; // reported elsewhere
    auto it = c.m_type_names.find(n);
    if (it != c.m_type_names.end()) {
        if (it->second.st) return it->second.st->info->type;
        if (it->second.cls) return it->second.cls->info->type;
        return tt.int_t();
    }
    for (uint8_t k = 0; k < types::kSyncKindCount; ++k) // toolkit handles: not reserved, user types win
        if (n == types::sync_kind_name(static_cast<types::SyncKind>(k)))
            return tt.sync_handle(static_cast<types::SyncKind>(k));
    if (!c.report_qualified_type(n, t.span)) c.error(t.span, "unknown type '" + n + "'");
    return nullptr;
}

const Type* Checker::resolve_type(ast::TypeExpr* t, bool allow_void) {
    if (!t) return nullptr;
    const Type* r = nullptr;
    std::vector<const Type*> items;
    bool ok = true;
    switch (t->kind) {
    case ast::TypeExprKind::Named: r = named_type(*this, *t); break;
    case ast::TypeExprKind::Generic: {
        if (t->name == "Future" && !m_type_names.count(t->name)) { // Future[T]: T may be void
            if (const Type* e = resolve_type(t->items[0].get(), true)) r = m_types.future_of(e);
            break;
        }
        const types::GenericHandle* g = nullptr;
        for (const types::GenericHandle& h : types::kGenericHandles)
            if (t->name == h.name) g = &h;
        const Type* e = resolve_type(t->items[0].get());
        if (!g) error(t->span, "unknown generic type '" + t->name + "'");
        else if (e) r = m_types.generic_of(g->kind, e);
        break;
    }
    case ast::TypeExprKind::Array:
        if (const Type* e = resolve_type(t->items[0].get())) r = m_types.array_of(e);
        break;
    case ast::TypeExprKind::Map: {
        const Type* k = resolve_type(t->items[0].get());
        const Type* v = resolve_type(t->items[1].get());
        if (k && !is_map_key(k)) error(t->items[0]->span, "map key type must be int, float, bool or str, not " + k->name());
        else if (k && v) r = m_types.map_of(k, v);
        break;
    }
    case ast::TypeExprKind::Tuple:
    case ast::TypeExprKind::Func:
        for (auto& i : t->items) {
            const Type* it = resolve_type(i.get());
            ok = ok && it;
            items.push_back(it);
        }
        if (t->kind == ast::TypeExprKind::Tuple) {
            if (ok) r = m_types.tuple_of(items);
        } else if (const Type* ret = t->ret ? resolve_type(t->ret.get(), true) : m_types.void_t(); ok && ret) {
            r = m_types.func_of(items, ret);
        }
        break;
    }
    if (r && r->kind == Kind::Void && !allow_void) {
        error(t->span, "'void' is only allowed as a return type");
        r = nullptr;
    }
    t->resolved = r;
    return r;
}

bool Checker::convertible(const Type* from, const Type* to, bool allow_unbox) const {
    if (from == to) return true;
    if (from->kind == Kind::Void) return false;
    if (to->kind == Kind::Any) return true;
    if (from->kind == Kind::Any) return allow_unbox;
    if (from->kind == Kind::Error && to->kind == Kind::Str) return true;
    if (is_handle(from) && to->kind == Kind::Ptr) return true;
    if (from->kind == Kind::Sync && to->kind == Kind::Sync && from->sync == types::SyncKind::Future &&
        to->sync == types::SyncKind::Future && !to->elem)
        return true; // Future[T] -> Future (docs/language.md "Typed futures")
    if (from->is_class() && to->is_class()) return from->info->is_subclass_of(to->info);
    return false;
}

void Checker::wrap(ExprPtr& e, ast::ConvertKind k, const Type* target) {
    Span s = e->span;
    auto c = std::make_unique<ast::Convert>(s, k, std::move(e));
    c->type = target;
    e = std::move(c);
}

static std::string mismatch_message(CoerceCtx ctx, const Type* from, const Type* to, const std::string& what) {
    std::string f = from->kind == Kind::Void ? "void (no value)" : from->name();
    switch (ctx) {
    case CoerceCtx::Let: return "cannot assign " + f + " to variable of type " + to->name();
    case CoerceCtx::Assign: return "cannot assign " + f + " to " + (what.empty() ? "variable" : what) + " of type " + to->name();
    case CoerceCtx::Argument: return what + ": expected " + to->name() + ", found " + f;
    case CoerceCtx::Return: return "return type mismatch: expected " + to->name() + ", found " + f;
    case CoerceCtx::Element: return (what.empty() ? "element" : what) + ": expected " + to->name() + ", found " + f;
    case CoerceCtx::Field: return "field '" + what + "': expected " + to->name() + ", found " + f;
    case CoerceCtx::Case: return "case type mismatch: expected " + to->name() + ", found " + f;
    }
    return "type mismatch";
}

bool Checker::coerce(ExprPtr& e, const Type* target, CoerceCtx ctx, const std::string& what) {
    if (!e || !e->type || !target) return false;
    const Type* from = e->type;
    bool allow_unbox = ctx == CoerceCtx::Let || ctx == CoerceCtx::Assign || ctx == CoerceCtx::Argument ||
                       ctx == CoerceCtx::Return || ctx == CoerceCtx::Field;
    if (!convertible(from, target, allow_unbox)) {
        error(e->span, mismatch_message(ctx, from, target, what));
        return false;
    }
    if (from == target) return true;
    if (target->kind == Kind::Any) wrap(e, ast::ConvertKind::Box, target);
    else if (from->kind == Kind::Any) wrap(e, ast::ConvertKind::Unbox, target);
    else if (from->kind == Kind::Error) wrap(e, ast::ConvertKind::ErrorToStr, target);
    else if (target->kind == Kind::Ptr) wrap(e, ast::ConvertKind::HandleToPtr, target);
    else wrap(e, ast::ConvertKind::Upcast, target);
    return true;
}

bool Checker::check_to(ExprPtr& e, const Type* target, CoerceCtx ctx, const std::string& what) {
    check_expr(e, target);
    return coerce(e, target, ctx, what);
}

} // namespace bp::check
