// The random builtins (LANGUAGE.md §10): the original's LCG on one process-wide state (Vm::rand_state).
#include "stdlib/support.hpp"

namespace bp::stdlib {

namespace {

// One LCG step, atomic: concurrent callers each get a distinct successor state.
uint64_t step(Vm& vm) {
    uint64_t old = vm.rand_state.load(std::memory_order_relaxed); // relaxed: the CAS below validates it
    uint64_t next;
    do {
        next = old * 1103515245u + 12345u;
    } while (!vm.rand_state.compare_exchange_weak(old, next, std::memory_order_relaxed));
    return next;
}

} // namespace

Value bi_rand_(BuiltinArgs& a) {
    return Value::from_int(static_cast<int64_t>((step(a.thread.vm) / 65536) % 32768));
}

Value bi_rand_seed(BuiltinArgs& a) {
    a.thread.vm.rand_state.store(static_cast<uint64_t>(arg_int(a, 0)), std::memory_order_relaxed);
    return Value::zero();
}

Value bi_rand_range(BuiltinArgs& a) {
    int64_t lo = arg_int(a, 0), hi = arg_int(a, 1);
    if (lo >= hi) return Value::from_int(lo);
    uint64_t span = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo); // exact even if hi - lo overflows
    uint64_t r = (step(a.thread.vm) / 65536) % span;
    return Value::from_int(static_cast<int64_t>(static_cast<uint64_t>(lo) + r));
}

} // namespace bp::stdlib
