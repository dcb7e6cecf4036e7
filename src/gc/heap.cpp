// The heap: size-class pages, per-thread free lists, large objects, the collection driver and its
// statistics. The design and its invariants are described atop gc/heap.hpp.
#include "gc/heap.hpp"

#include "gc/marker.hpp"
#include "runtime/rt.hpp"
#include "runtime/thread/runtime.hpp"
#include "runtime/thread/safepoint.hpp"
#include "runtime/thread/trace.hpp"
#include "vm/vm.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cmath>
#include <cstring>
#include <functional>
#include <memory>
#include <thread>

namespace bp::gc {

// A free cell: an Obj header of kind Free, then the next free cell of the same list.
struct FreeCell {
    Obj header;
    FreeCell* next;
};

namespace {

constexpr size_t kPageHeader = 64;
constexpr size_t kPoolMax = 16;                 // empty pages kept for reuse (1 MiB)
constexpr uint64_t kMinThreshold = 4ull << 20;  // 4 MiB
constexpr uint32_t kSmallClasses = kSmallStepMax / kSmallStep;
constexpr uint32_t kCoarse[] = {640,  768,  896,  1024, 1280, 1536, 1792, 2048,
                                2560, 3072, 3584, 4096, 5120, 6144, 7168, 8192};
static_assert(kSmallClasses + sizeof(kCoarse) / sizeof(kCoarse[0]) == kClassCount);
static_assert(sizeof(FreeCell) <= kSmallStep);

// Page header; cells follow at kPageHeader.
struct Page {
    uint32_t cls;
    uint32_t cell_size;
    uint32_t ncells;
    uint32_t nfree;       // cells on free_head
    FreeCell* free_head;  // free cells not yet handed to a thread
    char* cell(uint32_t i) { return reinterpret_cast<char*>(this) + kPageHeader + size_t{i} * cell_size; }
};
static_assert(sizeof(Page) <= kPageHeader);

struct LargeObject {
    Obj* obj;
    size_t size;
};

uint64_t physical_memory_limit() {
    long pages = sysconf(_SC_PHYS_PAGES);
    long page_size = sysconf(_SC_PAGE_SIZE);
    if (pages <= 0 || page_size <= 0) return uint64_t{4} << 30;
    return static_cast<uint64_t>(pages) / 4 * 3 * static_cast<uint64_t>(page_size);
}

[[noreturn]] void out_of_memory() { throw rt::Raise{ErrorKind::MemoryError, "out of memory"}; }

// Debug builds fill freed cells so that a dangling reference fails loudly.
void poison(FreeCell* c, size_t cell_size) {
#ifndef NDEBUG
    std::memset(reinterpret_cast<char*>(c) + sizeof(FreeCell), 0xDB, cell_size - sizeof(FreeCell));
#else
    (void)c;
    (void)cell_size;
#endif
}

// Helper threads for the parallel phases of a collection. Started lazily by the first collection
// that uses them; they sleep on m_cv between collections. A job is open from run()'s start until
// the calling thread's own share, job(0), returns; a helper that wakes after that skips it, so a
// helper the OS has not scheduled yet never delays the pause (job(0) must return only when no work
// is left that it needs helpers for).
// Threading: every field is guarded by m_mu; a job's function and data are published by run()
// under m_mu and live until run() returns (it waits for every helper that started the job).
class HelperPool {
public:
    ~HelperPool() {
        {
            std::lock_guard<std::mutex> lock(m_mu);
            m_quit = true;
        }
        m_cv.notify_all();
        for (std::thread& th : m_threads) th.join();
    }
    // Runs job(0) on the calling thread and job(1..helpers) on helper threads; returns when all ended.
    void run(uint32_t helpers, const std::function<void(uint32_t)>& job) {
        {
            std::lock_guard<std::mutex> lock(m_mu);
            while (m_threads.size() < helpers) {
                auto index = static_cast<uint32_t>(m_threads.size()) + 1;
                m_threads.emplace_back([this, index] { helper_loop(index); });
            }
            m_job = &job;
            m_active = helpers;
            ++m_epoch;
        }
        m_cv.notify_all();
        job(0);
        std::unique_lock<std::mutex> lock(m_mu);
        m_job = nullptr; // closed: late helpers skip it
        m_done_cv.wait(lock, [&] { return m_running == 0; });
    }

private:
    void helper_loop(uint32_t index) {
        uint64_t seen = 0;
        std::unique_lock<std::mutex> lock(m_mu);
        for (;;) {
            m_cv.wait(lock, [&] { return m_quit || m_epoch != seen; });
            if (m_quit) return;
            seen = m_epoch;
            if (index > m_active || !m_job) continue;
            const std::function<void(uint32_t)>* job = m_job;
            ++m_running;
            lock.unlock();
            (*job)(index);
            lock.lock();
            if (--m_running == 0) m_done_cv.notify_all();
        }
    }
    std::mutex m_mu;
    std::condition_variable m_cv;
    std::condition_variable m_done_cv;
    std::vector<std::thread> m_threads;
    const std::function<void(uint32_t)>* m_job = nullptr;
    uint64_t m_epoch = 0;
    uint32_t m_active = 0;
    uint32_t m_running = 0;
    bool m_quit = false;
};

} // namespace

// Size class of every size rounded up to kSmallStep (index: (size + 15) / 16), built at compile
// time so that the allocation fast path is one load.
struct ClassTable {
    uint8_t cls[kMaxSmall / kSmallStep + 1];
    uint32_t size[kClassCount];
};
constexpr ClassTable make_class_table() {
    ClassTable t{};
    for (size_t step = 0; step <= kMaxSmall / kSmallStep; ++step) {
        size_t size = step * kSmallStep;
        uint32_t c = 0;
        if (size <= kSmallStepMax) {
            c = static_cast<uint32_t>(size ? size / kSmallStep - 1 : 0);
        } else {
            while (kCoarse[c] < size) ++c;
            c += kSmallClasses;
        }
        t.cls[step] = static_cast<uint8_t>(c);
    }
    for (uint32_t c = 0; c < kClassCount; ++c)
        t.size[c] = c < kSmallClasses ? (c + 1) * kSmallStep : kCoarse[c - kSmallClasses];
    return t;
}
constexpr ClassTable kClassTable = make_class_table();

uint32_t size_class_of(size_t size) {
    if (size <= kSmallStepMax) return static_cast<uint32_t>(size ? (size + kSmallStep - 1) / kSmallStep - 1 : 0);
    uint32_t c = 0;
    while (kCoarse[c] < size) ++c;
    return kSmallClasses + c;
}

size_t class_size(uint32_t cls) {
    return cls < kSmallClasses ? (size_t{cls} + 1) * kSmallStep : kCoarse[cls - kSmallClasses];
}

// Threading: every field is guarded by `mu`, except `vm`/`limit`/`stress` (set by init before any
// thread runs) and `marker` (used only while the world is stopped). A page popped off `unswept` is
// owned by the popping thread until it files it back (file_swept) under `mu`.
struct Heap::Impl {
    Vm* vm = nullptr;
    uint64_t limit = physical_memory_limit();
    bool stress = false;
    std::mutex mu;
    std::vector<Page*> pages;              // swept pages in use by a size class (full, partial or handed out)
    std::vector<Page*> partial[kClassCount]; // swept pages with cells on free_head (a subset of pages)
    std::vector<Page*> unswept[kClassCount]; // pages the last collection marked and nobody swept yet
    size_t unswept_count = 0;
    std::vector<Page*> pool;               // empty pages, any class
    size_t pool_keep = kPoolMax;           // release_page frees pages beyond this many pooled
    // Free lists given back by threads that ended, per class; handed out again before any page.
    // Cleared by the sweep, which rebuilds every free list from the pages.
    std::vector<FreeCell*> returned[kClassCount];
    std::vector<LargeObject> large;
    uint64_t heap_bytes = 0;               // pages (including pooled) + large objects
    uint64_t since_gc = 0;                 // bytes handed out since the last collection
    uint64_t threshold = kMinThreshold;
    GcStats stats;
    Marker marker;
    // Parallel phases (used only while the world is stopped, by the collecting thread).
    uint32_t mark_threads = 0;                 // set_mark_threads; 0 = automatic
    std::vector<std::unique_ptr<Marker>> helper_markers; // [i - 1]: helper i's marker
    std::unique_ptr<HelperPool> helpers;

