// Deadlocks reported, not suffered (LANGUAGE.md §11.7): the wait-for graph, cycle detection at
// block time, global-deadlock detection, lock-order checking and thread names.
//
// The essay (the full design is in docs/threading.md, "Deadlocks"):
//
// Nothing here runs on an uncontended path. A thread that is about to block (a contended
// mutex_lock after its spins, a join of a running thread, a cond_wait, a blocked channel send or
// receive, an untimed select, an untimed toolkit wait: sem_acquire, wg_wait, read_lock, write_lock,
// barrier_wait, once_call, future_get / pool_map, pool_shutdown; main waiting for threads and pools
// at program end; an idle pool thread) calls WaitGraph::begin_wait with a WaitOn, which takes the
// graph mutex `m_mu`, follows the wait-for edges from what it wants (holder_of: a mutex leads to
// its owner, a thread handle to that thread, an RWLock to its write holder, a Once to its runner,
// a future to the pool thread running its task; the other kinds have no owner and end the walk),
// and either refuses the wait (the walk came back to the caller: it would close a cycle;
// DeadlockError, nothing registered) or registers the caller as a waiter. Registration and the
// walk are one critical section, so of the threads that close a cycle together exactly one (the
// last to register) sees it; the others stay blocked until the victim releases what it holds.
// When it wakes, the waiter unregisters (end_wait).
//
// Stale edges are harmless: an edge is only followed through owner fields, which are 0 while a
// mutex is free or being taken, and a waiter clears its registration before it sets itself as the
// owner (toolkit waits: under the primitive's lock, before `take`), so a walk never sees a thread
// as both waiting for and owning a lock it just got. A future's runner is only believed while the
// future has not finished: a pool thread registered for its next wait published the previous
// task's outcome first.
//
// Global deadlock: after registering, and whenever a thread exits, the graph compares the number
// of waiters with the number of live threads (ThreadRuntime's OS threads, pool threads included,
// + main). If every thread waits, each wait is verified to be still unsatisfiable (stuck): a mutex
// still has an owner, a joined thread or a future has not finished, and every other kind's word
// (a counter its primitive bumps under its own lock at each change that can let a waiter through)
// still equals the value the waiter read, under that lock, when it found it could not proceed.
// Waits whose wake-up is already under way are thus not deadlocked; a waiter woken for nothing
// re-registers from the current word (rewait). If all are stuck, the report (every thread's name,
// wait and traceback) goes to stderr, stdout is flushed, and the process exits 70. Sleeping
// threads, threads in read_line or FFI calls and timed waits are not waiters: time or the outside
// world can wake them.
//
// Lock order (--lock-order): each thread keeps the mutexes it holds in order (VmThread::held_locks);
// each acquisition records the edges held -> new with their sites; an edge whose reverse exists is
// an inversion, warned about once per pair of mutexes.
//
// Threading: every member is guarded by m_mu (the lock-order table by m_order_mu). Lock order:
// m_mu, then ThreadRuntime's m_life_mu or a ThreadHandle's mu; never the reverse. m_mu may be
// taken under a primitive's own std::mutex (a channel's, a select's, a pool's, a toolkit
// primitive's): the graph only reads atomics of the primitives, never their locks. Nothing that
// holds m_life_mu takes such a lock (new_pool drops it first).
#pragma once
#include "runtime/thread/handles.hpp"
#include "vm/vm.hpp"

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace bp::thread {

class ThreadRuntime;

// What a blocked thread waits for. Each kind knows whether the wait is still unsatisfiable (for
// the global check) and, where the primitive has one, which thread must act first (for cycles).
enum class WaitOp : uint8_t {
    Lock,         // a mutex: held by its owner
    Join,         // a thread handle: "held" by that thread until it finishes
    Cond,         // a condition: no owner; stuck while its sequence word has not moved
    Channel,      // chan_send / chan_recv: no owner; stuck while the channel's version has not moved
    Select,       // an untimed select: stuck while nothing touched any of its channels
    ReadLock,     // an RWLock: write-locked by its writer (an owner), or held back by readers
    WriteLock,    //   or a waiting writer (no owner)
    Semaphore,    // no owner: any thread may release
    WaitGroup,    // no owner: any thread may call wg_done
    Barrier,      // no owner: the missing parties
    Once,         // the thread running the Once's function
    Future,       // the pool thread running the task, once it started
    PoolIdle,     // a pool or worker thread with no task queued (never refused, never a holder)
    PoolShutdown, // pool_shutdown (also at program end) waiting for the pool's threads to end
};

// One wait: `on` is the handle (for a select, its first channel); `word`, when set, is a counter
// the primitive bumps, under its own lock, at every change that can let a waiter through (a
// release, a send, a signal...), and `seq` its value when the waiter last found it could not
// proceed: while *word == seq nothing has happened that could wake the waiter.
struct WaitOn {
    WaitOp op;
    const Handle* on;
    const std::atomic<uint32_t>* word = nullptr;
    uint32_t seq = 0;
};

class WaitGraph {
public:
    WaitGraph(Vm& vm, ThreadRuntime& rt) : m_vm(vm), m_rt(rt) {}

    // `t` is about to block on `on` (a mutex, thread, condition or channel handle; for a condition
    // or channel, `cond_seq` is the sequence number / version the wait started from). Raises
    // DeadlockError if the wait would close a cycle (nothing registered); ends the process (exit 70)
    // on a global deadlock. With `refusable` false (main waiting at program end: nothing could
    // catch the error) a cycle is left to the global check. A `timed` wait (it ends by its
    // deadline) is checked for a cycle but not registered: a thread that time can wake is never
    // part of a global deadlock.
    void begin_wait(VmThread& t, const Handle* on, uint32_t cond_seq = 0, bool refusable = true,
                    bool timed = false);
    // The general form, for every kind of wait (WaitOn above).
    void begin_wait(VmThread& t, const WaitOn& on, bool refusable = true, bool timed = false);
    // A registered waiter that woke without getting what it waited for (the wake-up was taken by
    // another thread) and waits again from `seq`: re-registers it and re-runs the global check.
    // Called under the primitive's std::mutex, like the end_wait that follows it.
    void rewait(VmThread& t, uint32_t seq);
    void end_wait(VmThread& t);
    // A thread left the runtime: the others may now all be waiting.
    void thread_exited();

    // Names (LANGUAGE.md §11.2 thread.set_name): "Thread-<id> (<function>)" unless renamed.
    void set_name(VmThread& t, std::string name);
    std::string name_of(const VmThread& t);

    // --lock-order: t now owns m (blocking: by mutex_lock, not trylock) / released m.
    void lock_taken(VmThread& t, MutexHandle* m, bool blocking);
    void lock_released(VmThread& t, MutexHandle* m);

private:
    struct Waiter {
        VmThread* t;
        WaitOn w;
        const void* proto; // where it waits
        uint32_t pc;
    };
    struct Edge {
        std::string first_site, second_site, thread;
    };

    const Waiter* waiter_of(uint32_t thread_id) const;
    std::string cycle_message(const std::vector<const Waiter*>& cycle);
    std::string describe_wait(const Waiter& w);
    std::string name_locked(const VmThread& t) const;
    std::string name_by_id(uint32_t id) const;
    bool holder_of(const Waiter& w, uint32_t& holder) const;
    std::string label(const Handle* h) const; // "Mutex-3", "Condition-1", a thread's name
    std::string site_of(const void* proto, uint32_t pc) const;
    bool stuck(const Waiter& w) const;
    void check_global_locked();

    Vm& m_vm;
    ThreadRuntime& m_rt;
    std::mutex m_mu;
    std::vector<Waiter> m_waiters;
    const Waiter* m_asking = nullptr; // the would-be waiter while its cycle is described
    std::map<uint32_t, std::string> m_names; // renamed threads by id
    std::mutex m_order_mu;
    // Mutexes by serial (an address can be reused once a collection freed the mutex).
    std::map<std::pair<uint32_t, uint32_t>, Edge> m_order; // (first, second) -> where
    std::map<std::pair<uint32_t, uint32_t>, bool> m_warned;
};

} // namespace bp::thread
