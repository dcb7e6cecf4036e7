// Mutexes and condition variables (LANGUAGE.md §11.2). A mutex is one atomic lock word
// (0 free, 1 held, 2 held with waiters): an uncontended lock or unlock is one atomic operation;
// a contended lock spins briefly, then marks the thread safe for the collector and parks in the
// runtime's ParkingLot (toolkit.hpp: a futex-style wait that also supports deadlines, for
// mutex_lock_timeout and cond_wait_timeout). Errors (LockError, DeadlockError) are raised before
// anything blocks.
#include "runtime/rt.hpp"
#include "base/cpu_relax.hpp"
#include "runtime/thread/mutex_fast.hpp"
#include "runtime/thread/runtime.hpp"
#include "runtime/thread/safepoint.hpp"
#include "runtime/thread/trace.hpp"

#include <thread>

namespace bp::thread {

namespace {

constexpr int kSpins = 100;

inline uint32_t self_tag(const VmThread& t) { return t.id + 1; }

void check_live(const MutexHandle* m) {
    if (m->destroyed.load(std::memory_order_acquire)) rt::raise(ErrorKind::LockError, "mutex has been destroyed");
}

bool try_acquire_word(MutexHandle* m) {
    uint32_t expected = 0;
    return m->state.compare_exchange_strong(expected, 1, std::memory_order_acquire, std::memory_order_relaxed);
}

ParkingLot& lot_of(VmThread& t) { return t.vm.threading->lot(); }

// Blocks until the lock word is ours (true) or the deadline passes (false; nullptr: none). Parks
// (safe for the collector) after a short spin.
bool acquire_word(VmThread& t, MutexHandle* m, const Deadline* deadline = nullptr) {
    for (int i = 0; i < kSpins; ++i) {
        if (m->state.load(std::memory_order_relaxed) == 0 && try_acquire_word(m)) return true;
        base::cpu_relax();
    }
    // About to block: DeadlockError if this wait would close a cycle (deadlock.hpp).
    WaitGraph& graph = t.vm.threading->graph();
    graph.begin_wait(t, m, 0, true, deadline != nullptr);
    t.waiting_for.store(m, std::memory_order_relaxed);
    bool got = true;
    {
        TraceScope trace(t, TraceKind::Lock);
        SafeRegion safe(t);
        ParkingLot& lot = lot_of(t);
        while (m->state.exchange(2, std::memory_order_acquire) != 0) {
            if (!lot.park(&m->state, 2, deadline)) {
                got = m->state.exchange(2, std::memory_order_acquire) == 0; // a last try
                break;
            }
        }
    }
    t.waiting_for.store(nullptr, std::memory_order_relaxed);
    graph.end_wait(t); // before the owner is recorded (see deadlock.hpp)
    return got;
}

// Where the owner locked it (deadlock reports), and the lock-order table when enabled.
// A trylock never waits, so (as in lockdep) it orders nothing: it is only pushed as held.
void record_owner(VmThread& t, MutexHandle* m, bool blocking = true) {
    const Frame* f = t.frames.empty() ? nullptr : &t.frames.back();
    m->site_proto.store(f ? f->proto : nullptr, std::memory_order_relaxed);
    m->site_pc.store(f ? f->pc() : 0, std::memory_order_relaxed);
    if (t.vm.options.lock_order) t.vm.threading->graph().lock_taken(t, m, blocking);
}

void release_word(ParkingLot& lot, MutexHandle* m) {
    if (m->state.exchange(0, std::memory_order_release) == 2) lot.unpark(&m->state);
}

// Now the owner: records it, and reports (once) a previous owner that died holding the mutex.
void take_ownership(VmThread& t, MutexHandle* m, bool blocking = true) {
    m->owner.store(self_tag(t), std::memory_order_relaxed);
    m->count = 1;
    ++t.held_mutexes;
    record_owner(t, m, blocking);
    if (m->abandoned.exchange(false, std::memory_order_relaxed)) {
        mutex_unlock(t, m);
        rt::raise(ErrorKind::LockError, "mutex owner finished while holding it");
    }
    if (m->destroyed.load(std::memory_order_acquire)) { // destroyed while we waited
        mutex_unlock(t, m);
        rt::raise(ErrorKind::LockError, "mutex has been destroyed");
    }
}

} // namespace

namespace {

// `tried`: the caller's CAS just failed (mutex_fast.hpp), so go straight to the spin, which reads
// before it writes: another CAS now would only pull the line away from the owner about to unlock.
void lock_slow(VmThread& t, MutexHandle* m, bool tried) {
    check_live(m);
    if (m->owner.load(std::memory_order_relaxed) == self_tag(t)) {
        if (!m->recursive) rt::raise(ErrorKind::DeadlockError, "mutex is already locked by this thread (not recursive)");
        ++m->count;
        return;
    }
    if (tried || !try_acquire_word(m)) acquire_word(t, m);
    take_ownership(t, m);
}

} // namespace

void mutex_lock(VmThread& t, MutexHandle* m) { lock_slow(t, m, false); }
void mutex_lock_contended(VmThread& t, MutexHandle* m) { lock_slow(t, m, true); }

bool mutex_trylock(VmThread& t, MutexHandle* m) {
    check_live(m);
    if (m->owner.load(std::memory_order_relaxed) == self_tag(t)) {
        if (!m->recursive) return false;
        ++m->count;
        return true;
    }
    if (!try_acquire_word(m)) return false;
    take_ownership(t, m, false);
    return true;
}

void mutex_unlock(VmThread& t, MutexHandle* m) {
    check_live(m);
    uint32_t owner = m->owner.load(std::memory_order_relaxed);
    if (owner == 0) {
        // The word may be taken by a thread that has not recorded itself yet (between its CAS and
        // take_ownership): another thread's lock, not an unlocked mutex.
        if (m->state.load(std::memory_order_relaxed) != 0) rt::raise(ErrorKind::LockError, "mutex is owned by another thread");
        rt::raise(ErrorKind::LockError, "mutex is not locked");
    }
    if (owner != self_tag(t)) rt::raise(ErrorKind::LockError, "mutex is owned by another thread");
    if (--m->count > 0) return;
    --t.held_mutexes;
    if (t.vm.options.lock_order) t.vm.threading->graph().lock_released(t, m);
    m->owner.store(0, std::memory_order_relaxed);
    release_word(lot_of(t), m);
}

// The interpreter's inline paths (mutex_fast.hpp) end here when the CAS took the word but the
// owner's bookkeeping needs more than the fast path does, or when an unlock found waiters.
void mutex_finish_lock(VmThread& t, MutexHandle* m) { take_ownership(t, m); }
void mutex_wake(VmThread& t, MutexHandle* m) { lot_of(t).unpark(&m->state); }

void mutex_destroy(VmThread& t, MutexHandle* m) {
    check_live(m);
    if (m->owner.load(std::memory_order_relaxed) != 0 || !try_acquire_word(m))
        rt::raise(ErrorKind::LockError, "cannot destroy a locked mutex");
    m->destroyed.store(true, std::memory_order_release);
    release_word(lot_of(t), m);
}

namespace {

// cond_wait with an optional deadline: false if it passed before a signal.
bool cond_wait_until(VmThread& t, CondHandle* c, MutexHandle* m, const Deadline* deadline) {
    if (!m) m = c->bound;
    else if (c->bound && c->bound != m) rt::raise(ErrorKind::LockError, "condition is bound to a different mutex");
    if (!m) rt::raise(ErrorKind::LockError, "condition has no bound mutex (pass one to cond_wait)");
    check_live(m);
    if (m->owner.load(std::memory_order_relaxed) != self_tag(t))
        rt::raise(ErrorKind::LockError, "cond_wait: the mutex is not held by this thread");
    uint32_t seq = c->seq.load(std::memory_order_acquire);
    uint32_t depth = m->count;
    m->count = 1;
    mutex_unlock(t, m); // all recursion levels
    WaitGraph& graph = t.vm.threading->graph();
    graph.begin_wait(t, c, seq, true, deadline != nullptr); // no owner: no cycle; maybe a global deadlock
    t.waiting_for.store(c, std::memory_order_relaxed);
    bool signalled = true;
    {
        TraceScope trace(t, TraceKind::CondWait);
        SafeRegion safe(t);
        // A hand-off between threads on two cores usually signals within microseconds, while a
        // wake-up from the kernel costs tens of them: watch the sequence word briefly first.
        if (!spin_until_changed(c->seq, seq)) signalled = lot_of(t).park(&c->seq, seq, deadline);
    }
    t.waiting_for.store(nullptr, std::memory_order_relaxed);
    graph.end_wait(t);
    if (!try_acquire_word(m)) acquire_word(t, m);
    m->owner.store(self_tag(t), std::memory_order_relaxed);
    m->count = depth;
    ++t.held_mutexes;
    record_owner(t, m);
    return signalled || c->seq.load(std::memory_order_acquire) != seq;
}

} // namespace

void cond_wait(VmThread& t, CondHandle* c, MutexHandle* m) { cond_wait_until(t, c, m, nullptr); }

bool cond_wait_timeout(VmThread& t, CondHandle* c, MutexHandle* m, int64_t ms) {
    Deadline d = Clock::now() + std::chrono::milliseconds(ms < 0 ? 0 : ms);
    return cond_wait_until(t, c, m, &d);
}

// Every waiter of the bucket wakes and re-checks its word; notify-one semantics are kept in the
// sense that matters (at least one waiter of `c` wakes).
void cond_signal(VmThread& t, CondHandle* c, bool all) {
    c->seq.fetch_add(1, std::memory_order_release);
    (void)all;
    lot_of(t).unpark(&c->seq);
}

bool mutex_lock_timeout(VmThread& t, MutexHandle* m, int64_t ms) {
    check_live(m);
    if (m->owner.load(std::memory_order_relaxed) == self_tag(t)) {
        if (!m->recursive) rt::raise(ErrorKind::DeadlockError, "mutex is already locked by this thread (not recursive)");
        ++m->count;
        return true;
    }
    Deadline d = Clock::now() + std::chrono::milliseconds(ms < 0 ? 0 : ms);
    if (!try_acquire_word(m) && !acquire_word(t, m, &d)) return false;
    take_ownership(t, m);
    return true;
}

// ---- ParkingLot -------------------------------------------------------------------------------

bool ParkingLot::park(const std::atomic<uint32_t>* word, uint32_t expected, const Deadline* deadline) {
    Bucket& b = bucket(word);
    std::unique_lock<std::mutex> lk(b.mu);
    if (word->load(std::memory_order_acquire) != expected) return true;
    ++b.waiters;
    bool in_time = true;
    if (deadline) in_time = b.cv.wait_until(lk, *deadline) == std::cv_status::no_timeout;
    else b.cv.wait(lk);
    --b.waiters;
    return in_time || word->load(std::memory_order_acquire) != expected;
}

void ParkingLot::unpark(const void* word) {
    Bucket& b = bucket(word);
    std::lock_guard<std::mutex> lk(b.mu);
    if (b.waiters) b.cv.notify_all();
}

} // namespace bp::thread
