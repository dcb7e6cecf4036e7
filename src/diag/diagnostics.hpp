// Compile diagnostics: collected as data (severity, span, message, notes), rendered later as
//   file:line:col: error: message
//       source line
//       ^~~~~~
#pragma once
#include "base/source.hpp"

#include <string>
#include <vector>

namespace bp::diag {

enum class Severity { Error, Warning, Note };

struct Diagnostic {
    Severity severity = Severity::Error;
    Span span;
    std::string message;
    std::vector<std::string> notes; // printed after the caret line, each as given ("note: ..." / "hint: ...")
};

class Diagnostics {
public:
    explicit Diagnostics(const SourceMap& sources) : m_sources(sources) {}
    void error(Span span, std::string message, std::vector<std::string> notes = {});
    bool has_errors() const { return m_error_count > 0; }
    size_t error_count() const { return m_error_count; }
    const std::vector<Diagnostic>& all() const { return m_diags; }
    // Renders every diagnostic sorted by (file, offset), as the spec's §8.5 format.
    std::string render() const;
    std::string render_one(const Diagnostic& d) const;

private:
    const SourceMap& m_sources;
    std::vector<Diagnostic> m_diags;
    size_t m_error_count = 0;
};

} // namespace bp::diag
