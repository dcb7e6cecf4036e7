// The heap: size-class pages, per-thread free lists, large objects, the collection driver and its
// statistics. The design and its invariants are described atop gc/heap.hpp.
#include "gc/heap.hpp"
#include "gc/allocate.hpp"
#include "gc/huge_pages.hpp"
#include "base/cpu_relax.hpp"

#include "gc/marker.hpp"
#include "runtime/rt.hpp"
#include "runtime/thread/runtime.hpp"
#include "runtime/thread/safepoint.hpp"
#include "runtime/thread/trace.hpp"
#include "vm/vm.hpp"

#include <fmt/format.h>
#include <sched.h>
#include <sys/mman.h>
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

namespace {

using Clock = std::chrono::steady_clock;
uint64_t elapsed_ns(Clock::time_point from, Clock::time_point to) {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(to - from).count());
}

constexpr size_t kPageHeader = 64;
constexpr size_t kPoolMax = 16;                 // empty pages kept for reuse (1 MiB)
constexpr uint64_t kMinThreshold = 4ull << 20;  // 4 MiB

// Page header; cells follow at kPageHeader.
struct Page {
    uint32_t cls;
    uint32_t cell_size;
    uint32_t ncells;
    uint32_t nfree;       // cells on free_head
    FreeCell* free_head;  // free cells not yet handed to a thread
    uint32_t home;        // LocalAllocator::home of the thread that last took cells from it
    // The last marking that reached one of its cells (page_live_epoch; "Dead pages" in heap.hpp).
    std::atomic<uint8_t> live_epoch;
    // Cells from this index on were in a bump region and never handed out: free, whatever their
    // headers say (ncells: none; "Bump regions" in heap.hpp). Set when a region is released.
    uint32_t bump_from;
    char* cell(uint32_t i) { return reinterpret_cast<char*>(this) + kPageHeader + size_t{i} * cell_size; }
};
static_assert(sizeof(Page) <= kPageHeader && offsetof(Page, live_epoch) == kPageLiveEpochOffset);

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

// Pages come from the OS in runs of up to kMapRun pages, mapped and populated (a few system calls)
// with the heap mutex released: one aligned_alloc per page cost 16 page faults each,
// taken one by one on first touch, and two threads growing the heap at once queued on the
// process's memory-map lock (the faults, and malloc growing its arenas). From kHugeRunsFrom bytes
// of heap, while the kernel has free huge pages, a run is one transparent huge page (32 pages of
// 64 KiB), aligned to it and advised (gc/huge_pages.hpp). A page goes back to the OS on its own
// (unmap_page), whichever run it came from (the kernel splits a huge page for that).
constexpr size_t kMapRun = 16;
constexpr uint64_t kHugeRunsFrom = 4ull << 20;

// n pages, aligned to `align` (kPageSize, or a huge page: then advised to be one) and zero-filled,
// populated when the kernel can (Linux 5.14+: otherwise they fault in on first touch, as before);
// nullptr if the OS refuses.
Page* map_pages(size_t n, size_t align) {
    size_t len = n * kPageSize + align; // slack to align the run, unmapped at once
    void* raw = mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) return nullptr;
    auto base = reinterpret_cast<uintptr_t>(raw);
    uintptr_t aligned = (base + align - 1) & ~uintptr_t{align - 1};
    if (aligned > base) munmap(raw, aligned - base);
    uintptr_t end = aligned + n * kPageSize;
    if (base + len > end) munmap(reinterpret_cast<void*>(end), base + len - end);
#ifdef MADV_HUGEPAGE
    if (align > kPageSize) (void)madvise(reinterpret_cast<void*>(aligned), n * kPageSize, MADV_HUGEPAGE);
#endif
#ifdef MADV_POPULATE_WRITE
    (void)madvise(reinterpret_cast<void*>(aligned), n * kPageSize, MADV_POPULATE_WRITE);
#endif
    return reinterpret_cast<Page*>(aligned);
}

void unmap_page(Page* p) { munmap(p, kPageSize); }

// Debug builds fill freed cells so that a dangling reference fails loudly.
void poison(FreeCell* c, size_t cell_size) {
#ifndef NDEBUG
    std::memset(reinterpret_cast<char*>(c) + sizeof(FreeCell), 0xDB, cell_size - sizeof(FreeCell));
#else
    (void)c;
    (void)cell_size;
#endif
}

// The heap mutex. Its critical sections are short (a list pop or push, a few counters: page sweeps
// and formatting run with it released), but every thread takes it at every refill, about once per
// 64 KiB allocated: two threads allocating flat out meet on it every few refills. A std::mutex
// parks the loser in the kernel at once, and the futex wake-up costs it tens of microseconds (and
// the owner a system call); then the two threads tend to stay in step and meet again at the next
// refill (a convoy: trees.bp, 2 threads, lost ~10% of its wall time this way). So a waiter spins
// (with pause) for a few microseconds, longer than any critical section when the owner runs, and
// only then parks, as rt::lock does for containers.
// Threading: word 0 = free, 1 = held, 2 = held with (maybe) a parked waiter; acquire on taking,
// release on giving back, so it orders what it guards like a std::mutex.
class HeapMutex {
public:
    void lock() {
        uint32_t expected = 0;
        if (m_word.compare_exchange_strong(expected, 1, std::memory_order_acquire, std::memory_order_relaxed))
            return;
        lock_slow();
    }
    bool try_lock() {
        uint32_t expected = 0;
        return m_word.compare_exchange_strong(expected, 1, std::memory_order_acquire, std::memory_order_relaxed);
    }
    void unlock() {
        if (m_word.exchange(0, std::memory_order_release) == 2) m_word.notify_one();
    }

private:
    void lock_slow() {
        constexpr uint32_t kSpins = 4096; // pause instructions: a few microseconds
        for (uint32_t i = 0; i < kSpins; ++i) {
            base::cpu_relax();
            uint32_t expected = 0;
            if (m_word.load(std::memory_order_relaxed) == 0 &&
                m_word.compare_exchange_weak(expected, 1, std::memory_order_acquire, std::memory_order_relaxed))
                return;
        }
        while (m_word.exchange(2, std::memory_order_acquire) != 0) m_word.wait(2, std::memory_order_relaxed);
    }
    std::atomic<uint32_t> m_word{0};
};

