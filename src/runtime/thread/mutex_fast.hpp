// The uncontended mutex paths, inline in the interpreter (the MutexLock / MutexUnlock opcodes that
// `with m:` and `mutex_lock(m)` / `mutex_unlock(m)` on a statically typed Mutex compile to;
// docs/performance.md). Everything else — contention, recursion, errors, abandoned or destroyed
// mutexes, --lock-order — goes to the full mutex_lock / mutex_unlock of mutex.cpp, which stay the
// one definition of the semantics.
//
// Threading: the fast lock is one compare-exchange of the lock word (0 -> 1, acquire) followed by
// writes to the mutex's own cache line (owner, count, the lock site) that only the new owner makes,
// so on the uncontended path the line is already exclusive after the CAS; the fast unlock is one
// exchange (release). Why the checks that the full path makes before the CAS can move after it:
//   - owner == self (relock): the word is then held by us, so the CAS fails and the full path runs.
//   - destroyed: mutex_destroy sets `destroyed` before it releases the word (release), so after
//     an acquire CAS that took the word we see it; take_ownership undoes the lock and raises.
//   - abandoned: the dying owner sets it before it releases the word (same argument).
// The fast unlock reads `count` only after seeing owner == self (only the owner touches count),
// and a mutex we own cannot be destroyed (mutex_destroy refuses a locked one), so it skips
// check_live. A Mutex-typed register never holds null (no zero value; casts from `any` check the
// kind), as for the builtins, which dereference it too.
#pragma once

#include "runtime/thread/handles.hpp"
#include "vm/vm.hpp"

namespace bp::thread {

void mutex_lock(VmThread& t, MutexHandle* m);
void mutex_unlock(VmThread& t, MutexHandle* m);
// mutex_lock after a failed CAS of the word (contention, or a relock).
[[gnu::noinline]] void mutex_lock_contended(VmThread& t, MutexHandle* m);
// The word was just taken by a CAS, but the owner's bookkeeping needs the full path (abandoned,
// destroyed, --lock-order): records the owner as mutex_lock does and raises as it would.
[[gnu::noinline]] void mutex_finish_lock(VmThread& t, MutexHandle* m);
// The word said "waiters" when it was released: wakes them.
[[gnu::noinline]] void mutex_wake(VmThread& t, MutexHandle* m);

// `pc`: the locking instruction in `proto`, the top frame (saved into the frame before any slow
// path, so an error's traceback, a deadlock report and a thread dump see where it is).
inline void mutex_lock_inline(VmThread& t, MutexHandle* m, const void* proto, uint32_t pc) {
    uint32_t expected = 0;
    if (__builtin_expect(!m->state.compare_exchange_strong(expected, 1, std::memory_order_acquire,
                                                            std::memory_order_relaxed),
                         0)) {
        t.frames.back().set_pc(pc);
        mutex_lock_contended(t, m);
        return;
    }
    if (__builtin_expect(m->abandoned.load(std::memory_order_relaxed) || m->destroyed.load(std::memory_order_acquire) ||
                             t.vm.options.lock_order,
                         0)) {
        t.frames.back().set_pc(pc);
        mutex_finish_lock(t, m);
        return;
    }
    m->owner.store(t.id + 1, std::memory_order_relaxed);
    m->count = 1;
    ++t.held_mutexes;
    m->site_proto.store(proto, std::memory_order_relaxed);
    m->site_pc.store(pc, std::memory_order_relaxed);
}

inline void mutex_unlock_inline(VmThread& t, MutexHandle* m, uint32_t pc) {
    if (__builtin_expect(m->owner.load(std::memory_order_relaxed) != t.id + 1 || m->count != 1 || t.vm.options.lock_order,
                         0)) {
        t.frames.back().set_pc(pc);
        mutex_unlock(t, m); // errors, recursion levels, the lock-order bookkeeping
        return;
    }
    m->count = 0;
    --t.held_mutexes;
    m->owner.store(0, std::memory_order_relaxed);
    if (__builtin_expect(m->state.exchange(0, std::memory_order_release) == 2, 0)) mutex_wake(t, m);
}

} // namespace bp::thread
