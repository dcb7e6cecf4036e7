// Arrays ([T]): a header with an element Storage that is replaced (never resized in place) when it
// grows. Mutators take the array's ObjLock; readers load len, then storage, both with acquire, and
// bound-check against the storage they got, so a racing reader sees a stale but valid view.
#include "runtime/barrier.hpp"
#include "runtime/rt.hpp"
#include "gc/allocate.hpp"
#include "vm/vm.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

namespace bp::rt {

namespace {

// With a's lock held: returns a storage with room for `need` elements (the current one, or a
// grown copy published with release).
[[gnu::noinline]] Storage* reserve_locked(VmThread& t, Array* a, int64_t need) {
    Storage* s = a->storage.load(std::memory_order_relaxed);
    uint64_t cap = s ? s->capacity : 0;
    if (static_cast<uint64_t>(need) <= cap) return s;
    uint64_t grown = std::max<uint64_t>({static_cast<uint64_t>(need), cap * 2, 4});
    Storage* ns = new_storage(t, grown, elem_flags(a->type));
    int64_t n = a->len.load(std::memory_order_relaxed);
    for (int64_t i = 0; i < n; ++i) slot_store(&ns->slots[i], slot_load(&s->slots[i]));
    barrier_ref(t, a->storage); // the new storage is black: the old one must be traced
    a->storage.store(ns, std::memory_order_release);
    return ns;
}

ObjLock& lock_of(const Array* a) { return const_cast<Array*>(a)->lock; }

// Appends src[start, end) (clamped to its length) to the fresh, private array dst.
void append_range(VmThread& t, Array* dst, const Array* src, int64_t start, int64_t end) {
    ObjLockGuard guard(lock_of(src), shared_containers(t)); // a consistent snapshot of src
    int64_t n = src->len.load(std::memory_order_relaxed);
    start = std::max<int64_t>(start, 0);
    end = std::min(end, n);
    if (start >= end) return;
    Storage* s = src->storage.load(std::memory_order_relaxed);
    int64_t base = dst->len.load(std::memory_order_relaxed);
    Storage* d = reserve_locked(t, dst, base + (end - start));
    for (int64_t i = start; i < end; ++i) slot_store(&d->slots[base + i - start], slot_load(&s->slots[i]));
    dst->len.store(base + (end - start), std::memory_order_release);
}

} // namespace

Array* new_array(VmThread& t, const types::Type* array_type, int64_t reserve) {
    auto* a = static_cast<Array*>(t.vm.heap.allocate(t, ObjKind::Array, sizeof(Array)));
    a->type = array_type;
    if (reserve > 0) a->storage.store(new_storage(t, static_cast<uint64_t>(reserve), elem_flags(array_type)));
    return a;
}

int64_t array_len(const Array* a) { return a->len.load(std::memory_order_acquire); }

Value array_get(const Array* a, int64_t i) {
    int64_t n = a->len.load(std::memory_order_acquire);
    int64_t j = normalize_index(i, n);
    Storage* s = a->storage.load(std::memory_order_acquire);
    if (!s || static_cast<uint64_t>(j) >= s->capacity) // cleared by another thread meanwhile
        raise(ErrorKind::IndexError, fmt::format("index {} out of range for length {}", i, 0));
    return slot_load(&s->slots[j]);
}

void array_set(VmThread& t, Array* a, int64_t i, Value v) {
    ObjLockGuard guard(a->lock, shared_containers(t));
    int64_t j = normalize_index(i, a->len.load(std::memory_order_relaxed));
    Storage* s = a->storage.load(std::memory_order_relaxed);
    barrier_slots(t, s, j, j + 1);
    slot_store(&s->slots[j], v);
}

void array_push(VmThread& t, Array* a, Value v) {
    ObjLockGuard guard(a->lock, shared_containers(t));
    int64_t n = a->len.load(std::memory_order_relaxed);
    Storage* s = a->storage.load(std::memory_order_relaxed);
    // Room left (the usual case) without the call; reserve_locked grows the storage.
    if (__builtin_expect(!s || static_cast<uint64_t>(n) >= s->capacity, 0)) s = reserve_locked(t, a, n + 1);
    slot_store(&s->slots[n], v);
    a->len.store(n + 1, std::memory_order_release);
}

// Popped slots keep their old value: a racing reader that loaded the old length must still find
// a valid reference there (it stays alive until the slot is overwritten).
Value array_pop(Array* a) {
    ObjLockGuard guard(a->lock);
    int64_t n = a->len.load(std::memory_order_relaxed);
    if (n == 0) raise(ErrorKind::IndexError, "array_pop on empty array");
    Value v = slot_load(&a->storage.load(std::memory_order_relaxed)->slots[n - 1]);
    a->len.store(n - 1, std::memory_order_release);
    return v;
}

void array_insert(VmThread& t, Array* a, int64_t i, Value v) {
    ObjLockGuard guard(a->lock, shared_containers(t));
    int64_t n = a->len.load(std::memory_order_relaxed);
    i = std::clamp<int64_t>(i, 0, n);
    Storage* s = reserve_locked(t, a, n + 1);
    barrier_slots(t, s, i, n);
    for (int64_t k = n; k > i; --k) slot_store(&s->slots[k], slot_load(&s->slots[k - 1]));
    slot_store(&s->slots[i], v);
    a->len.store(n + 1, std::memory_order_release);
}

Value array_remove(VmThread& t, Array* a, int64_t i) {
    ObjLockGuard guard(a->lock, shared_containers(t));
    int64_t n = a->len.load(std::memory_order_relaxed);
    if (i < 0 || i >= n) raise(ErrorKind::IndexError, fmt::format("index {} out of range for length {}", i, n));
    Storage* s = a->storage.load(std::memory_order_relaxed);
    Value v = slot_load(&s->slots[i]);
    barrier_slots(t, s, i, n - 1);
    for (int64_t k = i; k + 1 < n; ++k) slot_store(&s->slots[k], slot_load(&s->slots[k + 1]));
    a->len.store(n - 1, std::memory_order_release);
    return v;
}

// Drops the storage rather than zeroing it: readers holding it keep a valid view, and the
// elements become garbage.
void array_clear(VmThread& t, Array* a) {
    ObjLockGuard guard(a->lock, shared_containers(t));
    barrier_ref(t, a->storage);
    a->len.store(0, std::memory_order_release);
    a->storage.store(nullptr, std::memory_order_release);
}

Array* array_from(VmThread& t, const types::Type* array_type, const Value* items, size_t n) {
    Array* a = new_array(t, array_type, static_cast<int64_t>(n));
    if (n == 0) return a;
    Storage* s = a->storage.load(std::memory_order_relaxed);
    for (size_t i = 0; i < n; ++i) slot_store(&s->slots[i], items[i]);
    a->len.store(static_cast<int64_t>(n), std::memory_order_release);
    return a;
}

Array* array_slice(VmThread& t, const Array* a, int64_t start, int64_t end) {
    Array* r = new_array(t, a->type, 0);
    append_range(t, r, a, start, end);
    return r;
}

Array* array_copy(VmThread& t, const Array* a) { return array_slice(t, a, 0, INT64_MAX); }

Array* array_concat(VmThread& t, const Array* a, const Array* b) {
    Array* r = new_array(t, a->type, 0);
    append_range(t, r, a, 0, INT64_MAX);
    append_range(t, r, b, 0, INT64_MAX);
    return r;
}

Array* array_fill(VmThread& t, const types::Type* array_type, int64_t n, Value v) {
    if (n <= 0) return new_array(t, array_type, 0);
    Array* a = new_array(t, array_type, n);
    Storage* s = a->storage.load(std::memory_order_relaxed);
    for (int64_t i = 0; i < n; ++i) slot_store(&s->slots[i], v);
    a->len.store(n, std::memory_order_release);
    return a;
}

void array_reverse(VmThread& t, Array* a) {
    ObjLockGuard guard(a->lock, shared_containers(t));
    int64_t n = a->len.load(std::memory_order_relaxed);
    if (n < 2) return;
    Storage* s = a->storage.load(std::memory_order_relaxed);
    barrier_slots(t, s, 0, n);
    for (int64_t i = 0, j = n - 1; i < j; ++i, --j) {
        Value x = slot_load(&s->slots[i]);
        slot_store(&s->slots[i], slot_load(&s->slots[j]));
        slot_store(&s->slots[j], x);
    }
}

int64_t array_index_of(const Array* a, Value v) {
    int64_t n = a->len.load(std::memory_order_acquire);
    Storage* s = a->storage.load(std::memory_order_acquire);
    if (!s) return -1;
    n = std::min<int64_t>(n, static_cast<int64_t>(s->capacity));
    for (int64_t i = 0; i < n; ++i)
        if (values_equal(slot_load(&s->slots[i]), v, a->type->elem)) return i;
    return -1;
}

} // namespace bp::rt
