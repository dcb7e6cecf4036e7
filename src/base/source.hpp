// A loaded source file and the map of all files of a program. Immutable after loading, so every
// thread may read it (tracebacks print source lines from any thread).
#pragma once
#include "base/span.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace bp {

struct LineCol {
    uint32_t line; // 1-based
    uint32_t col;  // 1-based byte column
};

class SourceFile {
public:
    SourceFile(std::string path, std::string text);
    const std::string& path() const { return m_path; }
    std::string_view text() const { return m_text; }
    LineCol line_col(uint32_t offset) const;
    // The text of a 1-based line, without its line terminator.
    std::string_view line_text(uint32_t line) const;
    uint32_t line_count() const { return static_cast<uint32_t>(m_line_starts.size()); }

private:
    std::string m_path;
    std::string m_text;
    std::vector<uint32_t> m_line_starts;
};

// Threading: filled by the front end before any VM thread starts; read-only afterwards.
class SourceMap {
public:
    uint32_t add(std::string path, std::string text);
    const SourceFile& file(uint32_t id) const { return *m_files[id]; }
    size_t size() const { return m_files.size(); }

private:
    std::vector<std::unique_ptr<SourceFile>> m_files;
};

} // namespace bp
