// Deep equality by static type (LANGUAGE.md §6.2) and map key hashing.
// Equality recurses through nested containers; an explicit depth counter turns runaway nesting
// (two distinct cyclic structures) into RecursionError long before the C stack is at risk.
// Identical containers compare equal at once, which also ends self-referential cycles.
#include "runtime/native_stack.hpp"
#include "runtime/rt.hpp"

#include <cstring>

namespace bp::rt {

namespace {

constexpr int kMaxDepth = 10000;
using types::Kind;

bool equal(Value a, Value b, const types::Type* type, int depth);

bool arrays_equal(const Array* a, const Array* b, const types::Type* elem, int depth) {
    int64_t n = array_len(a);
    if (n != array_len(b)) return false;
    for (int64_t i = 0; i < n; ++i)
        if (!equal(array_get(a, i), array_get(b, i), elem, depth)) return false;
    return true;
}

bool maps_equal(const Map* a, const Map* b, int depth) {
    if (map_len(a) != map_len(b)) return false;
    int64_t pos = 0;
    Value k, va, vb;
    while (map_next(a, &pos, &k, &va)) {
        if (!map_find(b, k, &vb)) return false;
        if (!equal(va, vb, a->type->elem, depth)) return false;
    }
    return true;
}

bool bytes_equal(const Bytes* a, const Bytes* b) {
    int64_t n = a->len.load(std::memory_order_acquire);
    if (n != b->len.load(std::memory_order_acquire)) return false;
    if (n == 0) return true;
    const Storage* sa = a->storage.load(std::memory_order_acquire);
    const Storage* sb = b->storage.load(std::memory_order_acquire);
    if (!sa || !sb || sa->capacity * 8 < static_cast<uint64_t>(n) || sb->capacity * 8 < static_cast<uint64_t>(n))
        return false; // a racing resize; never read out of bounds
    return std::memcmp(sa->slots, sb->slots, static_cast<size_t>(n)) == 0;
}

bool boxes_equal(const Box* a, const Box* b, int depth) {
    if (a->type != b->type) {
        // Different static types can still hold one class instance (Dog boxed as Animal and as Dog).
        return a->type->is_class() && b->type->is_class() && a->value.o == b->value.o;
    }
    return equal(a->value, b->value, a->type, depth);
}

bool structs_equal(const Instance* a, const Instance* b, int depth) {
    if (a->type != b->type) return false;
    const auto& fields = a->type->info->fields();
    for (size_t i = 0; i < fields.size(); ++i)
        if (!equal(slot_load(&a->fields[i]), slot_load(&b->fields[i]), fields[i].type, depth)) return false;
    return true;
}

bool tuples_equal(const Tuple* a, const Tuple* b, const types::Type* type, int depth) {
    for (size_t i = 0; i < type->items.size(); ++i)
        if (!equal(a->items[i], b->items[i], type->items[i], depth)) return false;
    return true;
}

bool equal(Value a, Value b, const types::Type* type, int depth) {
    if (depth > kMaxDepth) raise(ErrorKind::RecursionError, "maximum recursion depth exceeded in comparison");
    check_native_stack("maximum recursion depth exceeded in comparison");
    ++depth;
    switch (type->kind) {
    case Kind::Int: case Kind::Bool: case Kind::Ptr: return a.u == b.u;
    case Kind::Float: return a.f == b.f;
    case Kind::Void: return true;
    case Kind::Str: return string_equal(static_cast<String*>(a.o), static_cast<String*>(b.o));
    case Kind::Error: case Kind::Thread: case Kind::Mutex: case Kind::Condition: case Kind::Volatile: case Kind::Channel: case Kind::Scope: case Kind::Sync:
    case Kind::Func:
        return a.o == b.o;
    case Kind::Any: return boxes_equal(static_cast<Box*>(a.o), static_cast<Box*>(b.o), depth);
    case Kind::Bytes: return a.o == b.o || bytes_equal(static_cast<Bytes*>(a.o), static_cast<Bytes*>(b.o));
    case Kind::Array:
        return a.o == b.o || arrays_equal(static_cast<Array*>(a.o), static_cast<Array*>(b.o), type->elem, depth);
    case Kind::Map: return a.o == b.o || maps_equal(static_cast<Map*>(a.o), static_cast<Map*>(b.o), depth);
    case Kind::Tuple:
        return a.o == b.o || tuples_equal(static_cast<Tuple*>(a.o), static_cast<Tuple*>(b.o), type, depth);
    case Kind::Struct:
        if (a.o == b.o) return true;
        if (type->info->is_class) return false;
        return structs_equal(static_cast<Instance*>(a.o), static_cast<Instance*>(b.o), depth);
    }
    return false;
}

uint64_t mix64(uint64_t x) { // splitmix64's finaliser
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    x ^= x >> 31;
    return x;
}

} // namespace

bool values_equal(Value a, Value b, const types::Type* type) { return equal(a, b, type, 0); }

// Never returns kDeletedHash (it marks deleted map entries).
uint64_t hash_key(Value key, const types::Type* key_type) {
    uint64_t h = 0;
    if (key_type->kind == Kind::Str) {
        h = string_hash(static_cast<String*>(key.o));
    } else if (key_type->kind == Kind::Float) {
        double d = key.f == 0.0 ? 0.0 : key.f; // -0.0 and 0.0 are one key
        uint64_t bits = 0;
        std::memcpy(&bits, &d, sizeof bits);
        if (d != d) bits = 0x7ff8000000000000ull; // every nan is one key
        h = mix64(bits);
    } else {
        return int_key_hash(key.u);
    }
    return h == kDeletedHash ? h - 1 : h;
}

} // namespace bp::rt
