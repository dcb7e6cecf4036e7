// Threads: spawn, the thread entry point, join, detach, failure reports and the program-end
// protocol (LANGUAGE.md §11.1, §11.5, §11.6). Every thread runs the one dispatch loop through
// vm::run_closure on its own VmThread; nothing here interprets bytecode.
#include <optional>
#include "runtime/rt.hpp"
#include "runtime/thread/runtime.hpp"
#include "runtime/thread/safepoint.hpp"
#include "runtime/thread/trace.hpp"
#include "vm/interp.hpp"
#include "vm/traceback.hpp"

#include <cstdio>
#include <algorithm>
#include <exception>

namespace bp::thread {

namespace {

// Reserved, committed as used. 32 MiB holds the deepest printing/equality recursion (10,000
// levels) with room to spare and is small enough for glibc to cache between threads (cheap
// spawns); sanitizer builds have frames several times larger.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr size_t kThreadStack = size_t{512} << 20;
#else
constexpr size_t kThreadStack = size_t{32} << 20;
#endif

template <class H>
H* make_handle(HandleKind k) {
    auto* h = new H();
    h->kind = ObjKind::Handle; // mark 0: collected once dead (handles.hpp)
    h->hkind = k;
    return h;
}

// The native size of a handle (the collection trigger's accounting).
size_t handle_size(const Handle* h) {
    switch (h->hkind) {
    case HandleKind::Thread: return sizeof(ThreadHandle);
    case HandleKind::Mutex: return sizeof(MutexHandle);
    case HandleKind::Condition: return sizeof(CondHandle);
    case HandleKind::Volatile: return sizeof(VolatileHandle);
    case HandleKind::Atomic: return sizeof(AtomicHandle);
    case HandleKind::Pool: case HandleKind::Worker: return sizeof(PoolHandle);
    case HandleKind::Future: return sizeof(FutureHandle);
    case HandleKind::RWLock: return sizeof(RWLockHandle);
    case HandleKind::Semaphore: return sizeof(SemaphoreHandle);
    case HandleKind::WaitGroup: return sizeof(WaitGroupHandle);
    case HandleKind::Barrier: return sizeof(BarrierHandle);
    case HandleKind::Once: return sizeof(OnceHandle);
    case HandleKind::Tls: return sizeof(TlsHandle);
    case HandleKind::Channel: return sizeof(ChannelHandle);
    case HandleKind::Scope: return sizeof(ScopeHandle);
    }
    return sizeof(Handle);
}

const char* kind_name(HandleKind k) {
    switch (k) {
    case HandleKind::Thread: return "Thread";
    case HandleKind::Mutex: return "Mutex";
    case HandleKind::Condition: return "Condition";
    case HandleKind::Volatile: return "Volatile";
    case HandleKind::Atomic: return "Atomic";
    case HandleKind::Pool: return "Pool";
    case HandleKind::Future: return "Future";
    case HandleKind::Worker: return "Worker";
    case HandleKind::RWLock: return "RWLock";
    case HandleKind::Semaphore: return "Semaphore";
    case HandleKind::WaitGroup: return "WaitGroup";
    case HandleKind::Barrier: return "Barrier";
    case HandleKind::Once: return "Once";
    case HandleKind::Tls: return "Tls";
    case HandleKind::Channel: return "Channel";
    case HandleKind::Scope: return "Scope";
    }
    return "handle";
}

} // namespace

void describe_failure(VmThread& t, ErrorKind& kind, std::string& message, std::string& traceback) {
    if (ErrorObj* e = t.pending_error) {
        kind = e->error_kind;
        message = std::string(e->message ? e->message->view() : "");
        traceback = vm::format_traceback(t.vm, e);
    } else { // a native failure (out of memory) has no trace
        kind = ErrorKind::MemoryError;
        message = "out of memory";
        traceback = "MemoryError: out of memory\n";
    }
    t.pending_error = nullptr;
}

struct ThreadStart {
    ThreadRuntime* rt;
    ThreadHandle* h;
    static void entry(void* p) {
        auto* s = static_cast<ThreadStart*>(p);
        ThreadRuntime* rt = s->rt;
        ThreadHandle* h = s->h;
        delete s;
        rt->run_thread(h);
    }
};

void ThreadRuntime::delete_handle(Handle* h) {
    switch (h->hkind) {
    case HandleKind::Thread: delete static_cast<ThreadHandle*>(h); break;
    case HandleKind::Mutex: delete static_cast<MutexHandle*>(h); break;
    case HandleKind::Condition: delete static_cast<CondHandle*>(h); break;
    case HandleKind::Volatile: delete static_cast<VolatileHandle*>(h); break;
    case HandleKind::Atomic: delete static_cast<AtomicHandle*>(h); break;
    case HandleKind::Pool: case HandleKind::Worker: delete static_cast<PoolHandle*>(h); break;
    case HandleKind::Future: delete static_cast<FutureHandle*>(h); break;
    case HandleKind::RWLock: delete static_cast<RWLockHandle*>(h); break;
    case HandleKind::Semaphore: delete static_cast<SemaphoreHandle*>(h); break;
    case HandleKind::WaitGroup: delete static_cast<WaitGroupHandle*>(h); break;
    case HandleKind::Barrier: delete static_cast<BarrierHandle*>(h); break;
    case HandleKind::Once: delete static_cast<OnceHandle*>(h); break;
    case HandleKind::Tls: delete static_cast<TlsHandle*>(h); break;
    case HandleKind::Channel: delete static_cast<ChannelHandle*>(h); break;
    case HandleKind::Scope: delete static_cast<ScopeHandle*>(h); break;
    }
}

ThreadRuntime::~ThreadRuntime() {
    for (Handle* h : m_handles) delete_handle(h);
    for (Handle* h : m_dead) delete_handle(h);
}

void ThreadRuntime::register_handle(Handle* h) {
    // Black during a concurrent cycle, like a heap object allocated then: the cycle's marking
    // started before it existed and would not reach it (gc/heap.hpp, "Concurrent marking").
    if (uint8_t e = m_vm.heap.marking_epoch()) h->mark.store(e, std::memory_order_relaxed);
    size_t bytes = handle_size(h);
    bool due = false;
    {
        std::lock_guard<std::mutex> lk(m_mu);
        m_handles.push_back(h);
        if (h->hkind == HandleKind::Thread) m_threads.push_back(static_cast<ThreadHandle*>(h));
        if (h->hkind == HandleKind::Tls) m_tls.push_back(static_cast<TlsHandle*>(h));
        m_handle_bytes += bytes;
        m_bytes_since_gc += bytes;
        m_peak_handles = std::max<uint64_t>(m_peak_handles, m_handles.size());
        due = m_bytes_since_gc >= m_handle_trigger;
    }
    // The next safepoint collects (relaxed, as the heap's own trigger): sweep_handles frees the dead.
    if (due) m_vm.heap.collection_due.store(true, std::memory_order_relaxed);
}

// In use (kept whether or not the program reaches it): see visit_roots. The world is stopped, so
// nothing here changes under us. A handle's mutex is only tried, never waited for: a thread entering
// the safe state while it holds one (a channel wait) takes Vm::threads_mu to notify the collector,
// which holds it now. A mutex that is busy means its handle is in use anyway: keep it.
bool ThreadRuntime::in_use(Handle* h) {
    if (h->escaped.load(std::memory_order_relaxed)) return true;
    switch (h->hkind) {
    case HandleKind::Thread: {
        auto* th = static_cast<ThreadHandle*>(h);
        std::unique_lock<std::mutex> lk(th->mu, std::try_to_lock);
        if (!lk.owns_lock()) return true; // see above
        // Finished is stored under mu after the thread's last touch of its handle (finish_thread).
        // A failure nobody joined or detached is printed at program end: keep it until then.
        return th->state.load(std::memory_order_relaxed) != ThreadState::Finished ||
               (th->failed && !th->detached && !th->joined.load(std::memory_order_relaxed) && !th->failure_reported);
    }
    case HandleKind::Mutex: // held (the owner's held_locks, the wait graph, parked waiters use it)
        return static_cast<MutexHandle*>(h)->state.load(std::memory_order_relaxed) != 0;
    case HandleKind::Channel: {
        auto* ch = static_cast<ChannelHandle*>(h);
        std::unique_lock<std::mutex> lk(ch->mu, std::try_to_lock);
        if (!lk.owns_lock()) return true; // see above
        if (!ch->waiters.empty() || ch->recv_waiting) return true;
        for (const ChanEntry& e : ch->buf)
            if (e.taken || e.offer) return true; // a blocked sender's value or a select's offer
        return false;
    }
    case HandleKind::Pool: case HandleKind::Worker: {
        auto* p = static_cast<PoolHandle*>(h);
        {
            std::unique_lock<std::mutex> pl(m_pool_mu, std::try_to_lock);
            if (!pl.owns_lock()) return true; // see above
            if (p == m_default_pool) return true;
        }
        std::unique_lock<std::mutex> lk(p->mu, std::try_to_lock);
        if (!lk.owns_lock()) return true; // see above
        return p->live > 0; // its threads use it until the last one leaves its loop
    }
    case HandleKind::Future: { // a pool thread will run (or is running) it
        FutureState st = static_cast<FutureHandle*>(h)->state.load(std::memory_order_relaxed);
        return st == FutureState::Pending || st == FutureState::Running;
    }
    case HandleKind::RWLock: {
        auto* l = static_cast<RWLockHandle*>(h);
        std::unique_lock<std::mutex> lk(l->mu, std::try_to_lock);
        if (!lk.owns_lock()) return true; // see above
        return l->readers || l->writer || l->writers_waiting;
    }
    case HandleKind::Once: {
        auto* o = static_cast<OnceHandle*>(h);
        std::unique_lock<std::mutex> lk(o->mu, std::try_to_lock);
        if (!lk.owns_lock()) return true; // see above
        return o->state == OnceState::Running;
    }
    case HandleKind::Condition: case HandleKind::Volatile: case HandleKind::Atomic: case HandleKind::Semaphore:
    case HandleKind::WaitGroup: case HandleKind::Barrier: case HandleKind::Tls: case HandleKind::Scope:
        return false; // only the program (its registers, while blocked on one) can use these
    }
    return true;
}

// Compacts every list in place (survivors keep their order), like the heap's large-object list:
// no per-handle allocation or hashing in the pause.
void ThreadRuntime::sweep_handles(uint8_t epoch) {
    std::lock_guard<std::mutex> lk(m_mu);
    auto dead = [epoch](const Handle* h) { return !marked_in(h, epoch); };
    std::erase_if(m_threads, dead);
    std::erase_if(m_tls, dead);
    {
        std::lock_guard<std::mutex> pl(m_pool_mu);
        std::erase_if(m_pools, dead);
    }
    size_t kept = 0;
    uint64_t freed = 0;
    for (Handle* h : m_handles) {
        if (dead(h)) {
            m_dead.push_back(h);
            m_handle_bytes -= std::min<uint64_t>(m_handle_bytes, handle_size(h));
            ++freed;
        } else {
            m_handles[kept++] = h;
        }
    }
    m_handles.resize(kept);
    if (m_handles.capacity() > 4 * kept + 1024) m_handles.shrink_to_fit();
    m_freed_handles += freed;
    m_bytes_since_gc = 0;
    m_handle_trigger = std::max<uint64_t>(uint64_t{4} << 20, 2 * m_handle_bytes);
}

void ThreadRuntime::release_dead_handles() {
    std::vector<Handle*> dead;
    {
        std::lock_guard<std::mutex> lk(m_mu);
        dead.swap(m_dead);
    }
    for (Handle* h : dead) delete_handle(h);
}

void ThreadRuntime::escape(Handle* h) {
    if (h->escaped.load(std::memory_order_relaxed)) return;
    std::lock_guard<std::mutex> lk(m_mu);
    m_escaped.insert(h);
    h->escaped.store(true, std::memory_order_relaxed);
}

std::string ThreadRuntime::handle_stats() {
    std::lock_guard<std::mutex> lk(m_mu);
    return "gc: handles " + std::to_string(m_handles.size()) + " live, peak " + std::to_string(m_peak_handles) +
           ", " + std::to_string(m_freed_handles) + " freed";
}

Handle* ThreadRuntime::handle_of(Value v, const types::Type* type, HandleKind want) {
    if (type->kind != types::Kind::Ptr) return static_cast<Handle*>(v.o);
    Handle* h = static_cast<Handle*>(v.p);
    {
        std::lock_guard<std::mutex> lk(m_mu);
        if (!m_escaped.count(h)) rt::raise(ErrorKind::TypeError, std::string("expected ") + kind_name(want) + ", got ptr");
    }
    if (h->hkind != want)
        rt::raise(ErrorKind::TypeError, std::string("expected ") + kind_name(want) + ", got " + kind_name(h->hkind));
    return h;
}

MutexHandle* ThreadRuntime::new_mutex(bool recursive) {
    auto* m = make_handle<MutexHandle>(HandleKind::Mutex);
    m->recursive = recursive;
    m->serial = m_next_mutex.fetch_add(1, std::memory_order_relaxed);
    register_handle(m);
    return m;
}

CondHandle* ThreadRuntime::new_cond(MutexHandle* bound) {
    auto* c = make_handle<CondHandle>(HandleKind::Condition);
    c->bound = bound;
    c->serial = m_next_cond.fetch_add(1, std::memory_order_relaxed);
    register_handle(c);
    return c;
}

VolatileHandle* ThreadRuntime::new_volatile() {
    auto* v = make_handle<VolatileHandle>(HandleKind::Volatile);
    register_handle(v);
    return v;
}

ChannelHandle* ThreadRuntime::new_channel(int64_t cap, bool elem_is_ref) {
    auto* ch = make_handle<ChannelHandle>(HandleKind::Channel);
    ch->cap = cap;
    ch->elem_is_ref = elem_is_ref;
    register_handle(ch);
    return ch;
}

ScopeHandle* ThreadRuntime::new_scope() {
    auto* s = make_handle<ScopeHandle>(HandleKind::Scope);
    register_handle(s);
    return s;
}

// Joins every thread of the scope (also those spawned while joining), in spawn order; the first
// failure is re-raised (as join raises it: ThreadError) after all have been joined.
void ThreadRuntime::join_scope(VmThread& t, ScopeHandle* s) {
    std::optional<rt::Raise> first;
    for (size_t i = 0;; ++i) {
        ThreadHandle* h = nullptr;
        {
            std::lock_guard<std::mutex> lk(s->mu);
            if (i >= s->threads.size()) {
                s->threads.clear();
                break;
            }
            h = s->threads[i];
        }
        try {
            join(t, h);
        } catch (rt::Raise& r) { // holds strings only: no heap reference to keep alive
            if (!first) first = std::move(r);
        }
    }
    if (first) throw std::move(*first);
}

ThreadHandle* ThreadRuntime::spawn(VmThread& t, Closure* fn, const types::Type* fn_type, const Value* args,
                                   const types::Type* const* arg_types, uint32_t nargs) {
    {
        std::lock_guard<std::mutex> lk(m_life_mu);
        if (m_alive - m_finished + 1 >= m_vm.options.max_threads)
            rt::raise(ErrorKind::ThreadError, "cannot start thread: limit of " +
                                                  std::to_string(m_vm.options.max_threads) +
                                                  " threads reached (--max-threads)");
        ++m_alive;
    }
    auto* h = make_handle<ThreadHandle>(HandleKind::Thread);
    h->id = m_next_id.fetch_add(1, std::memory_order_relaxed);
    h->name = "Thread-" + std::to_string(h->id) + " (" + fn->proto->name + ")";
    h->fn = fn;
    h->args.assign(args, args + nargs);
    for (uint32_t i = 0; i < nargs; ++i) h->arg_is_ref.push_back(arg_types[i]->is_ref() ? 1 : 0);
    h->result_type = fn_type->ret;
    h->capture = t.capture;
    // From here the registry roots fn and the arguments until the thread ends.
    register_handle(h);
    m_vm.containers_shared.store(true, std::memory_order_relaxed); // before the thread exists (vm.hpp)
    if (!m_os_threads.start(&ThreadStart::entry, new ThreadStart{this, h}, kThreadStack)) {
        {
            std::lock_guard<std::mutex> lk(h->mu);
            h->fn = nullptr;
            h->args.clear();
            h->detached = true; // never ran: nothing to join or report
            h->state.store(ThreadState::Finished);
        }
        thread_exited();
        rt::raise(ErrorKind::ThreadError, "cannot start thread");
    }
    return h;
}

void ThreadRuntime::run_thread(ThreadHandle* h) {
    const uint32_t id = h->id;
    for (const auto& hook : m_vm.thread_start_hooks) hook(id); // embedding: not attached yet
    {
        // A small register stack (4,096 values): spawning stays cheap; it grows on demand.
        VmThread t(m_vm, h->id, 4096); // attaches (waits if a collection is under way)
        t.handle = h;
        if (t.trace) m_vm.tracer->set_name(t.trace, h->name);
        t.capture = h->capture;
        if (t.capture && t.capture->start_gate) { // --parallel-main: all mains start together
            SafeRegion safe(t);
            t.capture->start_gate->wait(false);
        }
        Value out = Value::zero();
        bool ok = false;
        try {
            ok = vm::run_closure(t, h->fn, h->args.data(), static_cast<uint32_t>(h->args.size()), &out);
        } catch (const std::exception&) {
            t.pending_error = nullptr; // native failure (out of memory): reported without a trace
        }
        finish_thread(t, h, ok, out);
    } // detaches: from here this OS thread touches the heap no more, its handle only to publish Finished
    if (m_vm.thread_end_hooks.empty()) {
        // Only bookkeeping is left (no user code, no waits): this OS thread may be promised the
        // next spawn, which the joiner released below typically makes at once (OsThreads).
        OsThreads::job_ending();
        publish_finished(h);
    } else {
        // An embedder's end hooks may block (docs/embedding.md): joiners do not wait for them, and
        // the promise comes after them.
        publish_finished(h);
        for (const auto& hook : m_vm.thread_end_hooks) hook(id); // not h: freed once Finished
        OsThreads::job_ending();
    }
    thread_exited(true);
}

// Joiners (and is_running) see the thread end: after it detached, before it leaves the runtime
// (thread_exited: the global deadlock check must find it Finished).
// The thread's last touch of its handle: once Finished is visible (in_use reads it under mu), a
// collection may free the handle, so the notify happens under mu too.
void ThreadRuntime::publish_finished(ThreadHandle* h) {
    std::lock_guard<std::mutex> lk(h->mu);
    h->state.store(ThreadState::Finished, std::memory_order_release);
    h->cv.notify_all();
}

// Still attached and running: stores the result (or the failure's text) in the handle, where the
// registry roots the result box. The thread is published Finished only after it detached
// (run_thread, publish_finished).
void ThreadRuntime::finish_thread(VmThread& t, ThreadHandle* h, bool ok, Value out) {
    Box* result = nullptr;
    std::string kind, message, trace;
    if (ok) {
        try {
            result = rt::new_box(t, h->result_type, out);
        } catch (const rt::Raise& r) {
            ok = false;
            kind = error_name(r.kind);
            message = r.message;
            trace = kind + ": " + message + "\n";
        }
    } else {
        ErrorKind k = ErrorKind::Exception;
        describe_failure(t, k, message, trace);
        kind = error_name(k);
    }
    if (t.held_mutexes) abandon_mutexes(t);
    clear_thread_locals(t.id);
    {
        std::lock_guard<std::mutex> ll(m_life_mu); // before Finished is published (see m_finished)
        ++m_finished;
    }
    std::lock_guard<std::mutex> lk(h->mu);
    h->fn = nullptr;
    h->args.clear();
    if (!h->detached) h->result = result;
    h->failed = !ok;
    h->error_kind = std::move(kind);
    h->error_message = std::move(message);
    h->error_traceback = std::move(trace);
    if (h->failed && h->detached) report_failure(h); // here, not after job_ending: it may block on stderr
}

void ThreadRuntime::report_failure(ThreadHandle* h) {
    if (h->failure_reported) return;
    h->failure_reported = true;
    std::string text = "Exception in thread " + h->name + ":\n" + h->error_traceback;
    if (h->capture) {
        std::lock_guard<std::mutex> lk(h->capture->mu);
        h->capture->err += text;
        return;
    }
    std::fflush(stdout);
    std::fwrite(text.data(), 1, text.size(), stderr);
    std::fflush(stderr);
}

// The next locker of each gets LockError "mutex owner finished while holding it" (once).
void ThreadRuntime::abandon_mutexes(VmThread& t) {
    std::lock_guard<std::mutex> lk(m_mu);
    for (Handle* h : m_handles) {
        if (h->hkind != HandleKind::Mutex) continue;
        auto* m = static_cast<MutexHandle*>(h);
        if (m->owner.load(std::memory_order_relaxed) != t.id + 1) continue;
        m->count = 0;
        m->abandoned.store(true, std::memory_order_relaxed);
        m->owner.store(0, std::memory_order_relaxed);
        if (m->state.exchange(0, std::memory_order_release) == 2) m_lot.unpark(&m->state);
    }
    t.held_mutexes = 0;
    t.held_locks.clear();
}

void ThreadRuntime::thread_exited(bool finished) {
    {
        std::lock_guard<std::mutex> lk(m_life_mu);
        --m_alive;
        if (finished) --m_finished;
        ++m_exiting; // still touching the runtime: whoever waits for the threads waits for this too
    }
    m_graph.thread_exited(); // the others may all be waiting now
    std::lock_guard<std::mutex> lk(m_life_mu);
    --m_exiting;
    m_life_cv.notify_all();
}

size_t ThreadRuntime::live_threads() {
    std::lock_guard<std::mutex> lk(m_life_mu);
    return size_t{m_alive} + 1;
}

// Join's first try, with h->mu released (`lk`, re-locked on success): watch the state for
// kJoinSpin before the full blocking path (graph registration, condition variable). A short
// thread on the other core finishes within it, and a kernel wake-up would cost more than the spin.
// The spin is in the safe state (it touches only the handle); a collection may run meanwhile.
// Not registered in the wait-for graph: it ends by itself, and a join cycle is found when its
// threads block for real. Not traced: a wait this short is not a wait worth drawing.
bool ThreadRuntime::spin_until_finished(VmThread& t, ThreadHandle* h, std::unique_lock<std::mutex>& lk) {
    constexpr auto kJoinSpin = std::chrono::microseconds(20);
    lk.unlock();
    bool done;
    t.waiting_for.store(h, std::memory_order_relaxed); // a thread dump names what it waits for
    {
        SafeRegion safe(t);
        done = m_join_spin.spin([&] { return h->state.load(std::memory_order_acquire) == ThreadState::Finished; },
                                kJoinSpin);
    }
    t.waiting_for.store(nullptr, std::memory_order_relaxed);
    if (done) lk.lock();
    return done;
}

Value ThreadRuntime::join(VmThread& t, ThreadHandle* h) {
    if (t.handle == h) rt::raise(ErrorKind::ThreadError, "a thread cannot join itself");
    std::unique_lock<std::mutex> lk(h->mu);
    if (h->detached) rt::raise(ErrorKind::ThreadError, "cannot join a detached thread");
    if (h->joined.load() || h->joining) rt::raise(ErrorKind::ThreadError, "thread already joined");
    h->joining = true;
    if (h->state.load(std::memory_order_acquire) != ThreadState::Finished && !spin_until_finished(t, h, lk)) {
        try {
            m_graph.begin_wait(t, h); // DeadlockError if joining would close a cycle
        } catch (...) {
            std::lock_guard<std::mutex> relk(h->mu);
            h->joining = false; // a refused join is no join: the thread can be joined later
            throw;
        }
        {
            // Blocked: safe for the collector. Only the handle (never freed) is used meanwhile.
            t.waiting_for.store(h, std::memory_order_relaxed);
            TraceScope trace(t, TraceKind::Join);
            SafeRegion safe(t);
            std::unique_lock<std::mutex> wait_lk(h->mu);
            h->cv.wait(wait_lk, [&] { return h->state.load(std::memory_order_acquire) == ThreadState::Finished; });
            wait_lk.unlock(); // before leaving the safe state (which may wait for a collection)
        }
        t.waiting_for.store(nullptr, std::memory_order_relaxed);
        m_graph.end_wait(t);
        lk.lock();
    }
    h->joining = false;
    h->joined.store(true);
    Box* result = h->result;
    h->result = nullptr;
    if (h->failed) {
        h->failure_reported = true;
        std::string msg = "thread " + h->name + " raised " + h->error_kind;
        if (!h->error_message.empty()) msg += ": " + h->error_message;
        std::string cause = h->error_traceback +
                            "\nThe above exception was the direct cause of the following exception:\n\n";
        lk.unlock();
        throw rt::Raise{ErrorKind::ThreadError, std::move(msg), std::move(cause)};
    }
    return Value::from_obj(result);
}

bool ThreadRuntime::detach(VmThread&, ThreadHandle* h) {
    std::lock_guard<std::mutex> lk(h->mu);
    if (h->detached || h->joined.load() || h->joining) return false;
    h->detached = true;
    h->result = nullptr;
    if (h->failed) report_failure(h);
    return true;
}

bool ThreadRuntime::any_alive() {
    std::lock_guard<std::mutex> lk(m_life_mu);
    return m_alive > 0;
}

bool ThreadRuntime::finish(VmThread& main) {
    for (;;) {
        ThreadHandle* waiting = nullptr;
        {
            std::lock_guard<std::mutex> lk(m_mu);
            for (ThreadHandle* h : m_threads) {
                std::lock_guard<std::mutex> hl(h->mu);
                if (!h->detached && !h->joined.load() && h->state.load() != ThreadState::Finished) {
                    waiting = h;
                    m_end_wait.store(h, std::memory_order_relaxed); // in use until end_wait (visit_roots)
                    break;
                }
            }
        }
        if (!waiting) break;
        m_graph.begin_wait(main, waiting, 0, false); // a cycle here is a global deadlock
        {
            TraceScope trace(main, TraceKind::ProgramEnd);
            SafeRegion safe(main);
            std::unique_lock<std::mutex> wl(waiting->mu);
            waiting->cv.wait(wl, [&] { return waiting->state.load() == ThreadState::Finished; });
        }
        m_graph.end_wait(main);
        m_end_wait.store(nullptr, std::memory_order_relaxed);
    }
    shutdown_pools(main); // drains queued tasks, joins pool and worker threads
    {
        std::lock_guard<std::mutex> lk(m_mu);
        for (ThreadHandle* h : m_threads) {
            std::lock_guard<std::mutex> hl(h->mu);
            if (h->failed && !h->detached && !h->joined.load()) report_failure(h);
        }
    }
    // Threads still alive now are detached ones still running, or threads about to exit.
    // m_mu is not taken under m_life_mu: the collector takes a pool's mutex under m_mu (root walk),
    // and a pool thread takes m_life_mu under its pool's mutex (wait graph), so that would close a
    // cycle. A state only ever moves on to Finished, so the scan needs no lock held across the wait.
    bool detached_running = false;
    {
        std::lock_guard<std::mutex> rl(m_mu);
        for (ThreadHandle* h : m_threads)
            if (h->state.load() != ThreadState::Finished) detached_running = true;
    }
    if (detached_running) return false;
    SafeRegion safe(main);
    std::unique_lock<std::mutex> lk(m_life_mu);
    m_life_cv.wait(lk, [&] { return m_alive == 0 && m_exiting == 0; });
    return true;
}

} // namespace bp::thread
