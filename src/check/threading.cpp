// Checking threading calls (LANGUAGE.md §11.2): the module spelling `thread.X(...)` (or an alias
// from `import thread as th`), which resolves to the flat builtin of the same function, and the
// builtins whose signatures the signature language cannot express: thread_spawn (its arguments are
// checked against the spawned function's parameters), mutex_new, cond_new and cond_wait (overloads).
#include "check/checker_impl.hpp"

#include <algorithm>
#include <array>
#include <iterator>
#include <string_view>
#include <utility>

namespace bp::check {

namespace {

using NamePair = std::pair<std::string_view, const char*>;

// thread.<name> -> flat builtin name, sorted by name at compile time (table_name is a binary search:
// thread_module() asks it for every builtin's name).
constexpr auto kTable = [] {
    std::array<NamePair, 28> t = {{
        {"spawn", "thread_spawn"},   {"join", "thread_join"},     {"detach", "thread_detach"},
        {"current", "thread_current"}, {"id", "thread_id"},       {"is_running", "thread_is_running"},
        {"is_joined", "thread_is_joined"}, {"yield", "thread_yield"}, {"sleep", "thread_sleep"},
        {"mutex_new", "mutex_new"},  {"rmutex_new", "rmutex_new"}, {"mutex_lock", "mutex_lock"},
        {"mutex_trylock", "mutex_trylock"}, {"mutex_unlock", "mutex_unlock"},
        {"mutex_destroy", "mutex_destroy"}, {"cond_new", "cond_new"}, {"cond_wait", "cond_wait"},
        {"cond_signal", "cond_signal"}, {"cond_broadcast", "cond_broadcast"},
        {"volatile_new", "volatile_new"}, {"volatile_set", "volatile_set"},
        {"volatile_get", "volatile_get"}, {"volatile_has", "volatile_has"},
        {"volatile_delete", "volatile_delete"}, {"scope", "scope_new"}, {"scope_spawn", "scope_spawn"},
        {"set_name", "thread_set_name"}, {"name", "thread_name"}}};
    std::sort(t.begin(), t.end(), [](const NamePair& a, const NamePair& b) { return a.first < b.first; });
    return t;
}();

const char* table_name(std::string_view name) {
    auto it = std::lower_bound(kTable.begin(), kTable.end(), name,
                               [](const NamePair& e, std::string_view n) { return e.first < n; });
    return it != kTable.end() && it->first == name ? it->second : nullptr;
}

// The builtin id thread.<name> stands for in the registry, or -1: the table above, else the
// toolkit's names (toolkit_flat_name), else the channel functions' (chan_module_name). `self`: the
// id of the builtin called `name` when the caller knows it, which spares lookups (the toolkit and
// channel functions keep their own names).
int32_t module_function(std::string_view name, int32_t self) {
    if (const char* flat = table_name(name)) return find_builtin(flat);
    if (name == "submit") return find_builtin(toolkit_flat_name(name));
    int32_t id = self >= 0 ? self : find_builtin(name);
    if (id >= static_cast<int32_t>(Builtin::atomic_new)) return id; // toolkit_flat_name: its own name
    return chan_module_name(name) ? id : -1;
}

} // namespace

bool is_thread_special(uint32_t id) {
    auto b = static_cast<Builtin>(id);
    return b == Builtin::thread_spawn || b == Builtin::scope_spawn || b == Builtin::mutex_new || b == Builtin::cond_new ||
           b == Builtin::cond_wait || b == Builtin::cond_wait_timeout || is_toolkit_special(id);
}

bool Checker::is_thread_module(const ast::Expr& e) const {
    return e.kind == ast::ExprKind::Name && m_thread_modules.count(static_cast<const ast::Name&>(e).name) > 0;
}

// The `thread` module's registry entry: every name thread.X can take, with the builtin it is.
// Candidates are the table above, `submit` and every builtin's own name (the toolkit and channel
// functions keep their flat names); module_function decides, as a direct lookup did before the
// registry existed. It runs for every program, so it avoids a search per candidate (start-up:
// docs/performance.md).
types::NativeModuleDecl thread_module() {
    types::NativeModuleDecl m;
    m.name = "thread";
    static constexpr std::string_view kOwn[] = {"spawn", "join", "detach", "current", "id", "is_running",
        "is_joined", "yield", "sleep", "scope", "scope_spawn", "set_name", "name", "submit"};
    m.functions.reserve(128);
    auto add = [&](std::string_view name, int32_t id) {
        m.functions.push_back(types::NativeFunctionDecl{std::string(name), id, "", nullptr});
    };
    for (std::string_view name : kOwn)
        if (int32_t id = module_function(name, -1); id >= 0) add(name, id);
    // Builtin names are unique (builtins.hpp), so a name can only repeat one of kOwn, which came
    // first (and resolved the same way: module_function depends on the name alone).
    for (uint32_t i = 0; i < kBuiltinCount; ++i) {
        int32_t id = module_function(kBuiltins[i].name, static_cast<int32_t>(i));
        if (id >= 0 && std::find(std::begin(kOwn), std::end(kOwn), kBuiltins[i].name) == std::end(kOwn))
            add(kBuiltins[i].name, id);
    }
    return m;
}

// module.name(...) of a builtin-backed native module (`thread`): the builtin its registry entry names.
const Type* Checker::check_thread_module_call(ast::Call& c, const Type* expected) {
    auto& f = static_cast<ast::Field&>(*c.callee);
    const std::string& module = static_cast<const ast::Name&>(*f.object).name;
    const types::NativeFunctionDecl* fn = m_thread_modules.at(module)->find(f.name);
    if (!fn || fn->builtin < 0) {
        error(f.name_span, "module '" + module + "' has no function '" + f.name + "'");
        for (auto& a : c.args) check_expr(a);
        return nullptr;
    }
    return check_builtin_call(c, static_cast<uint32_t>(fn->builtin), expected);
}

// A Thread/Mutex/Condition argument, or a ptr (its kind is checked at run time).
bool Checker::check_handle_arg(ExprPtr& e, const Type* handle, const std::string& what) {
    const Type* t = check_expr(e, handle);
    if (!t) return false;
    if (t->kind == Kind::Ptr) return true;
    return coerce(e, handle, CoerceCtx::Argument, what);
}

const Type* Checker::check_thread_special(ast::Call& c, uint32_t id) {
    if (is_toolkit_special(id)) return check_toolkit_special(c, id);
    const std::string name(kBuiltins[id].name);
    auto arity = [&](size_t lo, size_t hi) {
        if (c.args.size() >= lo && c.args.size() <= hi) return true;
        std::string want = lo == hi ? std::to_string(lo) : std::to_string(lo) + " or " + std::to_string(hi);
        error(c.span, "'" + name + "' takes " + want + " argument(s), " + std::to_string(c.args.size()) + " given");
        for (auto& a : c.args) check_expr(a);
        return false;
    };
    auto what = [&](size_t i) { return "argument " + std::to_string(i + 1) + " of '" + name + "'"; };
    const Type* mutex = m_types.handle(Kind::Mutex);
    const Type* cond = m_types.handle(Kind::Condition);
    auto b = static_cast<Builtin>(id);
    if (b == Builtin::scope_spawn) { // scope_spawn(s, f, args...): check s, then as thread_spawn
        if (c.args.empty()) {
            error(c.span, "'" + name + "' needs a scope and a function to run");
            return m_types.handle(Kind::Thread);
        }
        if (!c.args[0]->type) check_handle_arg(c.args[0], m_types.handle(Kind::Scope), what(0));
        else if (c.args[0]->type->kind != Kind::Scope) error(c.args[0]->span, what(0) + ": expected Scope, found " + c.args[0]->type->name());
        ExprPtr scope = std::move(c.args[0]);
        c.args.erase(c.args.begin());
        const Type* r = check_thread_special(c, static_cast<uint32_t>(Builtin::thread_spawn));
        c.args.insert(c.args.begin(), std::move(scope));
        return r;
    }
    if (b == Builtin::thread_spawn) {
        const Type* thread = m_types.handle(Kind::Thread);
        if (c.args.empty()) {
            error(c.span, "'" + name + "' needs a function to run");
            return thread;
        }
        const Type* f = check_expr(c.args[0]);
        if (!f) {
            for (size_t i = 1; i < c.args.size(); ++i) check_expr(c.args[i]);
            return thread;
        }
        if (f->kind != Kind::Func) {
            error(c.args[0]->span, what(0) + ": expected a function, found " + f->name());
            for (size_t i = 1; i < c.args.size(); ++i) check_expr(c.args[i]);
            return thread;
        }
        if (c.args.size() - 1 != f->items.size()) {
            error(c.span, "the spawned function takes " + std::to_string(f->items.size()) + " argument(s), " +
                              std::to_string(c.args.size() - 1) + " given");
            for (size_t i = 1; i < c.args.size(); ++i) check_expr(c.args[i]);
            return thread;
        }
        for (size_t i = 1; i < c.args.size(); ++i) check_to(c.args[i], f->items[i - 1], CoerceCtx::Argument, what(i));
        return thread;
    }
    if (b == Builtin::mutex_new) {
        if (arity(0, 1) && c.args.size() == 1) check_to(c.args[0], m_types.bool_t(), CoerceCtx::Argument, what(0));
        return mutex;
    }
    if (b == Builtin::cond_new) {
        if (arity(0, 1) && c.args.size() == 1) check_handle_arg(c.args[0], mutex, what(0));
        return cond;
    }
    if (b == Builtin::cond_wait_timeout) { // (C, ms) for a bound condition, (C, M, ms) for any
        if (arity(2, 3)) {
            check_handle_arg(c.args[0], cond, what(0));
            if (c.args.size() == 3) check_handle_arg(c.args[1], mutex, what(1));
            check_to(c.args.back(), m_types.int_t(), CoerceCtx::Argument, what(c.args.size() - 1));
        }
        return m_types.bool_t();
    }
    // cond_wait
    if (arity(1, 2)) {
        check_handle_arg(c.args[0], cond, what(0));
        if (c.args.size() == 2) check_handle_arg(c.args[1], mutex, what(1));
    }
    return m_types.void_t();
}

} // namespace bp::check
