// The garbage-collected heap: a precise, non-moving mark-sweep collector.
// (Owned by the runtime engineer; the interface below is what the VM and builtins rely on.)
//
// Layout. Small objects (up to kMaxSmall bytes) live in 64 KiB pages; each page serves one size
// class (16..128 by 8, 144..512 by 16, then coarser up to 8 KiB) and is an array of equal cells. A cell is either
// an object (Obj header with its kind) or free (kind == ObjKind::Free, a `next` pointer after the
// header). Larger objects are allocated one by one (calloc) and kept in the large-object list.
// Objects never move: an Obj* stays valid for as long as the object is reachable.
//
// Allocation. Each VmThread owns a LocalAllocator: per size class, a free list and a bump region
// nobody else touches, so the fast path is "look the size class up in a table, pop a cell (or bump
// the region's pointer), zero the object's bytes (only the requested size, rounded to 8: the rest
// of the cell is never read), write the header": no lock, no atomic, no call. It is inline in its
// callers (gc/allocate.hpp), so a constant size folds the table lookup and the zeroing; an empty
// list and region go to allocate_refill, out of line, so the fast path keeps nothing in
// callee-saved registers. When both run dry the thread refills (Impl::refill) with the whole free
// list of one page, or a whole page as a bump region (see "Bump regions"), in this order: a list
// given back by a thread that ended; a swept page with free cells; a page of this size class that the last
// collection left unswept (the thread sweeps it itself, see "Lazy sweeping"); the same two from
// other threads' homes (see "Page homes"); an empty page found by sweeping unswept pages of
// other classes (only when no pooled page is left); a pooled empty page; a fresh one. Those
// refills are where the collector's accounting happens: the bytes handed to threads since the last
// collection are compared with the threshold (4 MiB at first, then max(4 MiB, 2 x live), capped so
// the heap stays under the limit) and, when exceeded, `collection_due` is raised.
//
// Bump regions. A page that no sweep read (a dead page, "Dead pages" below, or a fresh or pooled
// one) holds nothing but free cells, yet its cells still carry the headers of the objects that
// died there. Linking them into a free list wrote every cell of the page before the first
// allocation (three quarters of the sweep's time on trees.bp), and each allocation then loaded its
// cell's `next`, a cache miss on the allocation's critical path. Such a page is handed out as a
// bump region instead: the allocator takes cells in address order from [next, end), reading
// nothing from them. When a collection (or the thread's end) takes the region back, the page
// records where it stopped (Page::bump_from, Impl::release_regions): its next sweep reads the cells
// below that index as usual and takes the rest as free without reading them, since their headers
// are stale (an old mark there could even equal the epoch that sweep judges by).
//
// Page homes. Each LocalAllocator has a home (its thread's id mod kHomes), and a page records the
// home of the thread that last took cells from it. The partial and unswept lists are kept per home
// and class, and a refill looks at its own home's lists first (partial, then unswept), then at the
// other homes' (partial, then unswept). After a collection, a thread thus gets back the pages
// holding its own survivors: without homes, two allocating threads were handed each other's pages
// and wrote new objects into cache lines the other thread's live objects share (each write a
// cross-core transfer). Homes are only a preference: any page can go to any thread.
//
// The heap mutex (HeapMutex in heap.cpp) spins a few microseconds before it parks: its critical
// sections are short (sweeping a page runs with it released), and a std::mutex
// parked the loser of every collision at a refill in the kernel, after which two threads
// allocating at the same rate stayed in step (a convoy of futex wake-ups). Pages come from the OS
// in populated runs (mmap + MADV_POPULATE_WRITE, 1 to 16 pages, an eighth of the heap) mapped with
// the mutex released, and go back one by one (munmap).
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
// Before a large object fails, every unswept page is swept and the page pool freed; a page refill
// only asks for a fresh page once nothing is left unswept.
//
// Collection (gc/heap.cpp, gc/mark.cpp, gc/roots.cpp):
//   1. stop the world: Heap::collect() asks every other thread to park at its next safepoint (a
//      thread blocked in join/lock/wait/sleep/read_line counts as stopped) and waits; if another
//      thread's collection is already under way, it parks instead (runtime/thread/safepoint.hpp).
//   2. reset every thread's LocalAllocator: cells on their free lists are plain free cells again,
//      and each bump region's page records where the region stopped ("Bump regions").
//   3. start the next mark epoch (see "Mark epochs"): pages nobody swept since the last collection
//      stay unswept. Only when the epoch wraps around does the pause sweep them first (dealt out to
//      the helper threads too when marking is parallel).
//   4. mark from the roots (gc/roots.cpp) with explicit mark stacks (never recursion: a
//      million-long linked list must not overflow the C stack). Tracing is by ObjKind; which words
//      of an object are references is known from its type or Storage flags (see gc/mark.cpp).
//      Marking counts the live objects and their cell bytes. With a big live heap it runs in
//      parallel (see "Parallel marking"; each other thread's roots go to the helpers as a chunk of
//      their own, so a helper, likely on the core that thread left, traces that thread's objects).
//   5. free unmarked large objects, sweep the threading handles
//      (runtime/thread/handles.hpp: the dead are unregistered now, deleted after the resume), move every page in use to the
//      per-class `unswept` lists, forget the partial and returned lists (their cells are free
//      cells the page sweeps will find again), set the next threshold from the marked bytes,
//      clear `collection_due`, record the pause, resume the world.
//
// Lazy sweeping. Sweeping a page (Impl::sweep_page) turns its unmarked cells into free cells on the
// page's free list and counts its live cells (it never writes a live cell; a page no marking
// reached is not read at all, see "Dead pages"); an empty page goes to the pool
// (kept up to the next threshold's worth of pages; beyond it, to the OS). Pages are swept after the
// world resumes, by whichever thread needs a page of that class at a refill: it pops the page off
// `unswept` under the heap mutex, sweeps it with the mutex released (the page is its own until it
// files it back: nobody else can reach it from any list), then files it under the mutex. So two
// allocating threads sweep in parallel, and the pause sweeps nothing (step 3).
// A refill that finds a stop pending sweeps at most one more page before it takes a pooled or
// fresh page, so lazy sweeping adds about one page sweep to the time-to-safepoint.
// Why this is safe:
//   - an unswept page is allocated from by nobody (allocators were reset, and only swept pages
//     reach the partial lists), so every cell on it is either an object that was live at the last
//     marking (its mark is that marking's epoch), garbage from before it (any other mark:
//     unreachable then, so unreachable now: garbage never becomes reachable again), or a free cell.
//     The sweep reads only headers (kind, mark) of live cells, which mutators never write (the mark
//     byte is atomic anyway), and writes only garbage cells (nobody reads them) and the page header.
//   - no collection can start while a thread sweeps: sweeping happens inside an allocation,
//     which is not a safepoint, so the collector waits for the sweeping thread to finish.
//   - marks cannot be confused across cycles: see "Mark epochs".
//   - live statistics come from marking (step 4), not from the sweep.
//
// Mark epochs. A mark byte holds the epoch of the last marking that reached the object: 1..254,
// advanced by every marking; 0 (kMarkNone) for an object no marking reached yet (every new object,
// unless allocated black); 255 (kMarkPinned) for the few handles that count as marked forever.
// "Marked" means "mark == this marking's epoch", so no mark is ever cleared: the sweep only reads
// live cells, and a page left unswept when the next marking starts needs no sweep first (clearing
// every mark before marking cost ~13% of a pause: trees.bp, 9 of 70 ms). Why a late sweep is right:
//   - a page unswept since marking E holds cells live at E (mark E) and garbage (other marks).
//     Marking E+1 re-marks what is still reachable; garbage is never reached again. So once E+1
//     is done the page is judged by E+1 alone, however many markings it waited through.
//   - while a concurrent cycle marks with E+1, a sweep of a page judged by E counts marks E and E+1
//     as live (a marker may have moved a live object on already; nothing unreachable at E gets E+1).
//   - epochs wrap: 254 markings after E, epoch E comes back, and garbage from E still sitting on a
//     page nobody swept since would look live. So the marking that wraps to 1 first sweeps every
//     unswept page in its pause (Impl::begin_epoch): from there on, garbage on a page carries 0, 254
//     or an epoch used since the wrap, never one still to come before the next wrap. Large objects
//     and handles are swept in every pause, so only pages need this.
//   - a freed cell keeps its old mark; allocation zeroes the header, so a new object has mark 0.
//
// Dead pages. Most pages a sweep reaches hold no live cell at all (trees.bp, binary_trees: 66-76% of
// the cells swept), and reading every cell's header to find that out was most of the sweep's cost.
// So a page records the epoch of the last marking that reached any of its cells (Page::live_epoch,
// page_live_epoch in size_class.hpp): the marker sets it for every object it counts, a load first
// so that the header's line stays clean once set. The sweep reads it first: a page whose epoch is
// neither `done` nor `running` holds no live cell, so its cells are not read; it goes to the pool,
// or, when the sweeping refill wants its class, to that thread as a bump region ("Bump regions").
// Why this is exact:
//   - every live cell was reached by the marking its mark names (count() sets the page's epoch),
//     or allocated black during a concurrent cycle. Black objects come from the free lists and
//     bump regions the threads held when the cycle began, or from refills during it. A free list
//     or a region is always one page's cells (a refill hands out one page's list or one page; a
//     thread that ends gives its lists back whole), so the initial pause marks the page of every
//     list and region a thread holds, and each refill during the cycle marks the page it hands out.
//   - a stale page epoch can only match by accident (epochs wrap): the page is then read cell by
//     cell, as before. Its cells' marks decide, as in "Mark epochs".
//   - a dead page's cells keep their old kinds and marks until allocated: nothing reads them (they
//     are unreachable, a pooled page is not swept, and the sweep after a region is released reads
//     only the cells the region handed out).
// Stress mode checks it at every remark: every reachable object must be on a page marked live in
// that epoch (Marker::verify_visit). `bp --gc-stats` reports how many page sweeps found a dead page.
//
// Parallel marking (Impl::mark, Marker, MarkShare). Once the previous collection found at least
// 250 000 live objects, marking uses one thread per core (at most 8): the collecting thread and
// helper threads owned by the Heap (HelperPool, started at the first parallel collection, asleep
// between collections; not VmThreads: they never run bytecode or allocate). From 2 000, only the
// collecting thread and the threads parked for the pause mark (those spin on a core already; a
// helper woken for a short marking costs more than it saves), so a lone thread marks serially.
// The collecting thread marks the roots, then every marker drains its own stack; a marker whose
// stack is empty spins (then sleeps) in MarkShare for a chunk (the older half of a busy marker's stack, given when a busy marker sees a
// hungry marker); marking ends when all markers are idle with no chunk left. Two markers may reach
// the same object: a plain load filters the marked ones, then a plain store marks it, so two
// markers that load it in the same few instructions both trace it (twice the work for that object,
// never a missed one; a concurrent cycle claims by exchange instead: see MarkShare). A thread parked
// for the pause takes a helper's share itself when it can spin (HelperPool in heap.cpp, Heap::
// park_spin): it is on a core already, and its sleep would cost it that core. Markers read
// objects the mutators wrote before they parked: the stop-the-world handshake (threads_mu) and
// HelperPool's mutex order those writes before the helpers' reads.
//
// Concurrent marking (snapshot at the beginning). A big live heap (the previous collection found at
// least 10 000 live objects, and a core is idle or the live heap passes 64 MiB; see use_concurrent;
// --gc-concurrent=always|never overrides) is marked beside the program,
// so that a collection costs two short pauses instead of one proportional to the live heap:
//   1. initial pause: start a mark epoch (pages nobody swept yet stay unswept, "Mark epochs"),
//      grey the roots (mark them and queue them as one chunk for the markers), raise `marking`,
//      resume. No allocator is reset: the threads keep their free lists and bump regions.
//   2. marking: helper threads (half the cores, at least one) trace from the roots' chunk while the
//      program runs. Two rules make that safe:
//      - black allocation: an object allocated while `marking` is set gets the cycle's epoch at once. It is
//        never traced; what it references was either reachable at the snapshot or allocated since.
//      - the write barrier (write_barrier, rt/barrier.hpp): before a reference slot of a heap object
//        is overwritten (or moved in place: array insert/remove/reverse/sort) its old value is
//        shaded: marked by exchange and queued on the SatbQueue, which the markers poll. Replacing a
//        container's Storage shades the old storage (the new one is black, so only the old one leads
//        to the elements). Together they keep the snapshot invariant: every object reachable when
//        marking began is marked by its end, because any path to it that the program cuts had its
//        cut edge shaded. Roots need no barrier: registers, globals, constants and handles were
//        scanned in the initial pause, and anything stored into them since was reachable at the
//        snapshot or allocated black. That is why the remark does not rescan thread stacks.
//      Markers read slots with slot_load (acquire), pairing with the program's release stores.
//   3. the markers run out of work: they raise `collection_due`, and the next safepoint remarks.
//      If the program allocates a whole threshold before that, its next safepoint remarks anyway,
//      waiting for the markers inside the pause (the program has outrun them).
//   4. remark pause: wait for the markers (nothing turns grey while the world is stopped), trace
//      what the barrier queued since, clear `marking`, then exactly the end of a stop-the-world
//      collection: reset allocators, dead large objects, pages to the lazy sweep, threshold.
//   5. after the remark a background helper sweeps the unswept pages (as an allocating thread
//      would, under the same protocol), so that the program's refills find swept pages;
//      the pause stops it first (stop_async). Dead large objects are freed after the pause.
// Garbage made during a cycle (black or not yet unreachable at the snapshot) floats to the next one.
//
// Pacing and assists (Impl::pace, Impl::assist, Marker::assist). A cycle has a budget: the bytes the
// program may allocate before the remark must happen (a threshold, at most half the room left under
// the limit). With one background marker and a program that allocates faster than it marks (a tight
// --max-heap), the budget ran out first and the remark waited for the markers: 150 ms pauses at
// 200 MB live. So, as in Go, an allocating thread that runs ahead of the marking pays for it:
//   - the work: bytes traced (cell sizes; a large storage its slots), counted by every marker in
//     MarkProgress. The cycle expects as much as the last collection traced, and at most everything
//     in use at its start (assumed once the estimate is nearly used up and marking still goes on).
//   - the rate: at every refill during a cycle, pace() sets assist_ratio = work left / allocation
//     left before 7/8 of the budget: the work each allocated byte owes from now on (capped at 64).
//   - debt and credit, per thread (LocalAllocator::assist_debt, only its thread touches it): at an
//     allocation slow path (a refill, a large object) the thread adds ratio x what it allocated since
//     its last settlement, then pays: first from the background markers' unclaimed credit (work they
//     did, MarkProgress::bg_credit, claimed by CAS), then by marking itself, at least 64 KiB of work
//     (the surplus is credit for its next allocations) and at most 1 MiB per slow path (the rest
//     stays owed). A program the markers keep up with never assists.
//   - the marking: the thread joins the cycle's MarkShare like a marker, takes grey objects from the
//     barrier's queue or a chunk (background markers publish half of a big stack whenever no chunk
//     waits, so work is there even while they are descheduled; else a busy marker sees the assist
//     hungry and hands over half its stack; it waits at most 200 us for that), traces with claims by
//     exchange, and leaves: what it did not trace
//     goes back as a chunk, and if it was the last busy marker with nothing left, the marking is over
//     (it raises `collection_due` as a marker would). Joined markers count in MarkShare's ending
//     rule, so the markers cannot declare the end while an assist holds grey objects.
//   - where and when it is safe: only in an allocation slow path, after the refill released the heap
//     mutex (markers never need it, nor any lock the thread holds: they take only MarkShare's and the
//     barrier queue's locks, which the assist takes the same way). An allocation is not a safepoint,
//     so no pause can start while a thread assists and the cycle's state (share, queue) stays put;
//     the thread is kRunning (it allocates) and marking never reads its registers (roots are greyed
//     in the initial pause only). An assist gives up as soon as a stop is requested (the remark
//     finishes the work), so it adds at most about one object's tracing to the time-to-safepoint.
//     What the thread allocates is black and its debt is plain arithmetic: nothing else changes.
//   - the remark: if the markers are still busy (the program spent the budget anyway), the collecting
//     thread marks with them instead of waiting idle. The work traced becomes the next cycle's
//     estimate. `--gc-assists=never` turns assists off (comparisons).
// Why not just start earlier: the budget already is what the limit allows; assists are what makes a
// cycle finish inside it whatever the program's allocation rate, at the price of that rate. (A
// trigger moved earlier by the last cycle's allocation was tried: more cycles, little memory saved,
// worse pauses on a loaded machine; docs/performance.md.)
// A forced collection (unit tests, embedders) finishes a running cycle and then collects with the
// world stopped throughout. Stress mode alternates the two kinds of collection and, at every remark,
// verifies that everything reachable is marked (verify_marks): a missing barrier aborts loudly.
//
// Invariants. Every reference slot that the collector scans holds nullptr or a pointer to a live
// object. Objects are zero-filled at allocation, so a half-initialised object is always scannable.
// When a marking starts, no object has its epoch as a mark ("Mark epochs").
//
// Threading: LocalAllocator is touched only by its thread (and by the collector while the world
// is stopped). Heap::Impl's page lists, counters and stats are guarded by its mutex (a page popped
// off an unswept list belongs to the popping thread until it files it back); helpers work while the
// world is stopped, except a concurrent cycle's markers and the background sweeper (see above).
// `collection_due` and `marking` are atomic; `marking` changes only while the world is stopped.
#pragma once
#include "gc/size_class.hpp"

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

