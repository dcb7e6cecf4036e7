// Static types, interned: two types are equal iff their `const Type*` are equal.
//
// The same objects serve the checker (typing), the compiler (choosing typed opcodes and register
// kinds) and the runtime (boxing `any`, printing, deep equality, per-object element kinds for the
// collector). They are created before any VM thread starts and never change afterwards.
//
// Threading: TypeTable is built single-threaded by the front end; afterwards every Type, StructInfo
// and the table itself are immutable and read freely from every thread.
#pragma once
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace bp::types {

enum class Kind : uint8_t {
    Int, Float, Bool, Str, Void, Any, Ptr, Bytes, Error,
    Thread, Mutex, Condition, Volatile,
    Array,  // elem
    Map,    // key, elem (value)
    Tuple,  // items
    Func,   // items (parameters), ret
    Struct, // info (struct or class)
    Sync,   // sync: a concurrency-toolkit handle (Atomic, Pool, Future, ...; docs/threading.md)
    // ---- generic handle types `Name[T]` (see kGenericHandles below)
    Channel, // elem (docs/channels.md)
    Scope,   // a structured thread scope: `with thread.scope() as s:` (not generic)
};

// The concurrency toolkit's handle types (Kind::Sync), append-only. Their names are built in but
// not reserved: a program's own type of the same name wins.
enum class SyncKind : uint8_t { Atomic, Pool, Future, Worker, RWLock, Semaphore, WaitGroup, Barrier, Once, Tls };
inline constexpr uint8_t kSyncKindCount = 10;
const char* sync_kind_name(SyncKind k);

// The generic handle types: a name written `Name[T]` in type positions, with one element type
// (Type::elem). Reference values (handles), no zero value, compared by identity. To add one (for
// example Future[T]), append a Kind above and a row here; the parser accepts any `Name[T]` and the
// checker resolves it through this table.
struct GenericHandle {
    const char* name;
    Kind kind;
};
inline constexpr GenericHandle kGenericHandles[] = {
    {"Channel", Kind::Channel},
};
inline const char* generic_name(Kind k) {
    for (const GenericHandle& g : kGenericHandles)
        if (g.kind == k) return g.name;
    return "?";
}

struct StructInfo;

struct Type {
    explicit Type(Kind k) : kind(k) {}
    Kind kind;
    const Type* elem = nullptr;      // Array element, Map value
    const Type* key = nullptr;       // Map key
    const Type* ret = nullptr;       // Func result
    std::vector<const Type*> items;  // Tuple elements, Func parameters
    StructInfo* info = nullptr;      // Struct / class
    SyncKind sync = SyncKind::Atomic; // Sync
    // Sync Future: `elem` is T of Future[T] (nullptr for the bare, untyped `Future`).

    // True for values held as a heap reference (an Obj*): the collector traces them.
    bool is_ref() const {
        switch (kind) {
        case Kind::Int: case Kind::Float: case Kind::Bool: case Kind::Void: case Kind::Ptr: return false;
        case Kind::Str: case Kind::Any: case Kind::Bytes: case Kind::Error: case Kind::Thread:
        case Kind::Mutex: case Kind::Condition: case Kind::Volatile: case Kind::Array: case Kind::Map:
        case Kind::Tuple: case Kind::Func: case Kind::Struct: case Kind::Channel: case Kind::Scope: case Kind::Sync: return true;
        }
        return false;
    }
    bool is_scalar() const { return !is_ref(); }
    bool is_class() const;
    // Spelling as in source: int, [int], {str: [int]}, (int, str), fn(int) -> int, Point.
    std::string name() const;
};

struct FieldInfo {
    std::string name;
    const Type* type = nullptr;
};

// One method of a struct or class (classes: inherited ones first, in slot order).
struct MethodInfo {
    std::string name;
    const Type* type = nullptr;    // fn(params without self) -> ret
    uint32_t function = 0;         // function index of the implementation this class uses
    uint32_t slot = 0;             // index in StructInfo::vtable (classes)
    StructInfo* owner = nullptr;   // class (or struct) whose body defines the implementation
    bool overridden = false;       // some subclass of this class replaces it: calls must dispatch
};

// Struct and class layout. Fields include inherited ones first (class), in declaration order.
struct StructInfo {
    std::string name;       // as printed: "Point" (module-qualified names are a later issue)
    bool is_class = false;
    StructInfo* parent = nullptr; // classes only
    uint32_t id = 0;        // dense index in TypeTable::structs()
    const Type* type = nullptr; // the Struct type naming this info
    // Methods (struct methods and class methods except __init__). For a class, methods[i].slot == i
    // and vtable[i] is the function index of methods[i]: a virtual call loads vtable[slot] of the
    // receiver's run-time class (LANGUAGE.md §7; docs/classes.md).
    std::vector<MethodInfo> methods;
    std::vector<uint32_t> vtable;
    int64_t init_function = -1;      // classes: __init__ (own or inherited); -1 = none
    const Type* init_type = nullptr; // fn(params without self) -> void
    // Classes: indexes of fields with no zero value (struct, class, fn, handle, Error, ptr). They
    // hold 0 until assigned; reading one then, or leaving one unset by __init__, is a TypeError.
    std::vector<uint32_t> required_fields;

    const MethodInfo* find_method(const std::string& n) const {
        for (const MethodInfo& m : methods)
            if (m.name == n) return &m;
        return nullptr;
    }

    // The fields, and the indexes of those holding references (the collector's trace list; kept
    // in step by add_field, so the fields are appended only through it).
    const std::vector<FieldInfo>& fields() const { return m_fields; }
    const std::vector<uint32_t>& ref_fields() const { return m_ref_fields; }
    void add_field(std::string n, const Type* t) {
        if (t && t->is_ref()) m_ref_fields.push_back(static_cast<uint32_t>(m_fields.size()));
        m_fields.push_back(FieldInfo{std::move(n), t});
    }
    // A class starts with its parent's fields.
    void inherit_fields(const StructInfo& from) {
        m_fields = from.m_fields;
        m_ref_fields = from.m_ref_fields;
    }

    int field_index(const std::string& n) const {
        for (size_t i = 0; i < m_fields.size(); ++i)
            if (m_fields[i].name == n) return static_cast<int>(i);
        return -1;
    }
    bool is_subclass_of(const StructInfo* other) const {
        for (const StructInfo* s = this; s; s = s->parent)
            if (s == other) return true;
        return false;
    }

private:
    std::vector<FieldInfo> m_fields;
    std::vector<uint32_t> m_ref_fields;
};

inline bool Type::is_class() const { return kind == Kind::Struct && info && info->is_class; }

// True if a class field of this type starts at a zero value (0, 0.0, false, "", empty container,
// empty any, tuples of those); false for struct, class, fn, handle, Error and ptr fields.
bool has_zero_value(const Type* t);

class TypeTable {
public:
    TypeTable();
    const Type* int_t() const { return m_int; }
    const Type* float_t() const { return m_float; }
    const Type* bool_t() const { return m_bool; }
    const Type* str_t() const { return m_str; }
    const Type* void_t() const { return m_void; }
    const Type* any_t() const { return m_any; }
    const Type* ptr_t() const { return m_ptr; }
    const Type* bytes_t() const { return m_bytes; }
    const Type* error_t() const { return m_error; }
    const Type* handle(Kind k); // Thread, Mutex, Condition, Volatile
    const Type* sync_handle(SyncKind k); // Atomic, Pool, Future, ... (Kind::Sync)
    // Future[T]: a Kind::Sync Future whose elem is the task's result type (void allowed). The bare
    // `Future` (sync_handle(Future), elem nullptr) is the untyped future: any Future[T] converts to it.
    const Type* future_of(const Type* elem);
    // [any] and {str: any}, interned up front because the runtime needs them (json_parse builds
    // them at run time, when the table must no longer change).
    const Type* any_array_t() const { return m_any_array; }
    const Type* any_map_t() const { return m_any_map; }

    const Type* array_of(const Type* elem);
    const Type* map_of(const Type* key, const Type* value);
    const Type* tuple_of(std::vector<const Type*> items);
    const Type* func_of(std::vector<const Type*> params, const Type* ret);
    const Type* generic_of(Kind k, const Type* elem); // Channel[T] (kGenericHandles)
    // Creates a new, empty struct/class; fill its fields afterwards (before the runtime starts).
    StructInfo* new_struct(std::string name, bool is_class);
    const std::deque<StructInfo>& structs() const { return m_structs; }

private:
    const Type* intern(Type t);
    // Threading: the runtime interns too (rt::map_keys/map_values build [K]/[V] types while threads
    // run; found by `bp --parallel-main` under TSan), so interning is guarded by m_intern_mu.
    // Interned types are immutable and never move (a deque), so readers of a Type* need no lock.
    std::mutex m_intern_mu;
    std::deque<Type> m_types; // stable addresses
    std::deque<StructInfo> m_structs;
    std::map<std::string, const Type*> m_by_key;
    const Type *m_int, *m_float, *m_bool, *m_str, *m_void, *m_any, *m_ptr, *m_bytes, *m_error;
    const Type *m_any_array, *m_any_map;
};

} // namespace bp::types
