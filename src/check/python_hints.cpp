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

std::vector<std::string> Checker::undefined_call_hint(const std::string& name) const {
    auto type = m_type_names.find(name);
    if (type == m_type_names.end()) return python_name_hint(name);
    if (type->second.cls) return {"hint: new " + name + "(...) makes an instance"};
    if (type->second.st) return {"hint: " + name + "{field: value, ...} makes a value"};
    return {};
}

std::vector<std::string> Checker::mixed_operands_hint(const types::Type* l, const types::Type* r) {
    auto is = [&](types::Kind a, types::Kind b) { return l->kind == a && r->kind == b; };
    if (is(types::Kind::Int, types::Kind::Float) || is(types::Kind::Float, types::Kind::Int))
        return {"hint: ints and floats do not mix implicitly: int_to_float(n), or float_to_int(x)"};
    if (is(types::Kind::Str, types::Kind::Int) || is(types::Kind::Str, types::Kind::Float) ||
        is(types::Kind::Int, types::Kind::Str) || is(types::Kind::Float, types::Kind::Str))
        return {"hint: to_str(x) makes a string of a number; parse_int(s) reads one"};
    return {};
}

} // namespace bp::check
