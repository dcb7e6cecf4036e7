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
#include <memory>
#include <unordered_set>
#include <utility>
#include <vector>

namespace bp {
class Vm;
class VmThread;
}

namespace bp::gc {

// A mark stack: a vector whose growth leaves the added room uninitialised. The markers' loops open
// it to its whole capacity and keep its top in a local (Marker::Run), so opening it must not write.
template <class T>
struct NoInitAllocator : std::allocator<T> {
    template <class U>
    struct rebind {
        using other = NoInitAllocator<U>;
    };
    NoInitAllocator() = default;
    template <class U>
    NoInitAllocator(const NoInitAllocator<U>&) noexcept {}
    template <class U>
    void construct(U* p) noexcept {
        ::new (static_cast<void*>(p)) U; // default-initialised: for a pointer, nothing written
    }
    template <class U, class... Args>
    void construct(U* p, Args&&... args) {
        ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
    }
};
using MarkStack = std::vector<Obj*, NoInitAllocator<Obj*>>;

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
class alignas(64) MarkShare {
public:
    // `markers`: the markers that take part without join() (1: the collecting thread; 0 for a
    // concurrent cycle, where only helpers mark and the roots arrive as a chunk). `pause`: a pause's
    // markers (see above).
    explicit MarkShare(uint32_t markers = 1, bool pause = false) : m_markers(markers), m_pause(pause) {}
    bool pause() const { return m_pause; }
    // Queues grey objects for whoever takes them (the roots of a concurrent cycle).
    void add_chunk(MarkStack&& chunk);
    // Moves every chunk nobody took into `out` (after the markers ended).
    void steal_all(MarkStack& out);
    // A helper joins before marking (false: marking is over, nothing to do).
    bool join();
    bool hungry() const { return m_hungry.load(std::memory_order_relaxed); }
    // No chunk waits (a hint): a concurrent marker then publishes part of a big stack, so that an
    // assist finds work even while that marker is descheduled (publish).
    bool no_chunks() const { return m_nchunks.load(std::memory_order_relaxed) == 0; }
    // Moves the older half of `stack` to the chunks whether or not a marker waits.
    void publish(MarkStack& stack);
    // Moves the older half of `stack` (>= 2 entries) to an idle marker, if one still waits.
    void give(MarkStack& stack);
    // With `stack` empty: waits for a chunk (true: it is in `stack`) or the end of marking (false).
    bool take(MarkStack& stack);
    // An assist's take (gc/heap.hpp, "Pacing and assists"): as take, but gives up at `deadline`
    // (false, and the caller is busy again: it must leave()).
    bool take_until(MarkStack& stack, std::chrono::steady_clock::time_point deadline);
    // An assist that joined stops marking: what is left in `stack` becomes a chunk for the others.
    // True if the marking is over (every marker left is idle and no chunk waits).
    bool leave(MarkStack& stack);

private:
    bool take_impl(MarkStack& stack, const std::chrono::steady_clock::time_point* deadline);
    // m_mu, taken after a short spin in a pause.
    std::unique_lock<std::mutex> acquire();
    // Releases `lock` and spins until a chunk or the end may have come (true), or `until` (false).
    bool spin_for_work(std::unique_lock<std::mutex>& lock, std::chrono::steady_clock::time_point until);
    void update_hungry() {
        m_hungry.store(m_idle > m_chunks.size(), std::memory_order_relaxed);
        m_nchunks.store(static_cast<uint32_t>(m_chunks.size()), std::memory_order_relaxed);
        m_over.store(m_done, std::memory_order_relaxed);
    }
    // The hints every busy marker reads per object, on a line of their own: the mutex beside them
    // is written by every take and give, and the share sits on the collecting thread's stack.
    alignas(64) std::atomic<bool> m_hungry{false};
    std::atomic<uint32_t> m_nchunks{0};
    std::atomic<bool> m_over{false};
    alignas(64) std::mutex m_mu;
    std::condition_variable m_cv;
    std::vector<MarkStack> m_chunks;
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
    bool take(MarkStack& out);
    size_t size() const { return m_size.load(std::memory_order_relaxed); }
    // Objects ever queued (stats).
    uint64_t total() {
        std::lock_guard<std::mutex> lock(m_mu);
        return m_total;
    }

private:
    std::mutex m_mu;
    MarkStack m_objs;
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
//
// Registers. Every mark is a one-byte store (the object's mark, sometimes its page's epoch), and a
// byte store may alias anything in memory, the Marker included: with the stack's top, the totals
// and the epoch as members, the compiler stored and reloaded them around every mark (about a third
// of the drain loop's instructions). So the loops trace with a Run, a local copy of that state whose
// address never escapes, which the compiler keeps in registers: begin_run opens m_stack to its
// whole capacity (MarkStack does not initialise the room) and end_run shrinks it back to the Run's
// top and adds the Run's totals. Anything that uses m_stack itself (the share's give and take, the
// SATB queue, a root's mark) runs between an end_run and the next begin_run.
// Threading: a Marker is used by one thread at a time, while the world is stopped; mark bytes are
// shared between markers (claimed by exchange when parallel).
class Marker {
public:
    // Marks `o` (if not null and not yet marked) and queues it for tracing: the roots' entry, one
    // call per root, so it pushes on m_stack directly (the tracing loops mark through a Run).
    [[gnu::always_inline]] void mark(Obj* o) {
        if (!o) return;
        if (__builtin_expect(m_verify, 0)) {
            mark_verify(o);
            return;
        }
        if (m_exchange ? claim<Claim::Exchange>(m_epoch, o) : claim<Claim::Store>(m_epoch, o)) m_stack.push_back(o);
    }
    void mark_value(Value v) { mark(v.o); }
    // Traces queued objects until the stack is empty.
    void drain();
    // Grey objects (already marked) to trace.
    void push_grey(const MarkStack& objs) { m_stack.insert(m_stack.end(), objs.begin(), objs.end()); }
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
        m_verify = true;
    }
    uint64_t end_verify() {
        uint64_t bytes = live_bytes, objects = live_objects;
        drain();
        live_bytes = bytes;
        live_objects = objects;
        m_verify = false;
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
    // How a marking claims an object: a plain store (a pause), an exchange (a concurrent cycle,
    // where markers, assists and the write barrier race), or not at all (verification). A template
    // parameter of the tracing code, so that the loops carry no mode in a register.
    enum class Claim : uint8_t { Store, Exchange, Verify };
    Claim claim_mode() const { return m_verify ? Claim::Verify : m_exchange ? Claim::Exchange : Claim::Store; }
    // A tracing loop's state, in registers ("Registers" above).
    struct Run {
        Obj** base;
        Obj** top;
        Obj** end;
        uint64_t bytes;   // to live_bytes (and m_work: a small object's work is its cell's bytes)
        uint64_t objects; // to live_objects
        uint64_t extra;   // to m_work: large objects' work
        uint8_t epoch;
    };
    Run begin_run() {
        constexpr size_t kMinCapacity = 1024;
        size_t n = m_stack.size();
        if (m_stack.capacity() < kMinCapacity) m_stack.reserve(kMinCapacity);
        m_stack.resize(m_stack.capacity()); // no writes: MarkStack
        Obj** base = m_stack.data();
        return Run{base, base + n, base + m_stack.size(), 0, 0, 0, m_epoch};
    }
    void end_run(const Run& r) {
        m_stack.resize(static_cast<size_t>(r.top - r.base));
        live_bytes += r.bytes;
        live_objects += r.objects;
        m_work += r.bytes + r.extra;
    }
    // Doubles the stack (by value: the caller's Run stays in registers).
    [[gnu::noinline]] Run grow(Run r) {
        auto n = static_cast<size_t>(r.top - r.base);
        m_stack.resize(2 * m_stack.size());
        r.base = m_stack.data();
        r.top = r.base + n;
        r.end = r.base + m_stack.size();
        return r;
    }
    // Gives the older half of the stack to an idle marker, if one waits (the share takes m_stack:
    // the Run is closed around it).
    void give_if_hungry(Run& r, MarkShare& share) {
        if (!share.hungry() || r.top - r.base < 2) return;
        end_run(r);
        share.give(m_stack);
        r = begin_run();
    }
    [[gnu::always_inline]] void push(Run& r, Obj* o) {
        if (__builtin_expect(r.top == r.end, 0)) r = grow(r);
        *r.top++ = o;
    }
    template <Claim C>
    [[gnu::always_inline]] void mark(Run& r, Obj* o) {
        if (!o) return;
        if constexpr (C == Claim::Verify) {
            r = verify_visit(r, o);
        } else {
            if (claim<C>(r.epoch, o)) push(r, o);
        }
    }
    // Sets o's mark to `epoch`, this marking's; true if this marker set it (and so must trace o).
    template <Claim C>
    [[gnu::always_inline]] static bool claim(uint8_t epoch, Obj* o) {
        // relaxed: the world is stopped, or (concurrent cycle) o's contents were published by
        // the release store of the slot we loaded it from with acquire.
        if (marked_in(o, epoch)) return false;
        // Concurrent: the markers, assists and the write barrier may reach it at once; the exchange
        // lets one claim it. In a pause, two markers that reach it at once (a window of a few
        // instructions) both trace it: the same work twice and its bytes counted twice, rarely, and
        // nothing missed. A plain store spares the pause's markers a locked instruction per object.
        if constexpr (C == Claim::Exchange) return o->mark.exchange(epoch, std::memory_order_relaxed) != epoch;
        o->mark.store(epoch, std::memory_order_relaxed);
        return true;
    }
    // Counts o as live (once, by the marker that claimed it).
    // A page object also marks its page live in this epoch (a load first: the markers share the
    // page header's line, which stays clean once set).
    [[gnu::always_inline]] static void count(Run& r, const Obj* o) {
        ++r.objects;
        if (__builtin_expect(o->cell_class != 0, 1)) {
            r.bytes += cell_bytes(o->cell_class);
            std::atomic<uint8_t>& page = page_live_epoch(o);
            if (page.load(std::memory_order_relaxed) != r.epoch) page.store(r.epoch, std::memory_order_relaxed);
        } else {
            r.extra += work_of(o);
        }
    }
    template <Claim C>
    [[gnu::always_inline]] void visit(Run& r, Obj* o) {
        count(r, o);
        trace<C>(r, o);
    }
    // gc/mark.cpp: the hot kinds inline, the rest out of line (by value, as grow).
    template <Claim C>
    void trace(Run& r, Obj* o);
    template <Claim C>
    void trace_storage(Run& r, Storage* s);
    template <Claim C>
    void trace_map_entries(Run& r, Storage* s);
    template <Claim C>
    [[gnu::noinline]] Run trace_other(Run r, Obj* o);
    template <Claim C>
    void drain_as();
    template <Claim C>
    void drain_shared_as(SatbQueue* satb, const std::atomic<bool>* stop, MarkProgress* progress, bool credit);
    [[gnu::noinline]] void mark_verify(Obj* o) {
        Run r = begin_run();
        r = verify_visit(r, o);
        end_run(r);
    }
    [[gnu::noinline]] Run verify_visit(Run r, Obj* o) {
        if (!m_seen.insert(o).second) return r;
        if (!marked_in(o, r.epoch) ||
            (o->cell_class && page_live_epoch(o).load(std::memory_order_relaxed) != r.epoch))
            ++m_unmarked;
        push(r, o);
        return r;
    }
    MarkStack m_stack;
    uint8_t m_epoch = 1; // the marking's epoch (set_epoch)
    uint64_t m_work = 0; // scan work of everything visited (MarkProgress units), ever
    MarkShare* m_share = nullptr;
    bool m_exchange = false; // claims by exchange (set_share)
    bool m_verify = false;   // verifying (start_verify), not marking
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