// Helper threads for the parallel phases of a collection. Started lazily by the first collection
// that uses them; they sleep on m_cv between collections. A job is open from run()'s start until
// the calling thread's own share, job(0), returns; a helper that wakes after that skips it, so a
// helper the OS has not scheduled yet never delays the pause (job(0) must return only when no work
// is left that it needs helpers for).
//
// Parked mutators take part too (participate(), from Heap::park_spin): a thread that a pause
// stopped spins instead of sleeping in the kernel, and claims the pause's jobs like a helper. With
// two threads on two cores, the other thread's sleep in every pause cost it its core: a woken
// thread waited for the CPU it had left to another process, often a whole scheduler tick (3-4 ms
// on a loaded machine; 20-50 ms per trees.bp run), and the helper that marked in its place was
// woken the same costly way. A spinning thread keeps its core, is on it when the world resumes, and
// is already there to mark, on the core whose caches hold its objects. The indices of a job
// (1..helpers) are claimed in order under m_mu by whoever comes first, helper or participant;
// start() does not wake the helpers when enough participants spin to claim every index. Only
// pause jobs (run()) are open to participants: a background job (start() alone: a concurrent
// cycle's marking, the background sweep) goes on after the world resumes, so it is the helpers'.
// Threading: every field is guarded by m_mu, except m_open (atomic: a hint participants poll
// before taking m_mu); a job's function and data are published under m_mu and live until run()
// returns (it waits for every thread that claimed an index).
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
    // Runs job(0) on the calling thread and job(1..helpers) on helpers or participants; returns
    // when all ended.
    void run(uint32_t helpers, const std::function<void(uint32_t)>& job) {
        start(helpers, job, true);
        job(0);
        wait();
    }
    // Background form (pause == false): job(1..helpers) on helper threads, while the caller goes
    // on; `job` must live until wait(). Helpers that have not woken by the time wait() is called skip the job.
    void start(uint32_t helpers, const std::function<void(uint32_t)>& job, bool pause = false) {
        bool wake = true;
        {
            std::lock_guard<std::mutex> lock(m_mu);
            while (m_threads.size() < helpers) m_threads.emplace_back([this] { helper_loop(); });
            m_job = &job;
            m_active = helpers;
            m_claimed = 0;
            m_pause_job = pause;
            ++m_epoch;
            if (pause) {
                m_open.store(helpers > 0, std::memory_order_relaxed);
                wake = m_spinners < helpers;
            }
        }
        if (wake) m_cv.notify_all();
    }
    // Closes the job (late helpers skip it) and waits for the threads running it. A pause's job
    // ends for all its markers at once (marking is over when every marker is idle), so the caller
    // spins a little before sleeping: the others are a few instructions from done, and a sleep on
    // m_done_cv cost the pause a futex wake-up, 40-80 us (trees.bp 2: one pause in four).
    void wait() {
        constexpr auto kDoneSpin = std::chrono::microseconds(50);
        std::unique_lock<std::mutex> lock(m_mu);
        m_job = nullptr;
        m_open.store(false, std::memory_order_relaxed);
        if (m_running.load(std::memory_order_relaxed) != 0 && m_pause_job) {
            lock.unlock();
            auto until = Clock::now() + kDoneSpin;
            for (uint32_t i = 1; m_running.load(std::memory_order_relaxed) != 0; ++i) {
                base::cpu_relax();
                if ((i & 63) == 0 && Clock::now() > until) break;
            }
            lock.lock();
        }
        m_done_cv.wait(lock, [&] { return m_running.load(std::memory_order_relaxed) == 0; });
    }
    uint64_t participated() {
        std::lock_guard<std::mutex> lock(m_mu);
        return m_participated;
    }
    // Whether a helper is still running the job (a hint: it may end at any moment).
    bool busy() {
        std::lock_guard<std::mutex> lock(m_mu);
        return m_running != 0;
    }
    // From a parked mutator (Heap::park_spin): while `stop` is raised, runs pause jobs as a helper
    // would, spinning in between. Returns true once `stop` is lowered; false without waiting when
    // `max_spinners` threads already spin, or after `idle` without a job (the caller then sleeps:
    // a long pause must not keep cores busy for nothing).
    bool participate(const std::atomic<bool>& stop, uint32_t max_spinners, std::chrono::nanoseconds idle) {
        std::unique_lock<std::mutex> lock(m_mu);
        if (m_spinners >= max_spinners) return false;
        ++m_spinners;
        lock.unlock();
        auto deadline = Clock::now() + idle;
        for (uint32_t i = 0;; ++i) {
            if (!stop.load(std::memory_order_acquire)) break;
            bool give_up = (i & 63) == 63 && Clock::now() > deadline;
            if (m_open.load(std::memory_order_relaxed) || give_up) {
                lock.lock();
                if (const std::function<void(uint32_t)>* job = claim(true)) {
                    --m_spinners;
                    ++m_participated;
                    uint32_t index = m_claimed;
                    lock.unlock();
                    (*job)(index);
                    lock.lock();
                    if (--m_running == 0) m_done_cv.notify_all();
                    ++m_spinners;
                    lock.unlock();
                    deadline = Clock::now() + idle;
                    continue;
                }
                if (give_up) {
                    --m_spinners; // under m_mu: a start() from now on sees one spinner fewer
                    return false;
                }
                lock.unlock();
            }
            base::cpu_relax();
            // Now and then let a thread queued on this core run: the collector, should the OS have
            // put it there (under SCHED_FIFO, chrt, a spinner would otherwise keep it off the core).
            if ((i & 4095) == 4095) sched_yield();
        }
        lock.lock();
        --m_spinners;
        return true;
    }

private:
    // With m_mu held: claims the open job's next index (m_claimed) for the caller, or returns nullptr
    // (a participant claims only pause jobs).
    const std::function<void(uint32_t)>* claim(bool participant = false) {
        if (!m_job || m_claimed >= m_active || (participant && !m_pause_job)) return nullptr;
        if (++m_claimed == m_active) m_open.store(false, std::memory_order_relaxed);
        ++m_running;
        return m_job;
    }
    void helper_loop() {
        uint64_t seen = 0;
        std::unique_lock<std::mutex> lock(m_mu);
        for (;;) {
            m_cv.wait(lock, [&] { return m_quit || m_epoch != seen; });
            if (m_quit) return;
            seen = m_epoch;
            const std::function<void(uint32_t)>* job = claim();
            if (!job) continue;
            uint32_t index = m_claimed;
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
    uint32_t m_active = 0;   // the job's indices: 1..m_active
    uint32_t m_claimed = 0;  // indices claimed so far
    std::atomic<uint32_t> m_running{0}; // changed under m_mu; wait() also polls it without
    uint32_t m_spinners = 0; // participants spinning, ready to claim
    uint64_t m_participated = 0; // indices claimed by participants (GcStats::parked_jobs)
    bool m_pause_job = false;
    bool m_quit = false;
    std::atomic<bool> m_open{false}; // a pause job has an unclaimed index
};

} // namespace

// Threading: every field is guarded by `mu`, except `vm`/`limit`/`stress` (set by init before any
// thread runs) and `marker` (used only while the world is stopped). A page popped off `unswept` is
// owned by the popping thread until it files it back (file_swept) under `mu`.
struct Heap::Impl {
    Vm* vm = nullptr;
    uint64_t limit = physical_memory_limit();
    bool stress = false;
    uint32_t cores = 1; // hardware threads, read once by init (not in every pause)
    HeapMutex mu;
    std::vector<Page*> pages;              // swept pages in use by a size class (full, partial or handed out)
    // Per home (LocalAllocator::home, the page's `home`) and class: a refill looks at its own
    // home's lists first ("Page homes" atop gc/heap.hpp).
    std::vector<Page*> partial[kHomes][kClassCount]; // swept pages with cells on free_head (a subset of pages)
    std::vector<Page*> unswept[kHomes][kClassCount]; // pages the last collection marked and nobody swept yet
    size_t unswept_count = 0;
    std::vector<Page*> pool;               // empty pages, any class
    size_t pool_keep = kPoolMax;           // release_page frees pages beyond this many pooled
    // Free lists given back by threads that ended, per class; handed out again before any page.
    // Cleared by the sweep, which rebuilds every free list from the pages.
    std::vector<FreeCell*> returned[kClassCount];
    std::vector<LargeObject> large;
    std::vector<Obj*> dead_large;          // unreachable large objects, freed after the pause
    uint64_t heap_bytes = 0;               // pages (including pooled) + large objects
    uint64_t since_gc = 0;                 // bytes handed out since the last collection
    std::atomic<bool> out_of_room{false};  // a MemoryError since the last collection (collect; atomic:
                                           // collect reads it before it stops the world)
    uint64_t threshold = kMinThreshold;
    // Mark epochs (heap.hpp): the latest marking's (running or done) and the last completed one's;
    // they differ only while a concurrent cycle marks. Written only while the world is stopped.
    uint8_t epoch = 0;
    uint8_t done_epoch = 0;
    GcStats stats;
    // GcStats::pages_swept and dead_pages, counted by sweeps that run without mu (copied by stats()).
    std::atomic<uint64_t> pages_swept{0}, dead_pages{0};
    Marker marker;
    // Parallel phases (used only while the world is stopped, by the collecting thread).
    uint32_t mark_threads = 0;                 // set_mark_threads; 0 = automatic
    std::vector<std::unique_ptr<Marker>> helper_markers; // [i - 1]: helper i's marker
    // Created with the heap (its threads start with the first job that needs them): parked
    // mutators reach it without a lock (Heap::park_spin), so the pointer never changes.
    std::unique_ptr<HelperPool> helpers = std::make_unique<HelperPool>();
    // Concurrent cycles (heap.hpp, "Concurrent marking"). These fields change only while the world
    // is stopped (or in ~Heap), except the atomics.
    Heap::Concurrent concurrent = Heap::Concurrent::Auto;
    Heap::Assists assists = Heap::Assists::Auto;
    bool cycle_active = false;             // marking runs beside the program (Heap::marking is set)
    bool background = false;               // helpers may be running async_job (marking or sweeping)
    uint32_t cycle_markers = 0;            // helpers marking in the current cycle
    uint64_t cycle_budget = 0;             // bytes the program may allocate before the remark must wait for the markers
    uint32_t markers_override = UINT32_MAX; // set_concurrent_markers (tests)
    std::function<void(uint32_t)> async_job;
    std::unique_ptr<MarkShare> share;      // the cycle's work sharing between background markers
    std::atomic<bool> markers_done{false}; // the background markers ran out of work
    std::atomic<bool> stop_async{false};   // background job: stop at the next check
    SatbQueue satb;                        // shaded by the write barrier, not yet traced
    std::chrono::steady_clock::time_point cycle_start;
    // Pacing and assists (heap.hpp). `assist_ratio` is written under mu (pace), read by allocating
    // threads without it; the assist totals are added by assisting threads and read in the remark.
    MarkProgress progress;                 // the cycle's marking work so far
    uint64_t work_estimate = 0;            // marking work of the last collection (bytes traced)
    uint64_t cycle_work_expected = 0;      // this cycle's expected marking work (work_estimate)
    uint64_t cycle_work_max = 0;           // ... at most: the bytes in use at its start
    std::atomic<uint64_t> assist_ratio{0}; // work owed per allocated byte, fixed point (kRatioOne); 0: none
    std::atomic<uint64_t> assist_count{0};
    std::atomic<uint64_t> assist_work{0};
    std::atomic<uint64_t> assist_ns{0};
    std::atomic<uint64_t> assist_live_bytes{0};
    std::atomic<uint64_t> assist_live_objects{0};
    static constexpr uint64_t kRatioOne = 1 << 16;
    struct PauseTimes {
        uint64_t mark_ns = 0;
        uint64_t sweep_ns = 0;
    };

