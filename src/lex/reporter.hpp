// Error sink shared by the lexer and the parser of one file: forwards to diag::Diagnostics and
// stops after a fixed number of errors so garbage input cannot produce megabytes of output.
#pragma once
#include "diag/diagnostics.hpp"

#include <string>
#include <vector>

namespace bp::lex {

class Reporter {
public:
    explicit Reporter(diag::Diagnostics& diags, size_t limit = 50) : m_diags(diags), m_limit(limit) {}
    // Reports unless the limit was reached; the error that reaches it is followed by a final note.
    void error(Span span, std::string message, std::vector<std::string> notes = {});
    bool stopped() const { return m_count >= m_limit; }
    size_t count() const { return m_count; }

private:
    diag::Diagnostics& m_diags;
    size_t m_limit;
    size_t m_count = 0;
};

} // namespace bp::lex
