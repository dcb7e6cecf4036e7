// Error sink with a cap on the number of reported errors.
#include "lex/reporter.hpp"

namespace bp::lex {

void Reporter::error(Span span, std::string message, std::vector<std::string> notes) {
    if (stopped()) return;
    ++m_count;
    if (stopped()) notes.push_back("note: too many errors; stopping here");
    m_diags.error(span, std::move(message), std::move(notes));
}

} // namespace bp::lex
