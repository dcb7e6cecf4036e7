// ThreadRuntime: the Vm's threads and handles (LANGUAGE.md §11; design in docs/threading.md).
// It owns every handle (registry), spawns threads on their own OS thread with a large stack,
// implements join/detach and the program-end protocol (§11.5), and reports failed threads (§11.6).
#pragma once
#include "runtime/thread/deadlock.hpp"
#include "runtime/thread/handles.hpp"
#include "runtime/thread/toolkit.hpp"
#include "vm/vm.hpp"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <unordered_set>
#include <vector>

namespace bp::thread {

// Platform layer (platform_posix.cpp): the OS threads that run spawned BetterPython threads and
// pool workers. Creating an OS thread and unmapping its stack when it ends cost tens of
// microseconds (the unmap interrupts every core to flush its TLB), so an OS thread whose job
// returned waits up to kIdleWait for another job before it exits, and `start` hands a job to such
// an idle thread of the same stack size when there is one. Up to kMaxIdle threads wait at once.
// Nothing of the VM survives between jobs: each job builds (and destroys) its own VmThread.
//
// Hand-offs without the kernel (two cores, a spawn right after a join): an idle thread first spins
// on its slot for kIdleSpin before it parks on its condition variable, and `start` only notifies a
// thread that parked. A job that is about to return announces it (`job_ending`, called by the job
// on its own OS thread once all that is left is bounded bookkeeping: no user code, no waits);
// `start` then queues a job for such a thread instead of creating a new one, and the thread takes
// it the moment its job returns. Invariant: per stack size, queued jobs <= announced threads, and
// each announced thread takes a queued job of its size if there is one, so no queued job is left
// behind.
// Threading: every member is guarded by m_mu. An idle thread's slot lives on its own stack and is
// filled by `start` under m_mu; `has_job` (release, after the job) is start's last touch of a slot
// whose thread did not park, since that thread may leave as soon as it sees it.
class OsThreads {
public:
    OsThreads() = default;
    OsThreads(const OsThreads&) = delete;
    OsThreads& operator=(const OsThreads&) = delete;
    // Wakes the idle threads and waits until every thread started here has left (the runtime is
    // destroyed only once no BetterPython thread runs, so only idle ones remain).
    ~OsThreads();
    // Runs fn(arg) on an idle thread with `stack_bytes` of stack, on a thread whose job is ending,
    // or on a new detached one; false if the OS refuses a new thread.
    bool start(void (*fn)(void*), void* arg, size_t stack_bytes);
    // Called by a job on the OS thread that runs it (a no-op elsewhere, and after the first call):
    // the job will return soon without waiting for anything (see above).
    static void job_ending();

private:
    struct Job {
        void (*fn)(void*) = nullptr;
        void* arg = nullptr;
    };
    struct Idle { // on the idle thread's stack while it is in m_idle
        size_t stack_bytes = 0;
        Job job;
        std::atomic<bool> has_job{false};
        bool parked = false; // waits on cv (else it spins or is about to lock m_mu)
        std::condition_variable cv;
    };
    struct Queued {
        Job job;
        size_t stack_bytes;
    };
    struct Start {
        OsThreads* self;
        Job job;
        size_t stack_bytes;
    };
    struct Serving; // the running job's OS thread (thread-local, for job_ending)
    static thread_local Serving* t_serving; // the job this OS thread runs, if any
    static void* thread_main(void* start);
    void serve(Job job, size_t stack_bytes); // runs jobs until idle too long; then the thread ends
    bool take_queued(size_t stack_bytes, Job& job); // with m_mu held
    void announce(size_t stack_bytes);

    std::mutex m_mu;
    std::condition_variable m_gone; // a thread left (for the destructor)
    std::vector<Idle*> m_idle;
    std::vector<Queued> m_queued;    // jobs promised to announced threads
    std::vector<size_t> m_announced; // stack sizes of threads whose job announced its end
    uint32_t m_threads = 0; // started here and not yet gone
    bool m_closing = false;
    SpinGauge m_idle_spin; // idle threads waiting for a job (atomic, not guarded by m_mu)
};

class ThreadRuntime {
public:
    explicit ThreadRuntime(Vm& vm) : m_vm(vm), m_graph(vm, *this) {}
    ~ThreadRuntime();
    ThreadRuntime(const ThreadRuntime&) = delete;
    ThreadRuntime& operator=(const ThreadRuntime&) = delete;

