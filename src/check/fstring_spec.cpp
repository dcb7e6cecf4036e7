// f-string format spec validation (LANGUAGE.md §2):
//   spec := [[fill]align][sign][#][0][width][,][.precision][type]
// int accepts d x X o b and the float types; float accepts f F e E g G %; every other type only
// fill, align, width, precision and `s`.
#include "check/checker_impl.hpp"

#include <cctype>
#include <string_view>

namespace bp::check {

namespace {

struct Spec {
    bool sign = false, alt = false, zero = false, comma = false, precision = false;
    char type = 0;
};

bool is_align(char c) { return c == '<' || c == '>' || c == '^'; }

// Parses the grammar; false if the text does not follow it.
bool parse_spec(std::string_view s, Spec& out) {
    size_t i = 0;
    if (s.size() >= 2 && is_align(s[1])) i = 2;
    else if (!s.empty() && is_align(s[0])) i = 1;
    if (i < s.size() && (s[i] == '+' || s[i] == '-' || s[i] == ' ')) out.sign = true, ++i;
    if (i < s.size() && s[i] == '#') out.alt = true, ++i;
    if (i < s.size() && s[i] == '0') out.zero = true, ++i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
    if (i < s.size() && s[i] == ',') out.comma = true, ++i;
    if (i < s.size() && s[i] == '.') {
        ++i;
        size_t start = i;
        while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
        if (i == start) return false;
        out.precision = true;
    }
    if (i < s.size() && std::isalpha(static_cast<unsigned char>(s[i]))) out.type = s[i++];
    else if (i < s.size() && s[i] == '%') out.type = s[i++];
    return i == s.size();
}

bool is_float_type(char c) {
    return c == 'f' || c == 'F' || c == 'e' || c == 'E' || c == 'g' || c == 'G' || c == '%';
}
bool is_int_type(char c) { return c == 'd' || c == 'x' || c == 'X' || c == 'o' || c == 'b'; }

bool fits(const Spec& sp, const Type* t) {
    switch (t->kind) {
    case Kind::Int:
        if (sp.type == 0 || is_int_type(sp.type)) return !sp.precision;
        return is_float_type(sp.type);
    case Kind::Float:
        return !sp.alt && (sp.type == 0 || is_float_type(sp.type));
    case Kind::Bool: case Kind::Str: case Kind::Void: case Kind::Any: case Kind::Ptr: case Kind::Bytes:
    case Kind::Error: case Kind::Thread: case Kind::Mutex: case Kind::Condition: case Kind::Volatile: case Kind::Channel: case Kind::Scope: case Kind::Sync:
    case Kind::Array: case Kind::Map: case Kind::Tuple: case Kind::Func: case Kind::Struct:
        return !sp.sign && !sp.alt && !sp.zero && !sp.comma && (sp.type == 0 || sp.type == 's');
    }
    return false;
}

} // namespace

std::string validate_format_spec(const std::string& spec, const Type* t) {
    Spec sp;
    if (!parse_spec(spec, sp)) return "invalid format spec '" + spec + "'";
    if (!fits(sp, t)) return "format spec '" + spec + "' does not fit a value of type " + t->name();
    return {};
}

} // namespace bp::check
