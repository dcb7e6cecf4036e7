// ThreadRuntime: the Vm's threads and handles (LANGUAGE.md §11; design in docs/threading.md).
// It owns every handle (registry), spawns threads on their own OS thread with a large stack,
// implements join/detach and the program-end protocol (§11.5), and reports failed threads (§11.6).
#pragma once
#include "runtime/thread/handles.hpp"
#include "vm/vm.hpp"

#include <condition_variable>
#include <mutex>
#include <unordered_set>
#include <vector>

namespace bp::thread {

class ThreadRuntime {
public:
    explicit ThreadRuntime(Vm& vm) : m_vm(vm) {}
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

    // Calls f(Obj*) for every heap reference handles hold. Only while the world is stopped.
    template <class F>
    void visit_roots(F&& f) {
        std::lock_guard<std::mutex> lk(m_mu);
        for (Handle* h : m_handles) {
            if (h->hkind == HandleKind::Thread) {
                auto* th = static_cast<ThreadHandle*>(h);
                f(th->fn);
                for (size_t i = 0; i < th->args.size(); ++i)
                    if (th->arg_is_ref[i]) f(th->args[i].o);
                f(th->result);
            } else if (h->hkind == HandleKind::Volatile) {
                for (auto& [k, box] : static_cast<VolatileHandle*>(h)->map) f(box);
            } else if (h->hkind == HandleKind::Channel) {
                auto* ch = static_cast<ChannelHandle*>(h);
                if (ch->elem_is_ref)
                    for (Value v : ch->buf) f(v.o);
            }
        }
    }

private:
    friend struct ThreadStart;
    void register_handle(Handle* h);
    void run_thread(ThreadHandle* h);
    void finish_thread(VmThread& t, ThreadHandle* h, bool ok, Value out);
    void report_failure(ThreadHandle* h); // with h->mu held
    void abandon_mutexes(VmThread& t);    // at thread exit: release what it still holds
    void thread_exited();

    Vm& m_vm;
    std::mutex m_mu; // guards m_handles, m_threads
    std::unordered_set<Handle*> m_handles;
    std::vector<ThreadHandle*> m_threads;
    std::atomic<uint32_t> m_next_id{1};
    std::mutex m_life_mu; // guards m_alive (OS threads started and not yet exited)
    std::condition_variable m_life_cv;
    uint32_t m_alive = 0;
};

// Mutex and condition operations (mutex.cpp); errors as LANGUAGE.md §11.2.
void mutex_lock(VmThread& t, MutexHandle* m);
bool mutex_trylock(VmThread& t, MutexHandle* m);
void mutex_unlock(VmThread& t, MutexHandle* m);
void mutex_destroy(VmThread& t, MutexHandle* m);
void cond_wait(VmThread& t, CondHandle* c, MutexHandle* m); // m == nullptr: the bound mutex
void cond_signal(CondHandle* c, bool all);

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

// Platform layer (platform_posix.cpp): starts fn(arg) on a detached OS thread with a stack of
// `stack_bytes`; false if the OS refuses.
bool start_os_thread(void (*fn)(void*), void* arg, size_t stack_bytes);

} // namespace bp::thread
