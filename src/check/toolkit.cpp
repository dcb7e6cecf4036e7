// Checking the concurrency toolkit's builtins whose signatures the signature language cannot
// express (docs/threading.md "Concurrency toolkit"): pool_submit / worker_submit (the arguments
// are checked against the submitted function's parameters, like thread_spawn), pool_map (result
// [R] from the function's type), future_get (optional timeout) and once_call. Also the module
// spelling: thread.<name> for every toolkit builtin (thread.submit = pool_submit).
#include "check/checker_impl.hpp"

#include <string_view>

namespace bp::check {

namespace {

bool is_toolkit_builtin(Builtin b) {
    return static_cast<uint32_t>(b) >= static_cast<uint32_t>(Builtin::atomic_new);
}

} // namespace

const char* toolkit_flat_name(std::string_view name) {
    if (name == "submit") return "pool_submit";
    int32_t id = find_builtin(name); // the toolkit's builtins are the last ones, from atomic_new on
    return id >= static_cast<int32_t>(Builtin::atomic_new) ? kBuiltins[id].name.data() : nullptr;
}

bool is_toolkit_special(uint32_t id) {
    auto b = static_cast<Builtin>(id);
    return b == Builtin::pool_submit || b == Builtin::worker_submit || b == Builtin::pool_map ||
           b == Builtin::future_get || b == Builtin::once_call;
}

const Type* Checker::check_toolkit_special(ast::Call& c, uint32_t id) {
    const std::string name(kBuiltins[id].name);
    auto b = static_cast<Builtin>(id);
    (void)is_toolkit_builtin;
    auto what = [&](size_t i) { return "argument " + std::to_string(i + 1) + " of '" + name + "'"; };
    auto rest = [&](size_t from) {
        for (size_t i = from; i < c.args.size(); ++i) check_expr(c.args[i]);
    };
    auto need = [&](size_t lo, size_t hi) {
        if (c.args.size() >= lo && c.args.size() <= hi) return true;
        std::string want = lo == hi ? std::to_string(lo) : std::to_string(lo) + " or " + std::to_string(hi);
        if (hi == SIZE_MAX) want = "at least " + std::to_string(lo);
        error(c.span, "'" + name + "' takes " + want + " argument(s), " + std::to_string(c.args.size()) + " given");
        rest(0);
        return false;
    };
    // Argument i must be a function; returns its type (nullptr after reporting).
    auto function_at = [&](size_t i) -> const Type* {
        const Type* f = check_expr(c.args[i]);
        if (!f) return nullptr;
        if (f->kind != Kind::Func) {
            error(c.args[i]->span, what(i) + ": expected a function, found " + f->name());
            return nullptr;
        }
        return f;
    };
    const Type* future = m_types.sync_handle(types::SyncKind::Future);
    if (b == Builtin::pool_submit || b == Builtin::worker_submit) { // -> Future[R]
        if (!need(2, SIZE_MAX)) return future;
        auto sk = b == Builtin::pool_submit ? types::SyncKind::Pool : types::SyncKind::Worker;
        check_handle_arg(c.args[0], m_types.sync_handle(sk), what(0));
        const Type* f = function_at(1);
        if (!f) {
            rest(2);
            return future;
        }
        if (c.args.size() - 2 != f->items.size()) {
            error(c.span, "the submitted function takes " + std::to_string(f->items.size()) + " argument(s), " +
                              std::to_string(c.args.size() - 2) + " given");
            rest(2);
            return future;
        }
        for (size_t i = 2; i < c.args.size(); ++i) check_to(c.args[i], f->items[i - 2], CoerceCtx::Argument, what(i));
        return m_types.future_of(f->ret);
    }
    if (b == Builtin::pool_map) {
        if (!need(3, 3)) return nullptr;
        check_handle_arg(c.args[0], m_types.sync_handle(types::SyncKind::Pool), what(0));
        const Type* f = function_at(1);
        if (!f) {
            rest(2);
            return nullptr;
        }
        if (f->items.size() != 1 || f->ret->kind == Kind::Void) {
            error(c.args[1]->span, what(1) + ": expected a function of one argument that returns a value, found " +
                                       f->name());
            rest(2);
            return nullptr;
        }
        check_to(c.args[2], m_types.array_of(f->items[0]), CoerceCtx::Argument, what(2));
        return m_types.array_of(f->ret);
    }
    if (b == Builtin::future_get) return future_get_type(c, false);
    // once_call(Once, fn() -> R)
    if (need(2, 2)) {
        check_handle_arg(c.args[0], m_types.sync_handle(types::SyncKind::Once), what(0));
        const Type* f = function_at(1);
        if (f && !f->items.empty())
            error(c.args[1]->span, what(1) + ": expected a function without parameters, found " + f->name());
    }
    return m_types.void_t();
}

// future_get(f) / future_get(f, ms): T for a Future[T] (nothing for Future[void]), any for the
// bare Future or a ptr. `first_checked`: args[0] was checked by the caller (method form f.get()).
const Type* Checker::future_get_type(ast::Call& c, bool first_checked) {
    size_t shown = first_checked ? 1 : 0;
    if (c.args.size() < 1 || c.args.size() > 2) {
        error(c.span, std::string("'future_get' takes ") + (first_checked ? "0 or 1" : "1 or 2") + " argument(s), " +
                          std::to_string(c.args.size() - shown) + " given");
        for (size_t i = shown; i < c.args.size(); ++i) check_expr(c.args[i]);
        return m_types.any_t();
    }
    const Type* t = first_checked ? c.args[0]->type : check_expr(c.args[0]);
    const Type* result = m_types.any_t();
    if (t && t->kind == Kind::Sync && t->sync == types::SyncKind::Future) {
        if (t->elem) result = t->elem;
    } else if (t && t->kind != Kind::Ptr) {
        coerce(c.args[0], m_types.sync_handle(types::SyncKind::Future), CoerceCtx::Argument, "argument 1 of 'future_get'");
    }
    if (c.args.size() == 2)
        check_to(c.args[1], m_types.int_t(), CoerceCtx::Argument, first_checked ? "the timeout" : "argument 2 of 'future_get'");
    return result;
}

// f.get(ms?) / f.done() / f.cancel(): rewritten into future_X(f, ...) (f was checked by the caller).
const Type* Checker::check_future_method(ast::Call& c) {
    auto& f = static_cast<ast::Field&>(*c.callee);
    const char* flat = f.name == "get" ? "future_get" : f.name == "done" ? "future_done" : f.name == "cancel" ? "future_cancel" : nullptr;
    if (!rewrite_method_as_builtin(c, flat)) return nullptr;
    const Type* ret = nullptr;
    if (static_cast<Builtin>(c.builtin_id) == Builtin::future_get) {
        ret = future_get_type(c, true);
    } else {
        ret = m_types.bool_t();
        if (c.args.size() != 1) {
            error(c.span, "'" + std::string(flat) + "' takes 0 argument(s), " + std::to_string(c.args.size() - 1) + " given");
            for (size_t i = 1; i < c.args.size(); ++i) check_expr(c.args[i]);
        }
        coerce(c.args[0], m_types.sync_handle(types::SyncKind::Future), CoerceCtx::Argument, "the future");
    }
    type_rewritten_callee(c, ret);
    return ret;
}

} // namespace bp::check