    FreeCell* refill(uint32_t cls, Heap& heap);
    Page* new_page(uint32_t cls);
    void note_allocation(uint64_t bytes, Heap& heap);
    void release_page(Page* p);
    uint32_t sweep_page(Page* p);
    Page* pop_unswept(uint32_t cls);
    Page* pop_unswept_any();
    void file_swept(Page* p, uint32_t live);
    uint32_t sweep_unlocked(std::unique_lock<std::mutex>& lock, Page* p);
    void finish_sweep_locked();
    uint64_t sweep_large();
    uint32_t marking_threads() const;
    void ensure_helpers(uint32_t n);
    void mark(VmThread& t);
    void start_lazy_sweep(uint64_t live_bytes);
    void free_all();
};

void Heap::Impl::note_allocation(uint64_t bytes, Heap& heap) {
    since_gc += bytes;
    stats.peak_heap_bytes = std::max(stats.peak_heap_bytes, heap_bytes);
    if (stress || since_gc >= threshold) heap.collection_due.store(true, std::memory_order_relaxed);
}

Page* Heap::Impl::new_page(uint32_t cls) {
    Page* p = nullptr;
    if (!pool.empty()) {
        p = pool.back();
        pool.pop_back();
    } else {
        if (heap_bytes + kPageSize > limit) out_of_memory();
        p = static_cast<Page*>(std::aligned_alloc(kPageSize, kPageSize));
        if (!p) out_of_memory();
        heap_bytes += kPageSize;
    }
    p->cls = cls;
    p->cell_size = static_cast<uint32_t>(class_size(cls));
    p->ncells = static_cast<uint32_t>((kPageSize - kPageHeader) / p->cell_size);
    p->nfree = p->ncells;
    p->free_head = nullptr;
    for (uint32_t i = p->ncells; i-- > 0;) {
        auto* c = reinterpret_cast<FreeCell*>(p->cell(i));
        c->header.kind = ObjKind::Free;
        c->header.mark.store(0, std::memory_order_relaxed);
        c->next = p->free_head;
        p->free_head = c;
    }
    pages.push_back(p);
    return p;
}

// A thread's list of class `cls` ran dry. Preference: a list returned by an ended thread, a swept
// page with free cells, a page of this class left to the lazy sweep (swept here, outside the lock),
// an empty page found by sweeping pages of other classes, and only then a pooled or fresh page.
// While a collection waits for this thread, it sweeps no more pages.
FreeCell* Heap::Impl::refill(uint32_t cls, Heap& heap) {
    std::unique_lock<std::mutex> lock(mu);
    if (!returned[cls].empty()) { // already counted when first handed out
        FreeCell* head = returned[cls].back();
        returned[cls].pop_back();
        return head;
    }
    Page* p = nullptr;
    bool swept = false;
    for (;;) {
        if (!partial[cls].empty()) {
            p = partial[cls].back();
            partial[cls].pop_back();
            break;
        }
        // A collection waits for this thread: after one page, stop sweeping (the pause finishes the
        // sweep), so that the time to reach the safepoint stays about one page sweep.
        bool hurry = swept && vm && vm->stop_requested.load(std::memory_order_relaxed);
        if (hurry && pool.empty() && heap_bytes + kPageSize > limit) hurry = false; // no MemoryError for it
        if (Page* u = hurry ? nullptr : pop_unswept(cls)) {
            uint32_t live = sweep_unlocked(lock, u);
            swept = true;
            if (u->nfree == 0) {
                file_swept(u, live); // full
                continue;
            }
            pages.push_back(u); // free cells of this class (even if empty): take it directly
            p = u;
            break;
        }
        if (Page* u = pool.empty() && !hurry ? pop_unswept_any() : nullptr) {
            file_swept(u, sweep_unlocked(lock, u)); // looking for an empty page
            swept = true;
            continue;
        }
        p = new_page(cls);
        break;
    }
    FreeCell* head = p->free_head;
    note_allocation(uint64_t{p->nfree} * p->cell_size, heap);
    p->free_head = nullptr;
    p->nfree = 0;
    return head;
}

void Heap::Impl::release_page(Page* p) {
    if (pool.size() < pool_keep) {
        pool.push_back(p);
        return;
    }
    std::free(p);
    heap_bytes -= kPageSize;
}

// Rebuilds p's free list in address order; returns the number of live (marked) cells.
uint32_t Heap::Impl::sweep_page(Page* p) {
    uint32_t live = 0;
    FreeCell* head = nullptr;
    FreeCell** tail = &head;
    for (uint32_t i = 0; i < p->ncells; ++i) {
        auto* c = reinterpret_cast<FreeCell*>(p->cell(i));
        if (c->header.kind != ObjKind::Free) {
            if (c->header.mark.load(std::memory_order_relaxed)) {
                c->header.mark.store(0, std::memory_order_relaxed);
                ++live;
                continue;
            }
            c->header.kind = ObjKind::Free;
            poison(c, p->cell_size);
        }
        *tail = c;
        tail = &c->next;
    }
    *tail = nullptr;
    p->free_head = head;
    p->nfree = p->ncells - live;
    return live;
}

Page* Heap::Impl::pop_unswept(uint32_t cls) {
    if (unswept[cls].empty()) return nullptr;
    Page* p = unswept[cls].back();
    unswept[cls].pop_back();
    --unswept_count;
    return p;
}

Page* Heap::Impl::pop_unswept_any() {
    if (unswept_count == 0) return nullptr;
    for (uint32_t cls = 0; cls < kClassCount; ++cls)
        if (Page* p = pop_unswept(cls)) return p;
    return nullptr;
}

// With mu held: files a page just swept. An empty page goes to the pool (or back to the OS).
void Heap::Impl::file_swept(Page* p, uint32_t live) {
    if (live == 0) {
        release_page(p);
        return;
    }
    pages.push_back(p);
    if (p->nfree) partial[p->cls].push_back(p);
}

// With `lock` (on mu) held: sweeps p, which the caller popped off `unswept`, with the lock released
// (p belongs to this thread meanwhile; other threads keep allocating and sweeping other pages).
// Returns its live cells; the caller files it.
uint32_t Heap::Impl::sweep_unlocked(std::unique_lock<std::mutex>& lock, Page* p) {
    lock.unlock();
    auto start = std::chrono::steady_clock::now();
    uint32_t live = sweep_page(p);
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start);
    lock.lock();
    stats.lazy_sweep_ns += static_cast<uint64_t>(ns.count());
    return live;
}

