// The stop-the-world handshake (the protocol is described atop runtime/thread/safepoint.hpp).
#include "runtime/thread/safepoint.hpp"
#include "base/cpu_relax.hpp"

#include <chrono>

namespace bp::thread {

namespace {

// After this thread's seq_cst store of a stopped state: wakes a stop's requester that sleeps.
// Either it sees the state before it sleeps, or this load sees its stop_waiting (both seq_cst) and
// the notify, taken under the lock it holds until it waits, cannot come too early.
void notify_stopper(Vm& vm) {
    if (!vm.stop_waiting.load(std::memory_order_seq_cst)) return;
    std::lock_guard<std::mutex> lk(vm.threads_mu);
    vm.threads_cv.notify_all();
}

// With threads_mu held: waits until no attached thread other than `self` (nullptr: none) is
// kRunning. The collector spins first (kStopSpin) when the threads still running have a core each
// besides its own: most stops take a few microseconds (the running thread's next poll), less than
// a futex sleep and wake-up, and a sleeping collector may lose its core to another process. The
// spin is short: a thread that is slow to stop has usually been descheduled, and then the
// collector's core is better given up (the thread may be moved to it). A thread that stops
// meanwhile needs no lock (park_for_stop), so spinning with threads_mu held blocks only threads
// that take it for other reasons (attach, detach, a stop seen while leaving the safe state).
void wait_others_stopped(Vm& vm, const VmThread* self, std::unique_lock<std::mutex>& lk) {
    constexpr auto kStopSpin = std::chrono::microseconds(50);
    const uint32_t cores = vm.heap.cores();
    auto running = [&] {
        uint32_t n = 0;
        for (const VmThread* th : vm.threads)
            if (th != self && th->gc_state.load(std::memory_order_seq_cst) == kRunning) ++n;
        return n;
    };
    uint32_t n = running();
    if (n == 0) return;
    if (n < cores) {
        auto deadline = std::chrono::steady_clock::now() + kStopSpin;
        for (uint32_t i = 1;; ++i) {
            base::cpu_relax();
            if ((i & 15) != 0) continue;
            if (running() == 0) return;
            if ((i & 255) == 0 && std::chrono::steady_clock::now() > deadline) break;
        }
    }
    vm.stop_waiting.store(true, std::memory_order_seq_cst);
    vm.threads_cv.wait(lk, [&] { return running() == 0; });
    vm.stop_waiting.store(false, std::memory_order_relaxed);
}

} // namespace

void enter_safe(VmThread& t) {
    t.gc_state.store(kSafe, std::memory_order_seq_cst);
    notify_stopper(t.vm);
}

void leave_safe(VmThread& t) {
    Vm& vm = t.vm;
    for (;;) {
        t.gc_state.store(kRunning, std::memory_order_seq_cst);
        if (!vm.stop_requested.load(std::memory_order_seq_cst)) return;
        // Safe again before taking threads_mu (a collector may hold it while it spins).
        t.gc_state.store(kSafe, std::memory_order_seq_cst);
        notify_stopper(vm);
        std::unique_lock<std::mutex> lk(vm.threads_mu);
        vm.threads_cv.wait(lk, [&] { return !vm.stop_requested.load(std::memory_order_seq_cst); });
    }
}

void park_for_stop(VmThread& t) {
    Vm& vm = t.vm;
    for (;;) {
        t.gc_state.store(kParked, std::memory_order_seq_cst);
        notify_stopper(vm);
        // Spin (and mark with the pause's helpers) if a core is free: Heap::park_spin.
        if (!vm.heap.park_spin(t)) {
            std::unique_lock<std::mutex> lk(vm.threads_mu);
            vm.threads_cv.wait(lk, [&] { return !vm.stop_requested.load(std::memory_order_seq_cst); });
            // Under threads_mu, which a new stop's requester holds when it raises stop_requested.
            t.gc_state.store(kRunning, std::memory_order_seq_cst);
            return;
        }
        // The stop is over: resume as leave_safe does (Dekker with the next stop's request).
        t.gc_state.store(kRunning, std::memory_order_seq_cst);
        if (!vm.stop_requested.load(std::memory_order_seq_cst)) return;
    }
}

bool stop_world(VmThread& t, std::unique_lock<std::mutex>& lk) {
    Vm& vm = t.vm;
    if (vm.stop_requested.load(std::memory_order_seq_cst)) {
        lk.unlock(); // the caller's lock stays released
        park_for_stop(t);
        return false;
    }
    vm.stop_requested.store(true, std::memory_order_seq_cst);
    wait_others_stopped(vm, &t, lk);
    return true;
}

bool stop_world_from_outside(Vm& vm, std::unique_lock<std::mutex>& lk) {
    vm.threads_cv.wait(lk, [&] { return !vm.stop_requested.load(std::memory_order_seq_cst); });
    vm.stop_requested.store(true, std::memory_order_seq_cst);
    // relaxed: like a collector's trigger, a late view only delays the park to a later safepoint.
    bool was_due = vm.heap.collection_due.exchange(true, std::memory_order_relaxed);
    wait_others_stopped(vm, nullptr, lk);
    return was_due;
}

void resume_world(Vm& vm) {
    vm.stop_requested.store(false, std::memory_order_seq_cst);
    vm.threads_cv.notify_all();
}

} // namespace bp::thread
