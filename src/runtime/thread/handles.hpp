// Threading handles: the native objects behind Thread, Mutex, Condition and Volatile values
// (LANGUAGE.md §11). The essay on the whole threading design is docs/threading.md.
//
// A handle is a native (malloc'd) object that starts with an Obj header of kind Handle. It is in
// no heap page, but the collector marks and traces it like a heap object (gc/mark.cpp calls
// thread::visit_handle for its payload), and frees it once it is unreachable and no longer in use
// (docs/threading.md "Handle lifetime"). The essay:
//   - The ThreadRuntime registry owns every handle (m_handles). At every collection, the registry
//     walk (ThreadRuntime::visit_roots) marks the handles that are *in use* whether or not the
//     program can still reach them (a running thread, a held mutex, a pool with live threads, a
//     pending future, whatever a thread is blocked on: VmThread::waiting_for, a handle converted
//     to `ptr`: see `escaped`); marking traces from there and from the program's roots. Right after
//     marking, in the pause, ThreadRuntime::sweep_handles unregisters the ones that marking did not
//     reach (their mark is not its epoch, gc/heap.hpp "Mark epochs"); the collecting thread deletes
//     them after the world resumed (release_dead_handles). So a dead handle is out of every list
//     (registry, thread list, Tls list, pool list) before anyone runs again, and nobody can reach it.
//   - "In use" is evaluated with the world stopped, so it is stable: a running thread is parked at a
//     safepoint, never in the middle of a handle operation (none has a safepoint inside), and a
//     thread in the safe state (blocked) only touches what it published in waiting_for or what its
//     registers root (a blocking builtin's arguments stay in the caller's registers).
//   - A handle's last native user must be done with it before it can look unused: a finishing
//     thread signals joiners under the handle's mutex while still attached (threads.cpp), a pool
//     thread drops `live` under the pool's mutex as its last touch, and the wait graph's lock-order
//     table keys mutexes by serial number, not address (an address can be reused).
//   - A handle converted to `ptr` (`escaped`) is pinned until the program ends: a ptr is an
//     untraced address, and builtins validate one by looking it up in the registry.
// Heap references a handle holds (a thread's function, arguments and result; a Volatile's values;
// a channel's buffer; ...) are traced when the handle is marked (visit_handle, runtime.hpp).
#pragma once
#include "runtime/object.hpp"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace bp {
struct OutputCapture; // vm/vm.hpp
}

