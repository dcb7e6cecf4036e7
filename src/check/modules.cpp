// Modules in the checker (LANGUAGE.md §3 Modules, Names and scopes): one namespace of values and
// one of types per module, exports, import bindings, qualified names (`m.f`, `m.Point`,
// `m.Color.RED`) and the errors of using them: a non-exported or unknown name (reported at the
// use), a clash between an imported name and a top-level name of the importing module.
//
// Qualified names are resolved generically over the type namespace: whatever a module exports
// as a type (struct, enum, and any later kind of type declaration that goes through
// declare_type) is reachable as "alias.Name" in every lookup of m_type_names.
#include "check/checker_impl.hpp"

namespace bp::check {

namespace {

const std::string* decl_name(const ast::Decl& d) {
    switch (d.kind) {
    case ast::DeclKind::Func: return &static_cast<const ast::FuncDecl&>(d).name;
    case ast::DeclKind::Struct: return &static_cast<const ast::StructDecl&>(d).name;
    case ast::DeclKind::Enum: return &static_cast<const ast::EnumDecl&>(d).name;
    case ast::DeclKind::Class: return &static_cast<const ast::ClassDecl&>(d).name;
    case ast::DeclKind::Global: return &static_cast<const ast::GlobalDecl&>(d).name;
    case ast::DeclKind::Extern: return &static_cast<const ast::ExternDecl&>(d).name;
    case ast::DeclKind::Import: return nullptr;
    }
    return nullptr;
}

bool is_type_decl(ast::DeclKind k) {
    return k == ast::DeclKind::Struct || k == ast::DeclKind::Enum || k == ast::DeclKind::Class;
}

} // namespace

void Checker::init_modules(const std::vector<ast::Module*>& modules) {
    m_modules.clear();
    m_modules.resize(modules.size());
    for (size_t i = 0; i < modules.size(); ++i) {
        m_modules[i].module = modules[i];
        m_module_of_file[modules[i]->file] = i;
    }
    m_current_module = 0;
}

void Checker::enter_module(size_t index) {
    if (index == m_current_module || index >= m_modules.size()) return;
    std::swap(m_values, m_modules[m_current_module].values);
    std::swap(m_type_names, m_modules[m_current_module].types);
    m_current_module = index;
    std::swap(m_values, m_modules[index].values);
    std::swap(m_type_names, m_modules[index].types);
}

void Checker::enter_module_of(Span span) {
    auto it = m_module_of_file.find(span.file);
    if (it != m_module_of_file.end()) enter_module(it->second);
}

// Called with `m` current, right after collect_decls: what it declares and what it exports.
void Checker::record_exports(ModuleScope& m) {
    for (auto& d : m.module->decls) {
        const std::string* name = decl_name(*d);
        if (!name) continue;
        bool type = is_type_decl(d->kind);
        (type ? m.own_types : m.own_values).insert(*name);
        if (d->exported) (type ? m.exported_types : m.exported_values).insert(*name);
    }
}

ModuleScope* Checker::imported_module(const std::string& bound_name) {
    auto& imports = m_modules[m_current_module].imports;
    auto it = imports.find(bound_name);
    if (it == imports.end()) return nullptr;
    auto idx = m_module_of_file.find(it->second->file);
    return idx == m_module_of_file.end() ? nullptr : &m_modules[idx->second];
}

// Called with `m` current, once every module's declarations and exports are known.
void Checker::bind_imports(ModuleScope& m) {
    for (auto& d : m.module->decls)
        if (d->kind == ast::DeclKind::Import) bind_import(m, static_cast<ast::ImportDecl&>(*d));
}

void Checker::bind_import(ModuleScope& m, ast::ImportDecl& imp) {
    const types::NativeModuleDecl* native = types::find_native_module(natives, imp.module);
    if (native && !native->has_host_functions()) return; // builtin-backed native module (collect_decls)
    if (!imp.target) {
        error(imp.span, "module '" + imp.module + "' not found");
        return;
    }
    const std::string& bound = imp.bound_name();
    auto prev = m.imports.find(bound);
    if (prev != m.imports.end() && prev->second != imp.target) {
        error(imp.span, "duplicate import name '" + bound + "'");
        return;
    }
    if (m.own_values.count(bound)) {
        error(imp.span, "imported name '" + bound + "' clashes with a top-level name of this module");
        return;
    }
    m.imports[bound] = imp.target;
    ModuleScope& target = m_modules[m_module_of_file.at(imp.target->file)];
    for (const std::string& v : target.exported_values) m_values[bound + "." + v] = target.values.at(v);
    for (const std::string& t : target.exported_types) m_type_names[bound + "." + t] = target.types.at(t);
    for (auto& [name, span] : imp.names) bind_selected(imp, target, name, span);
}

// `import m (name)`: binds `name` unqualified, as the module itself would see it.
void Checker::bind_selected(ast::ImportDecl& imp, ModuleScope& target, const std::string& name, Span span) {
    ModuleScope& self = m_modules[m_current_module];
    bool value = target.exported_values.count(name) > 0;
    bool type = target.exported_types.count(name) > 0;
    if (!value && !type) {
        bool exists = target.own_values.count(name) || target.own_types.count(name);
        error(span, exists ? "'" + name + "' is not exported by module '" + imp.module + "'"
                           : "module '" + imp.module + "' has no name '" + name + "'");
        return;
    }
    if ((value && (self.own_values.count(name) || self.imports.count(name))) ||
        (type && self.own_types.count(name))) {
        error(span, "imported name '" + name + "' clashes with a top-level name of this module");
        return;
    }
    if (value) {
        const ValueSym& sym = target.values.at(name);
        auto [it, fresh] = m_values.emplace(name, sym);
        if (!fresh && (it->second.fn != sym.fn || it->second.global != sym.global))
            error(span, "imported name '" + name + "' clashes with another imported name");
    }
    if (type) {
        const TypeSym& sym = target.types.at(name);
        auto [it, fresh] = m_type_names.emplace(name, sym);
        if (!fresh && (it->second.st != sym.st || it->second.en != sym.en))
            error(span, "imported name '" + name + "' clashes with another imported name");
    }
}

Collapse Checker::collapse_module_member(ExprPtr& e) {
    if (!e || e->kind != ast::ExprKind::Field) return Collapse::NotModule;
    auto& f = static_cast<ast::Field&>(*e);
    if (!f.object || f.object->kind != ast::ExprKind::Name) return Collapse::NotModule;
    const std::string& alias = static_cast<ast::Name&>(*f.object).name;
    if (name_visible_as_variable(alias)) return Collapse::NotModule;
    ModuleScope* target = imported_module(alias);
    if (!target) return Collapse::NotModule;
    std::string key = alias + "." + f.name;
    if (m_values.count(key) || m_type_names.count(key)) {
        e = std::make_unique<ast::Name>(f.span, std::move(key));
        return Collapse::Done;
    }
    const std::string& module = target->module->name;
    bool exists = target->own_values.count(f.name) || target->own_types.count(f.name);
    error(f.name_span, exists ? "'" + f.name + "' is not exported by module '" + module + "'"
                              : "module '" + module + "' has no name '" + f.name + "'");
    return Collapse::Failed;
}

bool Checker::report_qualified_type(const std::string& name, Span span) {
    size_t dot = name.find('.');
    if (dot == std::string::npos) return false;
    std::string alias = name.substr(0, dot), member = name.substr(dot + 1);
    ModuleScope* target = imported_module(alias);
    if (!target) {
        error(span, "undefined module '" + alias + "' (not imported)");
        return true;
    }
    const std::string& module = target->module->name;
    if (target->own_types.count(member) || target->own_values.count(member))
        error(span, target->own_types.count(member) && !target->exported_types.count(member)
                        ? "'" + member + "' is not exported by module '" + module + "'"
                        : "'" + name + "' is not a type");
    else
        error(span, "module '" + module + "' has no type '" + member + "'");
    return true;
}

} // namespace bp::check
