// The wait-for graph: cycle detection at block time, global deadlock, lock order and thread names
// (the design is atop runtime/thread/deadlock.hpp and in docs/threading.md "Deadlocks").
#include "runtime/thread/deadlock.hpp"

#include "runtime/rt.hpp"
#include "runtime/thread/runtime.hpp"
#include "runtime/thread/toolkit.hpp"
#include "runtime/thread/trace.hpp"
#include "vm/traceback.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace bp::thread {

namespace {

const bytecode::FunctionProto* proto_of(const void* p) { return static_cast<const bytecode::FunctionProto*>(p); }

bool future_finished(const FutureHandle* f) {
    FutureState s = f->state.load(std::memory_order_acquire);
    return s == FutureState::Done || s == FutureState::Failed || s == FutureState::Cancelled;
}

// The wait kind of the handle-only begin_wait (mutexes, joins, conditions, channels) and its word.
WaitOn wait_on_handle(const Handle* on, uint32_t seq) {
    switch (on->hkind) {
    case HandleKind::Mutex: return WaitOn{WaitOp::Lock, on};
    case HandleKind::Thread: return WaitOn{WaitOp::Join, on};
    case HandleKind::Condition: return WaitOn{WaitOp::Cond, on, &static_cast<const CondHandle*>(on)->seq, seq};
    case HandleKind::Channel:
        return WaitOn{WaitOp::Channel, on, &static_cast<const ChannelHandle*>(on)->version, seq};
    default: break;
    }
    return WaitOn{WaitOp::Cond, on}; // not reached: the other kinds use the WaitOn form
}

void top_site(const VmThread& t, const void*& proto, uint32_t& pc) {
    if (t.frames.empty()) {
        proto = nullptr;
        pc = 0;
        return;
    }
    proto = t.frames.back().proto;
    pc = t.frames.back().pc();
}

} // namespace

std::string WaitGraph::site_of(const void* proto, uint32_t pc) const {
    if (!proto) return "program end";
    return vm::format_site(m_vm, proto_of(proto), pc);
}

std::string WaitGraph::name_locked(const VmThread& t) const {
    auto it = m_names.find(t.id);
    if (it != m_names.end()) return it->second;
    if (t.handle) return t.handle->name;
    return "Thread-0 (main)";
}

// A holder that is not (or not yet) a waiter: its registered name, else its plain id.
std::string WaitGraph::name_by_id(uint32_t id) const {
    if (const Waiter* w = waiter_of(id)) return name_locked(*w->t);
    auto it = m_names.find(id);
    if (it != m_names.end()) return it->second;
    return id == 0 ? "Thread-0 (main)" : "Thread-" + std::to_string(id);
}

std::string WaitGraph::name_of(const VmThread& t) {
    std::lock_guard<std::mutex> lk(m_mu);
    return name_locked(t);
}

void WaitGraph::set_name(VmThread& t, std::string name) {
    std::lock_guard<std::mutex> lk(m_mu);
    if (t.handle) {
        std::lock_guard<std::mutex> hl(t.handle->mu);
        t.handle->name = name;
    }
    m_names[t.id] = std::move(name);
}

std::string WaitGraph::label(const Handle* h) const {
    switch (h->hkind) {
    case HandleKind::Mutex: return "Mutex-" + std::to_string(static_cast<const MutexHandle*>(h)->serial);
    case HandleKind::Condition: return "Condition-" + std::to_string(static_cast<const CondHandle*>(h)->serial);
    case HandleKind::Thread: {
        auto* th = static_cast<const ThreadHandle*>(h);
        auto it = m_names.find(th->id);
        return it != m_names.end() ? it->second : th->name;
    }
    case HandleKind::Volatile: return "Volatile";
    case HandleKind::Channel: return "a channel";
    case HandleKind::Pool: return "a pool";
    case HandleKind::Worker: return "a worker";
    case HandleKind::Future: {
        uint32_t n = static_cast<const FutureHandle*>(h)->serial;
        return n ? "Future-" + std::to_string(n) : "a pool_map task";
    }
    case HandleKind::RWLock: return "RWLock-" + std::to_string(static_cast<const RWLockHandle*>(h)->serial);
    case HandleKind::Semaphore: return "Semaphore-" + std::to_string(static_cast<const SemaphoreHandle*>(h)->serial);
    case HandleKind::WaitGroup: return "WaitGroup-" + std::to_string(static_cast<const WaitGroupHandle*>(h)->serial);
    case HandleKind::Barrier: return "Barrier-" + std::to_string(static_cast<const BarrierHandle*>(h)->serial);
    case HandleKind::Once: return "Once-" + std::to_string(static_cast<const OnceHandle*>(h)->serial);
    case HandleKind::Atomic:
    case HandleKind::Tls:
    case HandleKind::Scope: break; // never registered as a wait
    }
    return "handle";
}

