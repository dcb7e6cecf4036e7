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
// running; otherwise blocks safe for the collector, publishing `what` in waiting_for. With a
// deadline (nullptr: none) it gives up when it passes: returns false and `take` does not run.
// A timed wait is never registered with the wait-for graph: time can always wake it, so it must
// not count towards a global deadlock (docs/threading.md "Deadlocks").
template <class Ready, class Take>
bool wait_and_take(VmThread& t, const void* what, std::mutex& mu, std::condition_variable& cv, Ready ready, Take take,
                   const Deadline* deadline = nullptr) {
    {
        std::lock_guard<std::mutex> lk(mu);
        if (ready()) {
            take();
            return true;
        }
    }
    t.waiting_for.store(what, std::memory_order_relaxed);
    bool ok = true;
    {
        TraceScope trace(t, TraceKind::SyncWait, static_cast<const Handle*>(what));
        SafeRegion safe(t);
        std::unique_lock<std::mutex> lk(mu);
        if (deadline) ok = cv.wait_until(lk, *deadline, ready);
        else cv.wait(lk, ready);
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
        if (l->writer == self_tag(t)) rt::raise(ErrorKind::DeadlockError, "read_lock: this thread holds the write lock");
    }
    return wait_and_take(t, l, l->mu, l->cv, [&] { return l->writer == 0 && l->writers_waiting == 0; },
                         [&] { ++l->readers; }, deadline);
}

void rwlock_read_unlock(RWLockHandle* l) {
    std::lock_guard<std::mutex> lk(l->mu);
    if (l->readers == 0) rt::raise(ErrorKind::LockError, "read_unlock: the lock is not read-locked");
    if (--l->readers == 0) l->cv.notify_all();
}

void rwlock_write_lock(VmThread& t, RWLockHandle* l) { rwlock_write_lock_until(t, l, nullptr); }

// A writer that gives up withdraws from writers_waiting and wakes the readers it was holding back.
bool rwlock_write_lock_until(VmThread& t, RWLockHandle* l, const Deadline* deadline) {
    {
        std::lock_guard<std::mutex> lk(l->mu);
        if (l->writer == self_tag(t))
            rt::raise(ErrorKind::DeadlockError, "write_lock: this thread already holds the write lock");
        ++l->writers_waiting;
    }
    bool got = wait_and_take(t, l, l->mu, l->cv, [&] { return l->writer == 0 && l->readers == 0; }, [&] {
        --l->writers_waiting;
        l->writer = self_tag(t);
    }, deadline);
    if (!got) {
        std::lock_guard<std::mutex> lk(l->mu);
        --l->writers_waiting;
        l->cv.notify_all();
    }
    return got;
}

void rwlock_write_unlock(VmThread& t, RWLockHandle* l) {
    std::lock_guard<std::mutex> lk(l->mu);
    if (l->writer == 0) rt::raise(ErrorKind::LockError, "write_unlock: the lock is not write-locked");
    if (l->writer != self_tag(t)) rt::raise(ErrorKind::LockError, "write_unlock: the write lock is held by another thread");
    l->writer = 0;
    l->cv.notify_all();
}

// ---- Semaphore

void sem_acquire(VmThread& t, SemaphoreHandle* s) { sem_acquire_until(t, s, nullptr); }

bool sem_acquire_until(VmThread& t, SemaphoreHandle* s, const Deadline* deadline) {
    return wait_and_take(t, s, s->mu, s->cv, [&] { return s->permits > 0; }, [&] { --s->permits; }, deadline);
}

bool sem_try_acquire(SemaphoreHandle* s) {
    std::lock_guard<std::mutex> lk(s->mu);
    if (s->permits == 0) return false;
    --s->permits;
    return true;
}

void sem_release(SemaphoreHandle* s) {
    std::lock_guard<std::mutex> lk(s->mu);
    ++s->permits;
    s->cv.notify_one();
}

// ---- WaitGroup

void wg_add(WaitGroupHandle* w, int64_t n) {
    std::lock_guard<std::mutex> lk(w->mu);
    if (w->count + n < 0) rt::raise(ErrorKind::ValueError, "WaitGroup counter would go negative");
    w->count += n;
    if (w->count == 0) w->cv.notify_all();
}

void wg_wait(VmThread& t, WaitGroupHandle* w) { wg_wait_until(t, w, nullptr); }

bool wg_wait_until(VmThread& t, WaitGroupHandle* w, const Deadline* deadline) {
    return wait_and_take(t, w, w->mu, w->cv, [&] { return w->count == 0; }, [] {}, deadline);
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
            b->cv.notify_all();
            return true;
        }
        gen = b->generation;
    }
    wait_and_take(t, b, b->mu, b->cv, [&] { return b->generation != gen; }, [] {});
    return false;
}

// ---- Once: f runs exactly once; concurrent callers wait until it has finished. If f raises, the
// caller that ran it gets the exception and the Once still counts as done (Go's sync.Once).

void once_call(VmThread& t, OnceHandle* o, Closure* fn) {
    {
        std::lock_guard<std::mutex> lk(o->mu);
        if (o->state == OnceState::Done) return;
        if (o->state == OnceState::Running && o->runner == self_tag(t))
            rt::raise(ErrorKind::DeadlockError, "once_call: called again from inside its own function");
        if (o->state == OnceState::Fresh) {
            o->state = OnceState::Running;
            o->runner = self_tag(t);
        } else {
            fn = nullptr; // another thread runs it: wait below
        }
    }
    if (!fn) {
        wait_and_take(t, o, o->mu, o->cv, [&] { return o->state == OnceState::Done; }, [] {});
        return;
    }
    struct Finish {
        OnceHandle* o;
        ~Finish() {
            std::lock_guard<std::mutex> lk(o->mu);
            o->state = OnceState::Done;
            o->runner = 0;
            o->cv.notify_all();
        }
    } finish{o};
    call_closure(t, fn, nullptr, 0);
}

} // namespace bp::thread