inline constexpr uint32_t kHomes = 8;          // page homes (LocalAllocator::home), see "Page homes"

class LocalAllocator {
public:
    // Free cells this thread owns, per size class (nullptr: take from the bump region).
    FreeCell* free[kClassCount] = {};
    // Bump regions, per size class: the cells [next, end) of one page that no sweep read (a dead or
    // fresh page; "Bump regions" above), handed out in address order once `free` is empty. Both
    // null, or equal: refill from the shared heap. (One struct: the fast path reads one line.)
    struct Region {
        char* next = nullptr;
        char* end = nullptr;
    };
    Region bump[kClassCount] = {};
    // Bytes this thread allocated since the collector last collected its count (stats; pacing).
    uint64_t allocated = 0;
    // This thread's page home (< kHomes): refills prefer pages this home allocated from last.
    uint32_t home = 0;
    // Pacing ("Pacing and assists" above): `allocated` when this thread last settled its assist
    // debt, and that debt in units of marking work (negative: credit, it marked more than it owed).
    uint64_t assist_seen = 0;
    int64_t assist_debt = 0;
    // Set while this thread makes a MemoryError's error object and trace: its refills may then map
    // a page past the limit (one per refill that finds none; a few pages in all), since with every
    // page full the error could not be made at all and the program could not catch it.
    bool past_limit = false;
    // Forgets every list and region (the heap first records where each region stopped:
    // Heap::Impl::release_regions).
    void reset() {
        for (FreeCell*& f : free) f = nullptr;
        for (Region& r : bump) r = Region{};
    }
};

