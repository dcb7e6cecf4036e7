// The stop-the-world handshake (the protocol is described atop runtime/thread/safepoint.hpp).
#include "runtime/thread/safepoint.hpp"

namespace bp::thread {

namespace {

bool others_stopped(const Vm& vm, const VmThread& self) {
    for (const VmThread* th : vm.threads)
        if (th != &self && th->gc_state.load(std::memory_order_seq_cst) == kRunning) return false;
    return true;
}

// With threads_mu held: park until no stop is requested.
void park_locked(VmThread& t, std::unique_lock<std::mutex>& lk, uint8_t state) {
    Vm& vm = t.vm;
    t.gc_state.store(state, std::memory_order_seq_cst);
    vm.threads_cv.notify_all();
    vm.threads_cv.wait(lk, [&] { return !vm.stop_requested.load(std::memory_order_seq_cst); });
}

} // namespace

void enter_safe(VmThread& t) {
    t.gc_state.store(kSafe, std::memory_order_seq_cst);
    if (t.vm.stop_requested.load(std::memory_order_seq_cst)) {
        // Lock before notifying: the collector may be between its check and its wait.
        std::lock_guard<std::mutex> lk(t.vm.threads_mu);
        t.vm.threads_cv.notify_all();
    }
}

void leave_safe(VmThread& t) {
    for (;;) {
        t.gc_state.store(kRunning, std::memory_order_seq_cst);
        if (!t.vm.stop_requested.load(std::memory_order_seq_cst)) return;
        std::unique_lock<std::mutex> lk(t.vm.threads_mu);
        park_locked(t, lk, kSafe);
    }
}

bool stop_world(VmThread& t, std::unique_lock<std::mutex>& lk) {
    Vm& vm = t.vm;
    if (vm.stop_requested.load(std::memory_order_seq_cst)) {
        // Parked: the collector may go on. Spin rather than sleep if a core is free (and mark with
        // the pause's helpers meanwhile: Heap::park_spin); the lock is released first (the
        // collector needs threads_mu to see this thread parked), and the notify comes after (the
        // state was stored under the lock, so the collector cannot miss it).
        t.gc_state.store(kParked, std::memory_order_seq_cst);
        lk.unlock();
        vm.threads_cv.notify_all();
        bool over = vm.heap.park_spin(t);
        if (over) {
            // Resume as leave_safe does (Dekker with the next collector's request): running, then
            // check that no new stop began meanwhile.
            t.gc_state.store(kRunning, std::memory_order_seq_cst);
            if (!vm.stop_requested.load(std::memory_order_seq_cst)) return false; // lk stays unlocked
            t.gc_state.store(kParked, std::memory_order_seq_cst);
        }
        lk.lock();
        park_locked(t, lk, kParked);
        t.gc_state.store(kRunning, std::memory_order_seq_cst);
        return false;
    }
    vm.stop_requested.store(true, std::memory_order_seq_cst);
    vm.threads_cv.wait(lk, [&] { return others_stopped(vm, t); });
    return true;
}

bool stop_world_from_outside(Vm& vm, std::unique_lock<std::mutex>& lk) {
    vm.threads_cv.wait(lk, [&] { return !vm.stop_requested.load(std::memory_order_seq_cst); });
    vm.stop_requested.store(true, std::memory_order_seq_cst);
    // relaxed: like a collector's trigger, a late view only delays the park to a later safepoint.
    bool was_due = vm.heap.collection_due.exchange(true, std::memory_order_relaxed);
    vm.threads_cv.wait(lk, [&] {
        for (const VmThread* th : vm.threads)
            if (th->gc_state.load(std::memory_order_seq_cst) == kRunning) return false;
        return true;
    });
    return was_due;
}

void resume_world(Vm& vm) {
    vm.stop_requested.store(false, std::memory_order_seq_cst);
    vm.threads_cv.notify_all();
}

} // namespace bp::thread
