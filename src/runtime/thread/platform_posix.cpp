// The one OS-specific piece of the thread runtime: OS threads with a large stack (C++ recursion in
// printing and deep equality needs several MB; std::thread cannot set it), kept a while after their
// job for the next one (the design is described at OsThreads in runtime/thread/runtime.hpp).
#include "runtime/thread/runtime.hpp"

#include <pthread.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace bp::thread {

namespace {
constexpr size_t kMaxIdle = 16;
constexpr auto kIdleWait = std::chrono::seconds(2);
} // namespace

OsThreads::~OsThreads() {
    std::unique_lock<std::mutex> lk(m_mu);
    m_closing = true;
    for (Idle* i : m_idle) i->cv.notify_one();
    m_gone.wait(lk, [&] { return m_threads == 0; });
}

bool OsThreads::start(void (*fn)(void*), void* arg, size_t stack_bytes) {
    {
        std::lock_guard<std::mutex> lk(m_mu);
        // The most recently idle thread first: its stack is the likeliest to be in cache.
        for (size_t i = m_idle.size(); i-- > 0;) {
            Idle* idle = m_idle[i];
            if (idle->stack_bytes != stack_bytes) continue;
            m_idle.erase(m_idle.begin() + static_cast<ptrdiff_t>(i));
            idle->job = Job{fn, arg};
            idle->cv.notify_one();
            return true;
        }
        ++m_threads;
    }
    pthread_attr_t attr;
    int rc = pthread_attr_init(&attr);
    auto* s = new Start{this, Job{fn, arg}, stack_bytes};
    if (rc == 0) {
        pthread_attr_setstacksize(&attr, stack_bytes);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        pthread_t tid;
        rc = pthread_create(&tid, &attr, &OsThreads::thread_main, s);
        pthread_attr_destroy(&attr);
    }
    if (rc == 0) return true;
    delete s;
    std::lock_guard<std::mutex> lk(m_mu);
    --m_threads;
    m_gone.notify_all();
    return false;
}

void* OsThreads::thread_main(void* start) {
    auto* s = static_cast<Start*>(start);
    OsThreads* self = s->self;
    Job job = s->job;
    size_t stack_bytes = s->stack_bytes;
    delete s;
    self->serve(job, stack_bytes);
    return nullptr;
}

void OsThreads::serve(Job job, size_t stack_bytes) {
    std::unique_lock<std::mutex> lk(m_mu, std::defer_lock);
    for (;;) {
        job.fn(job.arg);
        lk.lock();
        if (m_closing || m_idle.size() >= kMaxIdle) break;
        Idle me{stack_bytes, Job{}, {}};
        m_idle.push_back(&me);
        me.cv.wait_for(lk, kIdleWait, [&] { return me.job.fn || m_closing; });
        if (!me.job.fn) { // timed out or closing: still listed, since only start() unlists
            m_idle.erase(std::find(m_idle.begin(), m_idle.end(), &me));
            break;
        }
        job = me.job;
        lk.unlock();
    }
    --m_threads;
    m_gone.notify_all(); // under m_mu: the destructor cannot free it before this returns
}

void add_module_hooks(types::NativeModuleDecl& thread_module) {
    thread_module.on_thread_start = [](uint32_t id) {
        if (id == 0) return;
        char name[32];
        std::snprintf(name, sizeof name, "Thread-%u", id);
        name[15] = '\0'; // the kernel's limit: 16 bytes, NUL included
        pthread_setname_np(pthread_self(), name);
    };
}

} // namespace bp::thread