    FreeCell* refill(uint32_t cls, LocalAllocator& alloc, Heap& heap);
    Page* new_page(uint32_t cls, std::unique_lock<HeapMutex>& lock, bool past_limit);
    [[noreturn]] void limit_reached();
    static void hand_out_region(Page* p, LocalAllocator& alloc);
    static void release_regions(LocalAllocator& alloc);
    void note_allocation(uint64_t bytes, Heap& heap);
    void pace();
    void assist(VmThread& t, Heap& heap);
    void release_page(Page* p);
    uint32_t sweep_page(Page* p);
    Page* pop_partial(uint32_t cls, uint32_t home, bool own);
    Page* pop_unswept(uint32_t cls, uint32_t home, bool own);
    Page* pop_unswept_any();
    void file_swept(Page* p, uint32_t live);
    uint32_t sweep_unlocked(std::unique_lock<HeapMutex>& lock, Page* p);
    void finish_sweep_locked();
    void begin_epoch();
    uint64_t sweep_large();
    uint32_t marking_threads() const;
    void ensure_helpers(uint32_t n);
    void mark(VmThread& t);
    void reset_allocators(VmThread& t);
    void full_collection(VmThread& t, PauseTimes& pt);
    void end_marking(std::unique_lock<HeapMutex>& lock, uint64_t live_bytes, uint64_t live_objects);
    bool use_concurrent() const;
    uint32_t concurrent_markers() const;
    bool marking_ahead();
    void start_cycle(VmThread& t, Heap& heap, PauseTimes& pt);
    void finish_cycle(VmThread& t, Heap& heap, PauseTimes& pt);
    void verify_marks(VmThread& t);
    void start_background(Heap& heap);
    void stop_background();
    void record_pause(std::chrono::steady_clock::time_point start, std::chrono::steady_clock::time_point stopped,
                      const PauseTimes& pt, bool ends_collection);
    void start_lazy_sweep(uint64_t live_bytes);
    uint64_t min_threshold() const;
    void free_all();
};

void Heap::Impl::note_allocation(uint64_t bytes, Heap& heap) {
    since_gc += bytes;
    stats.peak_heap_bytes = std::max(stats.peak_heap_bytes, heap_bytes);
    // During a cycle `since_gc` counts from its start, against the cycle's budget (start_cycle).
    if (stress || since_gc >= (cycle_active ? cycle_budget : threshold))
        heap.collection_due.store(true, std::memory_order_relaxed);
    if (cycle_active) pace();
}

// With mu held, during a cycle: how much marking work each allocated byte owes from now on, so
// that the work left is done by the time the program has allocated 7/8 of the cycle's budget
// (heap.hpp, "Pacing and assists"). Revised at every refill: it falls as the markers get ahead and
// rises as the runway shrinks.
void Heap::Impl::pace() {
    // Auto: only while helpers mark beside the program (with none, tests want the remark to trace).
    if (assists == Heap::Assists::Never || (cycle_markers == 0 && assists == Heap::Assists::Auto)) return;
    uint64_t scanned = progress.scanned.load(std::memory_order_relaxed);
    uint64_t expected = cycle_work_expected;
    // Past 7/8 of the estimate with marking still going: more is live than last time; assume the
    // worst (everything in use at the snapshot is live), as Go does.
    if (scanned >= expected - expected / 8) expected = std::max(expected, cycle_work_max);
    uint64_t left = expected > scanned ? expected - scanned : 0;
    left = std::max(left, expected / 16); // it ends when it ends: keep paying something
    uint64_t goal = cycle_budget - cycle_budget / 8;
    uint64_t runway = goal > since_gc ? goal - since_gc : 0;
    runway = std::max<uint64_t>(runway, cycle_budget / 32 + 1);
    constexpr uint64_t kMaxRatio = 64; // per allocated byte; each assist is bounded anyway
    uint64_t ratio = std::min(static_cast<uint64_t>(static_cast<double>(left) / static_cast<double>(runway) *
                                                    static_cast<double>(kRatioOne)),
                              kMaxRatio * kRatioOne);
    assist_ratio.store(std::max<uint64_t>(ratio, 1), std::memory_order_relaxed);
}

// During a cycle, from an allocation slow path (not a safepoint: no pause can start meanwhile, so
// the cycle's share and queues stay put), without mu: settles this thread's assist debt for what
// it allocated since the last settlement, first from the background markers' unclaimed credit,
// then by marking itself (heap.hpp, "Pacing and assists").
void Heap::Impl::assist(VmThread& t, Heap& heap) {
    constexpr int64_t kMinWork = 64 << 10;  // an assist marks at least this much (overpaid: credit)
    constexpr int64_t kMaxWork = 1 << 20;   // and at most this much per allocation slow path
    constexpr auto kMaxWait = std::chrono::microseconds(200); // for a busy marker to hand over work
    LocalAllocator& a = t.alloc;
    uint64_t delta = a.allocated >= a.assist_seen ? a.allocated - a.assist_seen : a.allocated;
    a.assist_seen = a.allocated;
    uint64_t ratio = assist_ratio.load(std::memory_order_relaxed);
    if (ratio == 0) return;
    a.assist_debt += static_cast<int64_t>(static_cast<double>(delta) * static_cast<double>(ratio) / kRatioOne);
    if (a.assist_debt <= 0) return;
    int64_t credit = progress.bg_credit.load(std::memory_order_relaxed);
    while (credit > 0) {
        int64_t take = std::min(credit, a.assist_debt);
        if (progress.bg_credit.compare_exchange_weak(credit, credit - take, std::memory_order_relaxed)) {
            a.assist_debt -= take;
            break;
        }
    }
    if (a.assist_debt <= 0) return;
    if (markers_done.load(std::memory_order_acquire)) { // nothing left to mark before the remark
        a.assist_debt = 0;
        return;
    }
    // Only a running thread marks, and never while a pause waits for it (the remark does the rest).
    if (t.gc_state.load(std::memory_order_relaxed) != thread::kRunning ||
        vm->stop_requested.load(std::memory_order_relaxed))
        return;
    if (!share->join()) {
        a.assist_debt = 0;
        return;
    }
    auto start = Clock::now();
    Marker m;
    m.set_epoch(epoch);
    m.handle_contents = false; // greyed in the initial pause
    bool ended = false;
    uint64_t done = m.assist(*share, satb, static_cast<uint64_t>(std::clamp(a.assist_debt, kMinWork, kMaxWork)),
                             start + kMaxWait, vm->stop_requested, ended);
    a.assist_debt -= static_cast<int64_t>(done);
    progress.scanned.fetch_add(done, std::memory_order_relaxed);
    assist_live_bytes.fetch_add(m.live_bytes, std::memory_order_relaxed);
    assist_live_objects.fetch_add(m.live_objects, std::memory_order_relaxed);
    if (done) assist_count.fetch_add(1, std::memory_order_relaxed);
    assist_work.fetch_add(done, std::memory_order_relaxed);
    assist_ns.fetch_add(elapsed_ns(start, Clock::now()), std::memory_order_relaxed);
    if (ended) {
        markers_done.store(true, std::memory_order_release);
        heap.collection_due.store(true, std::memory_order_relaxed); // the next safepoint remarks
    }
}

