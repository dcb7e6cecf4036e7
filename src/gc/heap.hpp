// The garbage-collected heap: a precise, non-moving mark-sweep collector.
// (Owned by the runtime engineer; the interface below is what the VM and builtins rely on.)
//
// Layout. Small objects (up to kMaxSmall bytes) live in 64 KiB pages; each page serves one size
// class (16..512 by 16, then coarser up to 8 KiB) and is an array of equal cells. A cell is either
// an object (Obj header with its kind) or free (kind == ObjKind::Free, a `next` pointer after the
// header). Larger objects are allocated one by one (calloc) and kept in the large-object list.
// Objects never move: an Obj* stays valid for as long as the object is reachable.
//
// Allocation. Each VmThread owns a LocalAllocator: per size class, a free list nobody else
// touches, so the fast path is "look the size class up in a table, pop a cell, zero the object's
// bytes (only the requested size, rounded to 16: the rest of the cell is never read), write the
// header": no lock, no atomic. When a
// list runs dry the thread refills it under the heap mutex with the whole free list of one page
// (a page with free cells left by the last sweep, a pooled empty page, or a fresh one). Those
// refills are where the collector's accounting happens: the bytes handed to threads since the last
// collection are compared with the threshold (4 MiB at first, then max(4 MiB, 2 x live), capped so
// the heap stays under the limit) and, when exceeded, `collection_due` is raised.
//
// Allocation never collects (builtins hold raw Obj* in C++ locals, which are not roots). A
// collection starts only at a safepoint, Heap::safepoint(), that the interpreter calls where every
// live reference is in a root: one relaxed load of `collection_due`. In stress mode the flag is
// raised at every refill; since a collection empties every LocalAllocator, any allocation after a
// collection refills, so "collect at every safepoint after anything was allocated" falls out.
//
// Limit. A page or large object that would push the heap past the limit throws
// rt::Raise{MemoryError, "out of memory"} from allocate(); sizes are checked before any arithmetic
// can overflow, so a single absurd request (str_repeat("x", 1 << 40)) fails the same clean way.
//
// Collection (gc/heap.cpp, gc/mark.cpp, gc/roots.cpp):
//   1. stop the world: Heap::collect() asks every other thread to park at its next safepoint (a
//      thread blocked in join/lock/wait/sleep/read_line counts as stopped) and waits; if another
//      thread's collection is already under way, it parks instead (runtime/thread/safepoint.hpp).
//   2. reset every thread's LocalAllocator: cells on their free lists are plain free cells again,
//      and no thread can allocate from a list the sweep is about to rebuild.
//   3. mark from the roots (gc/roots.cpp) with an explicit mark stack (never recursion: a
//      million-long linked list must not overflow the C stack). Tracing is by ObjKind; which words
//      of an object are references is known from its type or Storage flags (see gc/mark.cpp).
//   4. sweep every page: unmarked cells become free and go on the page's free list, marks are
//      cleared, empty pages return to a pool kept up to the next threshold (beyond it, to the
//      OS), pages with free cells become refill candidates. Unmarked large objects are freed.
//   5. set the next threshold, clear `collection_due`, record the pause.
//
// Invariants. Every reference slot that the collector scans holds nullptr or a pointer to a live
// object. Objects are zero-filled at allocation, so a half-initialised object is always scannable.
// Mark bytes are 0 outside a collection.
//
// Threading: LocalAllocator is touched only by its thread (and by the collector while the world
// is stopped). Heap::Impl's page lists, counters and stats are guarded by its mutex.
// `collection_due` is atomic; see safepoint().
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace bp {
struct Obj;
class Vm;
class VmThread;
enum class ObjKind : uint8_t;
}

namespace bp::gc {

class Heap;
struct FreeCell;

inline constexpr size_t kPageSize = 64 * 1024;
inline constexpr size_t kSmallStep = 16;
inline constexpr size_t kSmallStepMax = 512;   // classes 16, 32, ..., 512
inline constexpr size_t kMaxSmall = 8192;      // above this: large objects
inline constexpr uint32_t kClassCount = 48;    // see size_classes in heap.cpp

// Size class index of an allocation of `size` bytes (size <= kMaxSmall).
uint32_t size_class_of(size_t size);
// Cell size of class `cls`.
size_t class_size(uint32_t cls);

class LocalAllocator {
public:
    // Free cells this thread owns, per size class (nullptr: refill from the shared heap).
    FreeCell* free[kClassCount] = {};
    // Bytes this thread allocated since the collector last collected its count (stats only).
    uint64_t allocated = 0;
    // Forgets every list (the collector's sweep rebuilds them from the pages).
    void reset() {
        for (FreeCell*& f : free) f = nullptr;
    }
};

struct GcStats {
    uint64_t collections = 0;
    uint64_t total_pause_ns = 0;
    uint64_t max_pause_ns = 0;
    uint64_t bytes_allocated_total = 0;
    uint64_t peak_heap_bytes = 0;
    uint64_t last_live_bytes = 0;    // bytes in live objects after the last collection
    uint64_t last_live_objects = 0;  // objects that survived the last collection
    uint64_t max_ttsp_ns = 0;        // worst time-to-safepoint: stop request until all stopped
};

class Heap {
public:
    Heap();
    ~Heap();
    Heap(const Heap&) = delete;
    Heap& operator=(const Heap&) = delete;
    // limit_bytes == 0: 3/4 of physical memory.
    void init(Vm& vm, uint64_t limit_bytes, bool stress);
    // Allocates `size` bytes (>= sizeof(Obj)), zero-filled, header kind set. Never collects.
    // Throws rt::Raise{MemoryError} past the heap limit.
    Obj* allocate(VmThread& t, ObjKind kind, size_t size);
    // Like allocate, but only the first `zero` bytes (rounded up to 16) are zero-filled: for
    // objects whose caller writes the rest at once (string bytes). Never collects.
    Obj* allocate_prefix_zeroed(VmThread& t, ObjKind kind, size_t size, size_t zero);
    // Collects if due. Call only where every live reference is in a root (interpreter safepoints).
    void safepoint(VmThread& t) {
        // relaxed: a late view of the flag only delays the collection to the next safepoint.
        if (collection_due.load(std::memory_order_relaxed)) collect(t, false);
    }
    // Collects now (force), or only if still due once the heap's threads lock is held (several
    // threads may see the flag at once: one collects, the others park for it).
    void collect(VmThread& t, bool force = true);
    // Accounts the allocation counter of a thread that is detaching (call with threads_mu held).
    void retire_allocator(LocalAllocator& a);
    uint64_t heap_bytes() const;
    uint64_t limit_bytes() const;
    const GcStats& stats() const;
    std::string stats_report() const;

    std::atomic<bool> collection_due{false};
private:
    Obj* allocate_slow(VmThread& t, ObjKind kind, size_t size);

public:
    // Implementation detail pointer (pages, lists, thresholds).
    struct Impl;
    Impl* impl = nullptr;
};

} // namespace bp::gc
