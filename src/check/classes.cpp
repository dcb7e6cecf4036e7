// Struct methods and classes (LANGUAGE.md §7): inheritance and field layout, method tables
// (vtables) and override rules, `new`, method calls and `super`.
//
// Methods are ordinary functions in CheckedProgram::functions whose first parameter is `self`.
// A call the checker can prove non-virtual (struct methods, `super` calls, methods no subclass
// overrides) is a direct call; the rest dispatch through the receiver's vtable slot.
#include "check/checker_impl.hpp"

namespace bp::check {

void Checker::declare_methods(std::vector<std::unique_ptr<ast::FuncDecl>>& methods, types::StructInfo* owner) {
    for (auto& m : methods) {
        m->owner = owner;
        m->qual_name = owner->name + "." + m->name;
        m->function_index = static_cast<uint32_t>(m_functions.size());
        m_functions.push_back(m.get());
    }
}

// Inheritance (parents first, cycles reported) and field layouts: inherited fields, then own.
void Checker::resolve_classes() {
    std::unordered_map<ast::ClassDecl*, int> state; // 1 = in progress, 2 = done
    std::vector<ast::ClassDecl*> decls = m_class_decls;
    m_class_decls.clear();
    for (ast::ClassDecl* c : decls) resolve_class(*c, state);
}

void Checker::resolve_class(ast::ClassDecl& c, std::unordered_map<ast::ClassDecl*, int>& state) {
    int& st = state[&c];
    if (st == 2) return;
    if (st == 1) {
        error(c.name_span, "inheritance cycle through class '" + c.name + "'");
        return;
    }
    st = 1;
    enter_module_of(c.span); // names in the class resolve in its own module
    types::StructInfo* parent = nullptr;
    if (!c.parent.empty()) {
        auto it = m_type_names.find(c.parent);
        if (it != m_type_names.end() && it->second.cls) {
            ast::ClassDecl* pc = it->second.cls;
            resolve_class(*pc, state);
            enter_module_of(c.span);
            if (state[pc] == 2) parent = pc->info;
        } else if (it != m_type_names.end()) {
            error(c.name_span, "'" + c.parent + "' is not a class; only classes can be inherited");
        } else {
            error(c.name_span, "unknown parent class '" + c.parent + "'");
        }
    }
    state[&c] = 2;
    c.info->parent = parent;
    if (parent) c.info->inherit_fields(*parent);
    size_t inherited = c.info->fields().size();
    for (auto& f : c.fields) {
        int prev = c.info->field_index(f.name);
        if (prev >= 0 && static_cast<size_t>(prev) < inherited)
            error(f.span, "field '" + f.name + "' is already defined in class " + parent->name);
        else if (prev >= 0)
            error(f.span, "duplicate field '" + f.name + "'");
        c.info->add_field(f.name, resolve_type(f.type.get()));
    }
    for (size_t i = 0; i < c.info->fields().size(); ++i) {
        const Type* t = c.info->fields()[i].type;
        if (t && !types::has_zero_value(t)) c.info->required_fields.push_back(static_cast<uint32_t>(i));
    }
    m_class_decls.push_back(&c);
}

static const Type* method_type(types::TypeTable& tt, const ast::FuncDecl& f) {
    if (!f.fn_type) return nullptr;
    std::vector<const Type*> params(f.fn_type->items.begin() + 1, f.fn_type->items.end());
    return tt.func_of(std::move(params), f.fn_type->ret);
}

void Checker::build_methods(types::StructInfo* info, std::vector<std::unique_ptr<ast::FuncDecl>>& methods) {
    bool have_init = false;
    for (auto& fp : methods) {
        ast::FuncDecl& f = *fp;
        enter_module_of(f.span);
        const Type* mt = method_type(m_types, f);
        if (f.name == "__init__") {
            if (!info->is_class) {
                error(f.name_span, "__init__ is only allowed in a class (struct " + info->name + " is built with a literal)");
                continue;
            }
            if (have_init) error(f.name_span, "duplicate method '__init__' in class " + info->name);
            if (mt && mt->ret->kind != Kind::Void) error(f.name_span, "__init__ must return void");
            have_init = true;
            info->init_function = f.function_index;
            info->init_type = mt;
            continue;
        }
        if (info->field_index(f.name) >= 0) {
            error(f.name_span, "'" + f.name + "' is both a field and a method of " + info->name +
                                   " (field and method names must be distinct)");
            continue;
        }
        types::MethodInfo* prev = nullptr;
        for (types::MethodInfo& m : info->methods)
            if (m.name == f.name) prev = &m;
        if (prev && prev->owner == info) {
            error(f.name_span, "duplicate method '" + f.name + "' in " + info->name);
            continue;
        }
        if (prev) {
            if (mt && prev->type && mt != prev->type)
                error(f.name_span, "method '" + f.name + "' overrides " + prev->owner->name + "." + f.name +
                                       " with a different signature: expected " + prev->type->name() +
                                       ", found " + mt->name());
            prev->function = f.function_index;
            prev->owner = info;
            continue;
        }
        types::MethodInfo m;
        m.name = f.name;
        m.type = mt;
        m.function = f.function_index;
        m.slot = static_cast<uint32_t>(info->methods.size());
        m.owner = info;
        info->methods.push_back(std::move(m));
    }
    if (!have_init && info->parent) {
        info->init_function = info->parent->init_function;
        info->init_type = info->parent->init_type;
    }
    info->vtable.clear();
    for (const types::MethodInfo& m : info->methods) info->vtable.push_back(m.function);
}

// Method tables, parents first; then mark every slot some subclass overrides (calls through a
// type whose slot is never overridden below it are direct).
void Checker::build_method_tables() {
    for (ast::StructDecl* s : m_struct_decls) build_methods(s->info, s->methods);
    for (ast::ClassDecl* c : m_class_decls) {
        if (c->info->parent) c->info->methods = c->info->parent->methods;
        for (types::MethodInfo& m : c->info->methods) m.overridden = false;
        for (const ast::FieldDecl& f : c->fields)
            if (const types::MethodInfo* m = c->info->find_method(f.name))
                error(f.span, "'" + f.name + "' is both a field and a method of " + c->name + " (method inherited from " +
                                  m->owner->name + "; field and method names must be distinct)");
        build_methods(c->info, c->methods);
    }
    for (ast::ClassDecl* c : m_class_decls) {
        types::StructInfo* info = c->info;
        for (const types::MethodInfo& m : info->methods) {
            if (m.owner != info) continue;
            for (types::StructInfo* a = info->parent; a && m.slot < a->methods.size(); a = a->parent)
                a->methods[m.slot].overridden = true;
        }
    }
}

bool Checker::check_args(std::vector<ExprPtr>& args, const Type* fn, const std::string& what, Span span) {
    if (args.size() != fn->items.size()) {
        error(span, "'" + what + "' takes " + std::to_string(fn->items.size()) + " argument(s), " +
                        std::to_string(args.size()) + " given");
        for (auto& a : args) check_expr(a);
        return false;
    }
    bool ok = true;
    for (size_t i = 0; i < args.size(); ++i)
        ok = check_to(args[i], fn->items[i], CoerceCtx::Argument,
                      "argument " + std::to_string(i + 1) + " of '" + what + "'") && ok;
    return ok;
}

const Type* Checker::check_new(ast::New& n) {
    auto it = m_type_names.find(n.class_name);
    types::StructInfo* info = it != m_type_names.end() && it->second.cls ? it->second.cls->info : nullptr;
    if (!info) {
        if (n.class_name.find('.') != std::string::npos) error(n.span, "imports are not supported yet");
        else if (it != m_type_names.end() && it->second.st)
            error(n.span, "'" + n.class_name + "' is a struct: build it with a literal " + n.class_name + "{...}");
        else error(n.span, "unknown class '" + n.class_name + "'");
        for (auto& a : n.args) check_expr(a);
        return nullptr;
    }
    if (info->init_function < 0) {
        if (!n.args.empty())
            error(n.span, "class " + info->name + " has no __init__, so 'new " + info->name +
                              "()' takes no arguments (" + std::to_string(n.args.size()) + " given)");
        for (auto& a : n.args) check_expr(a);
    } else if (info->init_type) {
        check_args(n.args, info->init_type, info->name + ".__init__", n.span);
    } else {
        for (auto& a : n.args) check_expr(a);
    }
    return info->type;
}

// o.m(args) where o has struct/class type `ot` and m is not a field.
const Type* Checker::check_method_call(ast::Call& c, ast::Field& f, const Type* ot) {
    types::StructInfo* info = ot->info;
    const types::MethodInfo* m = info->find_method(f.name);
    if (!m) {
        if (f.name == "__init__" && info->is_class)
            error(f.name_span, "__init__ runs only through 'new' (or super.__init__ in a constructor)");
        else
            error(f.name_span, "type " + ot->name() + " has no method '" + f.name + "'");
        for (auto& a : c.args) check_expr(a);
        return nullptr;
    }
    f.ref = ast::FieldRef::Method;
    f.type = m->type;
    c.call_kind = ast::CallKind::Method;
    c.function_index = m->function;
    c.method_slot = m->slot;
    c.virtual_call = info->is_class && m->overridden;
    if (!m->type) {
        for (auto& a : c.args) check_expr(a);
        return nullptr;
    }
    check_args(c.args, m->type, info->name + "." + f.name, c.span);
    return m->type->ret;
}

// super.m(args), super().m(args) and super(args) (= super.__init__(args)): a direct call of the
// parent's implementation on `self`. The callee becomes Field{Name self, m}.
// `method` is taken by value: it may be the name of the callee Field this function replaces.
const Type* Checker::check_super_call(ast::Call& c, std::string method, Span name_span) {
    types::StructInfo* owner = m_method ? m_method->owner : nullptr;
    types::StructInfo* parent = owner && owner->is_class ? owner->parent : nullptr;
    const Type* fn = nullptr;
    uint32_t target = 0;
    bool noop = false;
    if (!owner || !owner->is_class) {
        error(c.callee->span, "super is only allowed in a class method");
    } else if (!parent) {
        error(c.callee->span, "class " + owner->name + " has no parent class");
    } else if (method == "__init__") {
        if (parent->init_function >= 0) {
            fn = parent->init_type;
            target = static_cast<uint32_t>(parent->init_function);
        } else {
            fn = m_types.func_of({}, m_types.void_t()); // no constructor anywhere above: nothing to run
            noop = true;
        }
    } else if (const types::MethodInfo* m = parent->find_method(method)) {
        fn = m->type;
        target = m->function;
    } else {
        error(name_span, "class " + parent->name + " has no method '" + method + "'");
    }
    if (!fn) {
        for (auto& a : c.args) check_expr(a);
        return nullptr;
    }
    Span s = c.callee->span;
    auto self = std::make_unique<ast::Name>(s, "self");
    ExprPtr self_expr = std::move(self);
    check_expr(self_expr);
    auto field = std::make_unique<ast::Field>(s, std::move(self_expr), method);
    field->name_span = name_span;
    field->ref = ast::FieldRef::Method;
    field->type = fn;
    c.callee = std::move(field);
    c.call_kind = ast::CallKind::Method;
    c.function_index = noop ? ast::kNoFunction : target;
    c.virtual_call = false;
    check_args(c.args, fn, parent->name + "." + method, c.span);
    return fn->ret;
}

} // namespace bp::check