// With mu held: an empty page for class `cls` (pooled, or fresh within the limit), counted in
// `pages`. Its cells are not set up: the caller hands it out as a bump region; nobody else reaches
// the page meanwhile (`pages` is read only by collections, which cannot start while this thread
// allocates).
// With the pool empty it maps a run of pages (as long as an eighth of the heap, 1 to kMapRun pages,
// or one huge page's worth: map_pages; within the limit) with mu released, keeps what still fits
// under the limit once mu is held again (another thread may have grown the heap meanwhile) and
// pools the rest.
// With mu held: MemoryError, the heap being full. The next safepoint collects, stop-the-world
// (out_of_room, see collect): the program may drop what filled the heap (it caught the error, or
// the frames that held the data unwound), and its next allocations must find that room again rather
// than fail for want of a collection (an allocation never collects itself).
void Heap::Impl::limit_reached() {
    out_of_room.store(true, std::memory_order_relaxed);
    if (vm) vm->heap.collection_due.store(true, std::memory_order_relaxed);
    out_of_memory();
}

Page* Heap::Impl::new_page(uint32_t cls, std::unique_lock<HeapMutex>& lock, bool past_limit) {
    while (pool.empty()) {
        size_t room = limit > heap_bytes ? (limit - heap_bytes) / kPageSize : 0;
        if (room == 0 && !past_limit) limit_reached();
        if (past_limit) room = std::max<size_t>(room, 1); // LocalAllocator::past_limit
        size_t n = std::min(std::clamp<size_t>(heap_bytes / kPageSize / 8, 1, kMapRun), room);
        const size_t huge = huge_page_size();
        bool try_huge =
            heap_bytes >= kHugeRunsFrom && huge != 0 && huge % kPageSize == 0 && room >= huge / kPageSize;
        lock.unlock();
        if (try_huge && huge_pages_free(huge)) n = huge / kPageSize; // reads /proc: without mu
        Page* run = map_pages(n, n * kPageSize == huge ? huge : kPageSize);
        lock.lock();
        if (!run) limit_reached();
        room = limit > heap_bytes ? (limit - heap_bytes) / kPageSize : 0;
        if (past_limit) room = std::max<size_t>(room, 1);
        for (size_t i = 0; i < n; ++i) {
            auto* q = reinterpret_cast<Page*>(reinterpret_cast<char*>(run) + i * kPageSize);
            if (i < room) {
                pool.push_back(q);
                heap_bytes += kPageSize;
            } else {
                unmap_page(q);
            }
        }
    }
    Page* p = pool.back();
    pool.pop_back();
    p->cls = cls;
    p->cell_size = static_cast<uint32_t>(class_size(cls));
    p->ncells = static_cast<uint32_t>((kPageSize - kPageHeader) / p->cell_size);
    pages.push_back(p);
    return p;
}

// Hands all of p's cells to `alloc` as its bump region for p's class (p holds no live cell).
void Heap::Impl::hand_out_region(Page* p, LocalAllocator& alloc) {
    p->nfree = 0;
    p->free_head = nullptr;
    p->bump_from = p->ncells;
    alloc.bump[p->cls] = {p->cell(0), p->cell(p->ncells)};
}

// With the world stopped, or from the allocator's own thread at its end: takes `alloc`'s bump
// regions back, recording on each page where its region stopped (Page::bump_from), then forgets
// its lists and regions. (A region is always within one page: hand_out_region.)
void Heap::Impl::release_regions(LocalAllocator& alloc) {
    for (uint32_t cls = 0; cls < kClassCount; ++cls) {
        char* next = alloc.bump[cls].next;
        if (next == alloc.bump[cls].end) continue; // none, or used up (bump_from stays ncells)
        auto* p = reinterpret_cast<Page*>(page_address(next));
        p->bump_from = static_cast<uint32_t>((next - p->cell(0)) / p->cell_size);
    }
    alloc.reset();
}

// A thread's list and region of class `cls` ran dry. Returns a list, or nullptr having given
// `alloc` a region (a page no sweep read: dead, pooled or fresh; "Bump regions"). Preference: a
// list returned by an ended thread, a swept page with free cells, a page of this class left to the
// lazy sweep (swept here, outside the lock), an empty page found by sweeping pages of other
// classes, and only then a pooled or fresh page.
// The first three look at the thread's own home (pages it last allocated from) before the other
// homes', so that two threads do not end up allocating into each other's cache lines.
// While a collection waits for this thread, it sweeps no more pages.
// (The allocator, not its home, is passed: one more argument costs the fast path a register.)
FreeCell* Heap::Impl::refill(uint32_t cls, LocalAllocator& alloc, Heap& heap) {
    uint32_t home = alloc.home;
    std::unique_lock<HeapMutex> lock(mu);
    // Objects allocated during a cycle are marked (black): the page they come from is live in its
    // epoch ("Dead pages", heap.hpp).
    const uint8_t black = heap.marking.load(std::memory_order_relaxed);
    if (!returned[cls].empty()) { // already counted when first handed out
        FreeCell* head = returned[cls].back();
        returned[cls].pop_back();
        if (black) page_live_epoch(&head->header).store(black, std::memory_order_relaxed); // one page's cells
        return head;
    }
    Page* p = nullptr;
    bool swept = false;
    for (;;) {
        p = pop_partial(cls, home, true);
        if (p) break;
        // A collection waits for this thread: after one page, stop sweeping (the pause finishes the
        // sweep), so that the time to reach the safepoint stays about one page sweep.
        bool hurry = swept && vm && vm->stop_requested.load(std::memory_order_relaxed);
        if (hurry && pool.empty() && heap_bytes + kPageSize > limit) hurry = false; // no MemoryError for it
        Page* u = hurry ? nullptr : pop_unswept(cls, home, true);
        if (!u) {
            p = pop_partial(cls, home, false);
            if (p) break;
            u = hurry ? nullptr : pop_unswept(cls, home, false);
        }
        if (u) {
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
        if (Page* e = pool.empty() && !hurry ? pop_unswept_any() : nullptr) {
            file_swept(e, sweep_unlocked(lock, e)); // looking for an empty page
            swept = true;
            continue;
        }
        // A fresh or pooled page: all of it a bump region.
        p = new_page(cls, lock, alloc.past_limit);
        p->home = home;
        p->live_epoch.store(black, std::memory_order_relaxed);
        note_allocation(uint64_t{p->ncells} * p->cell_size, heap);
        hand_out_region(p, alloc);
        return nullptr;
    }
    note_allocation(uint64_t{p->nfree} * p->cell_size, heap);
    p->home = home;
    if (black) p->live_epoch.store(black, std::memory_order_relaxed);
    if (!p->free_head) { // a dead page, not read: all of it a bump region
        hand_out_region(p, alloc);
        return nullptr;
    }
    FreeCell* head = p->free_head;
    p->free_head = nullptr;
    p->nfree = 0;
    return head;
}

void Heap::Impl::release_page(Page* p) {
    if (pool.size() < pool_keep) {
        pool.push_back(p);
        return;
    }
    unmap_page(p);
    heap_bytes -= kPageSize;
}

// Rebuilds p's free list in address order; returns the number of live cells: those the last
// completed marking reached, or the running one (a concurrent cycle's markers may already have
// moved a live object's mark on). Live cells are only read; cells a bump region left (from
// bump_from on) are free without being read. A dead page's cells are not read at all: it gets an
// empty list with every cell counted free (the caller that allocates from it makes it a bump region;
// otherwise it goes to the pool).
uint32_t Heap::Impl::sweep_page(Page* p) {
    // Both are epochs, never kMarkNone (a page is only swept after a marking completed: pages become
    // unswept in start_lazy_sweep), so an unmarked cell matches neither.
    const uint8_t done = done_epoch, running = epoch;
    pages_swept.fetch_add(1, std::memory_order_relaxed);
    const uint32_t ncells = p->ncells, read = std::min(p->bump_from, ncells);
    p->bump_from = ncells;
    if (uint8_t e = p->live_epoch.load(std::memory_order_relaxed); e != done && e != running) {
        // Dead: neither marking reached any of its cells ("Dead pages", heap.hpp).
        dead_pages.fetch_add(1, std::memory_order_relaxed);
        p->nfree = ncells;
        p->free_head = nullptr;
        return 0;
    }
    const size_t step = p->cell_size;
    uint32_t live = 0;
    FreeCell* head = nullptr;
    FreeCell** tail = &head;
    char* cell = p->cell(0);
    for (uint32_t i = 0; i < ncells; ++i, cell += step) {
        auto* c = reinterpret_cast<FreeCell*>(cell);
        if (i < read && c->header.kind != ObjKind::Free) {
            uint8_t m = c->header.mark.load(std::memory_order_relaxed);
            if (m == done || m == running) {
                ++live;
                continue;
            }
            poison(c, step);
        }
        c->header.kind = ObjKind::Free; // (a free cell's mark is never read; allocation zeroes it)
        *tail = c;
        tail = &c->next;
    }
    *tail = nullptr;
    p->free_head = head;
    p->nfree = ncells - live;
    return live;
}

namespace {
// Pops the last page of `lists[h][cls]`: h == home when `own`, else the first other home with one
// (home == kHomes: the first home with one).
Page* pop_home(std::vector<Page*> (&lists)[kHomes][kClassCount], uint32_t cls, uint32_t home, bool own) {
    for (uint32_t h = own ? home : 0; h < kHomes; ++h) {
        if (own ? h != home : h == home) continue;
        std::vector<Page*>& list = lists[h][cls];
        if (list.empty()) {
            if (own) return nullptr;
            continue;
        }
        Page* p = list.back();
        list.pop_back();
        return p;
    }
    return nullptr;
}
} // namespace

Page* Heap::Impl::pop_partial(uint32_t cls, uint32_t home, bool own) {
    return pop_home(partial, cls, home, own);
}

Page* Heap::Impl::pop_unswept(uint32_t cls, uint32_t home, bool own) {
    if (unswept_count == 0) return nullptr;
    Page* p = pop_home(unswept, cls, home, own);
    if (p) --unswept_count;
    return p;
}

Page* Heap::Impl::pop_unswept_any() {
    if (unswept_count == 0) return nullptr;
    for (uint32_t cls = 0; cls < kClassCount; ++cls)
        if (Page* p = pop_unswept(cls, kHomes, false)) return p; // kHomes: no home is skipped
    return nullptr;
}

// With mu held: files a page just swept. An empty page goes to the pool (or back to the OS).
void Heap::Impl::file_swept(Page* p, uint32_t live) {
    if (live == 0) {
        release_page(p);
        return;
    }
    pages.push_back(p);
    if (p->nfree) partial[p->home][p->cls].push_back(p);
}

// With `lock` (on mu) held: sweeps p, which the caller popped off `unswept`, with the lock released
// (p belongs to this thread meanwhile; other threads keep allocating and sweeping other pages).
// Returns its live cells; the caller files it.
uint32_t Heap::Impl::sweep_unlocked(std::unique_lock<HeapMutex>& lock, Page* p) {
    lock.unlock();
    auto start = std::chrono::steady_clock::now();
    uint32_t live = sweep_page(p);
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start);
    lock.lock();
    stats.lazy_sweep_ns += static_cast<uint64_t>(ns.count());
    return live;
}

