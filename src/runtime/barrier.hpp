// The write barrier at the runtime's reference stores (gc/heap.hpp, "Concurrent marking"): call
// these right before overwriting reference slots. Outside a concurrent cycle each costs one relaxed
// load and a branch that is not taken.
#pragma once
#include "runtime/rt.hpp"
#include "vm/vm.hpp"

namespace bp::rt {

// Before overwriting the reference in *slot.
inline void barrier_slot(VmThread& t, const Value* slot) {
    if (__builtin_expect(t.vm.heap.is_marking(), 0)) t.vm.heap.write_barrier(slot_load(slot).o);
}

// Before overwriting (or moving) slots [from, to) of `s` in place: array shifts, reverse, sort.
// barrier_slots tests is_marking inline and shades out of line, so that the inline part is one load
// and one branch (with the whole test inline, GCC may test `s` first: two more instructions on every
// array store).
[[gnu::noinline, gnu::cold]] inline void barrier_slots_marking(VmThread& t, const Storage* s, int64_t from, int64_t to) {
    if (!s || !(s->flags & kStorageRefs)) return;
    for (int64_t i = from; i < to; ++i) t.vm.heap.write_barrier(slot_load(&s->slots[i]).o);
}
inline void barrier_slots(VmThread& t, const Storage* s, int64_t from, int64_t to) {
    if (__builtin_expect(t.vm.heap.is_marking(), 0)) barrier_slots_marking(t, s, from, to);
}
// While a concurrent cycle marks: shades slot i's old value and stores v there. The store is in the
// cold call too, so that the caller keeps nothing live across it (the interpreter's array store,
// which tests is_marking itself: an inline wrapper would load v before the test).
[[gnu::noinline, gnu::cold]] inline void slot_store_marking(VmThread& t, Storage* s, int64_t i, Value v) {
    barrier_slots_marking(t, s, i, i + 1);
    slot_store(&s->slots[i], v);
}

// Before replacing the object a pointer field refers to (a container's storage).
template <class T> void barrier_ref(VmThread& t, const std::atomic<T*>& field) {
    if (__builtin_expect(t.vm.heap.is_marking(), 0)) t.vm.heap.write_barrier(field.load(std::memory_order_acquire));
}

} // namespace bp::rt
