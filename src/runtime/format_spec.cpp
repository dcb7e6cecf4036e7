// f-string format specs (LANGUAGE.md §2): [[fill]align][sign][#][0][width][,][.precision][type].
// Follows Python's format mini-language for the parts the spec lists; numbers use C printf
// rounding (snprintf), everything else pads its §9 top-level text.
#include "runtime/rt.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <string>

namespace bp::rt {

namespace {

using types::Kind;

struct Spec {
    char fill = ' ';
    bool fill_given = false;
    char align = 0; // '<' '>' '^' '=' or 0 (default for the value)
    char sign = '-';
    bool alt = false;
    bool zero = false;
    int64_t width = 0;
    bool comma = false;
    int64_t precision = -1;
    char type = 0;
};

constexpr int64_t kMaxSpecNumber = 100000; // widths/precisions beyond this are surely mistakes

[[noreturn]] void bad_spec(std::string_view spec, std::string_view why) {
    raise(ErrorKind::ValueError, fmt::format("invalid format spec '{}': {}", spec, why));
}

bool is_align(char c) { return c == '<' || c == '>' || c == '^' || c == '='; }

int64_t parse_number(std::string_view spec, size_t& i) {
    int64_t n = 0;
    while (i < spec.size() && spec[i] >= '0' && spec[i] <= '9') {
        n = n * 10 + (spec[i++] - '0');
        if (n > kMaxSpecNumber) bad_spec(spec, "number too large");
    }
    return n;
}

Spec parse_spec(std::string_view spec) {
    Spec s;
    size_t i = 0;
    if (spec.size() >= 2 && is_align(spec[1])) {
        s.fill = spec[0];
        s.fill_given = true;
        s.align = spec[1];
        i = 2;
    } else if (!spec.empty() && is_align(spec[0])) {
        s.align = spec[0];
        i = 1;
    }
    if (i < spec.size() && (spec[i] == '+' || spec[i] == '-' || spec[i] == ' ')) s.sign = spec[i++];
    if (i < spec.size() && spec[i] == '#') s.alt = true, ++i;
    if (i < spec.size() && spec[i] == '0') s.zero = true, ++i;
    s.width = parse_number(spec, i);
    if (i < spec.size() && spec[i] == ',') s.comma = true, ++i;
    if (i < spec.size() && spec[i] == '.') {
        ++i;
        if (i >= spec.size() || spec[i] < '0' || spec[i] > '9') bad_spec(spec, "missing precision");
        s.precision = parse_number(spec, i);
    }
    if (i < spec.size()) s.type = spec[i++];
    if (i != spec.size()) bad_spec(spec, "unexpected characters");
    if (s.zero) { // sign-aware zero padding unless an alignment was given (Python's rule)
        if (!s.fill_given) s.fill = '0';
        if (!s.align) s.align = '=';
    }
    return s;
}

// Pads `prefix + body` to the width; '=' puts the fill between the sign/prefix and the digits.
std::string pad(const Spec& s, const std::string& prefix, const std::string& body, char default_align) {
    int64_t len = static_cast<int64_t>(prefix.size() + body.size());
    if (len >= s.width) return prefix + body;
    size_t n = static_cast<size_t>(s.width - len);
    char align = s.align ? s.align : default_align;
    std::string fill(n, s.fill);
    switch (align) {
    case '<': return prefix + body + fill;
    case '^': return std::string(n / 2, s.fill) + prefix + body + std::string(n - n / 2, s.fill);
    case '=': return prefix + fill + body;
    default: return fill + prefix + body;
    }
}

// Inserts ',' every three digits in the leading run of digits of `s`.
std::string group_thousands(const std::string& s) {
    size_t end = 0;
    while (end < s.size() && s[end] >= '0' && s[end] <= '9') ++end;
    std::string out;
    for (size_t i = 0; i < end; ++i) {
        if (i && (end - i) % 3 == 0) out += ',';
        out += s[i];
    }
    return out + s.substr(end);
}

std::string sign_text(const Spec& s, bool negative) {
    if (negative) return "-";
    if (s.sign == '+') return "+";
    if (s.sign == ' ') return " ";
    return "";
}

std::string printf_double(const char* conv, bool alt, int64_t precision, double x) {
    std::string f = alt ? "%#.*" : "%.*";
    f += conv;
    int n = std::snprintf(nullptr, 0, f.c_str(), static_cast<int>(precision), x);
    std::string out(static_cast<size_t>(n) + 1, '\0');
    std::snprintf(out.data(), out.size(), f.c_str(), static_cast<int>(precision), x);
    out.resize(static_cast<size_t>(n));
    return out;
}

// The digits of |x| (no sign) for a float presentation type.
std::string float_body(const Spec& s, std::string_view spec, double x) {
    int64_t p = s.precision;
    switch (s.type) {
    case 0:
        if (p < 0) return format_float(x);
        return printf_double("g", s.alt, p == 0 ? 1 : p, x);
    case 'f': return printf_double("f", s.alt, p < 0 ? 6 : p, x);
    case 'F': return printf_double("F", s.alt, p < 0 ? 6 : p, x);
    case 'e': return printf_double("e", s.alt, p < 0 ? 6 : p, x);
    case 'E': return printf_double("E", s.alt, p < 0 ? 6 : p, x);
    case 'g': return printf_double("g", s.alt, p < 0 ? 6 : (p == 0 ? 1 : p), x);
    case 'G': return printf_double("G", s.alt, p < 0 ? 6 : (p == 0 ? 1 : p), x);
    case '%': return printf_double("f", s.alt, p < 0 ? 6 : p, x * 100) + "%";
    }
    bad_spec(spec, fmt::format("unknown format code '{}' for float", s.type));
}

std::string format_float_spec(const Spec& s, std::string_view spec, double x) {
    bool negative = std::signbit(x) && !std::isnan(x);
    std::string body = float_body(s, spec, std::fabs(x));
    if (s.comma && std::isfinite(x)) body = group_thousands(body);
    return pad(s, sign_text(s, negative), body, '>');
}

std::string format_int_spec(const Spec& s, std::string_view spec, int64_t v) {
    switch (s.type) {
    case 'e': case 'E': case 'f': case 'F': case 'g': case 'G': case '%':
        return format_float_spec(s, spec, static_cast<double>(v));
    case 0: case 'd': case 'x': case 'X': case 'o': case 'b': break;
    default: bad_spec(spec, fmt::format("unknown format code '{}' for int", s.type));
    }
    if (s.precision >= 0) bad_spec(spec, "precision not allowed for int");
    if (s.comma && s.type != 0 && s.type != 'd') bad_spec(spec, "',' only applies to decimal");
    uint64_t mag = v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
    std::string prefix = sign_text(s, v < 0);
    std::string body;
    switch (s.type) {
    case 'x': body = fmt::format("{:x}", mag); if (s.alt) prefix += "0x"; break;
    case 'X': body = fmt::format("{:X}", mag); if (s.alt) prefix += "0X"; break;
    case 'o': body = fmt::format("{:o}", mag); if (s.alt) prefix += "0o"; break;
    case 'b': body = fmt::format("{:b}", mag); if (s.alt) prefix += "0b"; break;
    default: body = fmt::format("{}", mag); break;
    }
    if (s.comma) body = group_thousands(body);
    return pad(s, prefix, body, '>');
}

std::string format_text_spec(const Spec& s, std::string_view spec, std::string text) {
    if (s.type != 0 && s.type != 's') bad_spec(spec, fmt::format("unknown format code '{}' for this type", s.type));
    if (s.sign != '-' || s.alt || s.comma) bad_spec(spec, "sign, '#' and ',' apply to numbers only");
    if (s.align == '=') bad_spec(spec, "'=' alignment applies to numbers only");
    if (s.precision >= 0 && static_cast<size_t>(s.precision) < text.size()) text.resize(static_cast<size_t>(s.precision));
    return pad(s, "", text, '<');
}

} // namespace

std::string format_with_spec(Value v, const types::Type* type, std::string_view spec) {
    Spec s = parse_spec(spec);
    switch (type->kind) {
    case Kind::Int: return format_int_spec(s, spec, v.i);
    case Kind::Float: return format_float_spec(s, spec, v.f);
    case Kind::Bool: case Kind::Str: case Kind::Void: case Kind::Any: case Kind::Ptr: case Kind::Bytes:
    case Kind::Error: case Kind::Thread: case Kind::Mutex: case Kind::Condition: case Kind::Volatile: case Kind::Channel: case Kind::Scope: case Kind::Sync:
    case Kind::Array: case Kind::Map: case Kind::Tuple: case Kind::Func: case Kind::Struct:
        return format_text_spec(s, spec, to_display(v, type, true));
    }
    return to_display(v, type, true);
}

} // namespace bp::rt
