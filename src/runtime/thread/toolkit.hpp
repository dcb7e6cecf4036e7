// The concurrency toolkit's handles and operations: atomics, thread pools, futures, workers,
// read-write locks, semaphores, wait groups, barriers, once and thread-local values, plus the
// parking lot that gives mutexes and conditions timed waits. Design: docs/threading.md
// ("Concurrency toolkit").
//
// All handles follow handles.hpp: native objects with an Obj header, owned by the ThreadRuntime
// registry, marked and traced by the collector and freed once unreachable and not in use. Heap
// references they hold (a future's function, arguments and result, a Tls's values) are traced by
// ThreadRuntime::visit_handle.
//
// Blocking follows one pattern (wait_and_take in toolkit.cpp): try under the handle's std::mutex
// while running; otherwise publish the handle in VmThread::waiting_for, enter the collector-safe
// state, take the std::mutex there, wait on the std::condition_variable (optionally until a
// deadline), apply the state change, and release the std::mutex before leaving the safe state
// (leaving may wait for a collection; holding a std::mutex then could stall a running thread that
// the collector waits for). Nothing in a safe state touches the heap.
#pragma once
#include "runtime/thread/handles.hpp"
#include "base/cpu_relax.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace bp {
class VmThread;
}

namespace bp::thread {

using Clock = std::chrono::steady_clock;
using Deadline = Clock::time_point;

// True if `word` moves away from `seen` within a short spin (~200 pause instructions, a few
// microseconds). Blocking waits (conditions, channels) call it before parking: a hand-off between
// threads on two cores usually lands within that time, while a wake-up from the kernel costs tens
// of microseconds. Call it in the safe state (it touches no heap object).
inline bool spin_until_changed(const std::atomic<uint32_t>& word, uint32_t seen) {
    for (int i = 0; i < 200; ++i) {
        if (word.load(std::memory_order_acquire) != seen) return true;
        base::cpu_relax();
    }
    return false;
}

// True if another core can run the thread we wait for (computed once). On one core a spin only
// delays that thread, so spin_for gives up at once.
bool spinning_helps();

// True if done() holds within `budget` of spinning (pause instructions, the clock read every 32
// rounds). For hand-offs that take a few microseconds on two cores (a thread's start and end),
// where a kernel wake-up costs 10-50 us: spin about as long as a park + wake would cost, then
// park. done() must only read atomics (it runs in the safe state, or with no VmThread at all).
template <class Done>
bool spin_for(Done done, std::chrono::nanoseconds budget) {
    if (done()) return true;
    if (!spinning_helps()) return false;
    const auto until = Clock::now() + budget;
    for (;;) {
        for (int i = 0; i < 32; ++i) {
            base::cpu_relax();
            if (done()) return true;
        }
        if (Clock::now() >= until) return false;
    }
}

// Whether spinning pays at one call site, learnt from its recent outcomes. A spin only wins when
// the thread we wait for is running on another core; when cores are oversubscribed (or the
// awaited thread is a long one) spins keep failing, and each failed spin burns a core the awaited
// thread may need. So a site whose spins mostly fail (score below 0) spins only on every 8th
// wait, to notice when spinning starts paying again.
// Threading: the score and probe counter are relaxed atomics shared by every thread at the site;
// a lost update only nudges a heuristic.
class SpinGauge {
public:
    template <class Done>
    bool spin(Done done, std::chrono::nanoseconds budget) {
        if (done()) return true;
        int32_t s = m_score.load(std::memory_order_relaxed);
        if (s < 0 && (m_probe.fetch_add(1, std::memory_order_relaxed) & 7) != 0) return false;
        bool ok = spin_for(done, budget);
        s = ok ? (s < kLimit ? s + 1 : s) : (s > -kLimit ? s - 1 : s);
        m_score.store(s, std::memory_order_relaxed);
        return ok;
    }

private:
    static constexpr int32_t kLimit = 8;
    std::atomic<int32_t> m_score{0};
    std::atomic<uint32_t> m_probe{0};
};

// A futex-like wait on a 32-bit word with an optional deadline, which std::atomic::wait lacks.
// Addresses hash to 64 buckets of {std::mutex, std::condition_variable, waiter count}. park()
// re-checks the word under the bucket lock, so an unpark() that changes the word first and then
// takes the bucket lock can never be missed. unpark wakes every waiter of the bucket (they re-check
// their word): simple, and buckets are rarely shared.
// Threading: fully thread-safe; lives in ThreadRuntime.
class ParkingLot {
public:
    // Blocks while *word == expected until an unpark of `word` (or a spurious wake-up) or the
    // deadline (nullptr: none). Returns false if the deadline passed.
    bool park(const std::atomic<uint32_t>* word, uint32_t expected, const Deadline* deadline);
    void unpark(const void* word);

private:
    struct Bucket {
        std::mutex mu;
        std::condition_variable cv;
        uint32_t waiters = 0;
    };
    static constexpr size_t kBuckets = 64;
    Bucket& bucket(const void* p) { return m_buckets[(reinterpret_cast<uintptr_t>(p) >> 4) % kBuckets]; }
    Bucket m_buckets[kBuckets];
};

// A counter bumped only under its owner's lock (the wait-for graph's words: WaitOn in deadlock.hpp):
// a plain load and store, no locked instruction; readers without the lock load it acquire.
inline void bump_locked(std::atomic<uint32_t>& word) {
    word.store(word.load(std::memory_order_relaxed) + 1, std::memory_order_release);
}

// Threading: one sequentially consistent std::atomic.
struct AtomicHandle : Handle {
    std::atomic<int64_t> value{0};
};

struct PoolHandle;

enum class FutureState : uint8_t { Pending, Running, Done, Failed, Cancelled };

// A task submitted to a pool or worker, and its outcome.
// Threading: `state`, `result` and the failure are guarded by `mu` (state is also atomic for
// future_done). `fn`/`args` are written before the future is queued (the queue's mutex publishes
// them) and cleared by the running thread. The collector reads fn, args and result while the
// world is stopped.
struct FutureHandle : Handle {
    PoolHandle* pool = nullptr; // immutable
    Closure* fn = nullptr;
    std::vector<Value> args;
    std::vector<uint8_t> arg_is_ref;
    const types::Type* result_type = nullptr;
    std::mutex mu;
    std::condition_variable cv; // signalled when the state becomes Done, Failed or Cancelled
    std::atomic<FutureState> state{FutureState::Pending};
    // The pool thread running the task (id + 1; 0 before it starts and once it finished): the
    // wait-for graph's owner of the future (deadlock.hpp). Written under `mu`, read relaxed.
    std::atomic<uint32_t> runner{0};
    uint32_t serial = 0; // "Future-<serial>" in deadlock reports; 0 for pool_map's (immutable)
    Box* result = nullptr;
    ErrorKind error_kind = ErrorKind::Exception;
    std::string error_message, error_traceback;
    std::shared_ptr<OutputCapture> capture; // --parallel-main: the submitter's (immutable)
};

// A pool of threads (or a Worker: one thread) taking futures from a FIFO queue.
// Threading: everything but the immutable fields is guarded by `mu`; `work_cv` wakes the pool's
// threads (work or shutdown), `idle_cv` wakes shutdown waiters. `private_tasks` are pool_map's
// unregistered futures, rooted through the pool while they exist.
struct PoolHandle : Handle {
    bool is_worker = false; // immutable
    uint32_t size = 0;      // immutable: thread count
    std::mutex mu;
    std::condition_variable work_cv, idle_cv;
    std::deque<FutureHandle*> queue;
    std::unordered_set<FutureHandle*> private_tasks;
    uint32_t running = 0; // tasks being run now
    uint32_t live = 0;    // threads that have not finished their loop
    bool shutdown = false;
    // Bumped under `mu` when work arrives or shutdown begins (work_seq) and when a thread ends its
    // loop (exit_seq): the wait-for graph's "has anything happened" words for idle pool threads
    // and pool_shutdown waits (deadlock.hpp, WaitOn).
    std::atomic<uint32_t> work_seq{0}, exit_seq{0};
};

// The toolkit primitives below share two fields for the wait-for graph (deadlock.hpp): `serial`
// ("RWLock-3" in deadlock reports; set at creation, immutable) and `version`, bumped under `mu`
// wherever the primitive notifies its condition variable, i.e. at every change that can let a
// waiter through (the WaitOn word). Everything else is guarded by `mu`.

// Writer-preferring read-write lock. `writer` is written under `mu` and also read, relaxed, by
// the wait-for graph (the write holder is an owner, like a mutex's).
struct RWLockHandle : Handle {
    std::mutex mu;
    std::condition_variable cv;
    uint32_t readers = 0;
    uint32_t writers_waiting = 0;
    std::atomic<uint32_t> writer{0}; // owner's thread id + 1, 0 = not write-locked
    std::atomic<uint32_t> version{0};
    uint32_t serial = 0;
};

// Counting semaphore, wait group and barrier. A semaphore's `permits` is changed under `mu` and
// also read, relaxed, by the wait-for graph: sem_release wakes one waiter, so "no permit left"
// (not the version) is what tells the graph that the others are still stuck.
struct SemaphoreHandle : Handle {
    std::mutex mu;
    std::condition_variable cv;
    std::atomic<int64_t> permits{0};
    std::atomic<uint32_t> version{0};
    uint32_t serial = 0;
};
struct WaitGroupHandle : Handle {
    std::mutex mu;
    std::condition_variable cv;
    int64_t count = 0;
    std::atomic<uint32_t> version{0};
    uint32_t serial = 0;
};
struct BarrierHandle : Handle {
    std::mutex mu;
    std::condition_variable cv;
    int64_t parties = 0; // immutable
    int64_t arrived = 0;
    uint64_t generation = 0;
    std::atomic<uint32_t> version{0};
    uint32_t serial = 0;
};

enum class OnceState : uint8_t { Fresh, Running, Done };
// Threading: fields guarded by `mu`; `runner` is the running thread's id + 1 (also read, relaxed,
// by the wait-for graph: the owner that callers wait for).
struct OnceHandle : Handle {
    std::mutex mu;
    std::condition_variable cv;
    OnceState state = OnceState::Fresh;
    std::atomic<uint32_t> runner{0};
    std::atomic<uint32_t> version{0};
    uint32_t serial = 0;
};

// One value per thread (keyed by thread id). Threading: `values` guarded by `mu`; the collector
// reads it while the world is stopped (it is changed only by running threads).
struct TlsHandle : Handle {
    std::mutex mu;
    std::unordered_map<uint32_t, Box*> values;
};

// ---- operations (toolkit.cpp, pool.cpp). Errors are typed exceptions (rt::Raise).
bool mutex_lock_timeout(VmThread& t, MutexHandle* m, int64_t ms);
// `m`: the mutex passed to cond_wait_timeout(c, m, ms), nullptr for a bound condition.
bool cond_wait_timeout(VmThread& t, CondHandle* c, MutexHandle* m, int64_t ms);

void rwlock_read_lock(VmThread& t, RWLockHandle* l);
void rwlock_read_unlock(RWLockHandle* l);
void rwlock_write_lock(VmThread& t, RWLockHandle* l);
void rwlock_write_unlock(VmThread& t, RWLockHandle* l);
void sem_acquire(VmThread& t, SemaphoreHandle* s);
bool sem_try_acquire(SemaphoreHandle* s);
void sem_release(SemaphoreHandle* s);
void wg_add(WaitGroupHandle* w, int64_t n);
void wg_wait(VmThread& t, WaitGroupHandle* w);
bool barrier_wait(VmThread& t, BarrierHandle* b);
// Timed forms (ms >= 0): false when the timeout passed first, with nothing acquired. The `_until`
// forms take an optional deadline (nullptr: wait forever; then they always return true).
bool rwlock_read_lock_until(VmThread& t, RWLockHandle* l, const Deadline* deadline);
bool rwlock_write_lock_until(VmThread& t, RWLockHandle* l, const Deadline* deadline);
bool sem_acquire_until(VmThread& t, SemaphoreHandle* s, const Deadline* deadline);
bool wg_wait_until(VmThread& t, WaitGroupHandle* w, const Deadline* deadline);
bool rwlock_read_lock_timeout(VmThread& t, RWLockHandle* l, int64_t ms);
bool rwlock_write_lock_timeout(VmThread& t, RWLockHandle* l, int64_t ms);
bool sem_acquire_timeout(VmThread& t, SemaphoreHandle* s, int64_t ms);
bool wg_wait_timeout(VmThread& t, WaitGroupHandle* w, int64_t ms);
void once_call(VmThread& t, OnceHandle* o, Closure* fn);

// Runs `fn(args)` on the current thread from inside a builtin; an exception that escapes it is
// re-raised as the same kind and message, chained to its traceback ("The above exception was the
// direct cause ...").
Value call_closure(VmThread& t, Closure* fn, const Value* args, uint32_t nargs);
// The chained re-raise of a failure recorded elsewhere (a future, a once function).
[[noreturn]] void raise_chained(ErrorKind kind, const std::string& message, const std::string& traceback);

// Future results: the result box (any); TimeoutError, CancelledError or the task's exception.
Value future_get(VmThread& t, FutureHandle* f, int64_t timeout_ms); // timeout_ms < 0: none
bool future_cancel(FutureHandle* f);

} // namespace bp::thread
