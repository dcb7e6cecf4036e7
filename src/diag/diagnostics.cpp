#include "diag/diagnostics.hpp"

#include <algorithm>

namespace bp::diag {

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
    // The source line verbatim, then the caret line aligned under it (LANGUAGE.md §8.5).
    out += line;
    out += "\n";
    for (uint32_t i = 1; i < lc.col; ++i) out += (i - 1 < line.size() && line[i - 1] == '\t') ? '\t' : ' ';
    out += '^';
    uint32_t last = std::min<uint32_t>(d.span.end, d.span.begin + static_cast<uint32_t>(line.size() - std::min<size_t>(line.size(), lc.col - 1)));
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
