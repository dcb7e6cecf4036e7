// Concurrency toolkit builtins (docs/threading.md "Concurrency toolkit"): thin wrappers over
// runtime/thread/{toolkit,pool,mutex}.cpp. Handle arguments may arrive as `ptr`; handle_of checks
// their kind. Atomics are implemented inline here: one sequentially consistent std::atomic op each.
#include "runtime/thread/runtime.hpp"
#include "runtime/thread/safepoint.hpp"
#include "stdlib/support.hpp"

namespace bp::stdlib {

using thread::HandleKind;

namespace {

thread::ThreadRuntime& runtime(BuiltinArgs& a) { return *a.thread.vm.threading; }

template <class H>
H* arg(BuiltinArgs& a, uint32_t i, HandleKind k) {
    return static_cast<H*>(runtime(a).handle_of(a.args[i], a.arg_types[i], k));
}
std::atomic<int64_t>& atomic_arg(BuiltinArgs& a) { return arg<thread::AtomicHandle>(a, 0, HandleKind::Atomic)->value; }
thread::PoolHandle* pool_arg(BuiltinArgs& a) { return arg<thread::PoolHandle>(a, 0, HandleKind::Pool); }
thread::PoolHandle* worker_arg(BuiltinArgs& a) { return arg<thread::PoolHandle>(a, 0, HandleKind::Worker); }
thread::FutureHandle* future_arg(BuiltinArgs& a) { return arg<thread::FutureHandle>(a, 0, HandleKind::Future); }
thread::RWLockHandle* rwlock_arg(BuiltinArgs& a) { return arg<thread::RWLockHandle>(a, 0, HandleKind::RWLock); }
thread::SemaphoreHandle* sem_arg(BuiltinArgs& a) { return arg<thread::SemaphoreHandle>(a, 0, HandleKind::Semaphore); }
thread::WaitGroupHandle* wg_arg(BuiltinArgs& a) { return arg<thread::WaitGroupHandle>(a, 0, HandleKind::WaitGroup); }
thread::TlsHandle* tls_arg(BuiltinArgs& a) { return arg<thread::TlsHandle>(a, 0, HandleKind::Tls); }
Value obj(void* p) { return Value::from_obj(static_cast<Obj*>(p)); }
Value none() { return Value::zero(); }

int64_t timeout_arg(BuiltinArgs& a, uint32_t i, const char* fn) {
    int64_t ms = arg_int(a, i);
    if (ms < 0) rt::raise(ErrorKind::ValueError, std::string(fn) + ": the timeout must be >= 0 ms, got " + std::to_string(ms));
    return ms;
}

Value submit_to(BuiltinArgs& a, thread::PoolHandle* p) {
    auto* fn = static_cast<Closure*>(a.args[1].o);
    return obj(runtime(a).submit(a.thread, p, fn, a.arg_types[1], a.args + 2, a.arg_types + 2, a.nargs - 2));
}

} // namespace

// ---- atomics (sequentially consistent)
Value bi_atomic_new(BuiltinArgs& a) {
    auto* h = runtime(a).new_handle<thread::AtomicHandle>(HandleKind::Atomic);
    h->value.store(arg_int(a, 0));
    return obj(h);
}
Value bi_atomic_load(BuiltinArgs& a) { return Value::from_int(atomic_arg(a).load()); }
Value bi_atomic_store(BuiltinArgs& a) {
    atomic_arg(a).store(arg_int(a, 1));
    return none();
}
// Wrapping (two's complement) like the language's int arithmetic would overflow: done unsigned.
Value bi_atomic_add(BuiltinArgs& a) {
    auto& v = atomic_arg(a);
    uint64_t d = static_cast<uint64_t>(arg_int(a, 1));
    return Value::from_int(static_cast<int64_t>(static_cast<uint64_t>(v.fetch_add(static_cast<int64_t>(d))) + d));
}
Value bi_atomic_sub(BuiltinArgs& a) {
    auto& v = atomic_arg(a);
    uint64_t d = static_cast<uint64_t>(arg_int(a, 1));
    return Value::from_int(static_cast<int64_t>(static_cast<uint64_t>(v.fetch_sub(static_cast<int64_t>(d))) - d));
}
Value bi_atomic_exchange(BuiltinArgs& a) { return Value::from_int(atomic_arg(a).exchange(arg_int(a, 1))); }
Value bi_atomic_cas(BuiltinArgs& a) {
    int64_t expected = arg_int(a, 1);
    return Value::from_bool(atomic_arg(a).compare_exchange_strong(expected, arg_int(a, 2)));
}

// ---- pools, futures, workers
Value bi_pool_new(BuiltinArgs& a) { return obj(runtime(a).new_pool(a.thread, arg_int(a, 0), false)); }
Value bi_pool_default(BuiltinArgs& a) { return obj(runtime(a).default_pool(a.thread)); }
Value bi_pool_size(BuiltinArgs& a) { return Value::from_int(pool_arg(a)->size); }
Value bi_pool_submit(BuiltinArgs& a) { return submit_to(a, pool_arg(a)); }
Value bi_pool_map(BuiltinArgs& a) {
    thread::PoolHandle* p = pool_arg(a);
    auto* fn = static_cast<Closure*>(a.args[1].o);
    std::vector<Value> items = array_snapshot(arg_array(a, 2));
    return obj(runtime(a).pool_map(a.thread, p, fn, a.arg_types[1], items, a.arg_types[2]->elem, a.result_type));
}
Value bi_pool_shutdown(BuiltinArgs& a) {
    runtime(a).pool_shutdown(a.thread, pool_arg(a));
    return none();
}
Value bi_future_get(BuiltinArgs& a) {
    thread::FutureHandle* f = future_arg(a);
    Value box = thread::future_get(a.thread, f, a.nargs > 1 ? timeout_arg(a, 1, "future_get") : -1);
    // Future[T] (static result T): the value itself; the bare Future: the box (any).
    if (a.result_type->kind == types::Kind::Any) return box;
    if (a.result_type->kind == types::Kind::Void) return none();
    return rt::unbox(static_cast<Box*>(box.o), a.result_type);
}
Value bi_future_done(BuiltinArgs& a) {
    thread::FutureState s = future_arg(a)->state.load(std::memory_order_acquire);
    return Value::from_bool(s != thread::FutureState::Pending && s != thread::FutureState::Running);
}
Value bi_future_cancel(BuiltinArgs& a) { return Value::from_bool(thread::future_cancel(future_arg(a))); }
Value bi_worker_new(BuiltinArgs& a) { return obj(runtime(a).new_pool(a.thread, 1, true)); }
Value bi_worker_submit(BuiltinArgs& a) { return submit_to(a, worker_arg(a)); }
Value bi_worker_pending(BuiltinArgs& a) { return Value::from_int(runtime(a).pool_pending(worker_arg(a))); }
Value bi_worker_shutdown(BuiltinArgs& a) {
    runtime(a).pool_shutdown(a.thread, worker_arg(a));
    return none();
}

// ---- RWLock, Semaphore, WaitGroup, Barrier, Once
Value bi_rwlock_new(BuiltinArgs& a) { return obj(runtime(a).new_handle<thread::RWLockHandle>(HandleKind::RWLock)); }
Value bi_read_lock(BuiltinArgs& a) {
    thread::rwlock_read_lock(a.thread, rwlock_arg(a));
    return none();
}
Value bi_read_unlock(BuiltinArgs& a) {
    thread::rwlock_read_unlock(rwlock_arg(a));
    return none();
}
Value bi_write_lock(BuiltinArgs& a) {
    thread::rwlock_write_lock(a.thread, rwlock_arg(a));
    return none();
}
Value bi_write_unlock(BuiltinArgs& a) {
    thread::rwlock_write_unlock(a.thread, rwlock_arg(a));
    return none();
}
Value bi_sem_new(BuiltinArgs& a) {
    int64_t n = arg_int(a, 0);
    if (n < 0) rt::raise(ErrorKind::ValueError, "sem_new: the initial count must be >= 0, got " + std::to_string(n));
    auto* s = runtime(a).new_handle<thread::SemaphoreHandle>(HandleKind::Semaphore);
    s->permits.store(n, std::memory_order_relaxed);
    return obj(s);
}
Value bi_sem_acquire(BuiltinArgs& a) {
    thread::sem_acquire(a.thread, sem_arg(a));
    return none();
}
Value bi_sem_release(BuiltinArgs& a) {
    thread::sem_release(sem_arg(a));
    return none();
}
Value bi_sem_try_acquire(BuiltinArgs& a) { return Value::from_bool(thread::sem_try_acquire(sem_arg(a))); }
Value bi_wg_new(BuiltinArgs& a) { return obj(runtime(a).new_handle<thread::WaitGroupHandle>(HandleKind::WaitGroup)); }
Value bi_wg_add(BuiltinArgs& a) {
    thread::wg_add(wg_arg(a), arg_int(a, 1));
    return none();
}
Value bi_wg_done(BuiltinArgs& a) {
    thread::wg_add(wg_arg(a), -1);
    return none();
}
Value bi_wg_wait(BuiltinArgs& a) {
    thread::wg_wait(a.thread, wg_arg(a));
    return none();
}
Value bi_barrier_new(BuiltinArgs& a) {
    int64_t n = arg_int(a, 0);
    if (n < 1) rt::raise(ErrorKind::ValueError, "barrier_new: the party count must be >= 1, got " + std::to_string(n));
    auto* b = runtime(a).new_handle<thread::BarrierHandle>(HandleKind::Barrier);
    b->parties = n;
    return obj(b);
}
Value bi_barrier_wait(BuiltinArgs& a) {
    return Value::from_bool(thread::barrier_wait(a.thread, arg<thread::BarrierHandle>(a, 0, HandleKind::Barrier)));
}
Value bi_once_new(BuiltinArgs& a) { return obj(runtime(a).new_handle<thread::OnceHandle>(HandleKind::Once)); }
Value bi_once_call(BuiltinArgs& a) {
    auto* o = arg<thread::OnceHandle>(a, 0, HandleKind::Once);
    thread::once_call(a.thread, o, static_cast<Closure*>(a.args[1].o));
    return none();
}

// ---- timed mutex and condition waits
Value bi_mutex_lock_timeout(BuiltinArgs& a) {
    auto* m = arg<thread::MutexHandle>(a, 0, HandleKind::Mutex);
    return Value::from_bool(thread::mutex_lock_timeout(a.thread, m, timeout_arg(a, 1, "mutex_lock_timeout")));
}
Value bi_cond_wait_timeout(BuiltinArgs& a) {
    auto* c = arg<thread::CondHandle>(a, 0, HandleKind::Condition);
    // (c, ms) for a bound condition, (c, m, ms) for any condition
    auto* m = a.nargs == 3 ? arg<thread::MutexHandle>(a, 1, HandleKind::Mutex) : nullptr;
    return Value::from_bool(thread::cond_wait_timeout(a.thread, c, m, timeout_arg(a, a.nargs - 1, "cond_wait_timeout")));
}
Value bi_sem_acquire_timeout(BuiltinArgs& a) {
    return Value::from_bool(thread::sem_acquire_timeout(a.thread, sem_arg(a), timeout_arg(a, 1, "sem_acquire_timeout")));
}
Value bi_wg_wait_timeout(BuiltinArgs& a) {
    return Value::from_bool(thread::wg_wait_timeout(a.thread, wg_arg(a), timeout_arg(a, 1, "wg_wait_timeout")));
}
Value bi_read_lock_timeout(BuiltinArgs& a) {
    return Value::from_bool(thread::rwlock_read_lock_timeout(a.thread, rwlock_arg(a), timeout_arg(a, 1, "read_lock_timeout")));
}
Value bi_write_lock_timeout(BuiltinArgs& a) {
    return Value::from_bool(thread::rwlock_write_lock_timeout(a.thread, rwlock_arg(a), timeout_arg(a, 1, "write_lock_timeout")));
}

// ---- thread-local values: one value per thread, dropped when the thread ends
Value bi_tls_new(BuiltinArgs& a) { return obj(runtime(a).new_handle<thread::TlsHandle>(HandleKind::Tls)); }
Value bi_tls_set(BuiltinArgs& a) {
    thread::TlsHandle* h = tls_arg(a);
    const types::Type* type = a.arg_types[1];
    Box* box = type->kind == types::Kind::Any ? static_cast<Box*>(a.args[1].o) : rt::new_box(a.thread, type, a.args[1]);
    std::lock_guard<std::mutex> lk(h->mu);
    h->values[a.thread.id] = box;
    return none();
}
Value bi_tls_get(BuiltinArgs& a) {
    thread::TlsHandle* h = tls_arg(a);
    {
        std::lock_guard<std::mutex> lk(h->mu);
        auto it = h->values.find(a.thread.id);
        if (it != h->values.end()) return obj(it->second);
    }
    rt::raise(ErrorKind::KeyError, "tls_get: no value set in this thread");
}
Value bi_tls_has(BuiltinArgs& a) {
    thread::TlsHandle* h = tls_arg(a);
    std::lock_guard<std::mutex> lk(h->mu);
    return Value::from_bool(h->values.count(a.thread.id) > 0);
}

} // namespace bp::stdlib
