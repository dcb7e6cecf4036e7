// Local scopes, name lookup and lambda capture analysis.
//
// m_fns is a stack of bodies: the function (or global initialiser) at the bottom, then one entry
// per lambda being checked inside it. A name found in a body below the innermost is a capture:
// every lambda between the declaring body and the use captures it (first-use order), so each
// closure can copy the reference from its creator's captures.
#include "check/checker_impl.hpp"

namespace bp::check {

bool Checker::name_visible_as_variable(const std::string& name) const {
    for (const FnContext& f : m_fns)
        for (const auto& scope : f.scopes)
            if (scope.count(name)) return true;
    auto it = m_values.find(name);
    return it != m_values.end() && it->second.global;
}

ast::LocalVar* Checker::declare_local(const std::string& name, Span span, const Type* type) {
    if (name_visible_as_variable(name)) error(span, "duplicate symbol '" + name + "'");
    else if (type && type->kind == Kind::Func && (find_builtin(name) >= 0 || is_thread_builtin(name)))
        error(span, "'" + name + "' shadows builtin");
    FnContext& f = m_fns.back();
    auto v = std::make_unique<ast::LocalVar>();
    v->name = name;
    v->span = span;
    v->type = type;
    v->id = static_cast<uint32_t>(f.locals->size());
    ast::LocalVar* p = v.get();
    f.locals->push_back(std::move(v));
    f.scopes.back()[name] = p; // a duplicate still binds, so later uses resolve quietly
    return p;
}

// Adds `v` to the captures of every lambda from body `from` to the innermost; returns the index
// in the innermost lambda's captures.
static uint32_t capture_through(std::vector<FnContext>& fns, size_t from, ast::LocalVar* v) {
    uint32_t index = 0;
    for (size_t i = from; i < fns.size(); ++i) {
        auto& caps = fns[i].lambda->captures;
        size_t k = 0;
        while (k < caps.size() && caps[k] != v) ++k;
        if (k == caps.size()) caps.push_back(v);
        index = static_cast<uint32_t>(k);
    }
    v->captured = true;
    return index;
}

bool Checker::resolve_variable(ast::Name& n) {
    for (size_t i = m_fns.size(); i-- > 0;) {
        auto& scopes = m_fns[i].scopes;
        for (size_t s = scopes.size(); s-- > 0;) {
            auto it = scopes[s].find(n.name);
            if (it == scopes[s].end()) continue;
            n.local = it->second;
            n.type = it->second->type;
            if (i + 1 == m_fns.size()) {
                n.ref = ast::NameRef::Local;
            } else {
                n.ref = ast::NameRef::Capture;
                n.index = capture_through(m_fns, i + 1, it->second);
            }
            return true;
        }
    }
    auto it = m_values.find(n.name);
    if (it == m_values.end() || !it->second.global) return false;
    ast::GlobalDecl* g = it->second.global;
    if (m_init_global && m_lambda_depth == 0 && g->global_index >= m_init_global->global_index)
        error(n.span, "global '" + n.name + "' is used before its initialisation");
    n.ref = ast::NameRef::Global;
    n.index = g->global_index;
    n.type = g->type ? g->type->resolved : nullptr;
    return true;
}

} // namespace bp::check
