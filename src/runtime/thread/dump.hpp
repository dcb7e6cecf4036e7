// Thread dumps on demand (docs/threading.md "Thread dumps"): SIGQUIT (Ctrl-\) prints every
// thread's name, state and traceback to stderr, and the program carries on.
//
// The essay:
//
// No signal handler runs. The command line blocks SIGQUIT in its first thread before any other
// thread exists (block_dump_signal), so every thread inherits the mask and the signal stays
// pending until the watcher, a plain OS thread (never a VmThread: not attached to the heap, not
// counted by ThreadRuntime::live_threads, so never part of a global deadlock and never a user
// thread), accepts it with sigwait. Nothing async-signal-unsafe can happen, and the default
// action (a core dump) never does.
//
// On each SIGQUIT the watcher stops the world with the collector's handshake, from outside
// (stop_world_from_outside in safepoint.hpp): it waits until no other stop is in progress, requests
// a stop, raises Heap::collection_due so running threads reach their next safepoint and park there
// (a parked thread's top frame pc is saved), and waits until no attached thread is kRunning.
// Blocked threads are already kSafe and their frames are stable. It then formats the dump while
// holding Vm::threads_mu (no thread can attach or detach meanwhile), restores collection_due,
// resumes the world and only then writes the text, so a stderr that blocks stops nobody.
//
// Lock order: Vm::threads_mu, then the WaitGraph's mutex (for names). No holder of the graph mutex
// ever waits for threads_mu, and every thread that could hold the graph mutex while running has
// released it before it parks.
//
// Shutdown: the DumpWatcher is destroyed once the main thread has detached and every other thread
// has exited (or the process ends with _Exit and the watcher with it); the destructor wakes the
// watcher with pthread_kill(SIGQUIT) and a stop flag, then joins it. A SIGQUIT that arrives after
// that stays pending and is discarded at exit.
#pragma once
#include "vm/vm.hpp"

#include <atomic>
#include <string>
#include <thread>

namespace bp::thread {

// Blocks SIGQUIT in the calling thread (threads created afterwards inherit it). Call first thing in
// a program that will run a DumpWatcher, before any other thread is created.
void block_dump_signal();

// The dump of every attached thread. The world must be stopped and Vm::threads_mu held.
std::string format_thread_dump(Vm& vm);

// Stops the world from outside any VmThread, formats the dump, resumes, and writes it to stderr.
void dump_threads(Vm& vm);

// The watcher thread: one dump per SIGQUIT, for as long as it lives.
// Threading: m_stop is set by the owner and read by the watcher (release/acquire).
class DumpWatcher {
public:
    explicit DumpWatcher(Vm& vm);
    ~DumpWatcher();
    DumpWatcher(const DumpWatcher&) = delete;
    DumpWatcher& operator=(const DumpWatcher&) = delete;

private:
    void run();

    Vm& m_vm;
    std::atomic<bool> m_stop{false};
    std::thread m_thread;
};

} // namespace bp::thread
