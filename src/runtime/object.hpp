// Heap object layouts. Every object starts with an Obj header; the collector finds the rest of an
// object's references from its kind (see gc/heap.hpp for marking, docs/architecture.md for the
// overall picture).
//
// Sizes: an object's size is fixed at allocation. Growable things (array elements, map entries)
// live in a separate Storage object that is replaced, never resized in place: a reader that loaded
// the old storage pointer keeps a valid (if stale) view until the next collection, and collections
// happen only when every thread is at a safepoint. That is what makes lock-free reads safe.
#pragma once
#include "runtime/value.hpp"
#include "types/errors.hpp"
#include "types/type.hpp"

#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace bp::bytecode { struct FunctionProto; }

namespace bp {

enum class ObjKind : uint8_t {
    Free,     // a free cell in a heap page (never seen by the program)
    String,
    Array,
    Storage,  // element storage of an Array (or the entry/index storage of a Map)
    Map,
    Tuple,
    Instance, // struct or class instance
    Closure,
    Cell,     // a captured variable
    Box,      // an `any`
    Error,
    Bytes,
    Handle,   // a native threading handle (runtime/thread/handles.hpp): not in a page, swept by the registry
};

// Per-object lock for mutating operations (threads issue: a small spinning/parking lock word;
// rt::lock and rt::unlock in runtime/rt.hpp).
struct ObjLock {
    std::atomic<uint32_t> word{0};
};

// The header is one word, written by the allocator with the object zeroed (so a new object's lock
// is free and its mark is kMarkNone).
struct Obj {
    ObjKind kind;
    std::atomic<uint8_t> mark; // the epoch of the last marking that reached it (gc/heap.hpp, "Mark epochs")
    uint8_t flags;             // kind-specific (Storage/Cell: 1 = slots hold references)
    uint8_t cell_class;        // set by the allocator: size class + 1 (gc/size_class.hpp); 0: not in a page
    ObjLock lock;              // the mutable containers' lock (Array, Map, Bytes); unused by other kinds
};
static_assert(sizeof(Obj) == 8 && offsetof(Obj, cell_class) == 3 && offsetof(Obj, lock) == 4 &&
                  std::endian::native == std::endian::little,
              "gc/allocate.hpp writes the header as one little-endian word");

// Obj::mark values besides the epochs 1..kMaxMarkEpoch (gc/heap.hpp, "Mark epochs").
inline constexpr uint8_t kMarkNone = 0;     // no marking reached it yet (a new object)
inline constexpr uint8_t kMarkPinned = 255; // counts as marked in every epoch (pool_map's private futures)
inline constexpr uint8_t kMaxMarkEpoch = 254;
// Whether the marking with `epoch` reached `o` (or o is pinned).
inline bool marked_in(const Obj* o, uint8_t epoch) {
    uint8_t m = o->mark.load(std::memory_order_relaxed);
    return m == epoch || m == kMarkPinned;
}
// Marks `o` with `epoch` where other threads may race to do the same (parallel markers, the write
// barrier): true for exactly one of them, the one that must trace it. A plain load filters the
// marked first; a pinned mark never changes, so only the epoch can come back from the exchange.
inline bool claim_mark(Obj* o, uint8_t epoch) {
    return !marked_in(o, epoch) && o->mark.exchange(epoch, std::memory_order_relaxed) != epoch;
}

struct Storage;

// String::flags bit: the bytes are the first `len` of an append buffer (rt::concat, "Appending in
// place" in runtime/string.cpp), whose Storage* is where an inline string's bytes would start.
inline constexpr uint8_t kStringInBuffer = 1;

// Immutable byte string (may contain NULs). Its bytes are inline after the header, NUL-terminated,
// or, with kStringInBuffer, a prefix of an append buffer that longer strings share (not
// NUL-terminated: the next byte may belong to a longer string). Read them through chars()/view().
struct String : Obj {
    uint64_t len;
    std::atomic<uint64_t> hash; // 0 = not computed yet (racing computations store the same value)
    char inline_data[];         // inline: the bytes and a NUL; in a buffer string: the Storage* of its buffer
    bool in_buffer() const { return flags & kStringInBuffer; }
    Storage* buffer() const {
        Storage* b;
        __builtin_memcpy(&b, inline_data, sizeof b);
        return b;
    }
    inline const char* chars() const;
    std::string_view view() const { return std::string_view(chars(), len); }
};

// Growable slot array backing an Array. flags bit 0: slots hold references.
struct Storage : Obj {
    uint64_t capacity;
    Value slots[];
};

// An append buffer (kStringInBuffer) is a raw Storage: slots[0] holds the bytes in use (atomic: the
// next append claims its room by compare-and-swap), the bytes follow from slots[1].
inline const char* String::chars() const {
    return in_buffer() ? reinterpret_cast<const char*>(buffer()->slots + 1) : inline_data;
}

// Threading: `storage` and `len` are published with release stores under `lock` by mutators and
// read lock-free (acquire) by readers; elements are slot_load/slot_store'd.
struct Array : Obj {
    const types::Type* type; // the array type ([T]); type->elem says whether slots are references
    std::atomic<Storage*> storage;
    std::atomic<int64_t> len;
};
static_assert(sizeof(Array) == 32, "an array is 4 words: its lock is in the header");

// Insertion-ordered hash map (CPython's compact dict layout): `entries` is a Storage of
// 3 words per entry (hash, key, value; a deleted entry has hash == kDeletedHash), `index` is a
// Storage of int64 slots (-1 empty) of power-of-two capacity.
struct Map : Obj {
    const types::Type* type; // {K: V}
    std::atomic<Storage*> entries;
    std::atomic<Storage*> index;
    std::atomic<int64_t> used;  // entries used (including deleted ones)
    std::atomic<int64_t> count; // live entries
};

struct Tuple : Obj {
    const types::Type* type; // Tuple type; type->items[i]->is_ref() says which items are references
    Value items[];
};

struct Instance : Obj {
    const types::Type* type; // Struct type; type->info->ref_fields() lists the reference fields
    Value fields[];
};

struct Cell : Obj { // flags bit 0: the value is a reference
    Value value;
};

struct Closure : Obj {
    const bytecode::FunctionProto* proto;
    uint32_t ncaptures;
    Cell* captures[];
};

struct Box : Obj {
    const types::Type* type; // the boxed value's full static type; void_t for the empty box
    Value value;
};

// A reference field that is set after its object was published (ErrorObj's lazy traceback) is
// written and read with these: a concurrent marker may read it meanwhile (gc/heap.hpp).
template <class T> T* ref_load(T* const* p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
template <class T> void ref_store(T** p, T* v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }

struct ErrorObj : Obj {
    ErrorKind error_kind;
    String* message;
    String* traceback;   // formatted lazily (nullptr until needed)
    Storage* trace;      // raw frames, 2 words each: (FunctionProto*, pc); no references
    uint64_t trace_len;  // frames recorded
    uint64_t trace_repeat; // (internal) see vm/traceback.hpp
};

struct Bytes : Obj { // later issue
    std::atomic<Storage*> storage; // bytes stored as raw data in slots
    std::atomic<int64_t> len;
};

} // namespace bp
