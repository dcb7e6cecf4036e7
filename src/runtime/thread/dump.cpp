// The SIGQUIT thread dump: the watcher thread, the outside stop of the world and the dump's text
// (the design is atop runtime/thread/dump.hpp; the format is in docs/threading.md).
#include "runtime/thread/dump.hpp"

#include "runtime/thread/runtime.hpp"
#include "runtime/thread/safepoint.hpp"
#include "vm/traceback.hpp"

#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <string_view>

namespace bp::thread {

namespace {

sigset_t quit_set() {
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGQUIT);
    return s;
}

// Names of the attached threads by id (for "held by" and "joining").
using Names = std::map<uint32_t, std::string>;

std::string name_by_id(const Names& names, uint32_t id) {
    auto it = names.find(id);
    return it != names.end() ? it->second : "Thread-" + std::to_string(id);
}

// The builtin the top frame is calling ("" if it is not in a builtin call).
std::string_view current_builtin(const VmThread& t) {
    if (t.frames.empty()) return {};
    const Frame& f = t.frames.back();
    if (f.pc() >= f.proto->code.size()) return {};
    const bytecode::Instr& in = f.proto->code[f.pc()];
    if (in.op == bytecode::Op::CallExtern) return "<foreign call>";
    if (in.op != bytecode::Op::CallBuiltin || in.b >= kBuiltinCount) return {};
    return kBuiltins[in.b].name;
}

// What a thread blocked on `on` waits for.
std::string describe_handle_wait(const Handle* on, const VmThread& t, const Names& names) {
    std::string in(current_builtin(t));
    switch (on->hkind) {
    case HandleKind::Mutex: {
        auto* m = static_cast<const MutexHandle*>(on);
        std::string out = "blocked in lock of Mutex-" + std::to_string(m->serial);
        // relaxed: a report; the owner may change while we look, the text is only informative.
        uint32_t owner = m->owner.load(std::memory_order_relaxed);
        if (owner) out += ", held by " + name_by_id(names, owner - 1);
        return out;
    }
    case HandleKind::Condition:
        return "waiting on Condition-" + std::to_string(static_cast<const CondHandle*>(on)->serial);
    case HandleKind::Thread: return "joining " + name_by_id(names, static_cast<const ThreadHandle*>(on)->id);
    case HandleKind::Channel:
        if (in.find("recv") != std::string::npos) return "channel recv";
        if (in.find("send") != std::string::npos) return "channel send";
        return in.empty() ? "blocked on a channel" : "blocked on a channel in " + in + "()";
    case HandleKind::Volatile:
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
    case HandleKind::Scope: break;
    }
    return in.empty() ? "blocked" : "blocked in " + in + "()";
}

std::string describe_state(const VmThread& t, const Names& names) {
    // seq_cst: pairs with the thread's own seq_cst stores of its state (safepoint.hpp).
    uint8_t state = t.gc_state.load(std::memory_order_seq_cst);
    if (state != kSafe) return t.frames.empty() ? (t.id == 0 ? "at program end" : "starting or exiting") : "running";
    // relaxed: published before the thread entered the safe state (the seq_cst store orders it).
    if (auto* on = static_cast<const Handle*>(t.waiting_for.load(std::memory_order_relaxed)))
        return describe_handle_wait(on, t, names);
    if (t.frames.empty()) return t.id == 0 ? "waiting for threads at program end" : "idle";
    std::string_view in = current_builtin(t);
    if (in == "sleep" || in == "thread_sleep") return "sleeping";
    if (in == "<foreign call>") return "in a foreign call";
    if (in.empty()) return "blocked";
    return "blocked in " + std::string(in) + "()";
}

} // namespace

void block_dump_signal() {
    sigset_t s = quit_set();
    pthread_sigmask(SIG_BLOCK, &s, nullptr);
}

std::string format_thread_dump(Vm& vm) {
    std::vector<const VmThread*> threads(vm.threads.begin(), vm.threads.end());
    std::sort(threads.begin(), threads.end(), [](const VmThread* a, const VmThread* b) { return a->id < b->id; });
    Names names;
    for (const VmThread* t : threads) names[t->id] = vm.threading->graph().name_of(*t);
    std::string out = "--- thread dump: " + std::to_string(threads.size()) + " thread" +
                      (threads.size() == 1 ? "" : "s") + " ---\n";
    for (const VmThread* t : threads) {
        out += "\n" + names[t->id] + " [id " + std::to_string(t->id) + "]: " + describe_state(*t, names) + "\n";
        if (t->frames.empty()) out += "  (no BetterPython frames)\n";
        else out += vm::format_stack(*t);
    }
    out += "\n--- end of thread dump ---\n";
    return out;
}

void dump_threads(Vm& vm) {
    std::string text;
    {
        std::unique_lock<std::mutex> lk(vm.threads_mu);
        bool was_due = stop_world_from_outside(vm, lk);
        text = format_thread_dump(vm);
        // Nobody allocated while stopped, so a false flag is still right (a trigger raised just
        // before the stop is raised again by the next allocation that passes the threshold).
        if (!was_due) vm.heap.collection_due.store(false, std::memory_order_relaxed);
        resume_world(vm);
    }
    std::fwrite(text.data(), 1, text.size(), stderr);
    std::fflush(stderr);
}

void DumpServer::serve() {
    sigset_t s = quit_set();
    pthread_sigmask(SIG_BLOCK, &s, nullptr); // sigwait needs it blocked here too
    for (;;) {
        int sig = 0;
        if (sigwait(&s, &sig) != 0) continue;
        if (m_stop.load(std::memory_order_acquire)) return;
        std::lock_guard<std::mutex> lk(m_mu);
        if (m_vm) dump_threads(*m_vm);
    }
}

void DumpServer::stop(pthread_t serving) {
    m_stop.store(true, std::memory_order_release);
    pthread_kill(serving, SIGQUIT); // to that thread only: it wakes its sigwait
}

void DumpServer::publish(Vm* vm) {
    std::lock_guard<std::mutex> lk(m_mu);
    m_vm = vm;
}

DumpWatcher::DumpWatcher(Vm& vm, DumpServer* shared) {
    if (!shared) {
        m_own = std::make_unique<DumpServer>();
        shared = m_own.get();
    }
    m_server = shared;
    m_server->publish(&vm);
    if (m_own) m_thread = std::thread([this] { m_own->serve(); });
}

DumpWatcher::~DumpWatcher() {
    m_server->publish(nullptr);
    if (m_own) {
        m_own->stop(m_thread.native_handle());
        m_thread.join();
    }
}

} // namespace bp::thread
