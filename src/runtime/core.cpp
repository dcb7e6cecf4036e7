// Runtime basics shared by every object kind: raising errors, checked sizes, raw storage,
// per-object locks and the index rule.
#include "runtime/rt.hpp"
#include "base/cpu_relax.hpp"
#include "gc/allocate.hpp"
#include "vm/vm.hpp"

#include <fmt/format.h>

#include <thread>

namespace bp::rt {

void raise(ErrorKind kind, std::string message) { throw Raise{kind, std::move(message)}; }

void raise_size_overflow() { raise(ErrorKind::MemoryError, "out of memory"); }

Storage* new_storage(VmThread& t, uint64_t capacity, uint8_t flags) {
    size_t size = checked_size(sizeof(Storage), capacity, sizeof(Value));
    auto* s = static_cast<Storage*>(t.vm.heap.allocate(t, ObjKind::Storage, size));
    s->capacity = capacity;
    s->flags = flags;
    return s;
}

// The lock word: 0 free, 1 held, 2 held with (possibly) parked waiters. Uncontended (inline in
// rt.hpp): one CAS to lock, one exchange to unlock. Contended: spin briefly (holders never block
// or reach a safepoint while holding it, so waits are short), then park with std::atomic::wait. A
// parked waiter stays "running" for the collector: the holder will release without reaching a
// safepoint, so the waiter reaches its next safepoint soon after.
void lock_contended(ObjLock& l) {
    uint32_t expected = 0;
    for (uint32_t spins = 1; spins < 64; spins *= 2) {
        for (uint32_t i = 0; i < spins; ++i) base::cpu_relax();
        expected = 0;
        if (l.word.load(std::memory_order_relaxed) == 0 &&
            l.word.compare_exchange_weak(expected, 1, std::memory_order_acquire, std::memory_order_relaxed))
            return;
    }
    while (l.word.exchange(2, std::memory_order_acquire) != 0) l.word.wait(2, std::memory_order_relaxed);
}

void wake_waiter(ObjLock& l) { l.word.notify_one(); }

int64_t normalize_index(int64_t i, int64_t len) {
    int64_t j = i < 0 ? i + len : i;
    if (j < 0 || j >= len) raise(ErrorKind::IndexError, fmt::format("index {} out of range for length {}", i, len));
    return j;
}

} // namespace bp::rt
