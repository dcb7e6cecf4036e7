// Thread pools, workers and futures (docs/threading.md, "Concurrency toolkit"). A pool owns `size`
// OS threads, each with its own VmThread, looping: wait (safe for the collector) for a queued
// future, run its closure with vm::run_closure, store the boxed result or the failure in the
// future, signal it. A Worker is a pool of one thread (FIFO: tasks run in submission order).
// Shutdown drains the queue and joins the threads; program end shuts down every pool.
#include "runtime/rt.hpp"
#include "runtime/thread/runtime.hpp"
#include "runtime/thread/safepoint.hpp"
#include "runtime/thread/trace.hpp"
#include "vm/interp.hpp"

#include <algorithm>
#include <exception>
#include <thread>

namespace bp::thread {

namespace {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr size_t kPoolStack = size_t{512} << 20;
#else
constexpr size_t kPoolStack = size_t{32} << 20;
#endif

const char* what_of(const PoolHandle* p) { return p->is_worker ? "worker" : "pool"; }

bool finished(FutureState s) {
    return s == FutureState::Done || s == FutureState::Failed || s == FutureState::Cancelled;
}

// Waits (safe for the collector, publishing f) until f is finished or the deadline passes.
// The wait-for graph (deadlock.hpp): a future is "held" by the pool thread running its task
// (`runner`), so waiting on a future whose task waits, directly or not, for this thread is
// refused with DeadlockError. A timed get is neither checked nor registered (it ends by its
// deadline: TimeoutError). A future's state only moves forward, so "not finished" is its whole
// global-deadlock check.
bool wait_future(VmThread& t, FutureHandle* f, const Deadline* deadline) {
    if (finished(f->state.load(std::memory_order_acquire))) return true;
    WaitGraph& graph = t.vm.threading->graph();
    if (!deadline) graph.begin_wait(t, WaitOn{WaitOp::Future, f});
    t.waiting_for.store(f, std::memory_order_relaxed);
    bool ok = true;
    {
        TraceScope trace(t, TraceKind::FutureGet);
        SafeRegion safe(t);
        std::unique_lock<std::mutex> lk(f->mu);
        auto done = [&] { return finished(f->state.load(std::memory_order_relaxed)); };
        if (deadline) ok = f->cv.wait_until(lk, *deadline, done);
        else f->cv.wait(lk, done);
    }
    t.waiting_for.store(nullptr, std::memory_order_relaxed);
    if (!deadline) graph.end_wait(t);
    return ok;
}

FutureHandle* make_future(PoolHandle* p, Closure* fn, const types::Type* fn_type, const Value* args,
                          const types::Type* const* arg_types, uint32_t nargs) {
    auto* f = new FutureHandle();
    f->kind = ObjKind::Handle;
    // pool_map's private futures are never registered: a pinned mark keeps the marker off them
    // (their pool visits what they hold). submit() registers its futures unmarked.
    f->mark.store(kMarkPinned, std::memory_order_relaxed);
    f->hkind = HandleKind::Future;
    f->pool = p;
    f->fn = fn;
    f->args.assign(args, args + nargs);
    for (uint32_t i = 0; i < nargs; ++i) f->arg_is_ref.push_back(arg_types[i]->is_ref() ? 1 : 0);
    f->result_type = fn_type->ret;
    return f;
}

} // namespace

struct PoolStart {
    ThreadRuntime* rt;
    PoolHandle* p;
    uint32_t id;
    static void entry(void* arg) {
        auto* s = static_cast<PoolStart*>(arg);
        ThreadRuntime* rt = s->rt;
        PoolHandle* p = s->p;
        uint32_t id = s->id;
        delete s;
        rt->run_pool_thread(p, id);
    }
};

PoolHandle* ThreadRuntime::new_pool(VmThread& t, int64_t n, bool is_worker) {
    (void)t;
    if (n < 1) rt::raise(ErrorKind::ValueError, "pool_new: the pool needs at least 1 thread, got " + std::to_string(n));
    if (n > 1024) rt::raise(ErrorKind::ValueError, "pool_new: at most 1024 threads, got " + std::to_string(n));
    auto* p = new PoolHandle();
    p->kind = ObjKind::Handle; // mark 0: collected once shut down and dead (handles.hpp)
    p->hkind = is_worker ? HandleKind::Worker : HandleKind::Pool;
    p->is_worker = is_worker;
    p->size = static_cast<uint32_t>(n);
    register_handle(p);
    {
        std::lock_guard<std::mutex> lk(m_pool_mu);
        m_pools.push_back(p);
    }
    for (int64_t i = 0; i < n; ++i) {
        bool full = false;
        {
            std::lock_guard<std::mutex> lk(m_life_mu);
            full = m_alive - m_finished + 1 >= m_vm.options.max_threads;
            if (!full) ++m_alive;
        }
        if (full) { // p->mu is never taken under m_life_mu (p->mu -> graph -> m_life_mu, deadlock.hpp)
            {
                std::lock_guard<std::mutex> pl(p->mu);
                p->shutdown = true;
                bump_locked(p->work_seq);
                p->work_cv.notify_all();
            }
            rt::raise(ErrorKind::ThreadError, "cannot start thread: limit of " +
                                                  std::to_string(m_vm.options.max_threads) +
                                                  " threads reached (--max-threads)");
        }
        uint32_t id = m_next_id.fetch_add(1, std::memory_order_relaxed);
        {
            std::lock_guard<std::mutex> pl(p->mu);
            ++p->live;
        }
        m_vm.containers_shared.store(true, std::memory_order_relaxed); // before the worker exists (vm.hpp)
        if (!m_os_threads.start(&PoolStart::entry, new PoolStart{this, p, id}, kPoolStack)) {
            {
                std::lock_guard<std::mutex> pl(p->mu);
                --p->live;
                p->shutdown = true;
                bump_locked(p->work_seq);
                bump_locked(p->exit_seq);
                p->work_cv.notify_all();
                p->idle_cv.notify_all();
            }
            thread_exited();
            rt::raise(ErrorKind::ThreadError, "cannot start thread");
        }
    }
    return p;
}

PoolHandle* ThreadRuntime::default_pool(VmThread& t) {
    {
        std::lock_guard<std::mutex> lk(m_pool_mu);
        if (m_default_pool) return m_default_pool;
    }
    unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    PoolHandle* p = new_pool(t, cores, false);
    std::lock_guard<std::mutex> lk(m_pool_mu);
    if (!m_default_pool) m_default_pool = p; // a racing creator's pool stays (shut down at exit)
    return m_default_pool;
}

void ThreadRuntime::run_pool_thread(PoolHandle* p, uint32_t id) {
    for (const auto& hook : m_vm.thread_start_hooks) hook(id); // embedding: as run_thread, not attached yet
    {
        VmThread t(m_vm, id, 4096);
        std::string name = "Thread-" + std::to_string(id) + " (" + what_of(p) + ")";
        if (t.trace) m_vm.tracer->set_name(t.trace, name);
        m_graph.set_name(t, std::move(name)); // deadlock reports and thread dumps
        for (;;) {
            FutureHandle* f = nullptr;
            {
                TraceScope trace(t, TraceKind::PoolIdle);
                SafeRegion safe(t);
                std::unique_lock<std::mutex> lk(p->mu);
                // Idle with nothing queued: only a submit or a shutdown (by a running thread) can
                // wake this thread, so it is a waiter of the wait-for graph (never refused; the
                // global check reports it as idle). Registered and unregistered under p->mu, with
                // the work_seq it saw the queue empty at (lock order: p->mu, then the graph's).
                // A wake-up whose task another pool thread took first re-registers from the new
                // work_seq (rewait), or this thread would look wakeable from then on.
                if (p->queue.empty() && !p->shutdown) {
                    uint32_t seq = p->work_seq.load(std::memory_order_relaxed);
                    m_graph.begin_wait(t, WaitOn{WaitOp::PoolIdle, p, &p->work_seq, seq}, false);
                    for (;;) {
                        p->work_cv.wait(lk);
                        if (!p->queue.empty() || p->shutdown) break;
                        uint32_t now = p->work_seq.load(std::memory_order_relaxed);
                        if (now != seq) m_graph.rewait(t, seq = now);
                    }
                    m_graph.end_wait(t);
                }
                if (!p->queue.empty()) {
                    f = p->queue.front();
                    p->queue.pop_front();
                    ++p->running;
                    std::lock_guard<std::mutex> fl(f->mu);
                    f->runner.store(id + 1, std::memory_order_relaxed);
                    f->state.store(FutureState::Running, std::memory_order_release);
                }
            }
            if (!f) break; // shut down and drained
            run_task(t, f);
            std::lock_guard<std::mutex> lk(p->mu);
            --p->running;
            p->idle_cv.notify_all();
        }
        if (t.held_mutexes) abandon_mutexes(t);
        clear_thread_locals(t.id);
        std::lock_guard<std::mutex> lk(p->mu);
        --p->live;
        bump_locked(p->exit_seq);
        p->idle_cv.notify_all();
    } // detaches the VmThread
    for (const auto& hook : m_vm.thread_end_hooks) hook(id);
    thread_exited();
}

void ThreadRuntime::run_task(VmThread& t, FutureHandle* f) {
    Value out = Value::zero();
    bool ok = false;
    t.capture = f->capture; // --parallel-main (nullptr otherwise)
    try {
        ok = vm::run_closure(t, f->fn, f->args.data(), static_cast<uint32_t>(f->args.size()), &out);
    } catch (const std::exception&) {
        t.pending_error = nullptr;
    }
    t.capture = nullptr;
    Box* result = nullptr;
    ErrorKind kind = ErrorKind::Exception;
    std::string message, trace;
    if (ok) {
        try {
            result = rt::new_box(t, f->result_type, out);
        } catch (const rt::Raise& r) {
            ok = false;
            kind = r.kind;
            message = r.message;
            trace = std::string(error_name(r.kind)) + ": " + message + "\n";
        }
    } else {
        describe_failure(t, kind, message, trace);
    }
    std::lock_guard<std::mutex> lk(f->mu);
    f->fn = nullptr;
    f->args.clear();
    f->result = result;
    f->error_kind = kind;
    f->error_message = std::move(message);
    f->error_traceback = std::move(trace);
    f->runner.store(0, std::memory_order_relaxed);
    f->state.store(ok ? FutureState::Done : FutureState::Failed, std::memory_order_release);
    f->cv.notify_all();
}

FutureHandle* ThreadRuntime::submit(VmThread& t, PoolHandle* p, Closure* fn, const types::Type* fn_type,
                                    const Value* args, const types::Type* const* arg_types, uint32_t nargs) {
    (void)t;
    FutureHandle* f = make_future(p, fn, fn_type, args, arg_types, nargs);
    f->serial = m_next_serial[static_cast<size_t>(HandleKind::Future)].fetch_add(1, std::memory_order_relaxed) + 1;
    f->capture = t.capture; // --parallel-main: the task prints into its submitter's capture
    f->mark.store(kMarkNone, std::memory_order_relaxed); // registered: collected once done and dead
    register_handle(f); // from here the registry roots fn and the arguments
    std::lock_guard<std::mutex> lk(p->mu);
    if (p->shutdown) rt::raise(ErrorKind::ThreadError, std::string("cannot submit: the ") + what_of(p) + " is shut down");
    p->queue.push_back(f);
    bump_locked(p->work_seq);
    p->work_cv.notify_one();
    return f;
}

Array* ThreadRuntime::pool_map(VmThread& t, PoolHandle* p, Closure* fn, const types::Type* fn_type,
                               const std::vector<Value>& elems, const types::Type* elem_type,
                               const types::Type* array_type) {
    std::vector<FutureHandle*> tasks;
    tasks.reserve(elems.size());
    for (const Value& e : elems) tasks.push_back(make_future(p, fn, fn_type, &e, &elem_type, 1));
    for (FutureHandle* f : tasks) f->capture = t.capture; // --parallel-main
    // The tasks are rooted through the pool (private_tasks) until this call ends.
    struct Cleanup {
        PoolHandle* p;
        std::vector<FutureHandle*>& tasks;
        ~Cleanup() {
            std::lock_guard<std::mutex> lk(p->mu);
            for (FutureHandle* f : tasks) {
                p->private_tasks.erase(f);
                // The pool thread that completed f signals f->cv under f->mu: wait until it let go.
                { std::lock_guard<std::mutex> fl(f->mu); }
                delete f;
            }
        }
    } cleanup{p, tasks};
    {
        std::lock_guard<std::mutex> lk(p->mu);
        if (p->shutdown) {
            for (FutureHandle* f : tasks) delete f;
            tasks.clear();
            rt::raise(ErrorKind::ThreadError, std::string("cannot submit: the ") + what_of(p) + " is shut down");
        }
        for (FutureHandle* f : tasks) {
            p->private_tasks.insert(f);
            p->queue.push_back(f);
        }
        bump_locked(p->work_seq);
        p->work_cv.notify_all();
    }
    for (FutureHandle* f : tasks) wait_future(t, f, nullptr);
    for (FutureHandle* f : tasks) // the first failure by index
        if (f->state.load(std::memory_order_acquire) == FutureState::Failed)
            raise_chained(f->error_kind, f->error_message, f->error_traceback);
    Array* out = rt::new_array(t, array_type, static_cast<int64_t>(tasks.size()));
    for (FutureHandle* f : tasks) rt::array_push(t, out, rt::unbox(f->result, array_type->elem));
    return out;
}

// Waiting for the pool's threads is a wait of the graph (no owner: never refused) with
// exit_seq as its word, re-registered after each wake-up that still finds threads alive, so a
// pool whose task is deadlocked is reported rather than waited for forever (at program end too).
void ThreadRuntime::pool_shutdown(VmThread& t, PoolHandle* p) {
    {
        std::lock_guard<std::mutex> lk(p->mu);
        p->shutdown = true;
        bump_locked(p->work_seq);
        p->work_cv.notify_all();
        if (p->live == 0) return;
    }
    t.waiting_for.store(p, std::memory_order_relaxed);
    {
        TraceScope trace(t, TraceKind::PoolShutdown);
        SafeRegion safe(t);
        std::unique_lock<std::mutex> lk(p->mu);
        if (p->live != 0) {
            WaitOn on{WaitOp::PoolShutdown, p, &p->exit_seq, p->exit_seq.load(std::memory_order_relaxed)};
            m_graph.begin_wait(t, on, false);
            while (p->live != 0) {
                p->idle_cv.wait(lk);
                uint32_t now = p->exit_seq.load(std::memory_order_relaxed);
                if (p->live != 0 && now != on.seq) m_graph.rewait(t, on.seq = now);
            }
            m_graph.end_wait(t);
        }
    }
    t.waiting_for.store(nullptr, std::memory_order_relaxed);
}

int64_t ThreadRuntime::pool_pending(PoolHandle* p) {
    std::lock_guard<std::mutex> lk(p->mu);
    return static_cast<int64_t>(p->queue.size()) + p->running;
}

// Each step picks a pool still running under m_pool_mu (main is running then, so no collection can
// free it meanwhile); a pool with live threads is in use (never freed) until pool_shutdown saw them
// gone, and pool_shutdown publishes it in waiting_for while it waits. A pool already shut down may
// be freed by another thread's collection while main waits for an earlier one: never kept in a copy.
void ThreadRuntime::shutdown_pools(VmThread& main) {
    for (;;) {
        PoolHandle* next = nullptr;
        {
            std::lock_guard<std::mutex> lk(m_pool_mu);
            for (PoolHandle* p : m_pools) {
                std::lock_guard<std::mutex> pl(p->mu);
                if (!p->shutdown || p->live > 0) {
                    next = p;
                    break;
                }
            }
        }
        if (!next) return;
        pool_shutdown(main, next);
    }
}

void ThreadRuntime::clear_thread_locals(uint32_t thread_id) {
    std::lock_guard<std::mutex> lk(m_mu);
    for (TlsHandle* tls : m_tls) {
        std::lock_guard<std::mutex> tl(tls->mu);
        tls->values.erase(thread_id);
    }
}

Value future_get(VmThread& t, FutureHandle* f, int64_t timeout_ms) {
    Deadline d{};
    if (timeout_ms >= 0) d = Clock::now() + std::chrono::milliseconds(timeout_ms);
    if (!wait_future(t, f, timeout_ms >= 0 ? &d : nullptr))
        rt::raise(ErrorKind::TimeoutError, "future_get: timed out after " + std::to_string(timeout_ms) + " ms");
    switch (f->state.load(std::memory_order_acquire)) {
    case FutureState::Done: return Value::from_obj(f->result);
    case FutureState::Failed: raise_chained(f->error_kind, f->error_message, f->error_traceback);
    case FutureState::Cancelled: rt::raise(ErrorKind::CancelledError, "future_get: the task was cancelled");
    case FutureState::Pending: case FutureState::Running: break;
    }
    rt::raise(ErrorKind::ThreadError, "future_get: the task has not finished");
}

bool future_cancel(FutureHandle* f) {
    PoolHandle* p = f->pool;
    std::lock_guard<std::mutex> lk(p->mu);
    std::lock_guard<std::mutex> fl(f->mu);
    if (f->state.load(std::memory_order_relaxed) != FutureState::Pending) return false;
    auto it = std::find(p->queue.begin(), p->queue.end(), f);
    if (it != p->queue.end()) p->queue.erase(it);
    f->fn = nullptr;
    f->args.clear();
    f->state.store(FutureState::Cancelled, std::memory_order_release);
    f->cv.notify_all();
    return true;
}

} // namespace bp::thread