// With mu held and the world stopped: sweeps every page still unswept, so that every mark byte is 0
// before the next marking starts. With helpers (as many as marking uses), the pages are dealt out
// in blocks through an atomic index; each page's result goes to its own slot, filed afterwards.
void Heap::Impl::finish_sweep_locked() {
    std::vector<Page*> todo;
    todo.reserve(unswept_count);
    for (auto& list : unswept) {
        todo.insert(todo.end(), list.begin(), list.end());
        list.clear();
    }
    unswept_count = 0;
    constexpr size_t kBlock = 8;
    uint32_t n = marking_threads();
    if (n == 1 || todo.size() < 8 * kBlock) {
        for (Page* p : todo) file_swept(p, sweep_page(p));
        return;
    }
    std::vector<uint32_t> live(todo.size());
    std::atomic<size_t> next{0};
    ensure_helpers(n - 1);
    helpers->run(n - 1, [&](uint32_t) {
        for (;;) {
            size_t k = next.fetch_add(kBlock, std::memory_order_relaxed);
            if (k >= todo.size()) return;
            for (size_t j = k; j < std::min(k + kBlock, todo.size()); ++j) live[j] = sweep_page(todo[j]);
        }
    });
    for (size_t j = 0; j < todo.size(); ++j) file_swept(todo[j], live[j]);
}

