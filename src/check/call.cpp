// Calls: resolution (builtin, else variable of function type, else top-level function) and
// argument checking, including instantiation of builtin signatures.
#include "check/checker_impl.hpp"

namespace bp::check {

bool is_thread_builtin(const std::string& name) {
    static const std::unordered_set<std::string> kNames = {
        "thread_spawn", "thread_join", "thread_detach", "thread_current", "thread_yield", "thread_sleep",
        "mutex_new", "mutex_lock", "mutex_trylock", "mutex_unlock", "cond_new", "cond_wait", "cond_signal",
        "cond_broadcast", "thread_is_running", "thread_is_joined", "thread_id", "rmutex_new",
        "mutex_destroy", "volatile_new", "volatile_set", "volatile_get", "volatile_has", "volatile_delete",
        "thread_set_name", "thread_name"};
    return kNames.count(name) > 0;
}

static void check_args_silently(Checker& c, ast::Call& call) {
    for (auto& a : call.args) c.check_expr(a);
}

const Type* Checker::check_call(ast::Call& c, const Type* expected) {
    if (collapse_module_member(c.callee) == Collapse::Failed) { // m.f(x) becomes a call of "m.f"
        check_args_silently(*this, c);
        return nullptr;
    }
    if (c.callee->kind == ast::ExprKind::Name) {
        auto& n = static_cast<ast::Name&>(*c.callee);
        if (int32_t b = find_builtin(n.name); b >= 0) return check_builtin_call(c, static_cast<uint32_t>(b), expected);
        if (resolve_variable(n)) {
            if (n.type && n.type->kind == Kind::Func) {
                c.call_kind = ast::CallKind::Value;
                return check_value_call(c, n.type, n.name);
            }
            n.ref = ast::NameRef::Unresolved; // not callable: fall back to a function
            n.local = nullptr;
        }
        auto it = m_values.find(n.name);
        if (it != m_values.end() && function_sym(it->second, n.index, n.type)) {
            n.ref = ast::NameRef::Function;
            c.call_kind = ast::CallKind::Function;
            c.function_index = n.index;
            if (!n.type) {
                check_args_silently(*this, c);
                return nullptr;
            }
            return check_value_call(c, n.type, n.name);
        }
        if (it != m_values.end() && it->second.global) {
            error(n.span, "'" + n.name + "' is not a function");
        } else {
            error(n.span, "undefined function '" + n.name + "'", undefined_call_hint(n.name));
        }
        check_args_silently(*this, c);
        return nullptr;
    }
    if (c.callee->kind == ast::ExprKind::Super) return check_super_call(c, "__init__", c.callee->span);
    if (c.callee->kind == ast::ExprKind::Field) {
        // o.m(x): a method unless the field holds a function value.
        {
            auto& f = static_cast<ast::Field&>(*c.callee);
            if (is_thread_module(*f.object)) return check_thread_module_call(c, expected);
            const Expr* o = f.object.get();
            bool super_call = o && o->kind == ast::ExprKind::Call &&
                              static_cast<const ast::Call*>(o)->callee->kind == ast::ExprKind::Super &&
                              static_cast<const ast::Call*>(o)->args.empty();
            if (o && (o->kind == ast::ExprKind::Super || super_call)) return check_super_call(c, f.name, f.name_span);
            const Type* ot = check_expr(f.object);
            if (ot && (ot->kind == Kind::Channel || ot->kind == Kind::Scope)) return check_chan_method(c, expected);
            if (ot && ot->kind == Kind::Sync && ot->sync == types::SyncKind::Future) return check_future_method(c);
            int fi = ot && ot->kind == Kind::Struct ? ot->info->field_index(f.name) : -1;
            const Type* ft = fi >= 0 ? ot->info->fields()[static_cast<size_t>(fi)].type : nullptr;
            if (ft && ft->kind == Kind::Func) {
                f.ref = ast::FieldRef::StructField;
                f.field_index = static_cast<uint32_t>(fi);
                f.type = ft;
                c.call_kind = ast::CallKind::Value;
                return check_value_call(c, ft, f.name);
            }
            if (ft) {
                error(f.name_span, "field '" + f.name + "' of " + ot->name() + " has type " + ft->name() +
                                       ", which is not callable");
                check_args_silently(*this, c);
                return nullptr;
            }
            if (ot && ot->kind == Kind::Struct) return check_method_call(c, f, ot);
            if (ot)
                error(f.name_span, "type " + ot->name() + " has no method '" + f.name + "'",
                      python_method_hint(ot->kind, f.name));
        }
        check_args_silently(*this, c);
        return nullptr;
    }
    const Type* t = check_expr(c.callee);
    if (t && t->kind == Kind::Func) {
        c.call_kind = ast::CallKind::Value;
        return check_value_call(c, t, "function value");
    }
    if (t) error(c.callee->span, "type " + t->name() + " is not callable");
    check_args_silently(*this, c);
    return nullptr;
}

const Type* Checker::check_value_call(ast::Call& c, const Type* fn, const std::string& what) {
    if (c.args.size() != fn->items.size()) {
        error(c.span, "'" + what + "' takes " + std::to_string(fn->items.size()) + " argument(s), " +
                          std::to_string(c.args.size()) + " given");
        check_args_silently(*this, c);
        return fn->ret;
    }
    for (size_t i = 0; i < c.args.size(); ++i)
        check_to(c.args[i], fn->items[i], CoerceCtx::Argument,
                 "argument " + std::to_string(i + 1) + " of '" + what + "'");
    return fn->ret;
}

const Signature& Checker::builtin_sig(uint32_t id) {
    if (!m_sigs[id]) m_sigs[id] = std::make_unique<Signature>(parse_builtin_signature(id, m_types));
    return *m_sigs[id];
}

// Arguments of a builtin, left to right; each argument's expected type is its parameter with the
// variables bound so far (else bound from the call's expected result, as a hint only).
const Type* Checker::check_builtin_call(ast::Call& c, uint32_t id, const Type* expected) {
    c.call_kind = ast::CallKind::Builtin;
    c.builtin_id = id;
    const Signature& sig = builtin_sig(id);
    const std::string name(kBuiltins[id].name);
    const Type* ret = nullptr;
    std::vector<const Type*> arg_types;
    if (is_chan_builtin(id)) {
        ret = check_chan_builtin(c, id, expected, false);
    } else if (static_cast<Builtin>(id) == Builtin::handle_to_ptr) {
        error(c.span, "'" + name + "' is internal to the conversion of a handle to ptr");
        for (auto& a : c.args) check_expr(a);
        return nullptr;
    } else if (sig.special) {
        ret = check_special_builtin(c, id);
    } else if (sig.variadic) {
        for (auto& a : c.args) {
            const Type* t = check_expr(a);
            if (t && t->kind == Kind::Void) error(a->span, "a void value cannot be an argument");
        }
        ret = substitute(*sig.ret, SigBindings{}, m_types, false);
    } else if (c.args.size() != sig.params.size()) {
        error(c.span, "'" + name + "' takes " + std::to_string(sig.params.size()) + " argument(s), " +
                          std::to_string(c.args.size()) + " given");
        check_args_silently(*this, c);
        return substitute(*sig.ret, SigBindings{}, m_types, false);
    } else {
        SigBindings bound{}, hint{};
        if (expected) bind_sig(*sig.ret, expected, hint);
        bool ok = true;
        for (size_t i = 0; i < c.args.size(); ++i) {
            const SigType& p = *sig.params[i];
            std::string what = "argument " + std::to_string(i + 1) + " of '" + name + "'";
            const Type* want = substitute(p, bound, m_types, false);
            if (want && p.tag == SigType::Tag::Bytes) {
                const Type* t = check_expr(c.args[i], m_types.bytes_t());
                if (t && t->kind != Kind::Bytes && t != m_types.array_of(m_types.int_t()))
                    error(c.args[i]->span, what + ": expected [int] or bytes, found " + t->name());
                ok = ok && t;
                continue;
            }
            if (want && p.tag == SigType::Tag::Handle) {
                const Type* t = check_expr(c.args[i], want);
                if (t && t->kind == Kind::Ptr) continue;
                ok = coerce(c.args[i], want, CoerceCtx::Argument, what) && ok;
                continue;
            }
            if (want) {
                ok = check_to(c.args[i], want, CoerceCtx::Argument, what) && ok;
                continue;
            }
            const Type* t = check_expr(c.args[i], substitute(p, hint, m_types, false));
            if (!t) {
                ok = false;
                continue;
            }
            if (!bind_sig(p, t, bound)) {
                error(c.args[i]->span, what + ": expected " + (p.tag == SigType::Tag::Array ? "an array" : p.tag == SigType::Tag::Map ? "a map" : "a value") +
                                           ", found " + t->name());
                ok = false;
                continue;
            }
            if (p.tag == SigType::Tag::Map && !is_map_key(t->key)) ok = false;
        }
        if (ok && static_cast<Builtin>(id) == Builtin::array_sort && bound[0]) {
            Kind k = bound[0]->kind;
            if (k != Kind::Int && k != Kind::Float && k != Kind::Str && k != Kind::Any)
                error(c.args[0]->span, "array_sort needs an array of int, float, str or any, found " +
                                           c.args[0]->type->name());
        }
        bool want_bytes = expected && expected->kind == Kind::Bytes;
        ret = ok ? substitute(*sig.ret, bound, m_types, want_bytes) : nullptr;
        if (!ok && sig.ret->tag == SigType::Tag::Concrete) ret = sig.ret->type;
    }
    for (auto& a : c.args) arg_types.push_back(a->type ? a->type : m_types.void_t());
    c.callee->type = ret ? m_types.func_of(arg_types, ret) : nullptr;
    return ret;
}

// len and bytes_to_str, whose parameter is a union the signature language cannot express.
const Type* Checker::check_special_builtin(ast::Call& c, uint32_t id) {
    if (is_thread_special(id)) return check_thread_special(c, id);
    const std::string name(kBuiltins[id].name);
    if (c.args.size() != 1) {
        error(c.span, "'" + name + "' takes 1 argument(s), " + std::to_string(c.args.size()) + " given");
        check_args_silently(*this, c);
        return static_cast<Builtin>(id) == Builtin::len_ ? m_types.int_t() : m_types.str_t();
    }
    const Type* t = check_expr(c.args[0]);
    if (static_cast<Builtin>(id) == Builtin::len_) {
        if (t && t->kind != Kind::Str && t->kind != Kind::Array && t->kind != Kind::Map &&
            t->kind != Kind::Bytes && t->kind != Kind::Tuple)
            error(c.args[0]->span, "len() needs a str, array, map, bytes or tuple, found " + t->name());
        return m_types.int_t();
    }
    if (t && t->kind != Kind::Str && t->kind != Kind::Bytes && t != m_types.array_of(m_types.int_t()))
        error(c.args[0]->span, "bytes_to_str() needs bytes, [int] or str, found " + t->name());
    return m_types.str_t();
}

} // namespace bp::check
