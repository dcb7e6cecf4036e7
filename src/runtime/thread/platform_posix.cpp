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
// About what a park + wake-up costs on this kind of machine: an idle thread that gets a job within
// it never sleeps in the kernel; one that does not costs one core this long per job it ran.
constexpr auto kIdleSpin = std::chrono::microseconds(20);
} // namespace

struct OsThreads::Serving {
    OsThreads* self;
    size_t stack_bytes;
    bool announced;
};

thread_local OsThreads::Serving* OsThreads::t_serving = nullptr;

OsThreads::~OsThreads() {
    std::unique_lock<std::mutex> lk(m_mu);
    m_closing = true;
    for (Idle* i : m_idle) i->cv.notify_one(); // a thread still in m_idle cannot have left
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
            if (idle->parked) { // it waits for m_mu's release inside cv.wait: the slot stays alive
                idle->has_job.store(true, std::memory_order_relaxed);
                idle->cv.notify_one();
            } else { // spinning: it may take the job and leave the moment it sees the flag
                idle->has_job.store(true, std::memory_order_release);
            }
            return true;
        }
        // A thread whose job is ending takes this one next (see the invariant at OsThreads).
        size_t ending = std::count(m_announced.begin(), m_announced.end(), stack_bytes);
        size_t promised = std::count_if(m_queued.begin(), m_queued.end(),
                                        [&](const Queued& q) { return q.stack_bytes == stack_bytes; });
        if (promised < ending) {
            m_queued.push_back(Queued{Job{fn, arg}, stack_bytes});
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

void OsThreads::job_ending() {
    Serving* s = t_serving;
    if (!s || s->announced) return;
    s->announced = true;
    s->self->announce(s->stack_bytes);
}

void OsThreads::announce(size_t stack_bytes) {
    std::lock_guard<std::mutex> lk(m_mu);
    m_announced.push_back(stack_bytes);
}

bool OsThreads::take_queued(size_t stack_bytes, Job& job) {
    for (size_t i = 0; i < m_queued.size(); ++i) {
        if (m_queued[i].stack_bytes != stack_bytes) continue;
        job = m_queued[i].job;
        m_queued.erase(m_queued.begin() + static_cast<ptrdiff_t>(i));
        return true;
    }
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
    Serving serving{this, stack_bytes, false};
    t_serving = &serving;
    for (;;) {
        serving.announced = false;
        job.fn(job.arg);
        lk.lock();
        if (serving.announced) {
            m_announced.erase(std::find(m_announced.begin(), m_announced.end(), stack_bytes));
            if (take_queued(stack_bytes, job)) { // promised to a thread like this one: never left behind
                lk.unlock();
                continue;
            }
        }
        if (m_closing || m_idle.size() >= kMaxIdle) break;
        Idle me;
        me.stack_bytes = stack_bytes;
        m_idle.push_back(&me);
        lk.unlock();
        if (m_idle_spin.spin([&] { return me.has_job.load(std::memory_order_acquire); }, kIdleSpin)) {
            job = me.job; // start() unlisted the slot and wrote the job before the flag
            continue;
        }
        lk.lock();
        me.parked = true;
        me.cv.wait_for(lk, kIdleWait, [&] { return me.has_job.load(std::memory_order_relaxed) || m_closing; });
        if (!me.has_job.load(std::memory_order_relaxed)) { // timed out or closing: still listed
            m_idle.erase(std::find(m_idle.begin(), m_idle.end(), &me));
            break;
        }
        job = me.job;
        lk.unlock();
    }
    t_serving = nullptr;
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