// A log-linear histogram of durations in nanoseconds: exact below 32 ns, then 32 buckets per
// power of two, so a percentile read from it is within 1/32 of the true value (reported at the
// middle of its bucket, capped by the exact maximum). Fixed size: stress runs collect millions of times.
struct DurationHistogram {
    static constexpr uint32_t kSub = 32;
    static constexpr uint32_t kBuckets = 60 * kSub;
    uint64_t counts[kBuckets] = {};
    uint64_t n = 0;
    uint64_t max = 0;
    void add(uint64_t ns);
    // The smallest recorded duration d such that a fraction >= p of the samples are <= d (0 if none).
    uint64_t percentile(double p) const;
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
    DurationHistogram pauses;        // every collection's pause (stop request to resume)
    DurationHistogram ttsp;          // every collection's time-to-safepoint
    uint64_t mark_ns = 0;            // total marking time (in pauses)
    uint64_t sweep_ns = 0;           // total sweeping time in pauses (finishing the lazy sweep, large objects)
    uint64_t lazy_sweep_ns = 0;      // total sweeping time spent by allocating threads (outside pauses)
    uint64_t pages_swept = 0;        // page sweeps, lazy or in pauses
    uint64_t dead_pages = 0;         // ... of pages no marking reached: their cells were not read
    uint64_t concurrent_cycles = 0;  // collections whose marking ran beside the program
    uint64_t concurrent_mark_ns = 0; // total time from a concurrent cycle's start to its remark
    uint64_t barrier_shaded = 0;     // objects the write barrier shaded (objects, not stores)
    uint64_t assists = 0;            // mutator assists that marked something (totals, at each remark)
    uint64_t assist_work = 0;        // marking work the assists did (bytes traced)
    uint64_t assist_ns = 0;          // time allocating threads spent in assists (incl. waiting for work)
    uint64_t remark_waits = 0;       // remarks that found the background markers still marking
    uint64_t parked_jobs = 0;        // shares of pause jobs (marking, sweeping) run by parked threads
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
    // Both are defined inline in gc/allocate.hpp: include it where they are called.
    // Throws rt::Raise{MemoryError} past the heap limit.
    Obj* allocate(VmThread& t, ObjKind kind, size_t size);
    // Like allocate, but only the first `zero` bytes (rounded up to 16) are zero-filled: for
    // objects whose caller writes the rest at once (string bytes). Never collects.
    Obj* allocate_prefix_zeroed(VmThread& t, ObjKind kind, size_t size, size_t zero);
    // The snapshot-at-the-beginning write barrier. Call it with a reference slot's old value right
    // before overwriting it (any thread, any time; `old` may be null). Outside concurrent marking it
    // costs one relaxed load and a branch that is not taken; see "Concurrent marking" above.
    void write_barrier(Obj* old) {
        // relaxed: `marking` changes only while the world is stopped, and the handshake that
        // resumes a thread orders that change before the thread's next store.
        if (__builtin_expect(marking.load(std::memory_order_relaxed), 0)) shade(old);
    }
    bool is_marking() const { return marking.load(std::memory_order_relaxed) != 0; }
    // The epoch a concurrent cycle marks with (0: none runs); black allocation stores it.
    uint8_t marking_epoch() const { return marking.load(std::memory_order_relaxed); }
    // The epoch of the last marking that completed (tests).
    uint8_t last_epoch() const;
    // Collects if due. Call only where every live reference is in a root (interpreter safepoints).
    void safepoint(VmThread& t) {
        // relaxed: a late view of the flag only delays the collection to the next safepoint.
        if (collection_due.load(std::memory_order_relaxed)) collect(t, false);
    }
    // Collects now (force), or only if still due once the heap's threads lock is held (several
    // threads may see the flag at once: one collects, the others park for it).
    void collect(VmThread& t, bool force = true);
    // Called by a thread parked for another thread's pause (runtime/thread/safepoint.cpp), with no
    // lock held: spins until the pause ends, running the pause's parallel jobs (marking, sweeping)
    // as a helper would; true once the pause is over; false if it did not spin or gave up (the
    // caller then sleeps until the end of the pause).
    bool park_spin(VmThread& t);
    // Sweeps every page the last collection left to the lazy sweep (tests: afterwards every
    // unreachable small object reads as Free). Any running thread may call it.
    void finish_sweep();
    // Marking threads: 0 = automatic (the collecting thread plus helpers up to the number of
    // cores, once the live heap is big enough to pay for them), n >= 1: exactly n (tests).
    // Call before collecting, or between collections from the only running thread.
    void set_mark_threads(uint32_t n);
    // Concurrent marking: Auto (once the live heap is big enough to make pauses long), Always (every
    // collection that is not forced; stress mode), Never (every collection stops the world throughout).
    enum class Concurrent : uint8_t { Auto, Always, Never };
    void set_concurrent(Concurrent mode);
    // Mutator assists ("Pacing and assists"): Auto (whenever helpers mark beside the program), Always
    // (also with no background marker: tests), Never (the remark waits for the markers: comparisons).
    enum class Assists : uint8_t { Auto, Always, Never };
    void set_assists(Assists mode);
    // Tests: how many helpers mark beside the program (0: none, so the remark pause does all the
    // tracing and the write barrier alone keeps overwritten references alive). Default: automatic.
    void set_concurrent_markers(uint32_t n);
    // Stops the collector's background work (a cycle's markers, the background sweep) for good: the
    // VM is going away (call it with no thread running bytecode). Marking is abandoned, not finished.
    void stop_background();
    // Accounts the allocation counter of a thread that is detaching (call with threads_mu held).
    void retire_allocator(LocalAllocator& a);
    uint64_t heap_bytes() const;
    uint64_t limit_bytes() const;
    // Hardware threads (read once by init).
    uint32_t cores() const;
    const GcStats& stats() const;
    std::string stats_report() const;

    std::atomic<bool> collection_due{false};
private:
    Obj* allocate_large(VmThread& t, ObjKind kind, size_t size);
    [[gnu::noinline]] Obj* allocate_refill(VmThread& t, ObjKind kind, size_t size, size_t zero);
    // A free list and bump region ran dry: refill; during a concurrent cycle, then pay the assist debt.
    FreeCell* refill(VmThread& t, uint32_t cls);
    void shade(Obj* old);
    // While a concurrent cycle marks, its epoch; else 0. Set and cleared only while the world is stopped.
    std::atomic<uint8_t> marking{0};

public:
    // Implementation detail pointer (pages, lists, thresholds).
    struct Impl;
    Impl* impl = nullptr;
};

} // namespace bp::gc