const WaitGraph::Waiter* WaitGraph::waiter_of(uint32_t thread_id) const {
    if (m_asking && m_asking->t->id == thread_id) return m_asking;
    for (const Waiter& w : m_waiters)
        if (w.t->id == thread_id) return &w;
    return nullptr;
}

// One line per edge: "<thread> waits for <what> at <site>, held by <thread> since <site>".
std::string WaitGraph::describe_wait(const Waiter& w) {
    std::string out = "  " + name_locked(*w.t);
    const Handle* on = w.w.on;
    std::string at = " at " + site_of(w.proto, w.pc);
    uint32_t holder = 0;
    bool owned = holder_of(w, holder);
    switch (w.w.op) {
    case WaitOp::Lock: {
        auto* m = static_cast<const MutexHandle*>(on);
        out += " waits for " + label(on) + at;
        if (owned)
            out += ", held by " + name_by_id(holder) + " since " +
                   site_of(m->site_proto.load(std::memory_order_relaxed), m->site_pc.load(std::memory_order_relaxed));
        break;
    }
    case WaitOp::Join: out += " waits to join " + label(on) + at; break;
    case WaitOp::Cond: out += " waits for " + label(on) + at + " (nobody signals it)"; break;
    case WaitOp::Channel: out += " waits on a channel" + at + " (no thread can send, receive or close)"; break;
    case WaitOp::Select:
        out += " waits in select" + at + " (no thread can send, receive or close on its channels)";
        break;
    case WaitOp::ReadLock:
    case WaitOp::WriteLock:
        out += w.w.op == WaitOp::ReadLock ? " waits to read-lock " : " waits to write-lock ";
        out += label(on) + at;
        if (owned) out += ", write-locked by " + name_by_id(holder);
        else if (w.w.op == WaitOp::WriteLock) out += " (read-locked; no reader can unlock)";
        else out += " (a writer waits first)";
        break;
    case WaitOp::Semaphore: out += " waits for " + label(on) + at + " (no permit; nobody can release one)"; break;
    case WaitOp::WaitGroup:
        out += " waits for " + label(on) + at + " (count above zero; nobody can call wg_done)";
        break;
    case WaitOp::Barrier: out += " waits at " + label(on) + at + " (the other parties cannot arrive)"; break;
    case WaitOp::Once:
        out += " waits for " + label(on) + at;
        if (owned) out += ", whose function runs on " + name_by_id(holder);
        break;
    case WaitOp::Future:
        out += " waits for " + label(on) + at;
        if (owned) out += ", whose task runs on " + name_by_id(holder);
        else out += " (its task has not started)";
        break;
    case WaitOp::PoolIdle: out += " is idle in " + label(on) + " (no task queued)"; break;
    case WaitOp::PoolShutdown: out += " waits for the threads of " + label(on) + " to end" + at; break;
    }
    return out + "\n";
}

// The one thread that must act before `w` can go on, if the primitive has an owner: a mutex's
// owner, a running thread, an RWLock's write holder, a Once's runner, the pool thread running a
// future's task. A future that finished has none, whatever its (stale) runner says.
bool WaitGraph::holder_of(const Waiter& w, uint32_t& holder) const {
    uint32_t tag = 0;
    switch (w.w.op) {
    case WaitOp::Lock: tag = static_cast<const MutexHandle*>(w.w.on)->owner.load(std::memory_order_relaxed); break;
    case WaitOp::Join: {
        auto* th = static_cast<const ThreadHandle*>(w.w.on);
        if (th->state.load(std::memory_order_acquire) == ThreadState::Finished) return false;
        holder = th->id;
        return true;
    }
    case WaitOp::ReadLock:
    case WaitOp::WriteLock:
        tag = static_cast<const RWLockHandle*>(w.w.on)->writer.load(std::memory_order_relaxed);
        break;
    case WaitOp::Once: tag = static_cast<const OnceHandle*>(w.w.on)->runner.load(std::memory_order_relaxed); break;
    case WaitOp::Future: {
        auto* f = static_cast<const FutureHandle*>(w.w.on);
        if (future_finished(f)) return false;
        tag = f->runner.load(std::memory_order_relaxed);
        break;
    }
    case WaitOp::Cond:
    case WaitOp::Channel:
    case WaitOp::Select:
    case WaitOp::Semaphore:
    case WaitOp::WaitGroup:
    case WaitOp::Barrier:
    case WaitOp::PoolIdle:
    case WaitOp::PoolShutdown: return false; // no owner: any thread could act
    }
    if (!tag) return false;
    holder = tag - 1;
    return true;
}

