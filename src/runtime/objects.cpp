// Fixed-shape objects: tuples, struct/class instances, closures, cells, boxes (any), errors;
// the any -> T check and typeof (LANGUAGE.md §4, §10).
#include "runtime/rt.hpp"
#include "gc/allocate.hpp"
#include "vm/vm.hpp"

namespace bp::rt {

namespace {
template <class T>
T* alloc(VmThread& t, ObjKind kind, uint64_t nwords) {
    return static_cast<T*>(t.vm.heap.allocate(t, kind, checked_size(sizeof(T), nwords, sizeof(Value))));
}
} // namespace

Tuple* new_tuple(VmThread& t, const types::Type* tuple_type) {
    auto* tu = alloc<Tuple>(t, ObjKind::Tuple, tuple_type->items.size());
    tu->type = tuple_type;
    return tu;
}

Instance* new_instance(VmThread& t, const types::Type* struct_type) {
    auto* inst = alloc<Instance>(t, ObjKind::Instance, struct_type->info->fields().size());
    inst->type = struct_type;
    return inst;
}

Closure* new_closure(VmThread& t, const bytecode::FunctionProto* proto, uint32_t ncaptures) {
    static_assert(sizeof(Cell*) == sizeof(Value));
    auto* c = alloc<Closure>(t, ObjKind::Closure, ncaptures);
    c->proto = proto;
    c->ncaptures = ncaptures;
    return c;
}

Cell* new_cell(VmThread& t, bool holds_ref, Value v) {
    auto* c = alloc<Cell>(t, ObjKind::Cell, 0);
    c->flags = holds_ref ? 1 : 0;
    c->value = v;
    return c;
}

Box* new_box(VmThread& t, const types::Type* type, Value v) {
    auto* b = alloc<Box>(t, ObjKind::Box, 0);
    b->type = type;
    b->value = v;
    return b;
}

// A boxed class instance is checked against its run-time class, so an Animal-typed box holding
// a Dog converts to Dog.
Value unbox(const Box* b, const types::Type* expected) {
    const types::Type* actual = b->type;
    if (actual == expected) return b->value;
    if (actual->is_class() && expected->is_class()) {
        const types::Type* dynamic = static_cast<const Instance*>(b->value.o)->type;
        if (dynamic->info->is_subclass_of(expected->info)) return b->value;
        actual = dynamic;
    }
    raise(ErrorKind::TypeError, "expected " + expected->name() + ", got " + actual->name());
}

ErrorObj* new_error(VmThread& t, ErrorKind kind, std::string_view message) {
    String* m = new_string(t, message);
    auto* e = alloc<ErrorObj>(t, ObjKind::Error, 0);
    e->error_kind = kind;
    e->message = m;
    return e;
}

std::string typeof_name(Value v, const types::Type* type) {
    using types::Kind;
    switch (type->kind) {
    case Kind::Int: return "int";
    case Kind::Float: return "float";
    case Kind::Bool: return "bool";
    case Kind::Str: return "str";
    case Kind::Void: return "void";
    case Kind::Ptr: return "ptr";
    case Kind::Bytes: return "bytes";
    case Kind::Error: return "error";
    case Kind::Thread: return "Thread";
    case Kind::Mutex: return "Mutex";
    case Kind::Condition: return "Condition";
    case Kind::Volatile: return "Volatile";
    case Kind::Channel: return "Channel";
    case Kind::Scope: return "Scope";
    case Kind::Array: return "array";
    case Kind::Map: return "map";
    case Kind::Tuple: return "tuple";
    case Kind::Func: return "fn";
    case Kind::Struct: return type->info->is_class ? "class" : "struct";
    case Kind::Sync: return types::sync_kind_name(type->sync);
    case Kind::Any: {
        const Box* b = static_cast<const Box*>(v.o);
        return b ? typeof_name(b->value, b->type) : "void";
    }
    }
    return "void";
}

// ---- classes --------------------------------------------------------------------------------

namespace {
Value zero_value(VmThread& t, const types::Type* type) {
    using types::Kind;
    switch (type->kind) {
    case Kind::Str: return Value::from_obj(new_string(t, ""));
    case Kind::Array: return Value::from_obj(new_array(t, type));
    case Kind::Map: return Value::from_obj(new_map(t, type));
    case Kind::Any: return Value::from_obj(new_box(t, t.vm.program.types->void_t(), Value::zero()));
    case Kind::Bytes: {
        auto* b = alloc<Bytes>(t, ObjKind::Bytes, 0); // empty: no storage yet
        b->storage.store(nullptr, std::memory_order_relaxed);
        b->len.store(0, std::memory_order_relaxed);
        return Value::from_obj(b);
    }
    case Kind::Tuple: {
        Tuple* tu = new_tuple(t, type);
        for (size_t i = 0; i < type->items.size(); ++i) tu->items[i] = zero_value(t, type->items[i]);
        return Value::from_obj(tu);
    }
    case Kind::Int: case Kind::Float: case Kind::Bool: case Kind::Void: case Kind::Ptr: case Kind::Error:
    case Kind::Thread: case Kind::Mutex: case Kind::Condition: case Kind::Volatile: case Kind::Channel: case Kind::Scope: case Kind::Sync: case Kind::Func:
    case Kind::Struct:
        return Value::zero();
    }
    return Value::zero();
}
} // namespace

Instance* new_object(VmThread& t, const types::Type* class_type) {
    Instance* in = new_instance(t, class_type);
    const auto& fields = class_type->info->fields();
    for (size_t i = 0; i < fields.size(); ++i)
        if (fields[i].type->is_ref()) in->fields[i] = zero_value(t, fields[i].type);
    return in;
}

void raise_uninitialised(const Instance* in, uint32_t field) {
    const types::StructInfo* info = in->type->info;
    raise(ErrorKind::TypeError, "field '" + info->fields()[field].name + "' of " + info->name + " is not initialised");
}

void check_initialised(const Instance* in) {
    for (uint32_t f : in->type->info->required_fields)
        if (slot_load(&in->fields[f]).u == 0) raise_uninitialised(in, f);
}

// The zero value of a type with one (has_zero_value); 0 for the others (channels' try_recv).
Value zero_of(VmThread& t, const types::Type* type) {
    return types::has_zero_value(type) ? zero_value(t, type) : Value::zero();
}

} // namespace bp::rt
