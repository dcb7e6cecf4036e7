// Recording and formatting tracebacks (LANGUAGE.md §8.4).
//
// Recording runs at every raise, so it must be cheap and bounded even when the stack is 200,000
// frames of one recursive function: consecutive identical frames (same function, same pc) are
// stored once with a repeat count (see the encoding in vm/traceback.hpp). Formatting elides such a
// run after three frames, exactly what it would do with the frames stored one by one.
#include "vm/traceback.hpp"

#include "gc/allocate.hpp"
#include "runtime/rt.hpp"

#include <algorithm>
#include <utility>
#include <vector>

namespace bp::vm {

namespace {

struct TraceEntry {
    const bytecode::FunctionProto* proto;
    uint32_t pc;
    uint32_t repeat; // further identical frames folded into this entry
};

constexpr uint32_t kMaxRepeat = UINT32_MAX;
constexpr size_t kFallbackEntries = 32; // kept when the full trace cannot be allocated
constexpr uint32_t kShownRepeats = 3;   // identical frames printed before eliding the rest

std::vector<TraceEntry> collect_entries(const VmThread& t, uint32_t top_pc) {
    std::vector<TraceEntry> out;
    const size_t n = t.frames.size();
    for (size_t i = 0; i < n; ++i) {
        const Frame& f = t.frames[i];
        uint32_t pc = i + 1 == n ? top_pc : f.pc();
        if (!out.empty() && out.back().proto == f.proto && out.back().pc == pc &&
            out.back().repeat < kMaxRepeat) {
            ++out.back().repeat;
        } else {
            out.push_back(TraceEntry{f.proto, pc, 0});
        }
    }
    return out;
}

Storage* store_entries(VmThread& t, const TraceEntry* entries, size_t count) {
    size_t words = 2 * count;
    Obj* obj = t.vm.heap.allocate(t, ObjKind::Storage, sizeof(Storage) + words * sizeof(Value));
    auto* storage = static_cast<Storage*>(obj);
    storage->flags = 0; // raw words: the collector must not trace them
    storage->capacity = words;
    for (size_t i = 0; i < count; ++i) {
        storage->slots[2 * i].p = const_cast<bytecode::FunctionProto*>(entries[i].proto);
        storage->slots[2 * i + 1].u = (uint64_t{entries[i].repeat} << 32) | entries[i].pc;
    }
    return storage;
}

size_t count_utf8_chars(std::string_view s) {
    size_t n = 0;
    for (unsigned char c : s) n += (c & 0xC0) != 0x80; // continuation bytes do not start a column
    return n;
}

// Appends the source line (without indentation) and the caret line for `span`.
void append_source_lines(std::string& out, const SourceFile& file, Span span) {
    LineCol lc = file.line_col(span.begin);
    std::string_view text = file.line_text(lc.line);
    size_t indent = 0;
    while (indent < text.size() && (text[indent] == ' ' || text[indent] == '\t')) ++indent;
    size_t end = text.size();
    while (end > indent && (text[end - 1] == ' ' || text[end - 1] == '\t' || text[end - 1] == '\r')) --end;
    std::string_view stripped = text.substr(indent, end - indent);
    out += "    ";
    out += stripped;
    out += '\n';

    // Byte range of the span within the stripped line; a span running past the line is cut there.
    size_t col = std::max<size_t>(lc.col - 1, indent) - indent;
    col = std::min(col, stripped.size());
    size_t line_start = span.begin - (lc.col - 1);
    size_t span_end = span.end > line_start ? span.end - line_start : 0;
    size_t stop = std::min(std::max(span_end, indent) - indent, stripped.size());
    out += "    ";
    for (size_t i = 0; i < col; ++i) {
        unsigned char c = static_cast<unsigned char>(stripped[i]);
        if ((c & 0xC0) == 0x80) continue;
        out += c == '\t' ? '\t' : ' ';
    }
    size_t width = stop > col ? count_utf8_chars(stripped.substr(col, stop - col)) : 0;
    out.append(std::max<size_t>(width, 1), '^');
    out += '\n';
}

void append_frame(std::string& out, const Vm& vm, const bytecode::FunctionProto* proto, uint32_t pc) {
    const SourceMap* sources = vm.program.sources;
    const SourceFile* file = sources && proto->file < sources->size() ? &sources->file(proto->file) : nullptr;
    bool has_span = file && pc < proto->spans.size();
    out += "  File \"";
    out += file ? file->path() : std::string("<unknown>");
    out += "\"";
    if (has_span) {
        out += ", line ";
        out += std::to_string(file->line_col(proto->spans[pc].begin).line);
    }
    out += ", in ";
    out += proto->name;
    out += '\n';
    if (has_span) append_source_lines(out, *file, proto->spans[pc]);
}

void append_error_line(std::string& out, const ErrorObj* err) {
    out += error_name(err->error_kind);
    if (err->message && err->message->len > 0) {
        out += ": ";
        out += err->message->view();
    }
    out += '\n';
}

} // namespace

void record_trace(VmThread& t, ErrorObj* err, uint32_t top_pc) {
    std::vector<TraceEntry> entries = collect_entries(t, top_pc);
    t.vm.heap.write_barrier(ref_load(&err->trace));
    ref_store(&err->trace, static_cast<Storage*>(nullptr));
    err->trace_len = 0;
    err->trace_repeat = t.frames.size();
    if (entries.empty()) return;
    try {
        ref_store(&err->trace, store_entries(t, entries.data(), entries.size()));
        err->trace_len = entries.size();
    } catch (const rt::Raise&) {
        // Out of heap: keep the most recent frames rather than losing the error itself.
        size_t keep = std::min(entries.size(), kFallbackEntries);
        try {
            ref_store(&err->trace, store_entries(t, entries.data() + entries.size() - keep, keep));
            err->trace_len = keep;
        } catch (const rt::Raise&) {
        }
    }
}

std::string format_traceback(const Vm& vm, const ErrorObj* err) {
    if (const String* text = ref_load(&err->traceback)) return std::string(text->view()); // fixed (or cached) text
    std::string out = "Traceback (most recent call last):\n";
    for (uint64_t i = 0; err->trace && i < err->trace_len; ++i) {
        auto* proto = static_cast<const bytecode::FunctionProto*>(err->trace->slots[2 * i].p);
        uint64_t word = err->trace->slots[2 * i + 1].u;
        auto pc = static_cast<uint32_t>(word);
        uint64_t frames = (word >> 32) + 1;
        for (uint64_t k = 0; k < std::min<uint64_t>(frames, kShownRepeats); ++k) append_frame(out, vm, proto, pc);
        if (frames > kShownRepeats)
            out += "  [Previous frame repeated " + std::to_string(frames - kShownRepeats) + " more times]\n";
    }
    append_error_line(out, err);
    return out;
}

std::string format_site(const Vm& vm, const bytecode::FunctionProto* proto, uint32_t pc) {
    const SourceMap* sources = vm.program.sources;
    if (!proto || !sources || proto->file >= sources->size() || pc >= proto->spans.size()) return "<unknown>";
    const SourceFile& file = sources->file(proto->file);
    return file.path() + ":" + std::to_string(file.line_col(proto->spans[pc].begin).line);
}

std::string format_stack(const VmThread& t) {
    std::string out = "Traceback (most recent call last):\n";
    for (const Frame& f : t.frames) append_frame(out, t.vm, f.proto, f.pc());
    return out;
}

} // namespace bp::vm
