// Checking `with S [as NAME]: body` (docs/language.md "with"). A small protocol: the static type of
// S selects a pair of builtins, `enter` (called with S before the body) and `exit` (called with S
// however the body is left: normally, by return/break/continue or by an exception). Extension
// point: append a row to kWithProtocols (e.g. RWLock read/write, Semaphore) - nothing else changes.
#include "check/checker_impl.hpp"

#include <string_view>

namespace bp::check {

namespace {

struct WithProtocol {
    Kind kind;             // the subject's static type
    std::string_view enter; // builtin names (builtins.def)
    std::string_view exit;
};

constexpr WithProtocol kWithProtocols[] = {
    {Kind::Mutex, "mutex_lock", "mutex_unlock"},
    {Kind::Scope, "scope_enter", "scope_join_all"},
};

} // namespace

void Checker::check_with(ast::With& s) {
    const Type* t = check_expr(s.subject);
    const WithProtocol* proto = nullptr;
    if (t)
        for (const WithProtocol& p : kWithProtocols)
            if (p.kind == t->kind) proto = &p;
    if (t && !proto) error(s.subject->span, "'with' needs a Mutex or a Scope, found " + t->name());
    if (proto) {
        s.enter_builtin = static_cast<uint32_t>(find_builtin(proto->enter));
        s.exit_builtin = static_cast<uint32_t>(find_builtin(proto->exit));
    }
    push_scope();
    if (!s.binding.empty()) s.var = declare_local(s.binding, s.binding_span, t);
    check_block(s.body);
    pop_scope();
}

} // namespace bp::check
