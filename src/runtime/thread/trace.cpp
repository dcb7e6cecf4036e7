// Thread timelines: per-thread event buffers and the Chrome trace-event JSON writer (the design is
// described atop trace.hpp; the format in docs/cli.md "--trace").
#include "runtime/thread/trace.hpp"

#include "base/file_io.hpp"
#include "base/source.hpp"
#include "runtime/thread/handles.hpp"

#include <fmt/format.h>

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace bp::thread {

namespace {

struct KindInfo {
    const char* name;
    const char* cat;
};

KindInfo info_of(TraceKind k) {
    switch (k) {
    case TraceKind::Lock: return {"mutex lock", "lock"};
    case TraceKind::CondWait: return {"condition wait", "condition"};
    case TraceKind::Join: return {"join", "join"};
    case TraceKind::ChanSend: return {"channel send", "channel"};
    case TraceKind::ChanRecv: return {"channel recv", "channel"};
    case TraceKind::Select: return {"select", "channel"};
    case TraceKind::SyncWait: return {"wait", "sync"};
    case TraceKind::FutureGet: return {"future get", "future"};
    case TraceKind::Sleep: return {"sleep", "sleep"};
    case TraceKind::PoolIdle: return {"idle (no task)", "idle"};
    case TraceKind::PoolShutdown: return {"pool shutdown", "join"};
    case TraceKind::ProgramEnd: return {"program end: waiting for threads", "join"};
    case TraceKind::Input: return {"read_line", "io"};
    case TraceKind::GcPause: return {"GC pause", "gc"};
    case TraceKind::GcWait: return {"GC: stopped for another thread", "gc"};
    }
    return {"event", "other"};
}

// The toolkit primitive a SyncWait waited on.
const char* sync_name(uint8_t detail) {
    switch (static_cast<HandleKind>(detail)) {
    case HandleKind::RWLock: return "rwlock wait";
    case HandleKind::Semaphore: return "semaphore acquire";
    case HandleKind::WaitGroup: return "waitgroup wait";
    case HandleKind::Barrier: return "barrier wait";
    case HandleKind::Once: return "once wait";
    case HandleKind::Thread: case HandleKind::Mutex: case HandleKind::Condition: case HandleKind::Volatile:
    case HandleKind::Atomic: case HandleKind::Pool: case HandleKind::Future: case HandleKind::Worker:
    case HandleKind::Tls: case HandleKind::Channel: case HandleKind::Scope:
        return "wait";
    }
    return "wait";
}

void append_escaped(std::string& out, std::string_view s) {
    out += '"';
    for (unsigned char c : s) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\t': out += "\\t"; break;
        case '\r': out += "\\r"; break;
        default:
            if (c < 0x20) out += fmt::format("\\u{:04x}", c);
            else out += static_cast<char>(c);
        }
    }
    out += '"';
}

std::string micros(uint64_t ns) { return fmt::format("{}.{:03}", ns / 1000, ns % 1000); }

// ,"args":{"file":"x.bp","line":12 when the frame's source is known (no closing brace).
void append_site(std::string& out, const Vm& vm, const TraceEvent& e) {
    out += ",\"args\":{";
    const SourceMap* sources = vm.program.sources;
    if (e.proto && sources && e.proto->file < sources->size() && e.pc < e.proto->spans.size()) {
        const SourceFile& file = sources->file(e.proto->file);
        out += "\"file\":";
        append_escaped(out, file.path());
        out += fmt::format(",\"line\":{},\"function\":", file.line_col(e.proto->spans[e.pc].begin).line);
        append_escaped(out, e.proto->name);
    }
}

void append_event(std::string& out, const Vm& vm, uint32_t tid, const TraceEvent& e, bool unfinished = false) {
    KindInfo info = info_of(e.kind);
    out += ",\n{\"name\":";
    append_escaped(out, e.kind == TraceKind::SyncWait ? sync_name(e.detail) : info.name);
    out += fmt::format(",\"cat\":\"{}\",\"ph\":\"X\",\"pid\":1,\"tid\":{},\"ts\":{},\"dur\":{}", info.cat, tid,
                       micros(e.start_ns), micros(e.dur_ns));
    append_site(out, vm, e);
    if (e.kind == TraceKind::GcPause) {
        bool first = out.back() == '{';
        out += fmt::format("{}\"time_to_safepoint_us\":{},\"collect_us\":{}", first ? "" : ",", micros(e.extra_ns),
                           micros(e.dur_ns - e.extra_ns));
    }
    if (unfinished) out += out.back() == '{' ? "\"unfinished\":true" : ",\"unfinished\":true";
    out += "}}";
}
} // namespace

// ---- TraceBuffer

TraceBuffer::~TraceBuffer() {
    Chunk* c = m_head.next.load(std::memory_order_relaxed);
    while (c) {
        Chunk* next = c->next.load(std::memory_order_relaxed);
        delete c;
        c = next;
    }
}

void TraceBuffer::append(const TraceEvent& e) {
    if (m_tail_used == kChunk) {
        auto* c = new Chunk();
        m_tail->next.store(c, std::memory_order_release);
        m_tail = c;
        m_tail_used = 0;
    }
    m_tail->events[m_tail_used++] = e;
    // Only this thread stores the count: a relaxed load of our own last store is exact.
    m_published.store(m_published.load(std::memory_order_relaxed) + 1, std::memory_order_release);
}