void Heap::Impl::ensure_helpers(uint32_t n) {
    while (helper_markers.size() < n) helper_markers.push_back(std::make_unique<Marker>());
    if (!helpers) helpers = std::make_unique<HelperPool>();
}

// With mu held and the world stopped: frees unmarked large objects, clears the survivors' marks;
// returns the survivors' bytes.
uint64_t Heap::Impl::sweep_large() {
    uint64_t live_bytes = 0;
    size_t n = 0;
    for (LargeObject& lo : large) {
        if (lo.obj->mark.load(std::memory_order_relaxed)) {
            lo.obj->mark.store(0, std::memory_order_relaxed);
            live_bytes += lo.size;
            large[n++] = lo;
        } else {
            std::free(lo.obj);
            heap_bytes -= lo.size;
        }
    }
    large.resize(n);
    return live_bytes;
}

// With mu held and the world stopped, right after marking: every page in use becomes unswept (its
// marks are this collection's), partial lists and returned lists are forgotten (their cells are
// free cells the page sweeps will find again), and the next threshold is set.
void Heap::Impl::start_lazy_sweep(uint64_t live_bytes) {
    for (auto& list : partial) list.clear();
    for (auto& list : returned) list.clear();
    for (Page* p : pages) unswept[p->cls].push_back(p);
    unswept_count = pages.size();
    pages.clear();
    // Next collection after max(4 MiB, 2 x live) more bytes, but early enough to stay under the limit.
    uint64_t next = std::max(kMinThreshold, 2 * live_bytes);
    uint64_t headroom = limit > live_bytes ? (limit - live_bytes) / 2 : 0;
    threshold = std::max<uint64_t>(std::min(next, headroom), kPageSize);
    since_gc = 0;
    // Empty pages up to the next threshold are kept: the program will allocate that much before
    // the next collection anyway, and handing them back to the OS only to fault fresh ones in
    // again cost more than the sweep itself (the heap's peak is unchanged: live + threshold).
    pool_keep = std::max<size_t>(kPoolMax, threshold / kPageSize);
    while (pool.size() > pool_keep) {
        std::free(pool.back());
        pool.pop_back();
        heap_bytes -= kPageSize;
    }
}