    // Starts fn(args...) on a new thread. fn_type is fn's static type (its result type boxes the
    // result); arg_types the arguments' static types. ThreadError if the limit is reached or the
    // OS refuses.
    ThreadHandle* spawn(VmThread& t, Closure* fn, const types::Type* fn_type, const Value* args,
                        const types::Type* const* arg_types, uint32_t nargs);
    Value join(VmThread& t, ThreadHandle* h);   // the result box; raises ThreadError
    bool detach(VmThread& t, ThreadHandle* h);

    MutexHandle* new_mutex(bool recursive);
    CondHandle* new_cond(MutexHandle* bound);
    VolatileHandle* new_volatile();
    ChannelHandle* new_channel(int64_t cap, bool elem_is_ref);
    ScopeHandle* new_scope();
    void join_scope(VmThread& t, ScopeHandle* s); // joins all its threads; re-raises the first error

    // ---- concurrency toolkit (toolkit.hpp; pool.cpp)
    // A new registered handle of kind k (Atomic, RWLock, Semaphore, ... ; not Pool/Worker/Future).
    template <class H>
    H* new_handle(HandleKind k) {
        auto* h = new H();
        h->kind = ObjKind::Handle;
        h->hkind = k; // mark 0: collected once dead (handles.hpp); register_handle may blacken it
        if constexpr (requires { h->serial; }) // toolkit primitives: "RWLock-3" in deadlock reports
            h->serial = m_next_serial[static_cast<size_t>(k)].fetch_add(1, std::memory_order_relaxed) + 1;
        register_handle(h);
        return h;
    }
    ParkingLot& lot() { return m_lot; }
    // A pool of n threads (a Worker: n == 1, is_worker). ValueError / ThreadError.
    PoolHandle* new_pool(VmThread& t, int64_t n, bool is_worker);
    PoolHandle* default_pool(VmThread& t); // created on first use, one thread per core
    FutureHandle* submit(VmThread& t, PoolHandle* p, Closure* fn, const types::Type* fn_type, const Value* args,
                         const types::Type* const* arg_types, uint32_t nargs);
    // Parallel map keeping order; the result is a new array of array_type. Raises the first
    // (by index) task failure, chained.
    Array* pool_map(VmThread& t, PoolHandle* p, Closure* fn, const types::Type* fn_type,
                    const std::vector<Value>& elems, const types::Type* elem_type, const types::Type* array_type);
    void pool_shutdown(VmThread& t, PoolHandle* p); // drains the queue, then joins the threads
    int64_t pool_pending(PoolHandle* p);             // queued + running tasks
    void clear_thread_locals(uint32_t thread_id);    // at thread exit

    // The handle behind a value of static type `type` (a handle type or ptr): a ptr is looked up
    // in the registry; a ptr to something else, or to another kind, raises TypeError.
    Handle* handle_of(Value v, const types::Type* type, HandleKind want);

    // Program end (§11.5), on the main thread after main returned: waits for every thread that is
    // neither detached nor joined, then prints the failures nobody joined. Returns true if no
    // thread is still running (then the Vm may be destroyed), false if detached threads still run
    // (the caller must end the process without destroying the Vm).
    bool finish(VmThread& main);
    // True if any spawned OS thread has not exited yet.
    bool any_alive();
    // Threads that may still run: spawned OS threads not yet exited, plus main.
    size_t live_threads();
    // The wait-for graph (deadlock.hpp).
    WaitGraph& graph() { return m_graph; }

    // The registry walk of a collection (only while the world is stopped): calls f(Obj*) for every
    // handle that is in use whether or not the program can reach it (handles.hpp): a thread that
    // has not finished (or failed and waits to be reported at program end), a held mutex, a channel
    // with blocked waiters, a pool with live threads, a pending or running future, a held RWLock, a
    // handle converted to ptr, what any thread is blocked on, the thread main waits for at program
    // end. The marker traces what they hold (visit_handle).
    template <class F>
    void visit_roots(F&& f) {
        std::lock_guard<std::mutex> lk(m_mu);
        for (Handle* h : m_handles)
            if (in_use(h)) f(h);
        for (VmThread* t : m_vm.threads) {
            f(static_cast<Obj*>(const_cast<void*>(t->waiting_for.load(std::memory_order_relaxed))));
            f(t->handle);
        }
        f(m_end_wait.load(std::memory_order_relaxed));
    }
    // Right after marking, in the same pause: keeps the handles the marking with `epoch` reached and
    // unregisters the others (they are dead: unreachable and not in use); release_dead_handles
    // deletes them once the world runs again. Called by gc::Heap::collect.
    void sweep_handles(uint8_t epoch);
    void release_dead_handles();
    // The initial pause of a concurrent cycle (world stopped): f(Obj*) for what every registered
    // handle holds, reachable or not. Markers running beside the program cannot read a handle's
    // contents (its owners change them under its own locks), so they are all greyed here, at the
    // snapshot, and the markers only mark handles themselves (gc/heap.hpp, Marker::handle_contents).
    template <class F>
    void visit_all_handle_contents(F&& f) {
        std::lock_guard<std::mutex> lk(m_mu);
        for (Handle* h : m_handles) visit_handle(h, f);
    }
    // Pins h: never collected (the HandleToPtr conversion; native code that keeps a handle where the
    // collector cannot see it, as --parallel-main does); a ptr to it is accepted.
    void escape(Handle* h);
    // "gc: handles ..." for --gc-stats: live now, peak, freed so far.
    std::string handle_stats();

