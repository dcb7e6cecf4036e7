// Rendering diagnostics as LANGUAGE.md §8.5 shows them: file:line:col, message, source line, caret.
#include "diag/diagnostics.hpp"

#include <algorithm>

namespace bp::diag {

namespace {

constexpr size_t kMaxLineShown = 1000; // longer source lines are cut to a window around the caret
constexpr size_t kWindowBefore = 100;  // bytes shown before the caret in a cut line
constexpr size_t kWindowBytes = 200;   // bytes shown in all

} // namespace

void Diagnostics::error(Span span, std::string message, std::vector<std::string> notes) {
    m_diags.push_back(Diagnostic{Severity::Error, span, std::move(message), std::move(notes)});
    ++m_error_count;
}

std::string Diagnostics::render_one(const Diagnostic& d) const {
    const SourceFile& f = m_sources.file(d.span.file);
    LineCol lc = f.line_col(d.span.begin);
    std::string out = f.path() + ":" + std::to_string(lc.line) + ":" + std::to_string(lc.col) + ": ";
    out += d.severity == Severity::Error ? "error: " : d.severity == Severity::Warning ? "warning: " : "note: ";
    out += d.message + "\n";
    std::string_view line = f.line_text(lc.line);
    uint32_t col0 = lc.col - 1; // byte offset of the caret in `line`
    // A very long line (generated or hostile input) is shown as a window around the caret, so one
    // diagnostic cannot echo megabytes: "..." marks the cut ends.
    std::string_view prefix, suffix;
    if (line.size() > kMaxLineShown) {
        size_t start = col0 > kWindowBefore ? col0 - kWindowBefore : 0;
        size_t len = std::min(line.size() - std::min<size_t>(start, line.size()), kWindowBytes);
        prefix = start > 0 ? "..." : "";
        suffix = start + len < line.size() ? "..." : "";
        line = line.substr(std::min<size_t>(start, line.size()), len);
        col0 -= static_cast<uint32_t>(start);
    }
    // The source line verbatim, then the caret line aligned under it (LANGUAGE.md §8.5).
    out += prefix;
    out += line;
    out += suffix;
    out += "\n";
    out.append(prefix.size(), ' ');
    for (uint32_t i = 0; i < col0; ++i) out += (i < line.size() && line[i] == '\t') ? '\t' : ' ';
    out += '^';
    uint32_t room = static_cast<uint32_t>(line.size() - std::min<size_t>(line.size(), col0));
    uint32_t last = std::min<uint32_t>(d.span.end, d.span.begin + room);
    for (uint32_t i = d.span.begin + 1; i < last; ++i) out += '~';
    out += "\n";
    for (const std::string& n : d.notes) out += n + "\n";
    return out;
}

std::string Diagnostics::render() const {
    std::vector<const Diagnostic*> sorted;
    for (const Diagnostic& d : m_diags) sorted.push_back(&d);
    std::stable_sort(sorted.begin(), sorted.end(), [](const Diagnostic* a, const Diagnostic* b) {
        return a->span.file != b->span.file ? a->span.file < b->span.file : a->span.begin < b->span.begin;
    });
    std::string out;
    for (const Diagnostic* d : sorted) out += render_one(*d);
    return out;
}

} // namespace bp::diag
