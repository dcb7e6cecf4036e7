// check_program and the declaration passes: collecting top-level names, resolving struct fields,
// enum values and function signatures, checking globals and function bodies, choosing the entry.
#include "check/checker_impl.hpp"

#include "types/errors.hpp"

namespace bp::check {

namespace {

// Bytecode operands naming a function or a global are 16 bits (bytecode/instr.hpp); the remaining
// function indexes are for "<module>" and the lambdas.
constexpr size_t kMaxFunctions = 65000;
constexpr size_t kMaxGlobals = 65000;
const std::unordered_set<std::string> kReservedTypeNames = {
    "int", "float", "bool", "str", "void", "any", "bytes", "Error", "Thread", "Mutex", "Condition",
    "Volatile", "ptr", "i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64"};
} // namespace

Checker::Checker(types::TypeTable& types, diag::Diagnostics& diags) : m_types(types), m_diags(diags) {
    m_sigs.resize(kBuiltinCount);
}

void Checker::declare_value(const std::string& name, Span span, ValueSym sym) {
    if (!m_values.emplace(name, sym).second) error(span, "duplicate symbol '" + name + "'");
}

void Checker::declare_type(const std::string& name, Span span, TypeSym sym) {
    if (kReservedTypeNames.count(name)) {
        error(span, "'" + name + "' is a reserved type name");
        return;
    }
    if (m_type_names.count(name) || m_silent_types.count(name)) {
        error(span, "duplicate type '" + name + "'");
        return;
    }
    m_type_names.emplace(name, sym);
}

void Checker::collect_decls(ast::Module& m) {
    for (auto& d : m.decls) {
        switch (d->kind) {
        case ast::DeclKind::Func: {
            auto& f = static_cast<ast::FuncDecl&>(*d);
            if (find_builtin(f.name) >= 0 || is_thread_builtin(f.name))
                error(f.name_span, "'" + f.name + "' shadows builtin");
            // Call operands hold a 16-bit function index; "<module>" and lambdas need indexes too.
            if (m_functions.size() == kMaxFunctions) error(f.name_span, "too many functions (the limit is 65000)");
            f.function_index = static_cast<uint32_t>(m_functions.size());
            m_functions.push_back(&f);
            declare_value(f.name, f.name_span, ValueSym{&f, nullptr});
            break;
        }
        case ast::DeclKind::Global: {
            auto& g = static_cast<ast::GlobalDecl&>(*d);
            // Global operands hold a 16-bit index.
            if (m_globals.size() == kMaxGlobals) error(g.name_span, "too many globals (the limit is 65000)");
            g.global_index = static_cast<uint32_t>(m_globals.size());
            m_globals.push_back(&g);
            declare_value(g.name, g.name_span, ValueSym{nullptr, &g});
            break;
        }
        case ast::DeclKind::Struct: {
            auto& s = static_cast<ast::StructDecl&>(*d);
            declare_type(s.name, s.name_span, TypeSym{&s, nullptr});
            s.info = m_types.new_struct(s.name, false);
            m_struct_decls.push_back(&s);
            declare_methods(s.methods, s.info);
            break;
        }
        case ast::DeclKind::Enum: {
            auto& e = static_cast<ast::EnumDecl&>(*d);
            declare_type(e.name, e.name_span, TypeSym{nullptr, &e});
            break;
        }
        case ast::DeclKind::Class: {
            auto& c = static_cast<ast::ClassDecl&>(*d);
            declare_type(c.name, c.name_span, TypeSym{nullptr, nullptr, &c});
            c.info = m_types.new_struct(c.name, true);
            m_class_decls.push_back(&c);
            declare_methods(c.methods, c.info);
            break;
        }
        case ast::DeclKind::Import: {
            auto& i = static_cast<ast::ImportDecl&>(*d);
            // A native module whose functions are builtins (`thread`): bound here, by its registry
            // entry. Other modules, including host native modules (generated source): bind_imports.
            const types::NativeModuleDecl* native = types::find_native_module(natives, i.module);
            if (!native || native->has_host_functions()) break;
            if (!i.names.empty())
                error(i.span, "import " + i.module + " (...) is not supported; use " + i.module + ".<name>");
            else m_thread_modules.emplace(i.alias.empty() ? i.module : i.alias, native);
            break;
        }
        case ast::DeclKind::Extern:
            declare_extern(static_cast<ast::ExternDecl&>(*d));
            break;
        }
    }
}

void Checker::resolve_struct_fields(ast::StructDecl& s) {
    std::unordered_set<std::string> seen;
    for (auto& f : s.fields) {
        if (!seen.insert(f.name).second) error(f.span, "duplicate field '" + f.name + "'");
        const Type* t = resolve_type(f.type.get());
        s.info->add_field(f.name, t);
    }
}

void Checker::resolve_enum(ast::EnumDecl& e) {
    std::unordered_set<std::string> seen;
    int64_t next = 0;
    for (auto& m : e.members) {
        if (!seen.insert(m.name).second) error(m.span, "duplicate enum member '" + m.name + "'");
        if (!m.has_value) m.value = next;
        next = static_cast<int64_t>(static_cast<uint64_t>(m.value) + 1);
    }
}

void Checker::resolve_signature(ast::FuncDecl& f) {
    std::vector<const Type*> params;
    bool ok = true;
    if (f.owner && (f.params.empty() || f.params[0].type || f.params[0].name != "self")) {
        error(f.name_span, "method '" + f.name + "' needs 'self' as its first parameter");
        ok = false;
    }
    for (auto& p : f.params) {
        bool is_self = f.owner && &p == &f.params[0] && !p.type && p.name == "self";
        const Type* t = is_self ? f.owner->type : p.type ? resolve_type(p.type.get()) : nullptr;
        if (!p.type && !is_self) error(p.span, "parameter '" + p.name + "' needs a type");
        ok = ok && t;
        params.push_back(t);
    }
    const Type* ret = f.ret ? resolve_type(f.ret.get(), true) : m_types.void_t();
    if (ok && ret) f.fn_type = m_types.func_of(params, ret);
}

void Checker::check_global(ast::GlobalDecl& g) {
    const Type* t = g.type ? resolve_type(g.type.get()) : nullptr;
    if (!g.type) error(g.name_span, "global '" + g.name + "' needs a type annotation");
    if (t && t->kind == Kind::Func && (find_builtin(g.name) >= 0 || is_thread_builtin(g.name)))
        error(g.name_span, "'" + g.name + "' shadows builtin");
    if (!g.init) {
        error(g.name_span, "global '" + g.name + "' needs an initialiser");
        return;
    }
    push_fn(FnContext{&g.locals, nullptr, {}});
    push_scope();
    m_init_global = &g;
    m_ret = nullptr;
    check_to(g.init, t, CoerceCtx::Let);
    m_init_global = nullptr;
    pop_fn();
}

void Checker::check_function(ast::FuncDecl& f) {
    push_fn(FnContext{&f.locals, nullptr, {}});
    push_scope();
    for (size_t i = 0; i < f.params.size(); ++i) {
        const Type* t = f.fn_type ? f.fn_type->items[i] : nullptr;
        declare_local(f.params[i].name, f.params[i].span, t);
    }
    m_ret = f.fn_type ? f.fn_type->ret : (f.ret ? f.ret->resolved : nullptr);
    m_loop_depth = m_finally_depth = m_catch_depth = 0;
    m_method = f.owner ? &f : nullptr;
    check_block(f.body);
    m_method = nullptr;
    pop_fn();
    if (m_ret && m_ret->kind != Kind::Void && block_can_complete(f.body)) error(f.name_span, "missing return");
}

void Checker::choose_entry(ast::Module& main_module, CheckedProgram& out) {
    ast::FuncDecl* entry = nullptr; // `main`, else the main file's first def
    for (auto& d : main_module.decls) {
        if (d->kind != ast::DeclKind::Func) continue;
        auto* f = static_cast<ast::FuncDecl*>(d.get());
        if (f->name == "main" || !entry) entry = f;
        if (f->name == "main") break;
    }
    if (!entry) {
        error(Span{main_module.file, 0, 0}, "no main function");
        return;
    }
    if (!entry->params.empty()) error(entry->name_span, "the entry function '" + entry->name + "' cannot take parameters");
    const Type* ret = entry->fn_type ? entry->fn_type->ret : nullptr;
    if (ret && ret->kind != Kind::Int && ret->kind != Kind::Void)
        error(entry->name_span, "the entry function '" + entry->name + "' must return int or void");
    out.entry = entry->function_index;
    out.entry_returns_int = ret && ret->kind == Kind::Int;
}

bool Checker::run(std::vector<ast::Module*> modules, CheckedProgram& out) {
    // Every pass enters the module of what it checks: name lookups see that module's tables.
    init_modules(modules);
    for (size_t i = 0; i < modules.size(); ++i) {
        enter_module(i);
        collect_decls(*modules[i]);
        record_exports(m_modules[i]);
    }
    for (size_t i = 0; i < modules.size(); ++i) {
        enter_module(i);
        bind_imports(m_modules[i]);
    }
    for (size_t i = 0; i < modules.size(); ++i) {
        enter_module(i);
        for (auto& d : modules[i]->decls) {
            if (d->kind == ast::DeclKind::Struct) resolve_struct_fields(static_cast<ast::StructDecl&>(*d));
            if (d->kind == ast::DeclKind::Enum) resolve_enum(static_cast<ast::EnumDecl&>(*d));
        }
    }
    resolve_classes();
    for (ast::FuncDecl* f : m_functions) {
        enter_module_of(f->span);
        resolve_signature(*f);
    }
    for (size_t k = 0; k < m_externs.size(); ++k) {
        m_externs[k]->function_index = static_cast<uint32_t>(m_functions.size() + k);
        enter_module_of(m_externs[k]->span);
        resolve_extern(*m_externs[k]);
    }
    build_method_tables();
    for (ast::GlobalDecl* g : m_globals) {
        enter_module_of(g->span);
        check_global(*g);
    }
    for (ast::FuncDecl* f : m_functions) {
        enter_module_of(f->span);
        check_function(*f);
    }
    if (!modules.empty()) {
        enter_module(modules.size() - 1);
        choose_entry(*modules.back(), out);
    }
    out.functions = m_functions;
    out.globals = m_globals;
    out.externs = m_externs;
    return !m_diags.has_errors();
}

bool check_program(std::vector<ast::Module*> modules, types::TypeTable& types, diag::Diagnostics& diags,
                   CheckedProgram& out, const types::NativeRegistry* natives) {
    size_t before = diags.error_count();
    Checker c(types, diags);
    c.natives = natives ? *natives : types::NativeRegistry{thread_module()};
    out.native_modules = c.natives;
    c.run(std::move(modules), out);
    return diags.error_count() == before;
}

} // namespace bp::check
