#include "base/source.hpp"

#include <algorithm>

namespace bp {

SourceFile::SourceFile(std::string path, std::string text)
    : m_path(std::move(path)), m_text(std::move(text)) {
    m_line_starts.push_back(0);
    for (uint32_t i = 0; i < m_text.size(); ++i) {
        if (m_text[i] == '\n') m_line_starts.push_back(i + 1);
    }
}

LineCol SourceFile::line_col(uint32_t offset) const {
    auto it = std::upper_bound(m_line_starts.begin(), m_line_starts.end(), offset);
    uint32_t line = static_cast<uint32_t>(it - m_line_starts.begin());
    return LineCol{line, offset - m_line_starts[line - 1] + 1};
}

std::string_view SourceFile::line_text(uint32_t line) const {
    if (line == 0 || line > m_line_starts.size()) return {};
    uint32_t b = m_line_starts[line - 1];
    uint32_t e = line < m_line_starts.size() ? m_line_starts[line] : static_cast<uint32_t>(m_text.size());
    while (e > b && (m_text[e - 1] == '\n' || m_text[e - 1] == '\r')) --e;
    return std::string_view(m_text).substr(b, e - b);
}

uint32_t SourceMap::add(std::string path, std::string text) {
    m_files.push_back(std::make_unique<SourceFile>(std::move(path), std::move(text)));
    return static_cast<uint32_t>(m_files.size() - 1);
}

} // namespace bp
