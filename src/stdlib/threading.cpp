// Threading builtins (LANGUAGE.md §10 "Threading", §11.2): thin wrappers over the thread runtime
// (src/runtime/thread). Handle arguments may arrive as `ptr`; handle_of checks their kind.
#include "runtime/thread/runtime.hpp"
#include "runtime/thread/safepoint.hpp"
#include "runtime/thread/trace.hpp"
#include "stdlib/support.hpp"

#include <chrono>
#include <thread>

namespace bp::stdlib {

using thread::HandleKind;

namespace {

thread::ThreadRuntime& runtime(BuiltinArgs& a) { return *a.thread.vm.threading; }

template <class H>
H* handle_arg(BuiltinArgs& a, uint32_t i, HandleKind k) {
    return static_cast<H*>(runtime(a).handle_of(a.args[i], a.arg_types[i], k));
}
thread::ThreadHandle* thread_arg(BuiltinArgs& a, uint32_t i) {
    return handle_arg<thread::ThreadHandle>(a, i, HandleKind::Thread);
}
thread::MutexHandle* mutex_arg(BuiltinArgs& a, uint32_t i) {
    return handle_arg<thread::MutexHandle>(a, i, HandleKind::Mutex);
}
thread::CondHandle* cond_arg(BuiltinArgs& a, uint32_t i) {
    return handle_arg<thread::CondHandle>(a, i, HandleKind::Condition);
}
thread::VolatileHandle* volatile_arg(BuiltinArgs& a, uint32_t i) {
    return handle_arg<thread::VolatileHandle>(a, i, HandleKind::Volatile);
}
Value obj(void* p) { return Value::from_obj(static_cast<Obj*>(p)); }

} // namespace

void sleep_ms(VmThread& t, int64_t ms) {
    if (ms <= 0) {
        std::this_thread::yield();
        return;
    }
    thread::TraceScope trace(t, thread::TraceKind::Sleep);
    thread::SafeRegion safe(t);
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

Value bi_thread_spawn(BuiltinArgs& a) {
    auto* fn = static_cast<Closure*>(a.args[0].o);
    return obj(runtime(a).spawn(a.thread, fn, a.arg_types[0], a.args + 1, a.arg_types + 1, a.nargs - 1));
}
Value bi_thread_join(BuiltinArgs& a) { return runtime(a).join(a.thread, thread_arg(a, 0)); }
Value bi_thread_detach(BuiltinArgs& a) { return Value::from_bool(runtime(a).detach(a.thread, thread_arg(a, 0))); }
Value bi_thread_current(BuiltinArgs& a) { return Value::from_int(a.thread.id); }
Value bi_thread_id(BuiltinArgs& a) { return Value::from_int(thread_arg(a, 0)->id); }
Value bi_thread_is_running(BuiltinArgs& a) {
    return Value::from_bool(thread_arg(a, 0)->state.load(std::memory_order_acquire) == thread::ThreadState::Running);
}
Value bi_thread_is_joined(BuiltinArgs& a) { return Value::from_bool(thread_arg(a, 0)->joined.load()); }
Value bi_thread_yield(BuiltinArgs&) {
    std::this_thread::yield();
    return Value::zero();
}
Value bi_thread_sleep(BuiltinArgs& a) {
    sleep_ms(a.thread, arg_int(a, 0));
    return Value::zero();
}

Value bi_mutex_new(BuiltinArgs& a) { return obj(runtime(a).new_mutex(a.nargs > 0 && a.args[0].i != 0)); }
Value bi_rmutex_new(BuiltinArgs& a) { return obj(runtime(a).new_mutex(true)); }
Value bi_mutex_lock(BuiltinArgs& a) {
    thread::mutex_lock(a.thread, mutex_arg(a, 0));
    return Value::zero();
}
Value bi_mutex_trylock(BuiltinArgs& a) { return Value::from_bool(thread::mutex_trylock(a.thread, mutex_arg(a, 0))); }
Value bi_mutex_unlock(BuiltinArgs& a) {
    thread::mutex_unlock(a.thread, mutex_arg(a, 0));
    return Value::zero();
}
Value bi_mutex_destroy(BuiltinArgs& a) {
    thread::mutex_destroy(a.thread, mutex_arg(a, 0));
    return Value::zero();
}

Value bi_cond_new(BuiltinArgs& a) { return obj(runtime(a).new_cond(a.nargs > 0 ? mutex_arg(a, 0) : nullptr)); }
Value bi_cond_wait(BuiltinArgs& a) {
    thread::CondHandle* c = cond_arg(a, 0);
    thread::cond_wait(a.thread, c, a.nargs > 1 ? mutex_arg(a, 1) : nullptr);
    return Value::zero();
}
Value bi_cond_signal(BuiltinArgs& a) {
    thread::cond_signal(a.thread, cond_arg(a, 0), false);
    return Value::zero();
}
Value bi_cond_broadcast(BuiltinArgs& a) {
    thread::cond_signal(a.thread, cond_arg(a, 0), true);
    return Value::zero();
}

// The HandleToPtr conversion (compile_expr.cpp): from here the handle is never collected (a ptr
// is an untraced address; runtime/thread/handles.hpp).
Value bi_handle_to_ptr(BuiltinArgs& a) {
    if (a.args[0].o) runtime(a).escape(static_cast<thread::Handle*>(a.args[0].o));
    return a.args[0];
}

Value bi_volatile_new(BuiltinArgs& a) { return obj(runtime(a).new_volatile()); }
Value bi_volatile_set(BuiltinArgs& a) {
    thread::VolatileHandle* v = volatile_arg(a, 0);
    const types::Type* type = a.arg_types[2];
    Box* box = type->kind == types::Kind::Any ? static_cast<Box*>(a.args[2].o) : rt::new_box(a.thread, type, a.args[2]);
    std::string key(arg_sv(a, 1));
    std::lock_guard<std::mutex> lk(v->mu);
    v->map[std::move(key)] = box;
    return Value::zero();
}
Value bi_volatile_get(BuiltinArgs& a) {
    thread::VolatileHandle* v = volatile_arg(a, 0);
    std::string key(arg_sv(a, 1));
    {
        std::lock_guard<std::mutex> lk(v->mu);
        auto it = v->map.find(key);
        if (it != v->map.end()) return obj(it->second);
    }
    rt::raise(ErrorKind::KeyError, "key not found: " + rt::to_display(a.args[1], a.arg_types[1], false));
}
Value bi_volatile_has(BuiltinArgs& a) {
    thread::VolatileHandle* v = volatile_arg(a, 0);
    std::string key(arg_sv(a, 1));
    std::lock_guard<std::mutex> lk(v->mu);
    return Value::from_bool(v->map.count(key) > 0);
}
Value bi_volatile_delete(BuiltinArgs& a) {
    thread::VolatileHandle* v = volatile_arg(a, 0);
    std::string key(arg_sv(a, 1));
    std::lock_guard<std::mutex> lk(v->mu);
    return Value::from_bool(v->map.erase(key) > 0);
}

Value bi_thread_set_name(BuiltinArgs& a) {
    runtime(a).graph().set_name(a.thread, std::string(arg_sv(a, 0)));
    return Value::zero();
}
Value bi_thread_name(BuiltinArgs& a) {
    return Value::from_obj(rt::new_string(a.thread, runtime(a).graph().name_of(a.thread)));
}

} // namespace bp::stdlib