void Heap::Impl::free_all() {
    for (Page* p : pages) std::free(p);
    for (auto& list : unswept) {
        for (Page* p : list) std::free(p);
        list.clear();
    }
    for (Page* p : pool) std::free(p);
    for (LargeObject& lo : large) std::free(lo.obj);
    pages.clear();
    pool.clear();
    large.clear();
    heap_bytes = 0;
}

Heap::Heap() : impl(new Impl) {}

Heap::~Heap() {
    impl->free_all();
    delete impl;
}

void Heap::init(Vm& vm, uint64_t limit_bytes, bool stress) {
    impl->vm = &vm;
    impl->limit = limit_bytes ? limit_bytes : physical_memory_limit();
#ifdef BP_GC_STRESS
    stress = true; // a gc-stress build collects at every safepoint whatever the options say
#endif
    impl->stress = stress;
}

Obj* Heap::allocate(VmThread& t, ObjKind kind, size_t size) {
    return allocate_prefix_zeroed(t, kind, size, size);
}

// The fast path: one table load, pop the thread's free list, zero what the caller asked for
// (rounded up to 16 bytes; the rest of the cell is never read), write the header. No lock, no
// atomic read-modify-write.
Obj* Heap::allocate_prefix_zeroed(VmThread& t, ObjKind kind, size_t size, size_t zero) {
    if (__builtin_expect(size <= kMaxSmall, 1)) {
        size_t step = (size + kSmallStep - 1) / kSmallStep;
        uint32_t cls = kClassTable.cls[step];
        FreeCell* c = t.alloc.free[cls];
        if (__builtin_expect(!c, 0)) c = impl->refill(cls, *this);
        t.alloc.free[cls] = c->next;
        uint32_t cell = kClassTable.size[cls];
        size_t z = std::max((std::min(zero, size) + kSmallStep - 1) & ~(kSmallStep - 1), sizeof(FreeCell));
        if (z <= 64) { // most objects: a few plain stores beat rep stos
            auto* w = reinterpret_cast<uint64_t*>(c);
            for (size_t k = 0; k < z / 8; k += 2) {
                w[k] = 0;
                w[k + 1] = 0;
            }
        } else {
            std::memset(static_cast<void*>(c), 0, z);
        }
        Obj* o = &c->header;
        o->kind = kind;
        o->size_class = cell;
        t.alloc.allocated += cell;
        return o;
    }
    return allocate_slow(t, kind, size);
}

