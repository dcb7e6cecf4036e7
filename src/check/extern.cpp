// `extern fn` declarations (LANGUAGE.md §7 FFI): the name is a top-level function of its module;
// parameter types must be int, float, bool, str or ptr, the return type one of those or void.
#include "check/checker_impl.hpp"

namespace bp::check {

namespace {

bool crosses_ffi(const Type* t, bool is_return) {
    Kind k = t->kind;
    if (k == Kind::Void) return is_return;
    return k == Kind::Int || k == Kind::Float || k == Kind::Bool || k == Kind::Str || k == Kind::Ptr;
}

} // namespace

bool Checker::function_sym(const ValueSym& s, uint32_t& index, const Type*& type) {
    if (s.fn) {
        index = s.fn->function_index;
        type = s.fn->fn_type;
        return true;
    }
    if (s.ext) {
        index = s.ext->function_index;
        type = s.ext->fn_type;
        return true;
    }
    return false;
}

void Checker::declare_extern(ast::ExternDecl& x) {
    if (find_builtin(x.name) >= 0 || is_thread_builtin(x.name))
        error(x.name_span, "'" + x.name + "' shadows builtin");
    if (x.library.empty()) error(x.span, "extern fn '" + x.name + "' needs a library name");
    m_externs.push_back(&x);
    ValueSym sym;
    sym.ext = &x;
    declare_value(x.name, x.name_span, sym);
}

void Checker::resolve_extern(ast::ExternDecl& x) {
    std::vector<const Type*> params;
    bool ok = true;
    for (auto& p : x.params) {
        const Type* t = p.type ? resolve_type(p.type.get()) : nullptr;
        if (!p.type) error(p.span, "parameter '" + p.name + "' needs a type");
        if (t && !crosses_ffi(t, false)) {
            error(p.type->span,
                  "type " + t->name() + " cannot be passed to a C function (int, float, bool, str or ptr)");
            t = nullptr;
        }
        ok = ok && t;
        params.push_back(t);
    }
    const Type* ret = x.ret ? resolve_type(x.ret.get(), true) : m_types.void_t();
    if (ret && !crosses_ffi(ret, true)) {
        error(x.ret->span, "type " + ret->name() +
                               " cannot be returned by a C function (int, float, bool, str, ptr or void)");
        ret = nullptr;
    }
    if (ok && ret) x.fn_type = m_types.func_of(params, ret);
}

} // namespace bp::check