std::string WaitGraph::cycle_message(const std::vector<const Waiter*>& cycle) {
    std::string out = "waiting would deadlock (a cycle of " + std::to_string(cycle.size()) + " thread" +
                      (cycle.size() == 1 ? "" : "s") + "):\n";
    for (const Waiter* w : cycle) out += describe_wait(*w);
    out.pop_back();
    return out;
}

void WaitGraph::begin_wait(VmThread& t, const Handle* on, uint32_t cond_seq, bool refusable, bool timed) {
    begin_wait(t, wait_on_handle(on, cond_seq), refusable, timed);
}

void WaitGraph::begin_wait(VmThread& t, const WaitOn& on, bool refusable, bool timed) {
    std::unique_lock<std::mutex> lk(m_mu);
    Waiter self{&t, on, nullptr, 0};
    top_site(t, self.proto, self.pc);
    // Follow holder -> waiting-for edges from what we want; coming back to t closes a cycle. The
    // path is only built once there is an edge (most waits have no owner: no allocation).
    std::vector<const Waiter*> path;
    const Waiter* cur = &self;
    for (size_t steps = 0; refusable && steps <= m_waiters.size(); ++steps) {
        uint32_t holder;
        if (!holder_of(*cur, holder)) break; // no owner (or none any more): no cycle through here
        if (path.empty()) path.push_back(&self);
        if (holder == t.id) {
            m_asking = &self;
            std::string msg = cycle_message(path);
            m_asking = nullptr;
            lk.unlock();
            rt::raise(ErrorKind::DeadlockError, msg);
        }
        const Waiter* next = waiter_of(holder);
        if (!next) break; // the holder is running: it can still release
        path.push_back(next);
        cur = next;
    }
    if (timed) return;
    m_waiters.push_back(self);
    check_global_locked();
}

void WaitGraph::rewait(VmThread& t, uint32_t seq) {
    std::lock_guard<std::mutex> lk(m_mu);
    for (Waiter& w : m_waiters) {
        if (w.t == &t) {
            w.w.seq = seq;
            check_global_locked();
            return;
        }
    }
}

void WaitGraph::end_wait(VmThread& t) {
    std::lock_guard<std::mutex> lk(m_mu);
    for (size_t i = 0; i < m_waiters.size(); ++i) {
        if (m_waiters[i].t == &t) {
            m_waiters.erase(m_waiters.begin() + static_cast<std::ptrdiff_t>(i));
            return;
        }
    }
}

void WaitGraph::thread_exited() {
    std::lock_guard<std::mutex> lk(m_mu);
    if (!m_waiters.empty()) check_global_locked();
}

// Still unsatisfiable (no wake-up under way)? Waits with a word: nothing that could let the
// waiter through happened since it last found it could not proceed (the word is bumped under the
// primitive's lock at every such change, and the waiter reads it under that lock).
bool WaitGraph::stuck(const Waiter& w) const {
    switch (w.w.op) {
    case WaitOp::Lock: return static_cast<const MutexHandle*>(w.w.on)->owner.load(std::memory_order_relaxed) != 0;
    case WaitOp::Join:
        return static_cast<const ThreadHandle*>(w.w.on)->state.load(std::memory_order_acquire) != ThreadState::Finished;
    case WaitOp::Future: return !future_finished(static_cast<const FutureHandle*>(w.w.on));
    // sem_release wakes only one waiter, so the version would leave the others looking wakeable.
    // No permit is exact instead: a waiter unregisters (under the semaphore's lock) before it
    // takes one, so a permit still there is one some registered waiter can still take.
    case WaitOp::Semaphore:
        return static_cast<const SemaphoreHandle*>(w.w.on)->permits.load(std::memory_order_relaxed) == 0;
    case WaitOp::Cond:
    case WaitOp::Channel:
    case WaitOp::Select:
    case WaitOp::ReadLock:
    case WaitOp::WriteLock:
    case WaitOp::WaitGroup:
    case WaitOp::Barrier:
    case WaitOp::Once:
    case WaitOp::PoolIdle:
    case WaitOp::PoolShutdown: return w.w.word && w.w.word->load(std::memory_order_acquire) == w.w.seq;
    }
    return false;
}