Obj* Heap::allocate_slow(VmThread& t, ObjKind kind, size_t size) {
    size = std::max(size, sizeof(FreeCell));
    Obj* o = nullptr;
    size_t cell = 0;
    if (size > kMaxSmall) {
        if (size > impl->limit) out_of_memory(); // before anything can overflow
        o = static_cast<Obj*>(std::calloc(1, size));
        if (!o) out_of_memory();
        std::unique_lock<std::mutex> lock(impl->mu);
        if (impl->heap_bytes + size > impl->limit) {
            // Garbage may still sit in unswept pages, and pooled pages count: reclaim both first.
            while (Page* p = impl->pop_unswept_any()) impl->file_swept(p, impl->sweep_unlocked(lock, p));
            for (Page* p : impl->pool) std::free(p);
            impl->heap_bytes -= impl->pool.size() * kPageSize;
            impl->pool.clear();
        }
        if (impl->heap_bytes + size > impl->limit) {
            std::free(o);
            out_of_memory();
        }
        impl->large.push_back({o, size});
        impl->heap_bytes += size;
        impl->note_allocation(size, *this);
        cell = size;
    } else {
        uint32_t cls = size_class_of(size);
        FreeCell* c = t.alloc.free[cls];
        if (!c) c = impl->refill(cls, *this);
        t.alloc.free[cls] = c->next;
        cell = class_size(cls);
        std::memset(static_cast<void*>(c), 0, cell);
        o = &c->header;
    }
    o->kind = kind;
    o->size_class = size > kMaxSmall ? 0 : static_cast<uint32_t>(cell);
    t.alloc.allocated += cell;
    return o;
}

