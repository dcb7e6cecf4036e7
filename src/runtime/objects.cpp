// Fixed-shape objects: tuples, struct/class instances, closures, cells, boxes (any), errors;
// the any -> T check and typeof (LANGUAGE.md §4, §10).
#include "runtime/rt.hpp"
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
    auto* inst = alloc<Instance>(t, ObjKind::Instance, struct_type->info->fields.size());
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
    case Kind::Array: return "array";
    case Kind::Map: return "map";
    case Kind::Tuple: return "tuple";
    case Kind::Func: return "fn";
    case Kind::Struct: return type->info->is_class ? "class" : "struct";
    case Kind::Any: {
        const Box* b = static_cast<const Box*>(v.o);
        return b ? typeof_name(b->value, b->type) : "void";
    }
    }
    return "void";
}

} // namespace bp::rt
