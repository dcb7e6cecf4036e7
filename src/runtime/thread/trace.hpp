// Thread timelines (`bp --trace FILE`, docs/threading.md "Timelines"): what each thread waited for,
// for how long, and where.
//
// Cost when off: VmThread::trace is nullptr, and every recording point is a TraceScope whose
// constructor and destructor test that one pointer. Recording points sit only on blocking paths
// (the places that enter the collector's safe state) and in the collector; the interpreter's
// dispatch loop never records anything.
//
// When on, the Tracer (owned by the Vm) gives every attached VmThread its own TraceBuffer. A
// buffer is written only by its thread, without a lock: events go into fixed-size chunks linked
// in order, and `published` (release) counts the events a reader may see. The writer (program end,
// exit(), a global deadlock: Tracer::finish, at most once) reads each buffer up to its acquired
// count, so it can run while other threads still record. Thread names and end times change once
// per thread and are guarded by the Tracer's mutex. Buffers live until the Vm is destroyed.
//
// Events keep the blocked frame's function and pc; file and line are computed when writing. The
// output is Chrome trace-event JSON (one lane per thread, "X" events, times in microseconds), which
// Perfetto and chrome://tracing open, and which `bp trace-view` turns into an HTML page.
#pragma once
#include "vm/vm.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace bp::thread {

struct Handle;

// What a thread was doing. The names and categories written for each are in trace.cpp.
enum class TraceKind : uint8_t {
    Lock, CondWait, Join, ChanSend, ChanRecv, Select, SyncWait, FutureGet, Sleep,
    PoolIdle, PoolShutdown, ProgramEnd, Input, GcPause, GcWait,
};

struct TraceEvent {
    uint64_t start_ns = 0; // since the Tracer started
    uint64_t dur_ns = 0;
    const bytecode::FunctionProto* proto = nullptr; // the blocked frame (nullptr: none)
    uint32_t pc = 0;
    TraceKind kind = TraceKind::Lock;
    uint8_t detail = 0;      // SyncWait: the HandleKind waited on
    uint64_t extra_ns = 0;   // GcPause: time to safepoint
};

// Threading: appended to by its own thread only; read by Tracer::finish up to `published`.
class TraceBuffer {
public:
    static constexpr size_t kChunk = 256;
    struct Chunk {
        TraceEvent events[kChunk];
        std::atomic<Chunk*> next{nullptr};
    };
    explicit TraceBuffer(uint32_t thread_id) : id(thread_id), m_tail(&m_head) {}
    ~TraceBuffer();
    TraceBuffer(const TraceBuffer&) = delete;
    TraceBuffer& operator=(const TraceBuffer&) = delete;

    void append(const TraceEvent& e); // owner only
    // The wait in progress (owner only), so a trace written meanwhile (exit(), a fatal deadlock)
    // shows it as unfinished.
    void open(const TraceEvent& e);
    void close() { m_open_start.store(0, std::memory_order_release); }
    // Any thread: the wait in progress, if any (its fields may mix two waits if the owner moves
    // on meanwhile; only ever used for the last, cosmetic, unfinished bar).
    bool current(TraceEvent& out) const;
    template <class F>
    void for_each(F&& f) const { // any thread: the events published so far
        size_t n = m_published.load(std::memory_order_acquire);
        const Chunk* c = &m_head;
        for (size_t i = 0; i < n; ++i) {
            if (i > 0 && i % kChunk == 0) c = c->next.load(std::memory_order_acquire);
            f(c->events[i % kChunk]);
        }
    }

    const uint32_t id;
    // Guarded by the Tracer's mutex.
    std::string name;
    uint64_t begin_ns = 0;
    uint64_t end_ns = 0;
    bool ended = false;

private:
    Chunk m_head;
    Chunk* m_tail;          // owner only
    size_t m_tail_used = 0; // owner only
    std::atomic<size_t> m_published{0};
    std::atomic<uint64_t> m_open_start{0}; // start_ns + 1 of the wait in progress, 0: none
    std::atomic<const bytecode::FunctionProto*> m_open_proto{nullptr};
    std::atomic<uint32_t> m_open_pc{0};
    std::atomic<uint8_t> m_open_kind{0};
    std::atomic<uint8_t> m_open_detail{0};
};

// Threading: shared by every thread of the Vm (Vm::tracer is set in the constructor, never changed).
// m_buffers and each buffer's name/begin/end are guarded by m_mu; the events are not (see above);
// m_written makes finish run once whichever thread gets there first.
class Tracer {
public:
    explicit Tracer(std::string path);
    Tracer(const Tracer&) = delete;
    Tracer& operator=(const Tracer&) = delete;

    uint64_t now_ns() const {
        return static_cast<uint64_t>(
            std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - m_start).count());
    }
    // A new lane (VmThread constructor). Its name defaults to "Thread-<id>".
    TraceBuffer* attach(uint32_t id);
    void set_name(TraceBuffer* b, std::string name);
    void detach(TraceBuffer* b, std::string name); // thread end (name: its final name; "" keeps it)

    // Writes the JSON file (once; later calls do nothing and return true). Threads still running
    // end "now". False with `error` if the file cannot be written (the old file, if any, is kept).
    bool finish(const Vm& vm, std::string& error);
    const std::string& path() const { return m_path; }

private:
    std::string render(const Vm& vm);

    const std::string m_path;
    const std::chrono::steady_clock::time_point m_start;
    std::mutex m_mu; // guards m_buffers and each buffer's name/begin/end
    std::vector<std::unique_ptr<TraceBuffer>> m_buffers;
    std::atomic<bool> m_written{false};
};

// Records one event of kind k on t's lane for the scope's lifetime (nothing when tracing is off).
// Take it right where the thread enters its blocked (safe) state. `on`: the toolkit handle a
// SyncWait waits on (its kind names the event); read only when tracing.
class TraceScope {
public:
    TraceScope(VmThread& t, TraceKind k, const Handle* on = nullptr) : m_t(t), m_buf(t.trace) {
        if (m_buf) [[unlikely]] begin(k, on);
    }
    ~TraceScope() {
        if (m_buf) [[unlikely]] end();
    }
    TraceScope(const TraceScope&) = delete;
    TraceScope& operator=(const TraceScope&) = delete;

private:
    void begin(TraceKind k, const Handle* on);
    void end();
    VmThread& m_t;
    TraceBuffer* m_buf;
    TraceEvent m_event;
};

// The collector's events (gc/heap.cpp): a pause on the collecting thread, from its stop request to
// the restart (stopped_ns: when every thread had stopped), or a wait at a safepoint for another
// thread's collection. Times from Tracer::now_ns().
void record_gc_pause(VmThread& t, uint64_t start_ns, uint64_t stopped_ns);
void record_gc_wait(VmThread& t, uint64_t start_ns);
inline void trace_gc_pause(VmThread& t, uint64_t start_ns, uint64_t stopped_ns) {
    if (t.trace) [[unlikely]] record_gc_pause(t, start_ns, stopped_ns);
}
inline void trace_gc_wait(VmThread& t, uint64_t start_ns) {
    if (t.trace) [[unlikely]] record_gc_wait(t, start_ns);
}
// Now, for the collector's timestamps (0 when tracing is off).
inline uint64_t trace_now(const VmThread& t) { return t.trace ? t.vm.tracer->now_ns() : 0; }

// Writes the trace if --trace is on (program end, exit(), fatal deadlock); reports a failure on
// stderr ("bp: cannot write trace '<path>': <reason>") and returns false.
bool finish_trace(const Vm& vm);

} // namespace bp::thread
