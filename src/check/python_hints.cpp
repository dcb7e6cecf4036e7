// Hints for Python spellings (check/python_spellings.def): the BetterPython way to write what a
// Python programmer typed, added to the error that spelling gets.
#include "check/checker_impl.hpp"

namespace bp::check {

std::vector<std::string> Checker::python_name_hint(const std::string& name) {
#define BP_PYTHON_NAME(python, hint) \
    if (name == python) return {std::string("hint: ") + hint};
#define BP_PYTHON_METHOD(kind, python, hint)
#include "check/python_spellings.def"
#undef BP_PYTHON_NAME
#undef BP_PYTHON_METHOD
    return {};
}

std::vector<std::string> Checker::python_method_hint(types::Kind kind, const std::string& method) {
#define BP_PYTHON_NAME(python, hint)
#define BP_PYTHON_METHOD(k, python, hint) \
    if (kind == types::Kind::k && method == python) return {std::string("hint: use ") + hint};
#include "check/python_spellings.def"
#undef BP_PYTHON_NAME
#undef BP_PYTHON_METHOD
    return {};
}

} // namespace bp::check
