// Conversions between strings and ints/bytes (LANGUAGE.md §10): chr, ord, hex, parse_int, and
// the B (byte sequence) conversions (B: [int] or bytes, see support.hpp).
#include "stdlib/support.hpp"

#include <fmt/format.h>

#include <limits>

namespace bp::stdlib {

namespace {

int hex_digit(unsigned char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

} // namespace

Value bi_chr_(BuiltinArgs& a) {
    int64_t n = arg_int(a, 0);
    if (n < 0 || n > 127) rt::raise(ErrorKind::ValueError, "chr expects 0-127");
    char c = static_cast<char>(n);
    return str_value(a, std::string_view(&c, 1));
}

Value bi_ord_(BuiltinArgs& a) {
    std::string_view s = arg_sv(a, 0);
    if (s.empty()) rt::raise(ErrorKind::ValueError, "ord expects a non-empty string");
    return Value::from_int(static_cast<unsigned char>(s[0]));
}

Value bi_str_from_chars(BuiltinArgs& a) { return str_value(a, bytes_of_arg(a, 0)); }
Value bi_str_bytes(BuiltinArgs& a) { return bytes_result(a, arg_sv(a, 0)); }
Value bi_str_to_bytes(BuiltinArgs& a) { return bytes_result(a, arg_sv(a, 0)); }

Value bi_bytes_to_str(BuiltinArgs& a) {
    if (a.arg_types[0]->kind == types::Kind::Str) return a.args[0];
    return str_value(a, bytes_of_arg(a, 0));
}

Value bi_int_to_hex(BuiltinArgs& a) {
    return str_value(a, fmt::format("{:x}", static_cast<uint64_t>(arg_int(a, 0))));
}

// Wraps modulo 2^64 past 16 digits, as the original's unchecked accumulation did.
Value bi_hex_to_int(BuiltinArgs& a) {
    uint64_t v = 0;
    for (char c : arg_sv(a, 0)) {
        int d = hex_digit(static_cast<unsigned char>(c));
        if (d < 0) rt::raise(ErrorKind::ValueError, "hex_to_int: invalid hex character");
        v = v * 16 + static_cast<uint64_t>(d);
    }
    return Value::from_int(static_cast<int64_t>(v));
}

// C strtoll(s, NULL, 10): leading whitespace, optional sign, digits; saturates at the limits.
Value bi_parse_int(BuiltinArgs& a) {
    std::string_view s = arg_sv(a, 0);
    size_t i = 0;
    while (i < s.size() && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r'))) ++i;
    bool neg = false;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
    // Accumulate the magnitude; the limit is 2^63 for negatives, 2^63 - 1 otherwise.
    uint64_t limit = neg ? uint64_t{1} << 63 : static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
    uint64_t mag = 0;
    bool saturated = false;
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
        uint64_t d = static_cast<uint64_t>(s[i] - '0');
        if (saturated || mag > (limit - d) / 10) saturated = true;
        else mag = mag * 10 + d;
    }
    if (saturated) mag = limit;
    return Value::from_int(neg ? static_cast<int64_t>(0 - mag) : static_cast<int64_t>(mag));
}

} // namespace bp::stdlib
