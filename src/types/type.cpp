#include "types/type.hpp"

namespace bp::types {

namespace {
const char* scalar_name(Kind k) {
    switch (k) {
    case Kind::Int: return "int";
    case Kind::Float: return "float";
    case Kind::Bool: return "bool";
    case Kind::Str: return "str";
    case Kind::Void: return "void";
    case Kind::Any: return "any";
    case Kind::Ptr: return "ptr";
    case Kind::Bytes: return "bytes";
    case Kind::Error: return "Error";
    case Kind::Thread: return "Thread";
    case Kind::Mutex: return "Mutex";
    case Kind::Condition: return "Condition";
    case Kind::Volatile: return "Volatile";
    case Kind::Scope: return "Scope";
    case Kind::Array: case Kind::Map: case Kind::Tuple: case Kind::Func: case Kind::Struct: case Kind::Channel: case Kind::Sync:
        return nullptr;
    }
    return nullptr;
}

// A unique key per structural type; struct types are keyed by their info's address.
std::string key_of(const Type& t) {
    if (const char* n = scalar_name(t.kind)) return n;
    std::string k;
    switch (t.kind) {
    case Kind::Array: return "[" + std::to_string(reinterpret_cast<uintptr_t>(t.elem)) + "]";
    case Kind::Channel: return std::string(generic_name(t.kind)) + "[" + std::to_string(reinterpret_cast<uintptr_t>(t.elem)) + "]";
    case Kind::Map:
        return "{" + std::to_string(reinterpret_cast<uintptr_t>(t.key)) + ":" +
               std::to_string(reinterpret_cast<uintptr_t>(t.elem)) + "}";
    case Kind::Tuple: case Kind::Func:
        k = t.kind == Kind::Tuple ? "(" : "fn(";
        for (const Type* i : t.items) k += std::to_string(reinterpret_cast<uintptr_t>(i)) + ",";
        if (t.kind == Kind::Func) k += ")->" + std::to_string(reinterpret_cast<uintptr_t>(t.ret));
        return k;
    case Kind::Struct: return "S" + std::to_string(reinterpret_cast<uintptr_t>(t.info));
    case Kind::Sync:
        k = std::string("sync:") + sync_kind_name(t.sync);
        if (t.elem) k += "[" + std::to_string(reinterpret_cast<uintptr_t>(t.elem)) + "]";
        return k;
    default: return k;
    }
}
} // namespace

std::string Type::name() const {
    if (const char* n = scalar_name(kind)) return n;
    std::string s;
    switch (kind) {
    case Kind::Array: return "[" + elem->name() + "]";
    case Kind::Channel: return std::string(generic_name(kind)) + "[" + elem->name() + "]";
    case Kind::Map: return "{" + key->name() + ": " + elem->name() + "}";
    case Kind::Tuple:
        s = "(";
        for (size_t i = 0; i < items.size(); ++i) s += (i ? ", " : "") + items[i]->name();
        return s + ")";
    case Kind::Func:
        s = "fn(";
        for (size_t i = 0; i < items.size(); ++i) s += (i ? ", " : "") + items[i]->name();
        return s + ") -> " + ret->name();
    case Kind::Struct: return info->name;
    case Kind::Sync: return elem ? std::string(sync_kind_name(sync)) + "[" + elem->name() + "]" : sync_kind_name(sync);
    default: return s;
    }
}

TypeTable::TypeTable() {
    m_int = intern(Type{Kind::Int});
    m_float = intern(Type{Kind::Float});
    m_bool = intern(Type{Kind::Bool});
    m_str = intern(Type{Kind::Str});
    m_void = intern(Type{Kind::Void});
    m_any = intern(Type{Kind::Any});
    m_ptr = intern(Type{Kind::Ptr});
    m_bytes = intern(Type{Kind::Bytes});
    m_error = intern(Type{Kind::Error});
    m_any_array = array_of(m_any);
    m_any_map = map_of(m_str, m_any);
}

const Type* TypeTable::intern(Type t) {
    std::string k = key_of(t);
    std::lock_guard<std::mutex> lk(m_intern_mu);
    auto it = m_by_key.find(k);
    if (it != m_by_key.end()) return it->second;
    m_types.push_back(std::move(t));
    const Type* p = &m_types.back();
    m_by_key.emplace(std::move(k), p);
    return p;
}

const Type* TypeTable::handle(Kind k) { return intern(Type{k}); }

const Type* TypeTable::sync_handle(SyncKind k) {
    Type t{Kind::Sync};
    t.sync = k;
    return intern(std::move(t));
}

const Type* TypeTable::future_of(const Type* elem) {
    Type t{Kind::Sync};
    t.sync = SyncKind::Future;
    t.elem = elem;
    return intern(std::move(t));
}

const char* sync_kind_name(SyncKind k) {
    switch (k) {
    case SyncKind::Atomic: return "Atomic";
    case SyncKind::Pool: return "Pool";
    case SyncKind::Future: return "Future";
    case SyncKind::Worker: return "Worker";
    case SyncKind::RWLock: return "RWLock";
    case SyncKind::Semaphore: return "Semaphore";
    case SyncKind::WaitGroup: return "WaitGroup";
    case SyncKind::Barrier: return "Barrier";
    case SyncKind::Once: return "Once";
    case SyncKind::Tls: return "Tls";
    }
    return "handle";
}

const Type* TypeTable::array_of(const Type* elem) {
    Type t{Kind::Array};
    t.elem = elem;
    return intern(std::move(t));
}

const Type* TypeTable::map_of(const Type* key, const Type* value) {
    Type t{Kind::Map};
    t.key = key;
    t.elem = value;
    return intern(std::move(t));
}

const Type* TypeTable::tuple_of(std::vector<const Type*> items) {
    Type t{Kind::Tuple};
    t.items = std::move(items);
    return intern(std::move(t));
}

const Type* TypeTable::func_of(std::vector<const Type*> params, const Type* ret) {
    Type t{Kind::Func};
    t.items = std::move(params);
    t.ret = ret;
    return intern(std::move(t));
}

const Type* TypeTable::generic_of(Kind k, const Type* elem) {
    Type t{k};
    t.elem = elem;
    return intern(std::move(t));
}

StructInfo* TypeTable::new_struct(std::string name, bool is_class) {
    m_structs.emplace_back();
    StructInfo* s = &m_structs.back();
    s->name = std::move(name);
    s->is_class = is_class;
    s->id = static_cast<uint32_t>(m_structs.size() - 1);
    Type t{Kind::Struct};
    t.info = s;
    s->type = intern(std::move(t));
    return s;
}

bool has_zero_value(const Type* t) {
    switch (t->kind) {
    case Kind::Int: case Kind::Float: case Kind::Bool: case Kind::Str: case Kind::Any: case Kind::Bytes:
    case Kind::Array: case Kind::Map:
        return true;
    case Kind::Tuple:
        for (const Type* i : t->items)
            if (!has_zero_value(i)) return false;
        return true;
    case Kind::Void: case Kind::Ptr: case Kind::Error: case Kind::Thread: case Kind::Mutex: case Kind::Condition:
    case Kind::Volatile: case Kind::Channel: case Kind::Scope: case Kind::Sync: case Kind::Func: case Kind::Struct:
        return false;
    }
    return false;
}

} // namespace bp::types
