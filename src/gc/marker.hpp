// The marking phase's state: an explicit mark stack and per-kind tracing (gc/mark.cpp), and the
// root walk that feeds it (gc/roots.cpp). Internal to gc/.
#pragma once
#include "gc/size_class.hpp"
#include "runtime/object.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <unordered_set>
#include <vector>

namespace bp {
class Vm;
class VmThread;
}

namespace bp::gc {

// Work sharing between parallel markers. A busy marker that sees `hungry()` (some marker is idle
// and no chunk waits for it) gives it the older half of its stack; a marker whose stack is empty
// takes a chunk or waits. Marking ends when every marker that joined is idle with no chunk left:
// only busy markers create work, so nothing can appear after that (the last marker to go idle
// decides, under the mutex, and wakes the others). The collecting thread is the first marker; a
// helper joins when it wakes, unless marking is already over (so a helper the OS schedules late
// never holds up the end).
// A pause's share (`pause`): its markers own their cores until the world resumes, so an idle marker
// spins for a chunk instead of sleeping, and a marker spins for the mutex before it parks. Two
// markers hand work back and forth many times per pause, and with futex sleeps and wake-ups each
// hand-over cost a system call on both sides and a wake-up latency (trees.bp, 2 threads: ~55 futex
// calls per collection, all of them here; none now). Nothing but the markers writes marks in a pause,
// so they claim with plain stores (Marker::claim). A concurrent cycle's markers share their cores
// with the program, so they sleep, and the write barrier marks beside them, so they exchange.
// Threading: everything is guarded by m_mu except m_hungry, m_nchunks and m_over, hints read
// racily by busy markers and spinning ones.
class MarkShare {
public:
    // `markers`: the markers that take part without join() (1: the collecting thread; 0 for a
    // concurrent cycle, where only helpers mark and the roots arrive as a chunk). `pause`: a pause's
    // markers (see above).
    explicit MarkShare(uint32_t markers = 1, bool pause = false) : m_markers(markers), m_pause(pause) {}
    bool pause() const { return m_pause; }
    // Queues grey objects for whoever takes them (the roots of a concurrent cycle).
    void add_chunk(std::vector<Obj*>&& chunk);
    // Moves every chunk nobody took into `out` (after the markers ended).
    void steal_all(std::vector<Obj*>& out);
    // A helper joins before marking (false: marking is over, nothing to do).
    bool join();
    bool hungry() const { return m_hungry.load(std::memory_order_relaxed); }
    // No chunk waits (a hint): a concurrent marker then publishes part of a big stack, so that an
    // assist finds work even while that marker is descheduled (publish).
    bool no_chunks() const { return m_nchunks.load(std::memory_order_relaxed) == 0; }
    // Moves the older half of `stack` to the chunks whether or not a marker waits.
    void publish(std::vector<Obj*>& stack);
    // Moves the older half of `stack` (>= 2 entries) to an idle marker, if one still waits.
    void give(std::vector<Obj*>& stack);
    // With `stack` empty: waits for a chunk (true: it is in `stack`) or the end of marking (false).
    bool take(std::vector<Obj*>& stack);
    // An assist's take (gc/heap.hpp, "Pacing and assists"): as take, but gives up at `deadline`
    // (false, and the caller is busy again: it must leave()).
    bool take_until(std::vector<Obj*>& stack, std::chrono::steady_clock::time_point deadline);
    // An assist that joined stops marking: what is left in `stack` becomes a chunk for the others.
    // True if the marking is over (every marker left is idle and no chunk waits).
    bool leave(std::vector<Obj*>& stack);

private:
    bool take_impl(std::vector<Obj*>& stack, const std::chrono::steady_clock::time_point* deadline);
    // m_mu, taken after a short spin in a pause.
    std::unique_lock<std::mutex> acquire();
    // Releases `lock` and spins until a chunk or the end may have come (true), or `until` (false).
    bool spin_for_work(std::unique_lock<std::mutex>& lock, std::chrono::steady_clock::time_point until);
    void update_hungry() {
        m_hungry.store(m_idle > m_chunks.size(), std::memory_order_relaxed);
        m_nchunks.store(static_cast<uint32_t>(m_chunks.size()), std::memory_order_relaxed);
        m_over.store(m_done, std::memory_order_relaxed);
    }
    std::mutex m_mu;
    std::condition_variable m_cv;
    std::vector<std::vector<Obj*>> m_chunks;
    std::atomic<bool> m_hungry{false};
    std::atomic<uint32_t> m_nchunks{0};
    std::atomic<bool> m_over{false};
    uint32_t m_markers;
    uint32_t m_idle = 0;
    bool m_done = false;
    const bool m_pause;
};

// Objects the write barrier shaded during a concurrent cycle (marked, not yet traced): the grey
// objects the mutators hand to the markers. Markers poll it while they mark; the remark pause
// drains what is left.
// Threading: guarded by m_mu; size() is a racy hint.
class SatbQueue {
public:
    void push(Obj* o) {
        std::lock_guard<std::mutex> lock(m_mu);
        m_objs.push_back(o);
        ++m_total;
        m_size.store(m_objs.size(), std::memory_order_relaxed);
    }
    // Appends every queued object to `out`; false if there was none.
    bool take(std::vector<Obj*>& out);
    size_t size() const { return m_size.load(std::memory_order_relaxed); }
    // Objects ever queued (stats).
    uint64_t total() {
        std::lock_guard<std::mutex> lock(m_mu);
        return m_total;
    }

private:
    std::mutex m_mu;
    std::vector<Obj*> m_objs;
    uint64_t m_total = 0;
    std::atomic<size_t> m_size{0};
};

// A concurrent cycle's marking progress, in units of scan work: bytes of the objects traced (cell
// size; a large object's own size), the unit the pacing measures the expected work in (gc/heap.hpp,
// "Pacing and assists"). Markers add to it every kFlushObjects objects, not per object.
// Threading: atomics, relaxed (a hint for pacing; nothing is published through them).
struct MarkProgress {
    static constexpr uint32_t kFlushObjects = 1024;
    std::atomic<uint64_t> scanned{0};  // work done this cycle, by the background markers and assists
    std::atomic<int64_t> bg_credit{0}; // work the background markers did that no assist claimed yet
    void reset() {
        scanned.store(0, std::memory_order_relaxed);
        bg_credit.store(0, std::memory_order_relaxed);
    }
};

// One marking thread's state. Serial marking (no share) is the collecting thread alone; parallel
// marking gives every marking thread its own Marker, all pointing at one MarkShare.
// Threading: a Marker is used by one thread at a time, while the world is stopped; mark bytes are
// shared between markers (claimed by exchange when parallel).
class Marker {
public:
    // Marks `o` (if not null and not yet marked) and queues it for tracing.
    [[gnu::always_inline]] void mark(Obj* o) {
        if (!o) return;
        if (__builtin_expect(m_verify != nullptr, 0)) {
            verify_visit(o);
            return;
        }
        if (claim(o)) m_stack.push_back(o);
    }
    void mark_value(Value v) { mark(v.o); }
    void mark_value_if(Value v, bool is_ref) {
        if (is_ref) mark(v.o);
    }
    // Traces queued objects until the stack is empty.
    void drain();
    // Grey objects (already marked) to trace.
    void push_grey(const std::vector<Obj*>& objs) { m_stack.insert(m_stack.end(), objs.begin(), objs.end()); }
    // Moves this marker's stack to `share` as a chunk for other markers.
    void hand_over(MarkShare& share) {
        share.add_chunk(std::move(m_stack));
        m_stack.clear();
    }
    // The epoch this marker marks with (gc/heap.hpp, "Mark epochs"); set before each marking.
    void set_epoch(uint8_t epoch) { m_epoch = epoch; }
    // Parallel marking: marks through `share` (nullptr: serial again).
    void set_share(MarkShare* share) {
        m_share = share;
        m_exchange = share && !share->pause();
    }
    // Traces, giving work to idle markers and taking theirs, until every marker is idle. A
    // concurrent cycle's markers also poll `satb`, give up when `stop` is raised and report their
    // work to `progress` (as background credit when `credit`).
    void drain_shared(SatbQueue* satb = nullptr, const std::atomic<bool>* stop = nullptr,
                      MarkProgress* progress = nullptr, bool credit = false);
    // A mutator assist (gc/heap.hpp, "Pacing and assists"): with `share` joined, traces about `work`
    // units taken from `satb` or from `share` (waiting for a chunk until `deadline` at most), giving
    // up early when `stop` is raised (a pause waits for this thread), then leaves the share with
    // what is left. Returns the work done; `ended` tells whether leaving ended the marking.
    uint64_t assist(MarkShare& share, SatbQueue& satb, uint64_t work,
                    std::chrono::steady_clock::time_point deadline, const std::atomic<bool>& stop, bool& ended);
    // Scan work of tracing `o` (see MarkProgress).
    static uint64_t work_of(const Obj* o) {
        if (o->cell_class) return cell_bytes(o->cell_class);
        if (o->kind == ObjKind::Storage) return 16 + 8 * static_cast<const Storage*>(o)->capacity;
        return 64; // a large string or a handle: its header
    }
    // Verification (stress mode): instead of marking, walks everything reachable from what is
    // marked through this marker and counts the objects found without a mark, or on a page not
    // marked live (each is a bug: the sweep would free a reachable object).
    void start_verify() {
        m_seen.clear();
        m_unmarked = 0;
        m_verify = &m_seen;
    }
    uint64_t end_verify() {
        uint64_t bytes = live_bytes, objects = live_objects;
        drain();
        live_bytes = bytes;
        live_objects = objects;
        m_verify = nullptr;
        m_seen.clear();
        return m_unmarked;
    }
    void clear() {
        m_stack.clear();
        live_bytes = 0;
        live_objects = 0;
    }
    // Whether tracing a threading handle visits what it holds (stop-the-world marking). A concurrent
    // cycle greys every handle's contents in its initial pause instead (visit_all_handle_contents).
    bool handle_contents = true;
    // What the marking found live (small objects' cell bytes, 0 for large objects: the sweep counts
    // those; every object counted once, when traced).
    uint64_t live_bytes = 0;
    uint64_t live_objects = 0;

private:
    // Sets o's mark to this marking's epoch; true if this marker set it (and so must trace o).
    [[gnu::always_inline]] bool claim(Obj* o) {
        // relaxed: the world is stopped, or (concurrent cycle) o's contents were published by
        // the release store of the slot we loaded it from with acquire.
        if (marked_in(o, m_epoch)) return false;
        // Concurrent: the markers, assists and the write barrier may reach it at once; the exchange
        // lets one claim it. In a pause, two markers that reach it at once (a window of a few
        // instructions) both trace it: the same work twice and its bytes counted twice, rarely, and
        // nothing missed. A plain store spares the pause's markers a locked instruction per object.
        if (m_exchange) return o->mark.exchange(m_epoch, std::memory_order_relaxed) != m_epoch;
        o->mark.store(m_epoch, std::memory_order_relaxed);
        return true;
    }
    // Counts o as live (once, by the marker that claimed it).
    // A page object also marks its page live in this epoch (a load first: the markers share the
    // page header's line, which stays clean once set).
    void count(const Obj* o) {
        live_bytes += cell_bytes(o->cell_class);
        ++live_objects;
        m_work += work_of(o);
        if (o->cell_class) {
            std::atomic<uint8_t>& page = page_live_epoch(o);
            if (page.load(std::memory_order_relaxed) != m_epoch) page.store(m_epoch, std::memory_order_relaxed);
        }
    }
    [[gnu::always_inline]] void visit(Obj* o) {
        count(o);
        trace(o);
    }
    // gc/mark.cpp: the hot kinds inline, the rest in trace_other.
    void trace(Obj* o);
    void trace_storage(Storage* s);
    void trace_map_entries(Storage* s);
    void trace_other(Obj* o);
    void verify_visit(Obj* o) {
        if (!m_seen.insert(o).second) return;
        if (!marked_in(o, m_epoch) ||
            (o->cell_class && page_live_epoch(o).load(std::memory_order_relaxed) != m_epoch))
            ++m_unmarked;
        m_stack.push_back(o);
    }
    std::vector<Obj*> m_stack;
    uint8_t m_epoch = 1; // the marking's epoch (set_epoch)
    uint64_t m_work = 0; // scan work of everything visited (MarkProgress units), ever
    MarkShare* m_share = nullptr;
    bool m_exchange = false; // claims by exchange (set_share)
    std::unordered_set<const Obj*>* m_verify = nullptr;
    std::unordered_set<const Obj*> m_seen;
    uint64_t m_unmarked = 0;
};

// Marks every root of `vm` (every attached thread's frames and pending error, globals,
// constants, function values) plus `self`'s, in case it is not in vm.threads. With `share`
// (parallel marking), each other thread's roots go to the share as a chunk of their own, so that
// a helper, likely running on the core that thread just left, traces that thread's objects (still
// in that core's cache) while the collecting thread traces its own.
void mark_roots(Vm& vm, VmThread& self, Marker& marker, MarkShare* share = nullptr);

// GC-stress mode, at every pause (gc/roots.cpp): sets each frame's dead reference registers (those
// its liveness map leaves out) to nullptr, so that a liveness mistake fails at once.
void clear_dead_registers(Vm& vm, VmThread& self);

} // namespace bp::gc
