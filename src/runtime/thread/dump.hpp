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
// action (a core dump) never does. The watcher is bp's first thread (DumpServer::serve), idle
// otherwise while the program runs on the big-stack thread, so dumps cost no thread of their own;
// the Vm to dump is published to it by execute_program (DumpWatcher) and withdrawn before the Vm
// is destroyed.
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
// has exited (or the process ends with _Exit and the watcher with it); the destructor withdraws the
// Vm (waiting for a dump in progress). The serving thread is stopped by pthread_kill(SIGQUIT) to it
// alone and a stop flag: by the big-stack thread once the program is over, or by ~DumpWatcher for a
// watcher thread of its own, which it then joins. A SIGQUIT that arrives after that stays pending
// and is discarded at exit.
#pragma once
#include "vm/vm.hpp"

#include <pthread.h>

#include <atomic>
#include <memory>
#include <mutex>
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

// The watcher's loop: one dump per SIGQUIT of the Vm published at the time, run by whichever thread
// calls serve(). `bp` serves on its first thread, which otherwise would only wait for the big-stack
// thread that runs the program (tools/bp/main.cpp): no thread is created for dumps at all.
// Threading: m_mu guards m_vm and is held for a whole dump, so publish() waits for a dump in
// progress; m_stop is set (release) before the waking pthread_kill and read (acquire) after sigwait.
class DumpServer {
public:
    DumpServer() = default;
    DumpServer(const DumpServer&) = delete;
    DumpServer& operator=(const DumpServer&) = delete;

    // Runs on the calling thread, whose SIGQUIT must be blocked (block_dump_signal), until stop().
    void serve();
    // Makes the serve() running (or about to run) on `serving` return; any thread may call it. The
    // waking SIGQUIT is sent to that thread alone and stays pending there until its sigwait.
    void stop(pthread_t serving);
    // The Vm a SIGQUIT dumps; nullptr: none (a SIGQUIT is then ignored). Waits for a dump in
    // progress, so once publish(nullptr) returns no dump touches the old Vm.
    void publish(Vm* vm);

private:
    std::mutex m_mu;
    Vm* m_vm = nullptr;
    std::atomic<bool> m_stop{false};
};

// Dumps `vm` on SIGQUIT for as long as it lives: through `shared`, a server another thread already
// runs, when there is one (bp's first thread), else on a watcher thread of its own (the fallback when
// bp could not create its big-stack thread). Destroy it once every thread of the Vm has detached.
class DumpWatcher {
public:
    explicit DumpWatcher(Vm& vm, DumpServer* shared = nullptr);
    ~DumpWatcher();
    DumpWatcher(const DumpWatcher&) = delete;
    DumpWatcher& operator=(const DumpWatcher&) = delete;

private:
    std::unique_ptr<DumpServer> m_own; // only without a shared server
    DumpServer* m_server;
    std::thread m_thread;              // serves m_own
};

} // namespace bp::thread