void WaitGraph::check_global_locked() {
    if (m_waiters.size() < m_rt.live_threads()) return;
    for (const Waiter& w : m_waiters)
        if (!stuck(w)) return;
    std::vector<const Waiter*> all;
    for (const Waiter& w : m_waiters) all.push_back(&w);
    std::sort(all.begin(), all.end(), [](const Waiter* a, const Waiter* b) { return a->t->id < b->t->id; });
    std::string out = "fatal error: deadlock: all " + std::to_string(all.size()) + " thread" +
                      (all.size() == 1 ? " is" : "s are") + " blocked and none can be woken\n";
    for (const Waiter* w : all) {
        out += "\n" + describe_wait(*w);
        if (!w->t->frames.empty()) out += vm::format_stack(*w->t);
    }
    std::fflush(stdout);
    std::fwrite(out.data(), 1, out.size(), stderr);
    std::fflush(stderr);
    finish_trace(m_vm); // --trace: the timeline up to the deadlock
    std::_Exit(70);
}

void WaitGraph::lock_taken(VmThread& t, MutexHandle* m, bool blocking) {
    if (!blocking || t.held_locks.empty()) { // nothing held: no order to record (the common case)
        t.held_locks.push_back(m);
        return;
    }
    const void* proto = nullptr;
    uint32_t pc = 0;
    top_site(t, proto, pc);
    std::string warning;
    {
        std::lock_guard<std::mutex> lk(m_order_mu);
        for (const void* held : t.held_locks) {
            if (held == m) continue;
            auto* hm = static_cast<const MutexHandle*>(held);
            // Keyed by serial numbers, never reused: a mutex's address may be reused after a
            // collection freed it (handles.hpp), which must not inherit its edges.
            auto key = std::make_pair(hm->serial, m->serial);
            std::string first = site_of(hm->site_proto.load(std::memory_order_relaxed),
                                        hm->site_pc.load(std::memory_order_relaxed));
            std::string second = site_of(proto, pc);
            if (!m_order.count(key)) {
                std::string who;
                {
                    std::lock_guard<std::mutex> nl(m_mu);
                    who = name_locked(t);
                }
                m_order.emplace(key, Edge{first, second, who});
            }
            auto rev = m_order.find(std::make_pair(m->serial, hm->serial));
            auto pair = hm->serial < m->serial ? key : std::make_pair(key.second, key.first);
            if (rev == m_order.end() || m_warned[pair]) continue;
            m_warned[pair] = true;
            std::string a, b;
            {
                std::lock_guard<std::mutex> nl(m_mu);
                a = label(hm);
                b = label(m);
            }
            const Edge& e = m_order.at(key);
            warning += "lock-order warning: " + a + " and " + b + " are locked in both orders (possible deadlock):\n";
            warning += "  " + rev->second.thread + " locked " + b + " at " + rev->second.first_site + ", then " + a +
                       " at " + rev->second.second_site + "\n";
            warning += "  " + e.thread + " locked " + a + " at " + e.first_site + ", then " + b + " at " +
                       e.second_site + "\n";
        }
    }
    t.held_locks.push_back(m);
    if (!warning.empty()) {
        std::fflush(stdout);
        std::fwrite(warning.data(), 1, warning.size(), stderr);
        std::fflush(stderr);
    }
}

void WaitGraph::lock_released(VmThread& t, MutexHandle* m) {
    for (size_t i = t.held_locks.size(); i-- > 0;) {
        if (t.held_locks[i] == m) {
            t.held_locks.erase(t.held_locks.begin() + static_cast<std::ptrdiff_t>(i));
            return;
        }
    }
}

} // namespace bp::thread