    // Calls f(Obj*) for every heap reference and every other handle that `h` holds (the marker's
    // trace of a Handle). Only while the world is stopped: running threads change these under the
    // handles' own locks, and nobody changes them in the safe state.
    template <class F>
    static void visit_handle(Handle* h, F&& f) {
        switch (h->hkind) {
        case HandleKind::Thread: {
            auto* th = static_cast<ThreadHandle*>(h);
            f(th->fn);
            for (size_t i = 0; i < th->args.size(); ++i)
                if (th->arg_is_ref[i]) f(th->args[i].o);
            f(th->result);
            return;
        }
        case HandleKind::Condition: f(static_cast<CondHandle*>(h)->bound); return;
        case HandleKind::Volatile:
            for (auto& [k, box] : static_cast<VolatileHandle*>(h)->map) f(box);
            return;
        case HandleKind::Channel: {
            auto* ch = static_cast<ChannelHandle*>(h);
            if (ch->elem_is_ref)
                for (const ChanEntry& e : ch->buf) f(e.v.o);
            return;
        }
        case HandleKind::Scope: {
            auto* s = static_cast<ScopeHandle*>(h);
            std::lock_guard<std::mutex> lk(s->mu);
            for (ThreadHandle* th : s->threads) f(th);
            return;
        }
        case HandleKind::Future: {
            auto* fu = static_cast<FutureHandle*>(h);
            visit_future(fu, f);
            f(fu->pool);
            return;
        }
        case HandleKind::Pool: case HandleKind::Worker: {
            auto* p = static_cast<PoolHandle*>(h);
            std::lock_guard<std::mutex> lk(p->mu); // its threads change the queue in the safe state
            for (FutureHandle* fu : p->queue) f(fu); // pool_map's private ones are marked already
            for (FutureHandle* fu : p->private_tasks) visit_future(fu, f);
            return;
        }
        case HandleKind::Tls:
            for (auto& [id, box] : static_cast<TlsHandle*>(h)->values) f(box);
            return;
        case HandleKind::Mutex: case HandleKind::Atomic: case HandleKind::RWLock: case HandleKind::Semaphore:
        case HandleKind::WaitGroup: case HandleKind::Barrier: case HandleKind::Once:
            return;
        }
    }

private:
    template <class F>
    static void visit_future(FutureHandle* fu, F& f) {
        f(fu->fn);
        for (size_t i = 0; i < fu->args.size(); ++i)
            if (fu->arg_is_ref[i]) f(fu->args[i].o);
        f(fu->result);
    }
    bool in_use(Handle* h); // with m_mu held and the world stopped (see visit_roots)
    static void delete_handle(Handle* h);
    friend struct PoolStart;
    void run_pool_thread(PoolHandle* p, uint32_t id);
    void run_task(VmThread& t, FutureHandle* f);
    void shutdown_pools(VmThread& main); // program end

    friend struct ThreadStart;
    // Registers h. Its native size counts for the collection trigger: creating handles raises
    // collection_due once they add up to max(4 MiB, 2 x the live handles' bytes), as allocation does.
    void register_handle(Handle* h);
    void run_thread(ThreadHandle* h);
    void finish_thread(VmThread& t, ThreadHandle* h, bool ok, Value out);
    void publish_finished(ThreadHandle* h);
    bool spin_until_finished(VmThread& t, ThreadHandle* h, std::unique_lock<std::mutex>& lk);
    void report_failure(ThreadHandle* h); // with h->mu held
    void abandon_mutexes(VmThread& t);    // at thread exit: release what it still holds
    // `finished`: a spawned thread that finish_thread counted in m_finished.
    void thread_exited(bool finished = false);

