// Native stack bounds (POSIX/glibc: pthread_getattr_np); the one OS-specific piece of the guard.
#include "runtime/native_stack.hpp"

#include "runtime/rt.hpp"

#include <cstdint>
#include <pthread.h>

namespace bp::rt {

namespace {

constexpr uintptr_t kReserve = 256 * 1024; // room for the raise itself and for sanitizer reports

// Lowest usable address of the calling thread's stack (plus the reserve); 0 if unknown.
uintptr_t compute_limit() {
    pthread_attr_t attr;
    if (pthread_getattr_np(pthread_self(), &attr) != 0) return 0;
    void* addr = nullptr;
    size_t size = 0;
    int rc = pthread_attr_getstack(&attr, &addr, &size);
    pthread_attr_destroy(&attr);
    if (rc != 0 || size <= 2 * kReserve) return 0;
    uintptr_t limit = reinterpret_cast<uintptr_t>(addr) + kReserve;
#if defined(__SANITIZE_ADDRESS__)
    // ASan cannot unwind an exception thrown more than 64 MiB below the stack top
    // (google/sanitizers#189), so sanitizer builds use at most 48 MiB of any stack here.
    constexpr uintptr_t kAsanDepth = 48u << 20;
    uintptr_t top = reinterpret_cast<uintptr_t>(addr) + size;
    if (size > kAsanDepth + kReserve && top - kAsanDepth > limit) limit = top - kAsanDepth;
#endif
    return limit;
}

} // namespace

void check_native_stack(const char* message) {
    // Threading: a per-OS-thread cache of a fact about that thread's own stack; never shared.
    thread_local const uintptr_t limit = compute_limit();
    char probe;
    if (limit != 0 && reinterpret_cast<uintptr_t>(&probe) < limit) raise(ErrorKind::RecursionError, message);
}

} // namespace bp::rt
