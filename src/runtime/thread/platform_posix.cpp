// The one OS-specific piece of the thread runtime: starting a detached thread with a large stack
// (C++ recursion in printing and deep equality needs several MB; std::thread cannot set it).
#include "runtime/thread/runtime.hpp"

#include <pthread.h>

#include <cstdio>

namespace bp::thread {

bool start_os_thread(void (*fn)(void*), void* arg, size_t stack_bytes) {
    pthread_attr_t attr;
    if (pthread_attr_init(&attr) != 0) return false;
    pthread_attr_setstacksize(&attr, stack_bytes);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_t tid;
    struct Start {
        void (*fn)(void*);
        void* arg;
    };
    auto* s = new Start{fn, arg};
    int rc = pthread_create(
        &tid, &attr,
        [](void* p) -> void* {
            auto* st = static_cast<Start*>(p);
            auto f = st->fn;
            void* a = st->arg;
            delete st;
            f(a);
            return nullptr;
        },
        s);
    pthread_attr_destroy(&attr);
    if (rc != 0) delete s;
    return rc == 0;
}

void add_module_hooks(types::NativeModuleDecl& thread_module) {
    thread_module.on_thread_start = [](uint32_t id) {
        if (id == 0) return;
        char name[16]; // the kernel's limit, NUL included
        std::snprintf(name, sizeof name, "Thread-%u", id);
        pthread_setname_np(pthread_self(), name);
    };
}

} // namespace bp::thread