// With mu held and the world stopped: sweeps every page still unswept (before the marking that wraps
// the epoch around, see begin_epoch). With helpers (as many as marking uses), the pages are dealt out
// in blocks through an atomic index; each page's result goes to its own slot, filed afterwards.
void Heap::Impl::finish_sweep_locked() {
    std::vector<Page*> todo;
    todo.reserve(unswept_count);
    for (auto& lists : unswept)
        for (auto& list : lists) {
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

// With mu held and the world stopped, before a marking: the next epoch, in every marker. Wrapping
// around to epoch 1 first sweeps every page left unswept, since only a sweep frees the garbage on
// them, whose marks are old epochs: one could be 1 ("Mark epochs", heap.hpp).
void Heap::Impl::begin_epoch() {
    if (epoch == kMaxMarkEpoch) {
        finish_sweep_locked();
        epoch = 0;
    }
    ++epoch;
    marker.set_epoch(epoch);
    for (auto& m : helper_markers) m->set_epoch(epoch);
}

void Heap::Impl::ensure_helpers(uint32_t n) {
    while (helper_markers.size() < n) {
        helper_markers.push_back(std::make_unique<Marker>());
        helper_markers.back()->set_epoch(epoch);
    }
}

// With mu held and the world stopped, after marking: frees unmarked large objects; returns the
// survivors' bytes.
uint64_t Heap::Impl::sweep_large() {
    uint64_t live_bytes = 0;
    size_t n = 0;
    for (LargeObject& lo : large) {
        if (marked_in(lo.obj, epoch)) {
            live_bytes += lo.size;
            large[n++] = lo;
        } else {
            dead_large.push_back(lo.obj); // freed after the pause: unmapping takes time
            heap_bytes -= lo.size;
        }
    }
    large.resize(n);
    return live_bytes;
}

// The least the program allocates between two collections: 4 MiB for each thread that may be
// allocating (running or parked for this pause; not blocked), up to one per core and at most 8.
// Every collection stops every thread, so with one floor for the whole process, N threads would
// each allocate 4/N MiB between pauses that each stop all N. With dead registers no longer roots
// (bytecode/liveness.cpp), a small heap's threshold is this floor: trees.bp on two threads
// collected 108 times, where each of two processes doing half the work collects 72 times and stops
// only itself; 74-84 times with a floor per thread, and 6% faster (docs/performance.md, "Stop 21").
// (World stopped: the gc_states are stable.)
uint64_t Heap::Impl::min_threshold() const {
    uint64_t allocating = 0;
    for (const VmThread* th : vm->threads) allocating += th->gc_state.load(std::memory_order_relaxed) != thread::kSafe;
    return kMinThreshold * std::clamp<uint64_t>(allocating, 1, std::clamp<uint32_t>(cores, 1, 8));
}

// With mu held and the world stopped, right after marking: every page in use becomes unswept (its
// marks are this collection's), partial lists and returned lists are forgotten (their cells are
// free cells the page sweeps will find again), and the next threshold is set.
void Heap::Impl::start_lazy_sweep(uint64_t live_bytes) {
    for (auto& lists : partial)
        for (auto& list : lists) list.clear();
    for (auto& list : returned) list.clear();
    // Pages nobody swept since the last collection stay unswept: the next sweep judges them by this
    // marking's epoch ("Mark epochs", heap.hpp).
    for (Page* p : pages) unswept[p->home][p->cls].push_back(p);
    unswept_count += pages.size();
    pages.clear();
    // Next collection after max(4 MiB per allocating thread, 2 x live) more bytes, but early enough
    // to stay under the limit.
    uint64_t next = std::max(min_threshold(), 2 * live_bytes);
    uint64_t headroom = limit > live_bytes ? (limit - live_bytes) / 2 : 0;
    threshold = std::max<uint64_t>(std::min(next, headroom), kPageSize);
    since_gc = 0;
    out_of_room.store(false, std::memory_order_relaxed);
    // Empty pages up to the next threshold are kept: the program will allocate that much before
    // the next collection anyway, and handing them back to the OS only to fault fresh ones in
    // again cost more than the sweep itself (the heap's peak is unchanged: live + threshold).
    pool_keep = std::max<size_t>(kPoolMax, threshold / kPageSize);
    while (pool.size() > pool_keep) {
        unmap_page(pool.back());
        pool.pop_back();
        heap_bytes -= kPageSize;
    }
}

void Heap::Impl::free_all() {
    // Every page, back to the OS in address order, one munmap per run of adjacent pages (they came
    // in runs: map_pages): trees.bp at 2 threads ended with ~500 munmap calls, now a few dozen.
    std::vector<Page*> all(pages.begin(), pages.end());
    for (auto& lists : unswept)
        for (auto& list : lists) {
            all.insert(all.end(), list.begin(), list.end());
            list.clear();
        }
    all.insert(all.end(), pool.begin(), pool.end());
    std::sort(all.begin(), all.end());
    for (size_t i = 0, j = 0; i < all.size(); i = j) {
        auto* first = reinterpret_cast<char*>(all[i]);
        for (j = i + 1; j < all.size() && reinterpret_cast<char*>(all[j]) == first + (j - i) * kPageSize;) ++j;
        munmap(first, (j - i) * kPageSize);
    }
    for (LargeObject& lo : large) std::free(lo.obj);
    for (Obj* o : dead_large) std::free(o);
    dead_large.clear();
    pages.clear();
    pool.clear();
    large.clear();
    heap_bytes = 0;
}

Heap::Heap() : impl(new Impl) {}

Heap::~Heap() {
    stop_background(); // before the pages go
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
    impl->cores = std::max<uint32_t>(std::thread::hardware_concurrency(), 1);
}

Obj* Heap::allocate_refill(VmThread& t, ObjKind kind, size_t size, size_t zero) {
    uint32_t cls = size_class_of(size);
    t.alloc.free[cls] = refill(t, cls); // a list, or nullptr and a region (or it threw)
    return allocate_prefix_zeroed(t, kind, size, zero);
}

// A large object (size > kMaxSmall): calloc'd (on huge pages when it is big and they are free:
// gc/huge_pages.hpp), counted against the limit, kept in the large list.
Obj* Heap::allocate_large(VmThread& t, ObjKind kind, size_t size) {
    if (size > impl->limit) out_of_memory(); // before anything can overflow
    auto* o = static_cast<Obj*>(std::calloc(1, size));
    if (!o) out_of_memory();
    advise_huge_pages(o, size);
    {
        std::unique_lock<HeapMutex> lock(impl->mu);
        if (impl->heap_bytes + size > impl->limit) {
            // Garbage may still sit in unswept pages, and pooled pages count: reclaim both first.
            while (Page* p = impl->pop_unswept_any()) impl->file_swept(p, impl->sweep_unlocked(lock, p));
            for (Page* p : impl->pool) unmap_page(p);
            impl->heap_bytes -= impl->pool.size() * kPageSize;
            impl->pool.clear();
        }
        if (impl->heap_bytes + size > impl->limit) {
            std::free(o);
            impl->limit_reached();
        }
        impl->large.push_back({o, size});
        impl->heap_bytes += size;
        impl->note_allocation(size, *this);
    }
    o->kind = kind;
    t.alloc.allocated += size;
    if (uint8_t e = marking.load(std::memory_order_relaxed)) {
        o->mark.store(e, std::memory_order_relaxed); // black
        impl->assist(t, *this);
    }
    return o;
}

FreeCell* Heap::refill(VmThread& t, uint32_t cls) {
    FreeCell* c = impl->refill(cls, t.alloc, *this);
    // c heads a list of free cells (or a region was set) that no marker can reach; the assist
    // leaves it alone.
    if (marking.load(std::memory_order_relaxed)) impl->assist(t, *this);
    return c;
}

// A collection is either one pause that stops the world throughout, or a concurrent cycle: an
// initial pause (roots), marking beside the program, and a remark pause (the rest); see heap.hpp.
void Heap::collect(VmThread& t, bool force) {
    Vm& vm = t.vm;
    // Another thread's stop: park without threads_mu (its collector holds it, spinning until this
    // thread stops). Two threads often see collection_due at once: the one that loses the race for
    // threads_mu watches for the winner's stop request instead of blocking on the mutex (kRunning,
    // the winner would wait for it).
    std::unique_lock<std::mutex> threads_lock(vm.threads_mu, std::defer_lock);
    for (uint32_t i = 0; !threads_lock.try_lock(); ++i) {
        if (vm.stop_requested.load(std::memory_order_seq_cst) || i == 4096) break;
        base::cpu_relax();
    }
    if (!threads_lock.owns_lock()) {
        if (vm.stop_requested.load(std::memory_order_seq_cst)) {
            uint64_t trace_start = thread::trace_now(t);
            thread::park_for_stop(t);
            thread::trace_gc_wait(t, trace_start);
            return;
        }
        threads_lock.lock();
    }
    bool stop_pending = vm.stop_requested.load();
    if (!force && !collection_due.load(std::memory_order_relaxed) && !stop_pending) return;
    bool full = force || impl->out_of_room.load(std::memory_order_relaxed);
    if (!full && !stop_pending && impl->marking_ahead()) {
        collection_due.store(false, std::memory_order_relaxed); // the markers will raise it again
        return;
    }
    auto start = Clock::now();
    uint64_t trace_start = thread::trace_now(t); // --trace (runtime/thread/trace.hpp); 0 when off
    if (!thread::stop_world(t, threads_lock)) { // parked for another thread's collection
        thread::trace_gc_wait(t, trace_start);
        return;
    }
    auto stopped = Clock::now();
    uint64_t trace_stopped = thread::trace_now(t);
    if (impl->stress) clear_dead_registers(vm, t); // liveness maps checked by every test (roots.cpp)
    Impl::PauseTimes pt;
    bool ends = impl->cycle_active; // this pause ends a collection (a remark, or all of one)
    // After a MemoryError, like a forced collection: stop-the-world, after the running cycle if any.
    // A concurrent cycle frees nothing before its remark (no room to allocate meanwhile), and its
    // snapshot keeps what the program dropped since it began (the data it caught the error for).
    full = full || impl->out_of_room.load(std::memory_order_relaxed);
    if (impl->cycle_active) impl->finish_cycle(t, *this, pt);
    if (full || (!ends && !impl->use_concurrent())) {
        impl->full_collection(t, pt);
        ends = true;
    } else if (!ends) {
        impl->start_cycle(t, *this, pt);
    }
    collection_due.store(false, std::memory_order_relaxed);
    impl->record_pause(start, stopped, pt, ends);
    thread::trace_gc_pause(t, trace_start, trace_stopped);
    impl->start_background(*this);
    std::vector<Obj*> dead;
    {
        std::lock_guard<HeapMutex> lock(impl->mu);
        dead.swap(impl->dead_large);
    }
    thread::resume_world(vm);
    threads_lock.unlock();
    for (Obj* o : dead) std::free(o);
    vm.threading->release_dead_handles();
}

// With the world stopped: forgets every thread's free lists (the sweep rebuilds them from the
// pages) and map lookup hints (runtime/map.cpp), and collects their allocation counters.
void Heap::Impl::reset_allocators(VmThread& t) {
    bool self_attached = false;
    auto reset = [&](VmThread& th) {
        stats.bytes_allocated_total += th.alloc.allocated;
        th.alloc.allocated = 0;
        release_regions(th.alloc);
        for (MapHint& h : th.map_hints) h = MapHint{}; // they may name what the sweep frees
    };
    for (VmThread* th : vm->threads) {
        reset(*th);
        self_attached |= th == &t;
    }
    if (!self_attached) reset(t);
}

// With the world stopped and `lock` (on mu) held, once marking is complete: frees the dead large
// objects, leaves the pages to the lazy sweep, records what is live, then (mu released) sweeps the
// threading handles. The end of every collection, stop-the-world or concurrent.
void Heap::Impl::end_marking(std::unique_lock<HeapMutex>& lock, uint64_t live_bytes, uint64_t live_objects) {
    live_bytes += sweep_large();
    done_epoch = epoch;
    start_lazy_sweep(live_bytes);
    stats.last_live_bytes = live_bytes;
    stats.last_live_objects = live_objects;
    work_estimate = live_bytes;
    lock.unlock();
    vm->threading->sweep_handles(epoch); // unregisters dead handles (deleted after the pause)
}

// With the world stopped and no cycle active: the whole collection in this pause.
void Heap::Impl::full_collection(VmThread& t, PauseTimes& pt) {
    stop_background();
    reset_allocators(t);
    std::unique_lock<HeapMutex> lock(mu);
    auto sweeping = Clock::now();
    begin_epoch();
    auto marking = Clock::now();
    mark(t);
    auto marked = Clock::now();
    end_marking(lock, marker.live_bytes, marker.live_objects);
    pt.mark_ns += elapsed_ns(marking, marked);
    pt.sweep_ns += elapsed_ns(sweeping, marking) + elapsed_ns(marked, Clock::now());
}

// Whether a collection that is due should run as a concurrent cycle. Stress mode alternates, so
// that both kinds of collection run at every safepoint.
bool Heap::Impl::use_concurrent() const {
    constexpr uint64_t kConcurrentMinObjects = 10000; // below: the whole pause is well under 1 ms
    switch (concurrent) {
    case Heap::Concurrent::Always: return true;
    case Heap::Concurrent::Never: return false;
    case Heap::Concurrent::Auto: break;
    }
    if (stress) return stats.collections % 2 == 1;
    if (stats.last_live_objects < kConcurrentMinObjects) return false;
    // A background marker takes a core from the program: worth it while a core is idle, or once the
    // live heap is big enough that a pause would be long however many cores mark (a mid-size heap
    // with every core busy allocating keeps the pauses' parallel marking: trees.bp, 2 threads on 2
    // cores, 1.71x speedup stop-the-world against 1.58x concurrent).
    constexpr uint64_t kConcurrentAnywayBytes = uint64_t{64} << 20;
    return vm->threads.size() < cores || stats.last_live_bytes >= kConcurrentAnywayBytes;
}

// Background markers: half the cores (at least one, at most four), leaving the rest to the program.
uint32_t Heap::Impl::concurrent_markers() const {
    if (markers_override != UINT32_MAX) return markers_override;
    return std::clamp<uint32_t>(cores / 2, 1, 4);
}

// A cycle is marking, its markers still have work, and the program has allocated less than a
// threshold's worth since the cycle began: the remark can wait. (threads_mu held.)
bool Heap::Impl::marking_ahead() {
    if (!cycle_active || markers_done.load(std::memory_order_acquire)) return false;
    std::lock_guard<HeapMutex> lock(mu);
    return since_gc < cycle_budget;
}

// The initial pause of a concurrent cycle, world stopped: start an epoch, grey the roots, switch on
// the barrier and black allocation. The markers start in start_background.
void Heap::Impl::start_cycle(VmThread& t, Heap& heap, PauseTimes& pt) {
    stop_background();
    std::unique_lock<HeapMutex> lock(mu);
    auto sweeping = Clock::now();
    begin_epoch();
    auto marking = Clock::now();
    share = std::make_unique<MarkShare>(0);
    marker.clear();
    marker.set_share(share.get()); // claims by exchange: nothing else marks yet, but it is the rule
    mark_roots(*vm, t, marker);
    vm->threading->visit_all_handle_contents([&](Obj* o) { marker.mark(o); });
    marker.hand_over(*share);
    marker.set_share(nullptr);
    // What the threads allocate from now on is black: from their free lists, each one page's cells,
    // whose pages are live in this epoch, and then from refills, which mark theirs ("Dead pages").
    auto held_pages_live = [&](const VmThread& th) {
        for (FreeCell* head : th.alloc.free)
            if (head) page_live_epoch(&head->header).store(epoch, std::memory_order_relaxed);
        for (uint32_t cls = 0; cls < kClassCount; ++cls) // a region left: its page (one page's cells too)
            if (th.alloc.bump[cls].next != th.alloc.bump[cls].end)
                page_live_epoch(th.alloc.bump[cls].next).store(epoch, std::memory_order_relaxed);
    };
    for (VmThread* th : vm->threads) held_pages_live(*th);
    held_pages_live(t);
    cycle_markers = concurrent_markers();
    ensure_helpers(cycle_markers);
    for (auto& m : helper_markers) m->clear();
    // No marker and no assist: remark when next due (the remark traces everything).
    markers_done.store(cycle_markers == 0 && assists != Heap::Assists::Always, std::memory_order_relaxed);
    heap.marking.store(epoch, std::memory_order_relaxed); // published by resume_world's handshake
    cycle_active = true;
    since_gc = 0;
    // The program may allocate up to a threshold while the markers work, but no more than half the
    // room left under the limit: past it, the remark waits for the markers (the heap stays under the
    // limit as with stop-the-world collections, which leave a threshold of room).
    cycle_budget = std::max<uint64_t>(std::min(threshold, (limit > heap_bytes ? limit - heap_bytes : 0) / 2), kPageSize);
    // Pacing: the work to expect is the last collection's; at most everything in use now.
    progress.reset();
    cycle_work_max = heap_bytes - pool.size() * kPageSize;
    cycle_work_expected = std::min(work_estimate, cycle_work_max);
    for (auto* c : {&assist_count, &assist_work, &assist_ns, &assist_live_bytes, &assist_live_objects})
        c->store(0, std::memory_order_relaxed);
    auto settle = [](VmThread& th) {
        th.alloc.assist_seen = th.alloc.allocated;
        th.alloc.assist_debt = 0;
    };
    for (VmThread* th : vm->threads) settle(*th);
    settle(t);
    assist_ratio.store(0, std::memory_order_relaxed);
    pace();
    cycle_start = Clock::now();
    pt.mark_ns += elapsed_ns(marking, cycle_start);
    pt.sweep_ns += elapsed_ns(sweeping, marking);
}

// The remark pause, world stopped: let the markers finish (nothing new turns grey while the world
// is stopped), trace what they left and what the barrier shaded since, then switch the barrier off
// and set up the lazy sweep exactly as a stop-the-world collection does.
void Heap::Impl::finish_cycle(VmThread& t, Heap& heap, PauseTimes& pt) {
    auto marking = Clock::now();
    assist_ratio.store(0, std::memory_order_relaxed);
    marker.clear();
    if (background) {
        // The markers are behind (the program allocated the whole budget first): mark with them
        // rather than wait idle, so the pause's marking has two cores' worth instead of one.
        if (!markers_done.load(std::memory_order_acquire) && share->join()) {
            stats.remark_waits++;
            marker.set_share(share.get());
            marker.handle_contents = false;
            marker.drain_shared(&satb);
            marker.handle_contents = true;
            marker.set_share(nullptr);
        }
        helpers->wait(); // on a loaded machine: until the OS runs the helper that must see the end
    }
    background = false;
    MarkStack grey;
    share->steal_all(grey); // chunks no helper took (helpers the OS did not schedule in time)
    satb.take(grey);
    reset_allocators(t);
    std::unique_lock<HeapMutex> lock(mu);
    marker.push_grey(grey);
    marker.handle_contents = false; // greyed in the initial pause
    marker.drain();
    marker.handle_contents = true;
    if (stress) verify_marks(t);
    // Objects allocated during the cycle are black: count what the threads were handed as live too,
    // so the next threshold (and the room under the limit) is not computed from the marked part alone.
    uint64_t live_bytes = marker.live_bytes + since_gc + assist_live_bytes.load(std::memory_order_relaxed);
    uint64_t live_objects = marker.live_objects + assist_live_objects.load(std::memory_order_relaxed);
    for (uint32_t i = 0; i < cycle_markers; ++i) {
        live_bytes += helper_markers[i]->live_bytes;
        live_objects += helper_markers[i]->live_objects;
    }
    // The next cycle's expected work: what this one traced (the pause's share counted by bytes).
    uint64_t cycle_work = progress.scanned.load(std::memory_order_relaxed) + marker.live_bytes;
    stats.assists += assist_count.load(std::memory_order_relaxed);
    stats.assist_work += assist_work.load(std::memory_order_relaxed);
    stats.assist_ns += assist_ns.load(std::memory_order_relaxed);
    heap.marking.store(0, std::memory_order_relaxed);
    cycle_active = false;
    share.reset();
    stats.concurrent_cycles++;
    stats.concurrent_mark_ns += elapsed_ns(cycle_start, marking);
    stats.barrier_shaded = satb.total();
    auto marked = Clock::now();
    end_marking(lock, live_bytes, live_objects);
    work_estimate = cycle_work; // (end_marking assumed a stop-the-world collection's)
    pt.mark_ns += elapsed_ns(marking, marked);
    pt.sweep_ns += elapsed_ns(marked, Clock::now());
}

// Stress mode, at every remark: everything reachable must be marked, and its page marked live, or the
// sweep would free it. A miss is a VM bug (a missing write barrier, a page handed out during the cycle
// without its mark); fail loudly rather than corrupt the heap later.
void Heap::Impl::verify_marks(VmThread& t) {
    marker.start_verify();
    mark_roots(*vm, t, marker);
    uint64_t missed = marker.end_verify();
    if (missed == 0) return;
    fmt::print(stderr, "bp: internal error: concurrent marking missed {} reachable objects\n", missed);
    std::abort();
}

// End of a pause: start the cycle's markers, or (once collections are big enough to run
// concurrently) a helper that sweeps what the pause left unswept, on a core the program leaves
// idle, so that its refills find swept pages.
void Heap::Impl::start_background(Heap& heap) {
    if (cycle_active) {
        if (cycle_markers == 0) return;
        async_job = [this, &heap](uint32_t i) {
            Marker& m = *helper_markers[i - 1];
            if (share->join()) { // else marking is already over (assists did it)
                m.set_share(share.get());
                m.handle_contents = false; // greyed in the initial pause; owners change them meanwhile
                m.drain_shared(&satb, &stop_async, &progress, true);
            }
            m.handle_contents = true;
            m.set_share(nullptr);
            markers_done.store(true, std::memory_order_release);
            heap.collection_due.store(true, std::memory_order_relaxed); // the next safepoint remarks
        };
        helpers->start(cycle_markers, async_job);
        background = true;
        return;
    }
    {
        std::lock_guard<HeapMutex> lock(mu);
        if (unswept_count == 0 || !use_concurrent()) return;
    }
    ensure_helpers(1);
    async_job = [this](uint32_t) {
        std::unique_lock<HeapMutex> lock(mu);
        while (!stop_async.load(std::memory_order_relaxed))
            if (Page* p = pop_unswept_any()) file_swept(p, sweep_unlocked(lock, p));
            else break;
    };
    helpers->start(1, async_job);
    background = true;
}

// Stops a background sweep (a cycle's markers end only in finish_cycle, or at ~Heap). Without mu.
void Heap::Impl::stop_background() {
    if (!background) return;
    stop_async.store(true, std::memory_order_relaxed);
    helpers->wait();
    stop_async.store(false, std::memory_order_relaxed);
    background = false;
}

void Heap::Impl::record_pause(Clock::time_point start, Clock::time_point stopped, const PauseTimes& pt,
                              bool ends_collection) {
    uint64_t ns = elapsed_ns(start, Clock::now());
    uint64_t ttsp = elapsed_ns(start, stopped);
    GcStats& s = stats;
    if (ends_collection) s.collections++;
    s.total_pause_ns += ns;
    s.max_pause_ns = std::max(s.max_pause_ns, ns);
    s.max_ttsp_ns = std::max(s.max_ttsp_ns, ttsp);
    s.pauses.add(ns);
    s.ttsp.add(ttsp);
    s.mark_ns += pt.mark_ns;
    s.sweep_ns += pt.sweep_ns;
    s.parked_jobs = helpers->participated();
}

void Heap::shade(Obj* old) {
    // `marking` is set (only a pause changes it); a marker or another store may claim `old` first.
    if (old && claim_mark(old, marking.load(std::memory_order_relaxed))) impl->satb.push(old);
}

uint8_t Heap::last_epoch() const { return impl->done_epoch; }

// A parked thread spins, and marks or sweeps with the pause's helpers, rather than sleep in the
// kernel (HelperPool above has the why). At most cores - 1 threads spin (the collecting thread
// needs a core); a spinner with no job for kParkIdle sleeps after all (the serial parts of a pause
// here, roots before marking and the end after it, take tens of microseconds; a long one should
// not keep a core busy for nothing).
bool Heap::park_spin(VmThread& t) {
    constexpr auto kParkIdle = std::chrono::microseconds(250);
    if (impl->cores < 2) return false;
    return impl->helpers->participate(t.vm.stop_requested, impl->cores - 1, kParkIdle);
}

void Heap::set_concurrent(Concurrent mode) { impl->concurrent = mode; }

void Heap::set_assists(Assists mode) { impl->assists = mode; }

void Heap::stop_background() {
    if (!impl->background) return;
    impl->stop_async.store(true, std::memory_order_relaxed); // stays raised: nothing starts again
    impl->helpers->wait();
    impl->background = false;
}

void Heap::set_concurrent_markers(uint32_t n) { impl->markers_override = n; }

void Heap::set_mark_threads(uint32_t n) { impl->mark_threads = n; }

// Automatic. Below kParallelMinObjects live objects (the last collection's count), one marker: the
// job's overhead would dominate. The bar is low: the count is the last collection's, and it swings
// (trees.bp, 2 threads: 7 000 live objects in one collection, 160 000 in the next, which a bar of
// 50 000 marked serially while the parked thread spun idle). From kHelperMinObjects, one per core
// (at most 8), waking helpers.
// Between the two, the collecting thread and the mutators parked for this pause: those spin on their
// cores and take a share without being woken (HelperPool), while a helper woken for a marking of a
// millisecond or less arrives too late to pay for the exchanges that parallel claims cost (a lone
// thread on trees.bp marked in 46 ms serially against 64 ms with a woken helper; docs/performance.md).
// (World stopped, threads_mu held: the gc_states are stable.)
uint32_t Heap::Impl::marking_threads() const {
    constexpr uint64_t kParallelMinObjects = 2000;
    constexpr uint64_t kHelperMinObjects = 250000;
    if (mark_threads) return mark_threads;
    const uint64_t live = stats.last_live_objects;
    const uint32_t most = std::clamp<uint32_t>(cores, 1, 8);
    if (live < kParallelMinObjects) return 1;
    if (live >= kHelperMinObjects) return most;
    uint32_t n = 1;
    for (const VmThread* th : vm->threads)
        if (th->gc_state.load(std::memory_order_relaxed) == thread::kParked) ++n;
    return std::min(n, most);
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
    MarkShare pause_share(1, true); // this pause's (`share` is the concurrent cycle's)
    marker.set_share(&pause_share);
    mark_roots(t.vm, t, marker, &pause_share);
    helpers->run(n - 1, [&](uint32_t i) {
        Marker& m = i == 0 ? marker : *helper_markers[i - 1];
        if (i != 0) {
            if (!pause_share.join()) return; // marking already over
            m.set_share(&pause_share);
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
    // A background sweep may hold a page it popped: let it finish first. (No pause can run meanwhile:
    // the caller is a running thread, so `background` and the helpers are stable.)
    if (impl->background && !impl->cycle_active) impl->stop_background();
    std::unique_lock<HeapMutex> lock(impl->mu);
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
    std::lock_guard<HeapMutex> lock(impl->mu);
    for (uint32_t cls = 0; cls < kClassCount; ++cls)
        if (a.free[cls]) impl->returned[cls].push_back(a.free[cls]);
    Impl::release_regions(a); // the regions' rest waits for the pages' next sweep
}

uint64_t Heap::heap_bytes() const {
    std::lock_guard<HeapMutex> lock(impl->mu);
    return impl->heap_bytes;
}

uint64_t Heap::limit_bytes() const { return impl->limit; }

uint32_t Heap::cores() const { return impl->cores; }

const GcStats& Heap::stats() const {
    impl->stats.pages_swept = impl->pages_swept.load(std::memory_order_relaxed);
    impl->stats.dead_pages = impl->dead_pages.load(std::memory_order_relaxed);
    return impl->stats;
}

std::string Heap::stats_report() const {
    uint64_t allocated = impl->stats.bytes_allocated_total;
    if (impl->vm) {
        std::lock_guard<std::mutex> lock(impl->vm->threads_mu);
        for (VmThread* th : impl->vm->threads) allocated += th->alloc.allocated;
    }
    constexpr double kMiB = 1024.0 * 1024.0;
    std::unique_lock<HeapMutex> lock(impl->mu); // lazy_sweep_ns is updated at refills
    const GcStats s = stats();
    lock.unlock();
    return fmt::format("gc: {} collections, pause total {:.1f} ms, max {:.1f} ms, heap peak {:.1f} MiB, "
                       "allocated {:.1f} MiB, max time-to-safepoint {:.3f} ms",
                       s.collections, static_cast<double>(s.total_pause_ns) / 1e6,
                       static_cast<double>(s.max_pause_ns) / 1e6,
                       static_cast<double>(s.peak_heap_bytes) / kMiB, static_cast<double>(allocated) / kMiB,
                       static_cast<double>(s.max_ttsp_ns) / 1e6) +
           fmt::format("\ngc: pause p50 {:.3f} ms, p99 {:.3f} ms, max {:.3f} ms; time-to-safepoint p50 {:.3f} ms, "
                       "p99 {:.3f} ms, max {:.3f} ms; mark {:.1f} ms, sweep {:.1f} ms in pauses + {:.1f} ms lazily "
                       "({} of {} pages dead, not read), last live {:.1f} MiB",
                       static_cast<double>(s.pauses.percentile(0.5)) / 1e6,
                       static_cast<double>(s.pauses.percentile(0.99)) / 1e6,
                       static_cast<double>(s.pauses.max) / 1e6, static_cast<double>(s.ttsp.percentile(0.5)) / 1e6,
                       static_cast<double>(s.ttsp.percentile(0.99)) / 1e6, static_cast<double>(s.ttsp.max) / 1e6,
                       static_cast<double>(s.mark_ns) / 1e6, static_cast<double>(s.sweep_ns) / 1e6,
                       static_cast<double>(s.lazy_sweep_ns) / 1e6, s.dead_pages, s.pages_swept,
                       static_cast<double>(s.last_live_bytes) / kMiB) +
           (s.concurrent_cycles == 0
                ? std::string()
                : fmt::format("\ngc: {} concurrent cycles (2 pauses each), marking beside the program {:.1f} ms, "
                              "{} objects shaded by the write barrier; {} assists marked {:.1f} MiB in {:.1f} ms; "
                              "{} remarks found the markers behind",
                              s.concurrent_cycles, static_cast<double>(s.concurrent_mark_ns) / 1e6, s.barrier_shaded,
                              s.assists, static_cast<double>(s.assist_work) / kMiB,
                              static_cast<double>(s.assist_ns) / 1e6, s.remark_waits)) +
           (s.parked_jobs == 0 ? std::string()
                               : fmt::format("\ngc: threads parked for a pause ran {} shares of its marking and sweeping",
                                             s.parked_jobs));
}

} // namespace bp::gc
