// A large native stack for the whole run. Frames of BetterPython code live on the heap, but the
// parser, the checker, printing and deep equality recurse natively, and the spec lets nesting go as
// deep as the call-depth limit (RecursionError, never a crash). 8 MiB is not enough for that.
#include "cli.hpp"

#include <pthread.h>

namespace bp::tool {

namespace {

constexpr size_t kStackBytes = size_t{1} << 30; // address space only: pages are touched on demand

struct Job {
    int (*fn)(void*);
    void* arg;
    int result;
};

void* trampoline(void* p) {
    auto* job = static_cast<Job*>(p);
    job->result = job->fn(job->arg);
    return nullptr;
}

} // namespace

bool run_with_big_stack(int (*fn)(void*), void* arg, void (*meanwhile)(void*), void* wait_arg, int& result) {
    Job job{fn, arg, 0};
    pthread_attr_t attr;
    if (pthread_attr_init(&attr) != 0) return false;
    pthread_t thread;
    bool started = pthread_attr_setstacksize(&attr, kStackBytes) == 0 &&
                   pthread_create(&thread, &attr, trampoline, &job) == 0;
    pthread_attr_destroy(&attr);
    if (!started) return false;
    meanwhile(wait_arg);
    pthread_join(thread, nullptr);
    result = job.result;
    return true;
}

} // namespace bp::tool
