// The stop-the-world handshake between the collector and the mutator threads.
//
// Every VmThread has a gc_state: kRunning (may touch the heap), kSafe (blocked in join, lock,
// condition wait, sleep or read_line: counts as stopped, must not touch the heap) or kParked
// (stopped at a safepoint for a collection). A collector (the thread whose safepoint found
// Heap::collection_due set) takes Vm::threads_mu, sets Vm::stop_requested and waits on
// Vm::threads_cv until no other attached thread is kRunning; it then collects with threads_mu held
// and clears the request. A running thread's safepoint poll is the single relaxed load of
// Heap::collection_due (the collector keeps it set for the whole stop), so polls cost nothing more
// than before threads existed.
//
// Entering the safe state is one seq_cst store (plus a notify if a stop is pending); leaving it is
// a seq_cst store of kRunning followed by a seq_cst load of stop_requested: if a stop is pending
// the thread steps back to kSafe and waits for the collection to end before touching the heap.
// The two seq_cst pairs (collector: store request, load states; mutator: store state, load
// request) form a Dekker handshake: at least one side sees the other, so the collector never
// starts while a leaving thread believes no stop is pending.
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

// Called by Heap::collect with threads_mu held: if another thread's stop is in progress, parks `t`
// until it ends and returns false; otherwise requests a stop, waits until every other thread is
// stopped and returns true (the caller then collects and calls resume_world).
bool stop_world(VmThread& t, std::unique_lock<std::mutex>& lk);
void resume_world(Vm& vm);

// The thread dump's stop (dump.hpp), from a thread that is not a VmThread, with threads_mu held:
// waits until no other stop is in progress, requests one, raises Heap::collection_due so running
// threads park at their next safepoint, and waits until no attached thread is kRunning. Returns
// collection_due's previous value (the caller restores it before resume_world).
bool stop_world_from_outside(Vm& vm, std::unique_lock<std::mutex>& lk);

} // namespace bp::thread