namespace bp::thread {

// Append-only: the concurrency toolkit's kinds (toolkit.hpp) and channels/scopes (channel.hpp)
// follow the original four.
enum class HandleKind : uint8_t {
    Thread, Mutex, Condition, Volatile,
    Atomic, Pool, Future, Worker, RWLock, Semaphore, WaitGroup, Barrier, Once, Tls,
    Channel, Scope,
};

struct Handle : Obj {
    HandleKind hkind;
    // Converted to `ptr` (the HandleToPtr conversion calls __handle_ptr): never freed before the
    // program ends. Set by a running thread, read by the collector with the world stopped.
    std::atomic<bool> escaped{false};
};

enum class ThreadState : uint8_t { Running, Finished };

// Threading: `id`, `name`, `arg_is_ref` and `result_type` are immutable after spawn. `state`,
// `detached`, `joined`, `joining`, the result and the failure are guarded by `mu` (state and
// joined are also atomic for lock-free queries). `fn`, `args` and `result` are heap references
// read by the collector while the world is stopped (the handshake orders them).
struct ThreadHandle : Handle {
    uint32_t id = 0;
    std::string name; // "Thread-<id> (<function>)"
    Closure* fn = nullptr;
    std::vector<Value> args;
    std::vector<uint8_t> arg_is_ref;
    const types::Type* result_type = nullptr;
    Box* result = nullptr;          // set when f returned (unless detached); cleared by join
    std::mutex mu;
    std::condition_variable cv;     // signalled when state becomes Finished
    std::atomic<ThreadState> state{ThreadState::Running};
    std::atomic<bool> joined{false};
    bool detached = false;
    bool joining = false;
    bool failed = false;
    bool failure_reported = false;  // "Exception in thread ..." already printed
    std::string error_kind, error_message, error_traceback; // a failed thread's exception
    std::shared_ptr<OutputCapture> capture; // --parallel-main: the spawner's (immutable after spawn)
};

// Threading: `state` is the lock word (0 free, 1 held, 2 held with waiters), parked on with
// std::atomic::wait. `owner` (thread id + 1, 0 = none) is written by the owner only; others read it
// (relaxed: they only compare it with their own id, which cannot be stored by anyone else). `count`
// (recursion depth) is touched only by the owner. For wait-for-graph deadlock detection (later
// issue) each mutex knows its owner and each VmThread publishes what it waits for (waiting_for).
struct MutexHandle : Handle {
    bool recursive = false;
    std::atomic<uint32_t> state{0};
    std::atomic<uint32_t> owner{0};
    uint32_t count = 0;
    std::atomic<bool> destroyed{false};
    std::atomic<bool> abandoned{false}; // the owner finished while holding it
    // Deadlock reports (deadlock.hpp): "Mutex-<serial>" (immutable), and where the current owner
    // locked it (written by the owner after acquiring; read by reports while the owner is blocked).
    uint32_t serial = 0;
    std::atomic<const void*> site_proto{nullptr}; // const bytecode::FunctionProto*
    std::atomic<uint32_t> site_pc{0};
};

// Threading: `seq` counts signals; a waiter reads it before releasing the mutex and waits for it
// to change (std::atomic::wait), so a signal between the release and the wait is never lost.
struct CondHandle : Handle {
    MutexHandle* bound = nullptr; // immutable
    std::atomic<uint32_t> seq{0};
    uint32_t serial = 0; // "Condition-<serial>" in deadlock reports (immutable)
};

// Threading: `map` is guarded by `mu`; the collector reads it while the world is stopped.
struct VolatileHandle : Handle {
    std::mutex mu;
    std::unordered_map<std::string, Box*> map;
};

// A structured scope (`with thread.scope() as s:`): the threads spawned in it, joined at its end.
// Threading: `threads` is guarded by `mu` (threads of the scope may spawn into it too).
struct ScopeHandle : Handle {
    std::mutex mu;
    std::vector<ThreadHandle*> threads;
};

// One `select` (channel.cpp): registered on every channel it involves; any state change of such a
// channel sets `fired` and wakes it, so a change between its scan and its wait is never lost.
// `decided` is the select's single commit point: it moves once from kSelectOpen to the case it
// completes with (or -1 default, -2 timeout, -3 failed), either by the select itself or by a
// receiver that takes one of its unbuffered send offers (docs/channels.md "select protocol").
// Threading: `fired` and `decided` are guarded by `mu`; lock order is ChannelHandle::mu, then
// SelectWaiter::mu (two waiters' mutexes together only through std::lock).
inline constexpr int64_t kSelectOpen = INT64_MIN;
struct SelectWaiter {
    std::mutex mu;
    std::condition_variable cv;
    bool fired = false;
    int64_t decided = kSelectOpen;
    // Bumped (under mu) with every `fired = true`: the wait-for graph's word for a blocked select
    // (deadlock.hpp): unchanged since it registered means no channel of the select changed.
    std::atomic<uint32_t> version{0};
};

// One value in a channel. A committed value (offer == nullptr) will be delivered: a buffered
// value, a blocked unbuffered sender's value (`taken` points at its flag, set by the receiver), or
// a value handed to a blocked receiver. An offer is an unbuffered select send case's value: taking
// it decides that select for that case; once the select decided otherwise it is stale and dropped.
struct ChanEntry {
    Value v;
    SelectWaiter* offer = nullptr;
    int64_t offer_case = 0;
    bool* taken = nullptr;
};

// A channel (docs/channels.md). `buf` holds values sent and not yet received: for a buffered
// channel at most `cap` committed values; for an unbuffered one (cap 0) the committed values first,
// then select offers.
// Threading: everything but `cap`/`elem_is_ref` (immutable) is guarded by `mu`, and changed only by
// running threads (never in the safe state), so the collector reads `buf` (a root: see
// ThreadRuntime::visit_roots) while the world is stopped. A thread never holds `mu` while it
// blocks or leaves the safe state, so running threads wait for `mu` only briefly.
struct ChannelHandle : Handle {
    int64_t cap = 0;
    bool elem_is_ref = false;
    std::mutex mu;
    std::condition_variable cv; // any change: value added or taken, close
    std::deque<ChanEntry> buf;
    uint64_t sent = 0, received = 0; // values enqueued / dequeued so far
    uint32_t recv_waiting = 0;       // receivers blocked in recv (not select) on this channel
    bool closed = false;
    std::vector<SelectWaiter*> waiters;
    // Unbuffered channels' spin before parking (channel.cpp, may_spin): spins in a row that saw no
    // change, log2 of the probing interval once they stopped paying, and waits since the last probe.
    uint8_t spin_misses = 0;
    uint8_t spin_backoff = 0;
    uint16_t spin_skips = 0;
    // Bumped (under mu) by every change: the wait graph (deadlock.hpp) reads it without mu to tell a
    // blocked send/recv that nothing has changed since it began waiting from one about to wake.
    std::atomic<uint32_t> version{0};
};

} // namespace bp::thread
