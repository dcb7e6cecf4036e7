// Deadlocks reported, not suffered (LANGUAGE.md §11.7): the wait-for graph, cycle detection at
// block time, global-deadlock detection, lock-order checking and thread names.
//
// The essay (the full design is in docs/threading.md, "Deadlocks"):
//
// Nothing here runs on an uncontended path. A thread that is about to block (a contended
// mutex_lock after its spins, a join of a running thread, a cond_wait, main waiting for threads at
// program end) calls WaitGraph::begin_wait, which takes the graph mutex `m_mu`, follows the
// wait-for edges from what it wants (a mutex leads to its owner, a thread handle to that thread;
// a condition has no owner and ends the walk), and either refuses the wait (the walk came back to
// the caller: it would close a cycle; DeadlockError, nothing registered) or registers the caller
// as a waiter. Registration and the walk are one critical section, so of the threads that close a
// cycle together exactly one (the last to register) sees it; the others stay blocked until the
// victim releases what it holds. When it wakes, the waiter unregisters (end_wait).
//
// Stale edges are harmless: an edge is only followed through `owner` fields, which are 0 while a
// mutex is free or being taken, and a waiter clears its registration before it sets itself as the
// owner, so a walk never sees a thread as both waiting for and owning a mutex it just got.
//
// Global deadlock: after registering, and whenever a thread exits, the graph compares the number
// of waiters with the number of live threads (ThreadRuntime's OS threads + main). If every thread
// waits, each wait is verified to be still unsatisfiable (a mutex still has an owner, a joined
// thread has not finished, a condition's sequence number has not moved since the wait began):
// waits whose wake-up is already under way are not deadlocked. If all are stuck, the report (every
// thread's name, wait and traceback) goes to stderr, stdout is flushed, and the process exits 70.
// Sleeping threads and threads in read_line or FFI calls are not waiters: time or the outside
// world can wake them.
//
// Lock order (--lock-order): each thread keeps the mutexes it holds in order (VmThread::held_locks);
// each acquisition records the edges held -> new with their sites; an edge whose reverse exists is
// an inversion, warned about once per pair of mutexes.
//
// Threading: every member is guarded by m_mu (the lock-order table by m_order_mu). Lock order:
// m_mu, then ThreadRuntime's m_life_mu or a ThreadHandle's mu; never the reverse.
#pragma once
#include "runtime/thread/handles.hpp"
#include "vm/vm.hpp"

#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace bp::thread {

class ThreadRuntime;

class WaitGraph {
public:
    WaitGraph(Vm& vm, ThreadRuntime& rt) : m_vm(vm), m_rt(rt) {}

    // `t` is about to block on `on` (a mutex, thread or condition handle; for a condition,
    // `cond_seq` is the sequence number the wait started from). Raises DeadlockError if the wait
    // would close a cycle (nothing registered); ends the process (exit 70) on a global deadlock.
    // With `refusable` false (main waiting at program end: nothing could catch the error) a cycle
    // is left to the global check. A `timed` wait (it ends by its deadline) is checked for a
    // cycle but not registered: a thread that time can wake is never part of a global deadlock.
    void begin_wait(VmThread& t, const Handle* on, uint32_t cond_seq = 0, bool refusable = true,
                    bool timed = false);
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
        const Handle* on;
        uint32_t cond_seq;
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
