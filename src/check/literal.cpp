// Array, map, tuple and struct literals, typed from the expected type when there is one
// (LANGUAGE.md §6.2 Literals), else from their first element.
#include "check/checker_impl.hpp"

namespace bp::check {

const Type* Checker::check_array_lit(ast::ArrayLit& a, const Type* expected) {
    const Type* elem = expected && expected->kind == Kind::Array ? expected->elem : nullptr;
    if (a.items.empty()) {
        if (!elem) error(a.span, "cannot infer the type of an empty literal");
        return elem ? expected : nullptr;
    }
    bool ok = true;
    for (auto& item : a.items) {
        if (!elem) {
            elem = check_expr(item);
            if (!elem) return nullptr;
            if (elem->kind == Kind::Void) {
                error(item->span, "a void value cannot be an element");
                return nullptr;
            }
            continue;
        }
        ok = check_to(item, elem, CoerceCtx::Element, "array element") && ok;
    }
    return ok ? m_types.array_of(elem) : nullptr;
}

const Type* Checker::check_map_lit(ast::MapLit& m, const Type* expected) {
    const Type* key = expected && expected->kind == Kind::Map ? expected->key : nullptr;
    const Type* val = expected && expected->kind == Kind::Map ? expected->elem : nullptr;
    if (m.entries.empty()) {
        if (!key) error(m.span, "cannot infer the type of an empty literal");
        return key ? expected : nullptr;
    }
    bool ok = true;
    for (auto& [k, v] : m.entries) {
        if (!key) {
            key = check_expr(k);
            val = check_expr(v);
            if (!key || !val) return nullptr;
            if (!is_map_key(key)) {
                error(k->span, "map key type must be int, float, bool or str, not " + key->name());
                return nullptr;
            }
            if (val->kind == Kind::Void) {
                error(v->span, "a void value cannot be a map value");
                return nullptr;
            }
            continue;
        }
        ok = check_to(k, key, CoerceCtx::Element, "map key") && ok;
        ok = check_to(v, val, CoerceCtx::Element, "map value") && ok;
    }
    return ok ? m_types.map_of(key, val) : nullptr;
}

// A tuple literal; where [T] is expected, a homogeneous one becomes an array (type set to [T]).
const Type* Checker::check_tuple_lit(ast::TupleLit& t, const Type* expected) {
    if (expected && expected->kind == Kind::Array) {
        bool all = true;
        for (auto& item : t.items) {
            const Type* it = check_expr(item, expected->elem);
            all = all && it && convertible(it, expected->elem, false);
        }
        if (!all) { // not homogeneous: an ordinary tuple (the caller reports the mismatch)
            std::vector<const Type*> items;
            for (auto& item : t.items) {
                if (!item->type) return nullptr;
                items.push_back(item->type);
            }
            return m_types.tuple_of(items);
        }
        for (auto& item : t.items) coerce(item, expected->elem, CoerceCtx::Element);
        return expected;
    }
    const bool hinted = expected && expected->kind == Kind::Tuple && expected->items.size() == t.items.size();
    std::vector<const Type*> items;
    bool ok = true;
    for (size_t i = 0; i < t.items.size(); ++i) {
        const Type* want = hinted ? expected->items[i] : nullptr;
        const Type* it = check_expr(t.items[i], want);
        if (it && want && it != want && convertible(it, want, false) && coerce(t.items[i], want, CoerceCtx::Element))
            it = want;
        if (it && it->kind == Kind::Void) {
            error(t.items[i]->span, "a void value cannot be a tuple element");
            it = nullptr;
        }
        ok = ok && it;
        items.push_back(it);
    }
    return ok ? m_types.tuple_of(items) : nullptr;
}

const Type* Checker::check_struct_lit(ast::StructLit& s) {
    auto it = m_type_names.find(s.name);
    types::StructInfo* info = it != m_type_names.end() && it->second.st ? it->second.st->info : nullptr;
    if (!info) {
        if (it != m_type_names.end() && it->second.cls)
            error(s.span, "class " + s.name + " is built with 'new " + s.name + "(...)', not a literal");
        else if (!report_qualified_type(s.name, s.span) && !m_silent_types.count(s.name))
            error(s.span, "unknown struct '" + s.name + "'");
        for (auto& f : s.fields) check_expr(f.value);
        return nullptr;
    }
    std::vector<bool> given(info->fields().size(), false);
    for (auto& f : s.fields) {
        int i = info->field_index(f.field);
        if (i < 0) {
            error(f.span, "struct " + s.name + " has no field '" + f.field + "'");
            check_expr(f.value);
            continue;
        }
        if (given[static_cast<size_t>(i)]) error(f.span, "field '" + f.field + "' given more than once");
        given[static_cast<size_t>(i)] = true;
        f.field_index = static_cast<uint32_t>(i);
        check_to(f.value, info->fields()[static_cast<size_t>(i)].type, CoerceCtx::Field, f.field);
    }
    for (size_t i = 0; i < given.size(); ++i)
        if (!given[i]) error(s.span, "missing field '" + info->fields()[i].name + "' in " + s.name + " literal");
    return info->type;
}

} // namespace bp::check