    Vm& m_vm;
    std::mutex m_mu; // guards m_handles, m_threads, m_tls, m_dead and the handle counters
    std::vector<Handle*> m_handles; // every live handle (compacted by sweep_handles)
    std::unordered_set<const Handle*> m_escaped; // those converted to ptr (handle_of looks a ptr up here)
    std::vector<Handle*> m_dead; // unregistered by sweep_handles, deleted by release_dead_handles
    uint64_t m_handle_bytes = 0;     // native bytes of the registered handles
    uint64_t m_bytes_since_gc = 0;   // registered since the last sweep_handles
    uint64_t m_handle_trigger = uint64_t{4} << 20;
    uint64_t m_peak_handles = 0, m_freed_handles = 0;
    // The thread main waits for in finish(): kept (in use) until main stopped touching it.
    std::atomic<ThreadHandle*> m_end_wait{nullptr};
    std::vector<ThreadHandle*> m_threads;
    std::vector<TlsHandle*> m_tls; // every thread's exit visits these, not all handles

    std::atomic<uint32_t> m_next_id{1};
    std::mutex m_life_mu; // guards m_alive (OS threads started and not yet exited)
    std::condition_variable m_life_cv;
    uint32_t m_alive = 0;
    uint32_t m_exiting = 0; // threads past m_alive but still in thread_exited (guarded by m_life_mu)
    // Spawned threads whose function returned (joinable) but whose OS thread has not exited yet
    // (guarded by m_life_mu): --max-threads does not count them, so a spawn right after a join
    // never fails for a thread that is as good as gone.
    uint32_t m_finished = 0;
    ParkingLot m_lot;
    SpinGauge m_join_spin; // join's spin before it parks (spin_until_finished)
    std::mutex m_pool_mu; // guards m_pools, m_default_pool
    std::vector<PoolHandle*> m_pools;
    PoolHandle* m_default_pool = nullptr;
    WaitGraph m_graph;
    std::atomic<uint32_t> m_next_mutex{1};
    std::atomic<uint32_t> m_next_cond{1};
    std::atomic<uint32_t> m_next_serial[32]{}; // per HandleKind: the last serial given (new_handle, submit)
    // Last, so destroyed first: waits for the cached OS threads while the members above still exist.
    OsThreads m_os_threads;
};

// Mutex and condition operations (mutex.cpp); errors as LANGUAGE.md §11.2.
void mutex_lock(VmThread& t, MutexHandle* m);
bool mutex_trylock(VmThread& t, MutexHandle* m);
void mutex_unlock(VmThread& t, MutexHandle* m);
void mutex_destroy(VmThread& t, MutexHandle* m);
void cond_wait(VmThread& t, CondHandle* c, MutexHandle* m); // m == nullptr: the bound mutex
void cond_signal(VmThread& t, CondHandle* c, bool all);

// Fills the failure of a run that returned false (t.pending_error, or a native failure without
// one) and clears t.pending_error. Shared by threads, pool tasks and once functions.
void describe_failure(VmThread& t, ErrorKind& kind, std::string& message, std::string& traceback);

// Channel operations (channel.cpp; docs/channels.md). Blocking ones are safe for the collector and
// publish the channel in VmThread::waiting_for. ChannelClosedError as documented there.
void chan_send(VmThread& t, ChannelHandle* ch, Value v);
bool chan_try_send(VmThread& t, ChannelHandle* ch, Value v);
Value chan_recv(VmThread& t, ChannelHandle* ch);
bool chan_recv_ok(VmThread& t, ChannelHandle* ch, Value& out); // blocks; false once closed and drained
bool chan_try_recv(VmThread& t, ChannelHandle* ch, Value& out); // false: empty (or closed and drained)
void chan_close(VmThread& t, ChannelHandle* ch);
int64_t chan_len(ChannelHandle* ch);

// select (channel.cpp): cases in source order; returns the index of the case that ran, -1 for
// `default`, -2 for the timeout. A received value is stored in `out`.
struct SelectCase {
    ChannelHandle* ch;
    bool is_send;
    Value value; // send: the value
};
int64_t chan_select(VmThread& t, const std::vector<SelectCase>& cases, int64_t timeout_ms, bool has_default,
                    Value& out);

// The threading runtime's hooks for the `thread` native module's registry entry (Vm::native_modules):
// per-thread init names each spawned OS thread "Thread-<id>" (as thread.name() starts out), so
// debuggers, top -H and perf show BetterPython threads by id; the host's own thread (id 0) keeps
// its name.
void add_module_hooks(types::NativeModuleDecl& thread_module);

} // namespace bp::thread
