// bytes: a mutable byte buffer (LANGUAGE.md §4). The bytes live raw in a Storage's slots
// (8 per slot, flags 0: no references), replaced — never resized in place — when the buffer grows,
// exactly like an Array's elements (see array.cpp), so lock-free readers keep a valid view.
//
// Threading: mutators (set, append) take the object's ObjLock; readers load len and storage with
// acquire and bound-check against the storage they loaded. Single bytes are read and written with
// relaxed atomics so racing index reads and writes are data-race free (TSan-clean); a racing
// reader may see a stale byte, never a torn or out-of-bounds one. Bytes never shrink.
#include "runtime/rt.hpp"
#include "gc/allocate.hpp"
#include "vm/vm.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

namespace bp::rt {

namespace {

uint8_t* data_of(Storage* s) { return reinterpret_cast<uint8_t*>(s->slots); }
uint64_t byte_capacity(const Storage* s) { return s ? s->capacity * sizeof(Value) : 0; }

uint8_t load_byte(const Storage* s, int64_t i) {
    return __atomic_load_n(reinterpret_cast<const uint8_t*>(s->slots) + i, __ATOMIC_RELAXED);
}
void store_byte(Storage* s, int64_t i, uint8_t v) { __atomic_store_n(data_of(s) + i, v, __ATOMIC_RELAXED); }

// With b's lock held: a storage with room for `need` bytes (the current one, or a grown copy
// published with release).
Storage* reserve_locked(VmThread& t, Bytes* b, uint64_t need) {
    Storage* s = b->storage.load(std::memory_order_relaxed);
    uint64_t cap = byte_capacity(s);
    if (need <= cap) return s;
    uint64_t grown = std::max<uint64_t>({need, cap * 2, 16});
    Storage* ns = new_storage(t, (grown + sizeof(Value) - 1) / sizeof(Value), 0);
    int64_t n = b->len.load(std::memory_order_relaxed);
    for (int64_t i = 0; i < n; ++i) store_byte(ns, i, load_byte(s, i));
    b->storage.store(ns, std::memory_order_release);
    return ns;
}

[[noreturn]] void raise_bytes_index(int64_t i, int64_t n) {
    raise(ErrorKind::IndexError, fmt::format("index {} out of range for length {}", i, n));
}

} // namespace

Bytes* new_bytes(VmThread& t, int64_t n) {
    auto* b = static_cast<Bytes*>(t.vm.heap.allocate(t, ObjKind::Bytes, sizeof(Bytes)));
    if (n > 0) {
        uint64_t slots = (static_cast<uint64_t>(n) + sizeof(Value) - 1) / sizeof(Value);
        b->storage.store(new_storage(t, slots, 0), std::memory_order_relaxed); // zero-filled
        b->len.store(n, std::memory_order_release);
    }
    return b;
}

Bytes* new_bytes_from(VmThread& t, std::string_view data) {
    Bytes* b = new_bytes(t, static_cast<int64_t>(data.size()));
    if (!data.empty()) std::memcpy(data_of(b->storage.load(std::memory_order_relaxed)), data.data(), data.size());
    return b;
}

int64_t bytes_len(const Bytes* b) { return b->len.load(std::memory_order_acquire); }

int64_t bytes_get(const Bytes* b, int64_t i) {
    int64_t n = b->len.load(std::memory_order_acquire);
    int64_t j = i < 0 ? i + n : i;
    if (j < 0 || j >= n) raise_bytes_index(i, n);
    const Storage* s = b->storage.load(std::memory_order_acquire);
    if (static_cast<uint64_t>(j) >= byte_capacity(s)) raise_bytes_index(i, n); // never: bytes only grow
    return load_byte(s, j);
}

void bytes_set(Bytes* b, int64_t i, int64_t v) {
    ObjLockGuard guard(b->lock);
    int64_t n = b->len.load(std::memory_order_relaxed);
    int64_t j = i < 0 ? i + n : i;
    if (j < 0 || j >= n) raise_bytes_index(i, n);
    store_byte(b->storage.load(std::memory_order_relaxed), j, static_cast<uint8_t>(v & 0xFF));
}

void bytes_append(VmThread& t, Bytes* b, std::string_view data) {
    if (data.empty()) return;
    ObjLockGuard guard(b->lock, shared_containers(t));
    int64_t n = b->len.load(std::memory_order_relaxed);
    checked_size(static_cast<uint64_t>(n), data.size(), 1); // MemoryError rather than overflow
    Storage* s = reserve_locked(t, b, static_cast<uint64_t>(n) + data.size());
    for (size_t k = 0; k < data.size(); ++k) store_byte(s, n + static_cast<int64_t>(k), static_cast<uint8_t>(data[k]));
    b->len.store(n + static_cast<int64_t>(data.size()), std::memory_order_release);
}

std::string bytes_snapshot(const Bytes* b) {
    int64_t n = b->len.load(std::memory_order_acquire);
    const Storage* s = b->storage.load(std::memory_order_acquire);
    n = std::min<int64_t>(n, static_cast<int64_t>(byte_capacity(s)));
    std::string out(static_cast<size_t>(std::max<int64_t>(n, 0)), '\0');
    for (int64_t i = 0; i < n; ++i) out[static_cast<size_t>(i)] = static_cast<char>(load_byte(s, i));
    return out;
}

} // namespace bp::rt
