// The runtime API: creating and operating on heap objects. Used by the interpreter (vm/) and the
// builtins (stdlib/). Every function here is safe to call from any thread (threads issue): each
// container operation is atomic with respect to other threads (see docs/threading.md, later).
//
// Errors: functions throw rt::Raise; the interpreter converts it into a BetterPython exception
// with a traceback at the current instruction.
#pragma once
#include "runtime/object.hpp"
#include "types/errors.hpp"

#include <string>
#include <string_view>

namespace bp {
class VmThread;
}

namespace bp::rt {

struct Raise {
    ErrorKind kind;
    std::string message;
    // Text printed before this error's own traceback (a joined thread's traceback and "The above
    // exception was the direct cause ..."); empty for most errors.
    std::string cause = {};
};
[[noreturn]] void raise(ErrorKind kind, std::string message);

// ---- object layout details shared with the collector (gc/mark.cpp)
// Storage::flags bits. An Array's storage has kStorageRefs iff its element type is a reference;
// a Map's entries storage is (hash, key, value) triples with per-word kinds in the other bits.
inline constexpr uint8_t kStorageRefs = 1;
inline constexpr uint8_t kStorageMapEntries = 2;
inline constexpr uint8_t kStorageKeyRef = 4;
inline constexpr uint8_t kStorageValueRef = 8;
// The Storage::flags of an array of type array_type ([T]).
inline uint8_t elem_flags(const types::Type* array_type) { return array_type->elem->is_ref() ? kStorageRefs : 0; }
inline constexpr uint64_t kDeletedHash = ~uint64_t{0}; // a deleted map entry's hash word
// The hash of an int or bool map key: its bits with the high half folded into the low half, so a
// key below 2^32 is its own hash (a run of consecutive keys takes a run of index slots), and keys
// that differ only in their high bits (i << 32) still differ in the low bits the index uses
// (runtime/map.cpp, "Probe"). Never kDeletedHash.
inline uint64_t int_key_hash(uint64_t x) {
    uint64_t h = x ^ (x >> 32);
    return h == kDeletedHash ? h - 1 : h;
}

// header + count * elem_size, or MemoryError if that overflows (use it before any big allocation).
// Inline: it sits on every allocation's path, and a constant elem_size folds the division away.
[[noreturn]] void raise_size_overflow();
inline size_t checked_size(uint64_t header, uint64_t count, uint64_t elem_size) {
    constexpr uint64_t kMax = ~uint64_t{0} / 2; // far beyond any heap limit
    if (elem_size && __builtin_expect(count > (kMax - header) / elem_size, 0)) raise_size_overflow();
    return static_cast<size_t>(header + count * elem_size);
}
// A zeroed Storage of `capacity` slots.
Storage* new_storage(VmThread& t, uint64_t capacity, uint8_t flags);

// ---- per-object locks (ObjLock): taken by mutating container operations, never by readers.
// Threading: spins briefly, then parks (std::atomic::wait); see core.cpp.
// Holding one while allocating is fine (allocation never waits for other threads); never hold
// one across anything that blocks or reaches a safepoint. The uncontended paths (one CAS to lock,
// one exchange to unlock) are inline; waiting and waking are in core.cpp.
void lock_contended(ObjLock& l);
void wake_waiter(ObjLock& l);
inline void lock(ObjLock& l) {
    uint32_t expected = 0;
    if (__builtin_expect(l.word.compare_exchange_strong(expected, 1, std::memory_order_acquire,
                                                        std::memory_order_relaxed), 1))
        return;
    lock_contended(l);
}
inline void unlock(ObjLock& l) {
    if (__builtin_expect(l.word.exchange(0, std::memory_order_release) == 2, 0)) wake_waiter(l);
}
// A container operation's lock. With `shared` false (Vm::containers_shared, read by
// shared_containers in vm/vm.hpp: the program has one thread) it takes nothing.
class ObjLockGuard {
public:
    explicit ObjLockGuard(ObjLock& l, bool shared = true) : m_lock(shared ? &l : nullptr) {
        if (m_lock) lock(*m_lock);
    }
    ~ObjLockGuard() {
        if (m_lock) unlock(*m_lock);
    }
    ObjLockGuard(const ObjLockGuard&) = delete;
    ObjLockGuard& operator=(const ObjLockGuard&) = delete;

private:
    ObjLock* m_lock;
};

// The §6.2 index rule: negative i counts from the end; returns 0 <= i < len or throws IndexError
// "index 5 out of range for length 3".
int64_t normalize_index(int64_t i, int64_t len);

// ---- strings
String* new_string(VmThread& t, std::string_view s);
String* concat(VmThread& t, const String* a, const String* b);
// parts[0] + parts[1] + ... (an f-string): appends in place to parts[0] as concat does to a.
String* concat_n(VmThread& t, const String* const* parts, uint32_t count);
uint64_t string_hash(const String* s);
bool string_bytes_equal(const String* a, const String* b); // same length, not one byte
// Equal bytes. The pointer, length and one-byte cases are inline: they decide most comparisons
// (`c == "a"` in a loop over a string's characters; one-byte strings are shared, Vm::byte_strings).
inline bool string_equal(const String* a, const String* b) {
    if (a == b) return true;
    if (a->len != b->len) return false;
    return a->len == 1 ? a->chars()[0] == b->chars()[0] : string_bytes_equal(a, b);
}
int string_compare(const String* a, const String* b); // bytewise; <0, 0, >0
// An inline string of `len` bytes, NUL-terminated, the rest unset: fill inline_data[0..len) before
// it escapes.
// MemoryError for absurd lengths (checked before allocating).
String* alloc_string(VmThread& t, uint64_t len);
String* string_at(VmThread& t, const String* s, int64_t i); // s[i] (§6.2 index rule): a 1-byte str

// ---- arrays ([T]); indexes are already normalised by the caller unless noted
Array* new_array(VmThread& t, const types::Type* array_type, int64_t reserve = 0);
int64_t array_len(const Array* a);
Value array_get(const Array* a, int64_t i);          // i may be negative (from the end); IndexError
void array_set(VmThread& t, Array* a, int64_t i, Value v);        // same index rule
void array_push(VmThread& t, Array* a, Value v);
Value array_pop(Array* a);                            // IndexError "array_pop on empty array"
void array_insert(VmThread& t, Array* a, int64_t i, Value v); // i clamped to 0..len
Value array_remove(VmThread& t, Array* a, int64_t i);              // IndexError unless 0 <= i < len
void array_clear(VmThread& t, Array* a);
// Additional array helpers (LANGUAGE.md §10 semantics).
Array* array_from(VmThread& t, const types::Type* array_type, const Value* items, size_t n); // literals
Array* array_slice(VmThread& t, const Array* a, int64_t start, int64_t end); // clamped, never from end
Array* array_copy(VmThread& t, const Array* a);                              // shallow
Array* array_concat(VmThread& t, const Array* a, const Array* b);
Array* array_fill(VmThread& t, const types::Type* array_type, int64_t n, Value v); // n <= 0: []
void array_reverse(VmThread& t, Array* a);
// Stable ascending sort for [int], [float], [str]; [any] needs all elements int, all float or all
// str (TypeError "array_sort: elements must all be int, float or str" otherwise).
void array_sort(VmThread& t, Array* a);
int64_t array_index_of(const Array* a, Value v); // first values_equal match, or -1

// ---- maps ({K: V}), insertion-ordered
Map* new_map(VmThread& t, const types::Type* map_type);
int64_t map_len(const Map* m);
bool map_find(const Map* m, Value key, Value* out);    // false if missing
Value map_get(const Map* m, Value key);                // KeyError `key not found: <key>` if missing
void map_set(VmThread& t, Map* m, Value key, Value v);
bool map_delete(Map* m, Value key);
Array* map_keys(VmThread& t, const Map* m);            // snapshot, insertion order
Array* map_values(VmThread& t, const Map* m);
// Same, with the result's array type given ([K] / [V], e.g. BuiltinArgs::result_type): use these
// from builtins; the forms above intern the type at run time (not thread-safe, see map.cpp).
Array* map_keys(VmThread& t, const Map* m, const types::Type* array_type);
Array* map_values(VmThread& t, const Map* m, const types::Type* array_type);
bool map_has_key(const Map* m, Value key);
// The interpreter's forms: they use and update the thread's lookup hints (map.cpp), so that testing a
// key and then reading or writing it finds the entry once.
bool map_has_key(VmThread& t, const Map* m, Value key);
Value map_get(VmThread& t, const Map* m, Value key);
// Iteration in insertion order: start with *pos = 0; each call yields the next live entry and
// advances *pos, false at the end. Safe against concurrent mutation (may skip or repeat).
bool map_next(const Map* m, int64_t* pos, Value* key, Value* value);

// ---- bytes (runtime/bytes.cpp): a mutable byte buffer; every stored byte is v & 0xFF.
Bytes* new_bytes(VmThread& t, int64_t n);                 // n zero bytes (n <= 0: empty)
Bytes* new_bytes_from(VmThread& t, std::string_view data); // a copy of data
int64_t bytes_len(const Bytes* b);
int64_t bytes_get(const Bytes* b, int64_t i);        // b[i], §6.2 index rule (negative from the end)
void bytes_set(Bytes* b, int64_t i, int64_t v);      // b[i] = v & 0xFF, same rule, never grows
void bytes_append(VmThread& t, Bytes* b, std::string_view data);
std::string bytes_snapshot(const Bytes* b);          // the contents as of one moment

// ---- tuples, structs, closures, cells, boxes
Tuple* new_tuple(VmThread& t, const types::Type* tuple_type);      // items zeroed; fill them
Value zero_of(VmThread& t, const types::Type* type); // zero value (types::has_zero_value), else 0
Instance* new_instance(VmThread& t, const types::Type* struct_type); // fields zeroed; fill them
Closure* new_closure(VmThread& t, const bytecode::FunctionProto* proto, uint32_t ncaptures);
Cell* new_cell(VmThread& t, bool holds_ref, Value v);
Box* new_box(VmThread& t, const types::Type* type, Value v); // type == void_t: the empty box
// any -> T: returns the value or throws TypeError "expected T, got U" (U: the box's type name,
// "void" for the empty box). A class instance box matches any superclass T.
Value unbox(const Box* b, const types::Type* expected);

// ---- classes (LANGUAGE.md §7)
// `new C`: an instance of class type `class_type` whose fields hold their zero values ("" and
// empty containers are fresh objects); fields without one (StructInfo::required_fields) hold 0.
// Allocates several objects without a safepoint in between, so none can be collected early.
Instance* new_object(VmThread& t, const types::Type* class_type);
// TypeError "field 'f' of C is not initialised" (C: the instance's run-time class).
[[noreturn]] void raise_uninitialised(const Instance* in, uint32_t field);
// End of `new`: raises for the first required field still 0.
void check_initialised(const Instance* in);

// ---- errors
ErrorObj* new_error(VmThread& t, ErrorKind kind, std::string_view message);

// ---- generic operations by static type (LANGUAGE.md §6.2)
bool values_equal(Value a, Value b, const types::Type* type); // deep; RecursionError past the depth limit
uint64_t hash_key(Value key, const types::Type* key_type);    // int, float, bool, str keys
// The dynamic type name used by typeof (§10): int float bool str array map tuple struct class fn
// bytes error Thread Mutex Condition Volatile ptr void.
std::string typeof_name(Value v, const types::Type* type);

// ---- printing (§9): implemented in runtime/format.cpp
// top_level: the form print/to_str use; otherwise the form inside containers (quoted strings...).
std::string to_display(Value v, const types::Type* type, bool top_level = true);
std::string format_float(double d); // shortest round-trip form of §9
// f-string field with a spec (§2): throws ValueError if the spec cannot apply.
std::string format_with_spec(Value v, const types::Type* type, std::string_view spec);

} // namespace bp::rt
