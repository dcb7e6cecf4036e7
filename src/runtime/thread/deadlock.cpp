// The wait-for graph: cycle detection at block time, global deadlock, lock order and thread names
// (the design is atop runtime/thread/deadlock.hpp and in docs/threading.md "Deadlocks").
#include "runtime/thread/deadlock.hpp"

#include "runtime/rt.hpp"
#include "runtime/thread/runtime.hpp"
#include "runtime/thread/trace.hpp"
#include "vm/traceback.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace bp::thread {

namespace {

const bytecode::FunctionProto* proto_of(const void* p) { return static_cast<const bytecode::FunctionProto*>(p); }

void top_site(const VmThread& t, const void*& proto, uint32_t& pc) {
    if (t.frames.empty()) {
        proto = nullptr;
        pc = 0;
        return;
    }
    proto = t.frames.back().proto;
    pc = t.frames.back().pc;
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
    case HandleKind::Atomic:
    case HandleKind::Pool:
    case HandleKind::Future:
    case HandleKind::Worker:
    case HandleKind::RWLock:
    case HandleKind::Semaphore:
    case HandleKind::WaitGroup:
    case HandleKind::Barrier:
    case HandleKind::Once:
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
    const Handle* on = w.on;
    if (on->hkind == HandleKind::Mutex) {
        auto* m = static_cast<const MutexHandle*>(on);
        out += " waits for " + label(on) + " at " + site_of(w.proto, w.pc);
        uint32_t owner = m->owner.load(std::memory_order_relaxed);
        if (owner) {
            const Waiter* o = waiter_of(owner - 1);
            std::string holder = o ? name_locked(*o->t) : "Thread-" + std::to_string(owner - 1);
            out += ", held by " + holder + " since " +
                   site_of(m->site_proto.load(std::memory_order_relaxed), m->site_pc.load(std::memory_order_relaxed));
        }
    } else if (on->hkind == HandleKind::Thread) {
        out += " waits to join " + label(on) + " at " + site_of(w.proto, w.pc);
    } else if (on->hkind == HandleKind::Condition) {
        out += " waits for " + label(on) + " at " + site_of(w.proto, w.pc) + " (nobody signals it)";
    } else if (on->hkind == HandleKind::Channel) {
        out += " waits on a channel at " + site_of(w.proto, w.pc) + " (no thread can send, receive or close)";
    } else {
        out += " waits at " + site_of(w.proto, w.pc);
    }
    return out + "\n";
}

std::string WaitGraph::cycle_message(const std::vector<const Waiter*>& cycle) {
    std::string out = "waiting would deadlock (a cycle of " + std::to_string(cycle.size()) + " thread" +
                      (cycle.size() == 1 ? "" : "s") + "):\n";
    for (const Waiter* w : cycle) out += describe_wait(*w);
    out.pop_back();
    return out;
}

void WaitGraph::begin_wait(VmThread& t, const Handle* on, uint32_t cond_seq, bool refusable, bool timed) {
    std::unique_lock<std::mutex> lk(m_mu);
    Waiter self{&t, on, cond_seq, nullptr, 0};
    top_site(t, self.proto, self.pc);
    // Follow owner -> waiting-for edges from what we want; coming back to t closes a cycle.
    std::vector<const Waiter*> path{&self};
    const Handle* cur = on;
    for (size_t steps = 0; refusable && steps <= m_waiters.size(); ++steps) {
        uint32_t holder;
        if (cur->hkind == HandleKind::Mutex) {
            uint32_t owner = static_cast<const MutexHandle*>(cur)->owner.load(std::memory_order_relaxed);
            if (!owner) break;
            holder = owner - 1;
        } else if (cur->hkind == HandleKind::Thread) {
            auto* th = static_cast<const ThreadHandle*>(cur);
            if (th->state.load(std::memory_order_acquire) == ThreadState::Finished) break;
            holder = th->id;
        } else {
            break; // conditions (and anything else) have no owner
        }
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
        cur = next->on;
    }
    if (timed) return;
    m_waiters.push_back(self);
    check_global_locked();
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

// Still unsatisfiable (no wake-up under way)?
bool WaitGraph::stuck(const Waiter& w) const {
    switch (w.on->hkind) {
    case HandleKind::Mutex: return static_cast<const MutexHandle*>(w.on)->owner.load(std::memory_order_relaxed) != 0;
    case HandleKind::Thread:
        return static_cast<const ThreadHandle*>(w.on)->state.load(std::memory_order_acquire) != ThreadState::Finished;
    case HandleKind::Condition:
        return static_cast<const CondHandle*>(w.on)->seq.load(std::memory_order_acquire) == w.cond_seq;
    case HandleKind::Volatile: return false;
    case HandleKind::Channel: // nothing sent, taken or closed since the wait began
        return static_cast<const ChannelHandle*>(w.on)->version.load(std::memory_order_acquire) == w.cond_seq;
    case HandleKind::Atomic:
    case HandleKind::Pool:
    case HandleKind::Future:
    case HandleKind::Worker:
    case HandleKind::RWLock:
    case HandleKind::Semaphore:
    case HandleKind::WaitGroup:
    case HandleKind::Barrier:
    case HandleKind::Once:
    case HandleKind::Tls:
    case HandleKind::Scope: break; // never registered as a wait
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
