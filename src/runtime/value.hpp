// Value representation.
//
// A BetterPython value is one 8-byte word with no tag: the static type, known to the checker, says
// how to read it (int64, double, bool as 0/1, enum as int, ptr as an address, or an Obj* for every
// reference type). Typed opcodes know their operand types; the collector knows which words hold
// references from per-function register kinds (FunctionProto::reg_is_ref), per-object element
// kinds (Array/Map/Cell/Box/Tuple/Instance carry a Type or a flag) and the kinds of globals.
//
// Why untagged: a 16-byte tagged value written by one thread can be read half-old, half-new by
// another (a new tag with an old payload is a type confusion). One aligned 8-byte word cannot tear.
// Every word in the shared heap (globals, fields, elements, cells) is therefore read and written
// with slot_load/slot_store: acquire/release atomics, which compile to plain moves on x86-64 (and
// ldar/stlr on ARM64) and tell ThreadSanitizer that racing on them is the script's business, not a
// VM bug. Release/acquire rather than relaxed because a slot store is also how a new object is
// published: whoever loads the reference must see the object's initialised contents (its header,
// a string's bytes, a tuple's items), which are written with plain stores before publication.
//
// A reference slot holds a valid Obj* or nullptr (only before initialisation); never anything else.
#pragma once
#include <cstdint>
#include <cstring>

namespace bp {

struct Obj;

union Value {
    int64_t i;
    double f;
    uint64_t u;
    Obj* o;
    void* p;

    static Value from_int(int64_t v) { Value x; x.i = v; return x; }
    static Value from_float(double v) { Value x; x.f = v; return x; }
    static Value from_bool(bool v) { Value x; x.i = v ? 1 : 0; return x; }
    static Value from_obj(Obj* v) { Value x; x.u = 0; x.o = v; return x; }
    static Value zero() { Value x; x.u = 0; return x; }
    bool as_bool() const { return i != 0; }
};
static_assert(sizeof(Value) == 8);

// Threading: every heap slot shared between threads is accessed through these.
inline Value slot_load(const Value* p) {
    Value v;
    // acquire: pairs with slot_store's release so a loaded reference's object is fully visible
    // (racing scripts may still see any old value, never a torn one).
    v.u = __atomic_load_n(&p->u, __ATOMIC_ACQUIRE);
    return v;
}
inline void slot_store(Value* p, Value v) {
    __atomic_store_n(&p->u, v.u, __ATOMIC_RELEASE); // release: publishes the object's contents (docs/threading.md)
}

} // namespace bp