void TraceBuffer::open(const TraceEvent& e) {
    // Relaxed: published by the release store of the start below.
    m_open_proto.store(e.proto, std::memory_order_relaxed);
    m_open_pc.store(e.pc, std::memory_order_relaxed);
    m_open_kind.store(static_cast<uint8_t>(e.kind), std::memory_order_relaxed);
    m_open_detail.store(e.detail, std::memory_order_relaxed);
    m_open_start.store(e.start_ns + 1, std::memory_order_release);
}

bool TraceBuffer::current(TraceEvent& out) const {
    uint64_t start = m_open_start.load(std::memory_order_acquire);
    if (start == 0) return false;
    out.start_ns = start - 1;
    out.proto = m_open_proto.load(std::memory_order_relaxed);
    out.pc = m_open_pc.load(std::memory_order_relaxed);
    out.kind = static_cast<TraceKind>(m_open_kind.load(std::memory_order_relaxed));
    out.detail = m_open_detail.load(std::memory_order_relaxed);
    return true;
}

// ---- Tracer

Tracer::Tracer(std::string path) : m_path(std::move(path)), m_start(std::chrono::steady_clock::now()) {}

TraceBuffer* Tracer::attach(uint32_t id) {
    auto b = std::make_unique<TraceBuffer>(id);
    b->name = id == 0 ? "Thread-0 (main)" : "Thread-" + std::to_string(id); // as deadlock reports say
    b->begin_ns = now_ns();
    std::lock_guard<std::mutex> lk(m_mu);
    m_buffers.push_back(std::move(b));
    return m_buffers.back().get();
}

void Tracer::set_name(TraceBuffer* b, std::string name) {
    std::lock_guard<std::mutex> lk(m_mu);
    b->name = std::move(name);
}

void Tracer::detach(TraceBuffer* b, std::string name) {
    uint64_t now = now_ns();
    std::lock_guard<std::mutex> lk(m_mu);
    if (!name.empty()) b->name = std::move(name);
    b->end_ns = now;
    b->ended = true;
}

std::string Tracer::render(const Vm& vm) {
    uint64_t now = now_ns();
    std::string out = "{\"displayTimeUnit\":\"ms\",\"traceEvents\":[\n"
                      "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":1,\"tid\":0,\"args\":{\"name\":\"bp\"}}";
    std::lock_guard<std::mutex> lk(m_mu);
    for (const auto& b : m_buffers) {
        out += fmt::format(",\n{{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":{},\"args\":{{\"name\":", b->id);
        append_escaped(out, b->name);
        out += fmt::format("}}}},\n{{\"name\":\"thread_sort_index\",\"ph\":\"M\",\"pid\":1,\"tid\":{},"
                           "\"args\":{{\"sort_index\":{}}}}}",
                           b->id, b->id);
        uint64_t end = b->ended ? b->end_ns : now;
        out += ",\n{\"name\":";
        append_escaped(out, b->name);
        out += fmt::format(",\"cat\":\"thread\",\"ph\":\"X\",\"pid\":1,\"tid\":{},\"ts\":{},\"dur\":{},"
                           "\"args\":{{\"finished\":{}}}}}",
                           b->id, micros(b->begin_ns), micros(end - b->begin_ns), b->ended ? "true" : "false");
    }
    for (const auto& b : m_buffers) {
        b->for_each([&](const TraceEvent& e) { append_event(out, vm, b->id, e); });
        TraceEvent open;
        if (!b->ended && b->current(open)) { // blocked when the trace was written
            open.dur_ns = now > open.start_ns ? now - open.start_ns : 0;
            append_event(out, vm, b->id, open, true);
        }
    }
    out += "\n]}\n";
    return out;
}

bool Tracer::finish(const Vm& vm, std::string& error) {
    if (m_written.exchange(true)) return true;
    return base::write_file_atomically(m_path, render(vm), error);
}

// ---- recording

void TraceScope::begin(TraceKind k, const Handle* on) {
    m_event.kind = k;
    m_event.detail = on ? static_cast<uint8_t>(on->hkind) : 0;
    if (!m_t.frames.empty()) {
        m_event.proto = m_t.frames.back().proto;
        m_event.pc = m_t.frames.back().pc();
    }
    m_event.start_ns = m_t.vm.tracer->now_ns();
    m_buf->open(m_event);
}

void TraceScope::end() {
    m_event.dur_ns = m_t.vm.tracer->now_ns() - m_event.start_ns;
    m_buf->close();
    m_buf->append(m_event);
}

void record_gc_pause(VmThread& t, uint64_t start_ns, uint64_t stopped_ns) {
    TraceEvent e;
    e.kind = TraceKind::GcPause;
    e.start_ns = start_ns;
    e.dur_ns = t.vm.tracer->now_ns() - start_ns;
    e.extra_ns = stopped_ns - start_ns;
    t.trace->append(e);
}

void record_gc_wait(VmThread& t, uint64_t start_ns) {
    TraceEvent e;
    e.kind = TraceKind::GcWait;
    e.start_ns = start_ns;
    e.dur_ns = t.vm.tracer->now_ns() - start_ns;
    t.trace->append(e);
}

bool finish_trace(const Vm& vm) {
    if (!vm.tracer) return true;
    std::string error;
    if (vm.tracer->finish(vm, error)) return true;
    std::string msg = "bp: cannot write trace '" + vm.tracer->path() + "': " + error + "\n";
    std::fwrite(msg.data(), 1, msg.size(), stderr);
    return false;
}

} // namespace bp::thread
