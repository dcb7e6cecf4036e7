// Synchronisation primitives of the concurrency toolkit: read-write locks (writer preference),
// semaphores, wait groups, barriers and once; plus running a closure from a builtin and the
// chained re-raise of a failure recorded on another thread. Pools and futures: pool.cpp; timed
// mutex/condition waits: mutex.cpp. Design: docs/threading.md ("Concurrency toolkit").
#include "runtime/rt.hpp"
#include "runtime/thread/runtime.hpp"
#include "runtime/thread/safepoint.hpp"
#include "runtime/thread/trace.hpp"
#include "vm/interp.hpp"

#include <thread>

namespace bp::thread {

bool spinning_helps() {
    static const bool helps = std::thread::hardware_concurrency() != 1; // 0: unknown, assume several
    return helps;
}

namespace {

inline uint32_t self_tag(const VmThread& t) { return t.id + 1; }

// The blocking pattern of toolkit.hpp: `take` runs under `mu` once `ready` holds. Fast path while
// running; otherwise blocks safe for the collector, publishing the handle in waiting_for. With a
// deadline (nullptr: none) it gives up when it passes: returns false and `take` does not run.
//
// The wait-for graph (deadlock.hpp): `on.word` is the primitive's version, bumped under `mu`
// wherever it notifies `cv`. The version is read under `mu` in the same critical section that
// found `ready` false, so "the version has not moved" proves nothing could have let this thread
// through since. For an untimed wait begin_wait then checks for a cycle (may raise DeadlockError:
// nothing is held yet) and registers. A wake-up that finds `ready` still false (another thread
// took the permit first) re-registers from the current version (rewait), so the graph never keeps
// a stale "something happened" that would hide a later deadlock. The waiter unregisters under
// `mu` before `take` runs: no walk sees it both waiting for and holding an RWLock. Lock order:
// the primitive's `mu`, then the graph's. A timed wait is never checked nor registered: time can
// always wake it, so it is never part of a deadlock (docs/threading.md "Deadlocks").
template <class Ready, class Take>
bool wait_and_take(VmThread& t, WaitOn on, std::mutex& mu, std::condition_variable& cv, Ready ready, Take take,
                   const Deadline* deadline = nullptr) {
    {
        std::lock_guard<std::mutex> lk(mu);
        if (ready()) {
            take();
            return true;
        }
        on.seq = on.word->load(std::memory_order_relaxed); // relaxed: we hold mu, its only writer's lock
    }
    WaitGraph& graph = t.vm.threading->graph();
    bool timed = deadline != nullptr;
    // DeadlockError if it closes a cycle (nothing is registered then). A timed wait is neither
    // checked nor registered: it ends by its deadline, so it is never part of a deadlock.
    if (!timed) graph.begin_wait(t, on);
    t.waiting_for.store(on.on, std::memory_order_relaxed);
    bool ok = true;
    {
        TraceScope trace(t, TraceKind::SyncWait, on.on);
        SafeRegion safe(t);
        std::unique_lock<std::mutex> lk(mu);
        for (;;) {
            if (ready()) break;
            if (!timed) {
                uint32_t now = on.word->load(std::memory_order_relaxed);
                if (now != on.seq) graph.rewait(t, on.seq = now); // woken, but someone else got through
                cv.wait(lk);
            } else if (cv.wait_until(lk, *deadline) == std::cv_status::timeout && !ready()) {
                ok = false;
                break;
            }
        }
        if (!timed) graph.end_wait(t);
        if (ok) take();
    } // the std::mutex is released before leaving the safe state
    t.waiting_for.store(nullptr, std::memory_order_relaxed);
    return ok;
}

Deadline deadline_in(int64_t ms) { return Clock::now() + std::chrono::milliseconds(ms < 0 ? 0 : ms); }

} // namespace

[[noreturn]] void raise_chained(ErrorKind kind, const std::string& message, const std::string& traceback) {
    throw rt::Raise{kind, message,
                    traceback + "\nThe above exception was the direct cause of the following exception:\n\n"};
}

Value call_closure(VmThread& t, Closure* fn, const Value* args, uint32_t nargs) {
    Value out = Value::zero();
    if (vm::run_closure(t, fn, args, nargs, &out)) return out;
    ErrorKind kind = ErrorKind::Exception;
    std::string message, trace;
    describe_failure(t, kind, message, trace);
    raise_chained(kind, message, trace);
}

// ---- RWLock: writers waiting block new readers (writer preference, no writer starvation).

void rwlock_read_lock(VmThread& t, RWLockHandle* l) { rwlock_read_lock_until(t, l, nullptr); }

bool rwlock_read_lock_until(VmThread& t, RWLockHandle* l, const Deadline* deadline) {
    {
        std::lock_guard<std::mutex> lk(l->mu);
        if (l->writer.load(std::memory_order_relaxed) == self_tag(t))
            rt::raise(ErrorKind::DeadlockError, "read_lock: this thread holds the write lock");
    }
    return wait_and_take(
        t, WaitOn{WaitOp::ReadLock, l, &l->version}, l->mu, l->cv,
        [&] { return l->writer.load(std::memory_order_relaxed) == 0 && l->writers_waiting == 0; },
        [&] { ++l->readers; }, deadline);
}

void rwlock_read_unlock(RWLockHandle* l) {
    std::lock_guard<std::mutex> lk(l->mu);
    if (l->readers == 0) rt::raise(ErrorKind::LockError, "read_unlock: the lock is not read-locked");
    if (--l->readers == 0) {
        bump_locked(l->version);
        l->cv.notify_all();
    }
}

void rwlock_write_lock(VmThread& t, RWLockHandle* l) { rwlock_write_lock_until(t, l, nullptr); }

// A writer that gives up (or is refused: its wait would close a cycle) withdraws from
// writers_waiting and wakes the readers it was holding back.
bool rwlock_write_lock_until(VmThread& t, RWLockHandle* l, const Deadline* deadline) {
    {
        std::lock_guard<std::mutex> lk(l->mu);
        if (l->writer.load(std::memory_order_relaxed) == self_tag(t))
            rt::raise(ErrorKind::DeadlockError, "write_lock: this thread already holds the write lock");
        ++l->writers_waiting;
    }
    auto withdraw = [&] {
        std::lock_guard<std::mutex> lk(l->mu);
        --l->writers_waiting;
        bump_locked(l->version);
        l->cv.notify_all();
    };
    bool got = false;
    try {
        got = wait_and_take(
            t, WaitOn{WaitOp::WriteLock, l, &l->version}, l->mu, l->cv,
            [&] { return l->writer.load(std::memory_order_relaxed) == 0 && l->readers == 0; },
            [&] {
                --l->writers_waiting;
                l->writer.store(self_tag(t), std::memory_order_relaxed);
            },
            deadline);
    } catch (...) {
        withdraw();
        throw;
    }
    if (!got) withdraw();
    return got;
}

void rwlock_write_unlock(VmThread& t, RWLockHandle* l) {
    std::lock_guard<std::mutex> lk(l->mu);
    uint32_t writer = l->writer.load(std::memory_order_relaxed);
    if (writer == 0) rt::raise(ErrorKind::LockError, "write_unlock: the lock is not write-locked");
    if (writer != self_tag(t))
        rt::raise(ErrorKind::LockError, "write_unlock: the write lock is held by another thread");
    l->writer.store(0, std::memory_order_relaxed);
    bump_locked(l->version);
    l->cv.notify_all();
}

// ---- Semaphore

namespace {
// With s->mu held (the only writers' lock): a plain load and store, no locked instruction.
void add_permits(SemaphoreHandle* s, int64_t n) {
    s->permits.store(s->permits.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}
} // namespace

void sem_acquire(VmThread& t, SemaphoreHandle* s) { sem_acquire_until(t, s, nullptr); }

bool sem_acquire_until(VmThread& t, SemaphoreHandle* s, const Deadline* deadline) {
    return wait_and_take(
        t, WaitOn{WaitOp::Semaphore, s, &s->version}, s->mu, s->cv,
        [&] { return s->permits.load(std::memory_order_relaxed) > 0; }, [&] { add_permits(s, -1); }, deadline);
}

bool sem_try_acquire(SemaphoreHandle* s) {
    std::lock_guard<std::mutex> lk(s->mu);
    if (s->permits.load(std::memory_order_relaxed) == 0) return false;
    add_permits(s, -1);
    return true;
}

void sem_release(SemaphoreHandle* s) {
    std::lock_guard<std::mutex> lk(s->mu);
    add_permits(s, 1);
    bump_locked(s->version);
    s->cv.notify_one();
}

// ---- WaitGroup

void wg_add(WaitGroupHandle* w, int64_t n) {
    std::lock_guard<std::mutex> lk(w->mu);
    if (w->count + n < 0) rt::raise(ErrorKind::ValueError, "WaitGroup counter would go negative");
    w->count += n;
    if (w->count == 0) {
        bump_locked(w->version);
        w->cv.notify_all();
    }
}

void wg_wait(VmThread& t, WaitGroupHandle* w) { wg_wait_until(t, w, nullptr); }

bool wg_wait_until(VmThread& t, WaitGroupHandle* w, const Deadline* deadline) {
    return wait_and_take(t, WaitOn{WaitOp::WaitGroup, w, &w->version}, w->mu, w->cv, [&] { return w->count == 0; },
                         [] {}, deadline);
}

// ---- timed forms: false when the timeout passed first (nothing acquired)

bool sem_acquire_timeout(VmThread& t, SemaphoreHandle* s, int64_t ms) {
    Deadline d = deadline_in(ms);
    return sem_acquire_until(t, s, &d);
}
bool wg_wait_timeout(VmThread& t, WaitGroupHandle* w, int64_t ms) {
    Deadline d = deadline_in(ms);
    return wg_wait_until(t, w, &d);
}
bool rwlock_read_lock_timeout(VmThread& t, RWLockHandle* l, int64_t ms) {
    Deadline d = deadline_in(ms);
    return rwlock_read_lock_until(t, l, &d);
}
bool rwlock_write_lock_timeout(VmThread& t, RWLockHandle* l, int64_t ms) {
    Deadline d = deadline_in(ms);
    return rwlock_write_lock_until(t, l, &d);
}

// ---- Barrier: cyclic; the last thread to arrive releases the others and is the leader.

bool barrier_wait(VmThread& t, BarrierHandle* b) {
    uint64_t gen = 0;
    {
        std::lock_guard<std::mutex> lk(b->mu);
        if (++b->arrived == b->parties) {
            b->arrived = 0;
            ++b->generation;
            bump_locked(b->version);
            b->cv.notify_all();
            return true;
        }
        gen = b->generation;
    }
    wait_and_take(t, WaitOn{WaitOp::Barrier, b, &b->version}, b->mu, b->cv, [&] { return b->generation != gen; },
                  [] {});
    return false;
}

// ---- Once: f runs exactly once; concurrent callers wait until it has finished. If f raises, the
// caller that ran it gets the exception and the Once still counts as done (Go's sync.Once).

void once_call(VmThread& t, OnceHandle* o, Closure* fn) {
    {
        std::lock_guard<std::mutex> lk(o->mu);
        if (o->state == OnceState::Done) return;
        if (o->state == OnceState::Running && o->runner.load(std::memory_order_relaxed) == self_tag(t))
            rt::raise(ErrorKind::DeadlockError, "once_call: called again from inside its own function");
        if (o->state == OnceState::Fresh) {
            o->state = OnceState::Running;
            o->runner.store(self_tag(t), std::memory_order_relaxed);
        } else {
            fn = nullptr; // another thread runs it: wait below
        }
    }
    if (!fn) {
        wait_and_take(t, WaitOn{WaitOp::Once, o, &o->version}, o->mu, o->cv,
                      [&] { return o->state == OnceState::Done; }, [] {});
        return;
    }
    struct Finish {
        OnceHandle* o;
        ~Finish() {
            std::lock_guard<std::mutex> lk(o->mu);
            o->state = OnceState::Done;
            o->runner.store(0, std::memory_order_relaxed);
            bump_locked(o->version);
            o->cv.notify_all();
        }
    } finish{o};
    call_closure(t, fn, nullptr, 0);
}

} // namespace bp::thread
