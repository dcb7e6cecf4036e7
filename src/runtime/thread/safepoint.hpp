// The stop-the-world handshake between the collector and the mutator threads.
//
// Every VmThread has a gc_state: kRunning (may touch the heap), kSafe (blocked in join, lock,
// condition wait, sleep or read_line: counts as stopped, must not touch the heap) or kParked
// (stopped at a safepoint for a collection). A collector (the thread whose safepoint found
// Heap::collection_due set) takes Vm::threads_mu, sets Vm::stop_requested and waits, still holding
// threads_mu, until no other attached thread is kRunning; it then collects with threads_mu held
// and clears the request. A running thread's safepoint poll is the single relaxed load of
// Heap::collection_due (the collector keeps it set for the whole stop), so polls cost nothing more
// than before threads existed.
//
// Neither side sleeps if it need not (two threads on two cores, on a machine shared with other
// processes: a thread that sleeps in the kernel gives its core away and may wait a scheduler tick
// to get it back). The collector spins for up to 50 us while the running threads have a core
// each, then sleeps on Vm::threads_cv with Vm::stop_waiting raised. A thread that sees the stop
// at a safepoint parks without threads_mu (park_for_stop): it stores kParked and spins until the
// stop ends, running the pause's parallel jobs as a helper would (Heap::park_spin; at most
// cores - 1 spinners, 250 us at most without a job), else sleeps on threads_cv.
//
// Entering the safe state is one seq_cst store (plus a notify under threads_mu if stop_waiting is
// raised: a seq_cst load, so either the sleeping collector sees the state before it sleeps or the
// thread sees the flag); leaving it is a seq_cst store of kRunning followed by a seq_cst load of
// stop_requested: if a stop is pending the thread steps back to kSafe and waits for the collection
// to end before touching the heap. The two seq_cst pairs (collector: store request, load states;
// mutator: store state, load request) form a Dekker handshake: at least one side sees the other,
// so the collector never starts while a leaving thread believes no stop is pending. A parked
// thread whose spin saw the stop end resumes the same way (kRunning, then check the request).
//
// Builtins may hold raw Obj* in C++ locals only while kRunning: a blocking builtin must keep what it
// needs reachable from registers or handles before it enters the safe state (handles are never
// freed; registers of live frames are roots), and must re-read heap objects after leaving it.
#pragma once
#include "vm/vm.hpp"

#include <mutex>

namespace bp::thread {

inline constexpr uint8_t kRunning = 0;
inline constexpr uint8_t kSafe = 1;
inline constexpr uint8_t kParked = 2;

void enter_safe(VmThread& t);
void leave_safe(VmThread& t);

// Marks the thread safe for its lifetime (RAII), e.g. around a blocking system call.
class SafeRegion {
public:
    explicit SafeRegion(VmThread& t) : m_t(t) { enter_safe(t); }
    ~SafeRegion() { leave_safe(m_t); }
    SafeRegion(const SafeRegion&) = delete;
    SafeRegion& operator=(const SafeRegion&) = delete;

private:
    VmThread& m_t;
};

// Called by Heap::collect with threads_mu held: if another thread's stop is in progress, releases
// `lk`, parks `t` until the stop ends (park_for_stop) and returns false; otherwise requests a stop,
// waits until every other thread is stopped and returns true (the caller then collects and calls
// resume_world).
bool stop_world(VmThread& t, std::unique_lock<std::mutex>& lk);
// A running thread that saw stop_requested at a safepoint, holding no lock: parks until the stop
// ends (spinning, and helping the pause's parallel jobs, when a core is free: Heap::park_spin),
// then is kRunning again.
void park_for_stop(VmThread& t);
void resume_world(Vm& vm);

// The thread dump's stop (dump.hpp), from a thread that is not a VmThread, with threads_mu held:
// waits until no other stop is in progress, requests one, raises Heap::collection_due so running
// threads park at their next safepoint, and waits until no attached thread is kRunning. Returns
// collection_due's previous value (the caller restores it before resume_world).
bool stop_world_from_outside(Vm& vm, std::unique_lock<std::mutex>& lk);

} // namespace bp::thread