void Heap::collect(VmThread& t, bool force) {
    Vm& vm = t.vm;
    std::unique_lock<std::mutex> threads_lock(vm.threads_mu);
    if (!force && !collection_due.load(std::memory_order_relaxed) && !vm.stop_requested.load()) return;
    auto start = std::chrono::steady_clock::now();
    uint64_t trace_start = thread::trace_now(t); // --trace (runtime/thread/trace.hpp); 0 when off
    if (!thread::stop_world(t, threads_lock)) { // parked for another thread's collection
        thread::trace_gc_wait(t, trace_start);
        return;
    }
    auto stopped = std::chrono::steady_clock::now();
    uint64_t trace_stopped = thread::trace_now(t);
    bool self_attached = false;
    for (VmThread* th : vm.threads) {
        impl->stats.bytes_allocated_total += th->alloc.allocated;
        th->alloc.allocated = 0;
        th->alloc.reset();
        self_attached |= th == &t;
    }
    if (!self_attached) {
        impl->stats.bytes_allocated_total += t.alloc.allocated;
        t.alloc.allocated = 0;
        t.alloc.reset();
    }
    auto elapsed = [](auto from, auto to) {
        return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(to - from).count());
    };
    std::unique_lock<std::mutex> lock(impl->mu);
    impl->finish_sweep_locked(); // every mark byte is 0 from here
    auto marking = std::chrono::steady_clock::now();
    impl->mark(t);
    auto marked = std::chrono::steady_clock::now();
    uint64_t live_bytes = impl->marker.live_bytes + impl->sweep_large();
    impl->start_lazy_sweep(live_bytes);
    impl->stats.last_live_bytes = live_bytes;
    impl->stats.last_live_objects = impl->marker.live_objects;
    lock.unlock();
    vm.threading->sweep_handles(); // threading handles: clears marks, unregisters the dead ones
    collection_due.store(false, std::memory_order_relaxed);
    auto end = std::chrono::steady_clock::now();
    uint64_t ns = elapsed(start, end);
    uint64_t ttsp = elapsed(start, stopped);
    GcStats& s = impl->stats;
    s.collections++;
    s.total_pause_ns += ns;
    s.max_pause_ns = std::max(s.max_pause_ns, ns);
    s.max_ttsp_ns = std::max(s.max_ttsp_ns, ttsp);
    s.pauses.add(ns);
    s.ttsp.add(ttsp);
    s.mark_ns += elapsed(marking, marked);
    s.sweep_ns += elapsed(stopped, marking) + elapsed(marked, end);
    thread::trace_gc_pause(t, trace_start, trace_stopped);
    thread::resume_world(vm);
    vm.threading->release_dead_handles(); // deletes them, outside the pause
}

void Heap::set_mark_threads(uint32_t n) { impl->mark_threads = n; }

// Automatic: one marking thread per core (at most 8) once the last collection found at least
// kParallelMinObjects live objects; below that, waking helpers costs more than they save.
uint32_t Heap::Impl::marking_threads() const {
    constexpr uint64_t kParallelMinObjects = 50000;
    if (mark_threads) return mark_threads;
    if (stats.last_live_objects < kParallelMinObjects) return 1;
    return std::clamp<uint32_t>(std::thread::hardware_concurrency(), 1, 8);
}

// Marks from the roots, serially or with helpers; leaves the totals in `marker`.
void Heap::Impl::mark(VmThread& t) {
    uint32_t n = marking_threads();
    marker.clear();
    if (n == 1) {
        mark_roots(t.vm, t, marker);
        marker.drain();
        return;
    }
    ensure_helpers(n - 1);
    for (auto& m : helper_markers) m->clear(); // a helper that wakes too late adds nothing
    MarkShare share;
    marker.set_share(&share);
    mark_roots(t.vm, t, marker);
    helpers->run(n - 1, [&](uint32_t i) {
        Marker& m = i == 0 ? marker : *helper_markers[i - 1];
        if (i != 0) {
            if (!share.join()) return; // marking already over
            m.set_share(&share);
        }
        m.drain_shared();
        m.set_share(nullptr);
    });
    for (uint32_t i = 0; i + 1 < n; ++i) {
        marker.live_bytes += helper_markers[i]->live_bytes;
        marker.live_objects += helper_markers[i]->live_objects;
    }
}

void Heap::finish_sweep() {
    std::unique_lock<std::mutex> lock(impl->mu);
    while (Page* p = impl->pop_unswept_any()) impl->file_swept(p, impl->sweep_unlocked(lock, p));
}

