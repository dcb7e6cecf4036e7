// The heap: size-class pages, per-thread free lists, large objects, the collection driver and its
// statistics. The design and its invariants are described atop gc/heap.hpp.
#include "gc/heap.hpp"

#include "gc/marker.hpp"
#include "runtime/rt.hpp"
#include "runtime/thread/safepoint.hpp"
#include "runtime/thread/trace.hpp"
#include "vm/vm.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>

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
// thread runs) and `marker` (used only while the world is stopped).
struct Heap::Impl {
    Vm* vm = nullptr;
    uint64_t limit = physical_memory_limit();
    bool stress = false;
    std::mutex mu;
    std::vector<Page*> pages;              // pages in use by a size class
    std::vector<Page*> partial[kClassCount]; // pages with cells on free_head
    std::vector<Page*> pool;               // empty pages, any class
    // Free lists given back by threads that ended, per class; handed out again before any page.
    // Cleared by the sweep, which rebuilds every free list from the pages.
    std::vector<FreeCell*> returned[kClassCount];
    std::vector<LargeObject> large;
    uint64_t heap_bytes = 0;               // pages (including pooled) + large objects
    uint64_t since_gc = 0;                 // bytes handed out since the last collection
    uint64_t threshold = kMinThreshold;
    bool in_sweep = false; // sweep() pools every empty page, then trims the pool to the threshold
    GcStats stats;
    Marker marker;

    FreeCell* refill(uint32_t cls, Heap& heap);
    Page* new_page(uint32_t cls);
    void note_allocation(uint64_t bytes, Heap& heap);
    void release_page(Page* p);
    uint32_t sweep_page(Page* p);
    void sweep();
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

FreeCell* Heap::Impl::refill(uint32_t cls, Heap& heap) {
    std::lock_guard<std::mutex> lock(mu);
    if (!returned[cls].empty()) { // already counted when first handed out
        FreeCell* head = returned[cls].back();
        returned[cls].pop_back();
        return head;
    }
    Page* p = nullptr;
    if (!partial[cls].empty()) {
        p = partial[cls].back();
        partial[cls].pop_back();
    } else {
        p = new_page(cls);
    }
    FreeCell* head = p->free_head;
    note_allocation(uint64_t{p->nfree} * p->cell_size, heap);
    p->free_head = nullptr;
    p->nfree = 0;
    return head;
}

void Heap::Impl::release_page(Page* p) {
    if (pool.size() < kPoolMax || in_sweep) {
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

void Heap::Impl::sweep() {
    uint64_t live_bytes = 0, live_objects = 0;
    for (auto& list : partial) list.clear();
    for (auto& list : returned) list.clear();
    std::vector<Page*> kept;
    kept.reserve(pages.size());
    in_sweep = true;
    for (Page* p : pages) {
        uint32_t live = sweep_page(p);
        if (live == 0) {
            release_page(p);
            continue;
        }
        kept.push_back(p);
        if (p->nfree) partial[p->cls].push_back(p);
        live_bytes += uint64_t{live} * p->cell_size;
        live_objects += live;
    }
    pages.swap(kept);
    in_sweep = false;
    size_t n = 0;
    for (LargeObject& lo : large) {
        if (lo.obj->mark.load(std::memory_order_relaxed)) {
            lo.obj->mark.store(0, std::memory_order_relaxed);
            live_bytes += lo.size;
            ++live_objects;
            large[n++] = lo;
        } else {
            std::free(lo.obj);
            heap_bytes -= lo.size;
        }
    }
    large.resize(n);
    stats.last_live_bytes = live_bytes;
    stats.last_live_objects = live_objects;
    // Next collection after max(4 MiB, 2 x live) more bytes, but early enough to stay under the limit.
    uint64_t next = std::max(kMinThreshold, 2 * live_bytes);
    uint64_t headroom = limit > live_bytes ? (limit - live_bytes) / 2 : 0;
    threshold = std::max<uint64_t>(std::min(next, headroom), kPageSize);
    since_gc = 0;
    // Empty pages up to the next threshold are kept: the program will allocate that much before
    // the next collection anyway, and handing them back to the OS only to fault fresh ones in
    // again cost more than the sweep itself (the heap's peak is unchanged: live + threshold).
    size_t keep = std::max<size_t>(kPoolMax, threshold / kPageSize);
    while (pool.size() > keep) {
        std::free(pool.back());
        pool.pop_back();
        heap_bytes -= kPageSize;
    }
}

void Heap::Impl::free_all() {
    for (Page* p : pages) std::free(p);
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
        std::lock_guard<std::mutex> lock(impl->mu);
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
    impl->marker.clear();
    mark_roots(vm, t, impl->marker);
    impl->marker.drain();
    {
        std::lock_guard<std::mutex> lock(impl->mu);
        impl->sweep();
    }
    collection_due.store(false, std::memory_order_relaxed);
    auto end = std::chrono::steady_clock::now();
    auto ns = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(end - start).count());
    auto ttsp = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(stopped - start).count());
    impl->stats.collections++;
    impl->stats.total_pause_ns += ns;
    impl->stats.max_pause_ns = std::max(impl->stats.max_pause_ns, ns);
    impl->stats.max_ttsp_ns = std::max(impl->stats.max_ttsp_ns, ttsp);
    thread::trace_gc_pause(t, trace_start, trace_stopped);
    thread::resume_world(vm);
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
    const GcStats& s = impl->stats;
    return fmt::format("gc: {} collections, pause total {:.1f} ms, max {:.1f} ms, heap peak {:.1f} MiB, "
                       "allocated {:.1f} MiB, max time-to-safepoint {:.3f} ms",
                       s.collections, static_cast<double>(s.total_pause_ns) / 1e6,
                       static_cast<double>(s.max_pause_ns) / 1e6,
                       static_cast<double>(s.peak_heap_bytes) / kMiB, static_cast<double>(allocated) / kMiB,
                       static_cast<double>(s.max_ttsp_ns) / 1e6);
}

} // namespace bp::gc
