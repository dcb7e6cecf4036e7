// Maps ({K: V}): CPython's compact, insertion-ordered layout. `entries` holds (hash, key, value)
// triples in insertion order (a deleted entry keeps its key and value, with hash kDeletedHash);
// `index` is an open-addressing table of 32-bit entry numbers (IndexSlots), -1 for empty, probed
// in CPython's order (Probe, below). An index slot pointing at a deleted entry acts as a tombstone.
// When the entries run out, both storages are rebuilt (compacting deleted entries) into new Storage
// objects and published with release stores: a reader that loaded the old pair keeps a valid, if
// stale, view.
//
// Threading: mutators hold m->lock. Writers fill an entry before publishing its index slot
// (release) and `used` (release); readers load index, then entries (acquire), and retry once
// when a rebuild replaced them under their feet.
#include "runtime/barrier.hpp"
#include "runtime/rt.hpp"
#include "gc/allocate.hpp"
#include "vm/vm.hpp"

#include <cmath>
#include <cstring>

namespace bp::rt {

namespace {

constexpr uint64_t kMinIndex = 8; // slots (IndexSlots), a power of two

uint8_t entry_flags(const types::Type* map_type) {
    uint8_t f = kStorageMapEntries;
    if (map_type->key->is_ref()) f |= kStorageKeyRef;
    if (map_type->elem->is_ref()) f |= kStorageValueRef;
    return f;
}

uint64_t entry_capacity(uint64_t index_size) { return index_size * 2 / 3; }

// The index slots a hash probes, in CPython's order: the slot its low bits name, then
// i = 5i + 1 + perturb with perturb = the hash shifted right 5 more bits at each step. An int key
// below 2^32 is its own hash (int_key_hash), so nearby keys take nearby slots, and keys inserted in
// order sit in order in the entries: a lookup loop over 2,000,000 keys of a million-entry map ran
// from one cache miss to the next when the hash scattered them (bench/bigmap: 3.5x slower than
// Lua 5.4, now 0.8x). Keys that share their low bits (multiples of 1024, say) would collide for
// good under linear probing; the perturbation brings every bit of the hash in after a few steps.
// Once perturb is 0 the sequence (5i + 1 mod a power of two) visits every slot, so kProbeSlack
// steps past the table size reach them all (a bound only a racing reader's stale storages need).
struct Probe {
    uint64_t mask, i, perturb;
    Probe(uint64_t capacity, uint64_t h) : mask(capacity - 1), i(h & mask), perturb(h) {}
    void next() {
        perturb >>= 5;
        i = (i * 5 + perturb + 1) & mask;
    }
};
constexpr uint64_t kProbeSlack = 64 / 5 + 1;

// The index storage's raw words hold two 32-bit slots each: half the memory of 64-bit slots, so
// a big map's index takes half the page faults to fill and twice the slots per cache line to probe
// (bench/bigmap: 0.14 s -> 0.12 s). Entry numbers stay below 2^31 (rebuild caps the table).
struct IndexSlots {
    int32_t* at;
    uint64_t count;
    explicit IndexSlots(Storage* index)
        : at(reinterpret_cast<int32_t*>(index->slots)), count(index->capacity * 2) {}
    int32_t load(uint64_t i) const { return __atomic_load_n(&at[i], __ATOMIC_ACQUIRE); }
};

// Short keys (the usual case: the hashes already matched) compare inline, not through a memcmp call.
inline bool bytes_equal(const char* a, const char* b, size_t n) {
    if (n > 16) return std::memcmp(a, b, n) == 0;
    for (size_t i = 0; i < n; ++i)
        if (a[i] != b[i]) return false;
    return true;
}

// How keys compare: by their bits (int, bool, references by identity), by string contents, or as
// floats (0.0 equals -0.0, and a nan key finds a nan).
enum class KeyCmp { Bits, Str, Float };

// The probe loop, one instantiation per KeyCmp: the key kind is decided once, not at every probe.
// A miss that reaches an empty slot leaves its position in *empty (if not null): where an insert
// under the same lock puts the key (map_set), without probing again.
template <KeyCmp kCmp>
[[gnu::always_inline]] inline int64_t find_in_as(Storage* entries, Storage* index, Value key, uint64_t h,
                                                 uint64_t* empty = nullptr) {
    uint64_t nentries = entries->capacity / 3;
    IndexSlots slots(index);
    Probe p(slots.count, h);
    for (uint64_t probes = 0; probes <= p.mask + kProbeSlack; ++probes, p.next()) {
        int64_t e = slots.load(p.i);
        if (e < 0) {
            if (empty) *empty = p.i;
            return -1;
        }
        if (static_cast<uint64_t>(e) >= nentries) continue; // stale pairing during a race
        const Value* w = &entries->slots[e * 3];
        if (slot_load(&w[0]).u != h) continue;
        Value k = slot_load(&w[1]);
        if (k.u == key.u) return e;
        if constexpr (kCmp == KeyCmp::Str) {
            const auto* a = static_cast<const String*>(k.o);
            const auto* b = static_cast<const String*>(key.o);
            if (a->len == b->len && bytes_equal(a->chars(), b->chars(), a->len)) return e;
        } else if constexpr (kCmp == KeyCmp::Float) {
            if (k.f == key.f || (std::isnan(k.f) && std::isnan(key.f))) return e;
        }
    }
    return -1;
}

// hash_key with the int-like case inlined (must agree with rt::hash_key).
inline uint64_t key_hash(Value key, const types::Type* key_type) {
    if (key_type->kind == types::Kind::Str) return string_hash(static_cast<const String*>(key.o));
    if (key_type->kind == types::Kind::Float) return hash_key(key, key_type);
    return int_key_hash(key.u);
}

// Lock-free lookup of a key whose hash is h; on success *out_entries/*out_e name the entry. One
// instantiation per KeyCmp, so the int path carries no string comparison: it inlines into
// find_entry with a short prologue, while the str and float paths are calls of their own.
template <KeyCmp kCmp>
inline bool find_entry_as(const Map* m, Value key, uint64_t h, Storage** out_entries, int64_t* out_e) {
    for (int attempt = 0; attempt < 2; ++attempt) {
        Storage* index = m->index.load(std::memory_order_acquire);
        Storage* entries = m->entries.load(std::memory_order_acquire);
        int64_t e = -1;
        if (entries && index) e = find_in_as<kCmp>(entries, index, key, h);
        if (e >= 0) {
            *out_entries = entries;
            *out_e = e;
            return true;
        }
        if (index == m->index.load(std::memory_order_acquire) &&
            entries == m->entries.load(std::memory_order_acquire))
            return false;
    }
    return false;
}

[[gnu::noinline]] bool find_entry_str(const Map* m, Value key, Storage** out_entries, int64_t* out_e) {
    return find_entry_as<KeyCmp::Str>(m, key, string_hash(static_cast<const String*>(key.o)), out_entries,
                                      out_e);
}

[[gnu::noinline]] bool find_entry_float(const Map* m, Value key, Storage** out_entries, int64_t* out_e) {
    return find_entry_as<KeyCmp::Float>(m, key, key_hash(key, m->type->key), out_entries, out_e);
}

inline bool find_entry(const Map* m, Value key, Storage** out_entries, int64_t* out_e) {
    types::Kind k = m->type->key->kind;
    if (k == types::Kind::Str) return find_entry_str(m, key, out_entries, out_e);
    if (k == types::Kind::Float) return find_entry_float(m, key, out_entries, out_e);
    return find_entry_as<KeyCmp::Bits>(m, key, key_hash(key, m->type->key), out_entries, out_e);
}

// Lookup hints. `if map_has_key(m, k): m[k] = m[k] + 1` looks the same key up three times (the
// `maps` benchmark: nearly two thirds of its instructions were map lookups). Each thread remembers,
// per map (VmThread::map_hints, 8 slots direct-mapped by the map's address), the entry where it
// last found or inserted a key. A hint is taken only if the map's entries storage is still the one
// it named and that entry is not deleted: an entry is written once, before its index slot is
// published, and keeps its key for good (a deletion marks its hash; a rebuild makes a new storage),
// so a live entry holding the key in the current storage is the key's one entry. Keys compare by
// bits: a string key hits only as the same object (another copy takes the full lookup). The hint's
// pointers are not roots: every pause that ends a marking clears the hints (gc/heap.cpp
// reset_allocators), before the sweep frees anything they could name, so between two collections
// the map and storage they name are the ones they were. A hint is only ever read against the map's
// current state, with the same loads as a lookup, so other threads' writes race with it no more
// than with a lookup (a racing delete is seen before or after, never half).
// Threading: hints are the thread's own; the map and storage they are checked against are shared.
inline MapHint& hint_slot(VmThread& t, const Map* m) {
    return t.map_hints[(reinterpret_cast<uintptr_t>(m) >> 4) & 7];
}

// The lookup behind a missed hint, out of line so that a hit saves no registers.
[[gnu::noinline]] bool find_and_hint(VmThread& t, const Map* m, Value key, Storage** out_entries, int64_t* out_e) {
    if (!find_entry(m, key, out_entries, out_e)) return false;
    hint_slot(t, m) = MapHint{m, key.u, *out_entries, *out_e};
    return true;
}

inline bool hinted(VmThread& t, const Map* m, Value key, Storage** out_entries, int64_t* out_e) {
    const MapHint& h = hint_slot(t, m);
    if (h.map == m && h.key == key.u) {
        Storage* entries = m->entries.load(std::memory_order_acquire);
        if (entries == h.entries && slot_load(&entries->slots[h.entry * 3]).u != kDeletedHash) {
            *out_entries = entries;
            *out_e = h.entry;
            return true;
        }
    }
    return false;
}

inline bool find_hinted(VmThread& t, const Map* m, Value key, Storage** out_entries, int64_t* out_e) {
    return hinted(t, m, key, out_entries, out_e) || find_and_hint(t, m, key, out_entries, out_e);
}

// With the lock held (nothing else changes the storages): the entry of `key` (hash h), or -1 with
// the empty index slot its probe ended at in *empty.
int64_t find_locked(const Map* m, Value key, uint64_t h, uint64_t* empty) {
    Storage* entries = m->entries.load(std::memory_order_relaxed);
    Storage* index = m->index.load(std::memory_order_relaxed);
    if (!entries) return -1;
    switch (m->type->key->kind) {
    case types::Kind::Str: return find_in_as<KeyCmp::Str>(entries, index, key, h, empty);
    case types::Kind::Float: return find_in_as<KeyCmp::Float>(entries, index, key, h, empty);
    default: return find_in_as<KeyCmp::Bits>(entries, index, key, h, empty);
    }
}

// With the lock held: records entry e (hash h) in a private or published index.
void index_insert(Storage* index, uint64_t h, int64_t e) {
    IndexSlots slots(index);
    Probe p(slots.count, h);
    while (slots.at[p.i] >= 0) p.next();
    __atomic_store_n(&slots.at[p.i], static_cast<int32_t>(e), __ATOMIC_RELEASE);
}

// With the lock held: rebuilds into new storages with room for at least `need` live entries.
void rebuild(VmThread& t, Map* m, uint64_t need) {
    uint64_t want = std::max<uint64_t>(need, 4) * 2;
    uint64_t size = kMinIndex;
    while (entry_capacity(size) < want) {
        if (size >= (uint64_t{1} << 31)) raise(ErrorKind::MemoryError, "out of memory"); // IndexSlots
        size *= 2;
    }
    Storage* entries = new_storage(t, entry_capacity(size) * 3, entry_flags(m->type));
    Storage* index = new_storage(t, size / 2, 0); // raw words, two slots each (IndexSlots)
    std::memset(index->slots, 0xff, size * sizeof(int32_t)); // every slot -1: empty
    Storage* old = m->entries.load(std::memory_order_relaxed);
    int64_t used = m->used.load(std::memory_order_relaxed), k = 0;
    for (int64_t e = 0; old && e < used; ++e) {
        const Value* w = &old->slots[e * 3];
        if (w[0].u == kDeletedHash) continue;
        for (int j = 0; j < 3; ++j) entries->slots[k * 3 + j] = w[j];
        index_insert(index, w[0].u, k++);
    }
    barrier_ref(t, m->entries); // the new entries are black: the old ones must be traced
    m->entries.store(entries, std::memory_order_release);
    m->index.store(index, std::memory_order_release);
    m->used.store(k, std::memory_order_release);
}

// The keys (which == 0) or values of m, in a new array filled with plain stores: nobody else can
// see it yet, its slots held nothing, and during a concurrent cycle it is born black (as the
// interpreter's array literals, vm/interp.cpp new_array_of).
Array* snapshot(VmThread& t, const Map* m, const types::Type* array_type, int which) {
    Map* mm = const_cast<Map*>(m);
    ObjLockGuard guard(mm->lock, shared_containers(t));
    Array* a = new_array(t, array_type, m->count.load(std::memory_order_relaxed));
    Storage* s = a->storage.load(std::memory_order_relaxed); // count slots (none when empty)
    int64_t pos = 0, n = 0;
    Value kv[2];
    while (map_next(m, &pos, &kv[0], &kv[1])) s->slots[n++] = kv[which];
    a->len.store(n, std::memory_order_release);
    return a;
}

} // namespace

Map* new_map(VmThread& t, const types::Type* map_type) {
    auto* m = static_cast<Map*>(t.vm.heap.allocate(t, ObjKind::Map, sizeof(Map)));
    m->type = map_type;
    return m;
}

int64_t map_len(const Map* m) { return m->count.load(std::memory_order_acquire); }

bool map_find(const Map* m, Value key, Value* out) {
    Storage* entries = nullptr;
    int64_t e = 0;
    if (!find_entry(m, key, &entries, &e)) return false;
    *out = slot_load(&entries->slots[e * 3 + 2]);
    return true;
}

bool map_has_key(const Map* m, Value key) {
    Value ignored;
    return map_find(m, key, &ignored);
}

[[noreturn]] void raise_missing_key(const Map* m, Value key) {
    raise(ErrorKind::KeyError, "key not found: " + to_display(key, m->type->key, false));
}

Value map_get(const Map* m, Value key) {
    Value v;
    if (!map_find(m, key, &v)) raise_missing_key(m, key);
    return v;
}

bool map_has_key(VmThread& t, const Map* m, Value key) {
    Storage* entries = nullptr;
    int64_t e = 0;
    return find_hinted(t, m, key, &entries, &e);
}

Value map_get(VmThread& t, const Map* m, Value key) {
    Storage* entries = nullptr;
    int64_t e = 0;
    if (!find_hinted(t, m, key, &entries, &e)) raise_missing_key(m, key);
    return slot_load(&entries->slots[e * 3 + 2]);
}

namespace {

// With the lock held: stores v in entry e.
inline void store_value(VmThread& t, Map* m, Storage* entries, int64_t e, Value v) {
    if (m->type->elem->is_ref()) barrier_slot(t, &entries->slots[e * 3 + 2]);
    slot_store(&entries->slots[e * 3 + 2], v);
}

// With the lock held, the hint missed: one probe sequence finds the key or, missing, the empty slot
// the new entry's number goes in (unless the entries are full: the rebuild makes a new index,
// probed afresh).
[[gnu::noinline]] void set_unhinted(VmThread& t, Map* m, Value key, Value v) {
    uint64_t h = key_hash(key, m->type->key), empty = 0;
    int64_t e = find_locked(m, key, h, &empty);
    Storage* entries = m->entries.load(std::memory_order_relaxed);
    if (e >= 0) {
        store_value(t, m, entries, e, v);
        hint_slot(t, m) = MapHint{m, key.u, entries, e};
        return;
    }
    int64_t used = m->used.load(std::memory_order_relaxed);
    int64_t count = m->count.load(std::memory_order_relaxed);
    bool full = !entries || static_cast<uint64_t>(used) * 3 >= entries->capacity;
    if (full) {
        rebuild(t, m, static_cast<uint64_t>(count) + 1);
        entries = m->entries.load(std::memory_order_relaxed);
        used = m->used.load(std::memory_order_relaxed);
    }
    Value* w = &entries->slots[used * 3];
    slot_store(&w[1], key);
    slot_store(&w[2], v);
    slot_store(&w[0], Value{.u = h});
    Storage* index = m->index.load(std::memory_order_relaxed);
    if (full)
        index_insert(index, h, used);
    else
        __atomic_store_n(&IndexSlots(index).at[empty], static_cast<int32_t>(used), __ATOMIC_RELEASE);
    m->used.store(used + 1, std::memory_order_release);
    m->count.store(count + 1, std::memory_order_release);
    hint_slot(t, m) = MapHint{m, key.u, entries, used};
}

} // namespace

void map_set(VmThread& t, Map* m, Value key, Value v) {
    ObjLockGuard guard(m->lock, shared_containers(t));
    Storage* entries = nullptr;
    int64_t e = 0;
    if (hinted(t, m, key, &entries, &e))
        store_value(t, m, entries, e, v);
    else
        set_unhinted(t, m, key, v);
}

// The key and value stay in the entry (a racing reader may still compare against the key).
bool map_delete(Map* m, Value key) {
    ObjLockGuard guard(m->lock);
    Storage* entries = nullptr;
    int64_t e = 0;
    if (!find_entry(m, key, &entries, &e)) return false;
    slot_store(&entries->slots[e * 3], Value{.u = kDeletedHash});
    m->count.store(m->count.load(std::memory_order_relaxed) - 1, std::memory_order_release);
    return true;
}

bool map_next(const Map* m, int64_t* pos, Value* key, Value* value) {
    int64_t used = m->used.load(std::memory_order_acquire);
    Storage* entries = m->entries.load(std::memory_order_acquire);
    if (!entries) return false;
    int64_t limit = std::min<int64_t>(used, static_cast<int64_t>(entries->capacity / 3));
    while (*pos < limit) {
        const Value* w = &entries->slots[*pos * 3];
        ++*pos;
        if (slot_load(&w[0]).u == kDeletedHash) continue;
        *key = slot_load(&w[1]);
        *value = slot_load(&w[2]);
        return true;
    }
    return false;
}

Array* map_keys(VmThread& t, const Map* m, const types::Type* array_type) { return snapshot(t, m, array_type, 0); }
Array* map_values(VmThread& t, const Map* m, const types::Type* array_type) {
    return snapshot(t, m, array_type, 1);
}

// Threading: interns [K] / [V] in the type table, which is not safe once several threads run;
// callers that know the result type ([K] from BuiltinArgs::result_type) use the overloads above.
Array* map_keys(VmThread& t, const Map* m) {
    return map_keys(t, m, t.vm.program.types->array_of(m->type->key));
}
Array* map_values(VmThread& t, const Map* m) {
    return map_values(t, m, t.vm.program.types->array_of(m->type->elem));
}

} // namespace bp::rt