void DurationHistogram::add(uint64_t ns) {
    uint32_t idx = static_cast<uint32_t>(ns);
    if (ns >= kSub) {
        uint32_t e = 63 - static_cast<uint32_t>(__builtin_clzll(ns)); // >= 5
        idx = (e - 5) * kSub + static_cast<uint32_t>(ns >> (e - 5));
    }
    ++counts[idx];
    ++n;
    max = std::max(max, ns);
}

uint64_t DurationHistogram::percentile(double p) const {
    if (n == 0) return 0;
    auto need = static_cast<uint64_t>(std::ceil(p * static_cast<double>(n)));
    need = std::clamp<uint64_t>(need, 1, n);
    uint64_t seen = 0;
    for (uint32_t idx = 0; idx < kBuckets; ++idx) {
        seen += counts[idx];
        if (seen < need) continue;
        if (idx < 2 * kSub) return std::min<uint64_t>(idx, max);
        uint32_t e = idx / kSub + 4;
        uint64_t low = uint64_t{idx % kSub + kSub} << (e - 5);
        return std::min(max, low + (uint64_t{1} << (e - 5)) / 2);
    }
    return max;
}

void Heap::retire_allocator(LocalAllocator& a) {
    impl->stats.bytes_allocated_total += a.allocated;
    a.allocated = 0;
    std::lock_guard<std::mutex> lock(impl->mu);
    for (uint32_t cls = 0; cls < kClassCount; ++cls)
        if (a.free[cls]) impl->returned[cls].push_back(a.free[cls]);
    a.reset();
}

uint64_t Heap::heap_bytes() const {
    std::lock_guard<std::mutex> lock(impl->mu);
    return impl->heap_bytes;
}

uint64_t Heap::limit_bytes() const { return impl->limit; }

const GcStats& Heap::stats() const { return impl->stats; }

std::string Heap::stats_report() const {
    uint64_t allocated = impl->stats.bytes_allocated_total;
    if (impl->vm) {
        std::lock_guard<std::mutex> lock(impl->vm->threads_mu);
        for (VmThread* th : impl->vm->threads) allocated += th->alloc.allocated;
    }
    constexpr double kMiB = 1024.0 * 1024.0;
    std::unique_lock<std::mutex> lock(impl->mu); // lazy_sweep_ns is updated at refills
    const GcStats s = impl->stats;
    lock.unlock();
    return fmt::format("gc: {} collections, pause total {:.1f} ms, max {:.1f} ms, heap peak {:.1f} MiB, "
                       "allocated {:.1f} MiB, max time-to-safepoint {:.3f} ms",
                       s.collections, static_cast<double>(s.total_pause_ns) / 1e6,
                       static_cast<double>(s.max_pause_ns) / 1e6,
                       static_cast<double>(s.peak_heap_bytes) / kMiB, static_cast<double>(allocated) / kMiB,
                       static_cast<double>(s.max_ttsp_ns) / 1e6) +
           fmt::format("\ngc: pause p50 {:.3f} ms, p99 {:.3f} ms, max {:.3f} ms; time-to-safepoint p50 {:.3f} ms, "
                       "p99 {:.3f} ms, max {:.3f} ms; mark {:.1f} ms, sweep {:.1f} ms in pauses + {:.1f} ms lazily, "
                       "last live {:.1f} MiB",
                       static_cast<double>(s.pauses.percentile(0.5)) / 1e6,
                       static_cast<double>(s.pauses.percentile(0.99)) / 1e6,
                       static_cast<double>(s.pauses.max) / 1e6, static_cast<double>(s.ttsp.percentile(0.5)) / 1e6,
                       static_cast<double>(s.ttsp.percentile(0.99)) / 1e6, static_cast<double>(s.ttsp.max) / 1e6,
                       static_cast<double>(s.mark_ns) / 1e6, static_cast<double>(s.sweep_ns) / 1e6,
                       static_cast<double>(s.lazy_sweep_ns) / 1e6, static_cast<double>(s.last_live_bytes) / kMiB);
}

} // namespace bp::gc
