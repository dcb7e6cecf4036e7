// Integer math builtins (LANGUAGE.md §10): wrapping 64-bit arithmetic, no traps.
#include "stdlib/support.hpp"

#include <cmath>

namespace bp::stdlib {

namespace {

uint64_t as_u(int64_t v) { return static_cast<uint64_t>(v); }
int64_t as_i(uint64_t v) { return static_cast<int64_t>(v); }

// Floor of the square root of n >= 0, exact for all 64-bit values.
int64_t isqrt(int64_t n) {
    auto r = static_cast<uint64_t>(std::sqrt(static_cast<double>(n)));
    while (r > 0 && (r > 3037000499u || r * r > as_u(n))) --r;       // 3037000499^2 < 2^63
    while (r < 3037000499u && (r + 1) * (r + 1) <= as_u(n)) ++r;
    return as_i(r);
}

} // namespace

Value bi_abs_(BuiltinArgs& a) {
    int64_t n = arg_int(a, 0);
    return Value::from_int(n < 0 ? as_i(0 - as_u(n)) : n);
}

Value bi_sign_(BuiltinArgs& a) {
    int64_t n = arg_int(a, 0);
    return Value::from_int((n > 0) - (n < 0));
}

Value bi_min_(BuiltinArgs& a) { return Value::from_int(std::min(arg_int(a, 0), arg_int(a, 1))); }
Value bi_max_(BuiltinArgs& a) { return Value::from_int(std::max(arg_int(a, 0), arg_int(a, 1))); }

Value bi_clamp_(BuiltinArgs& a) {
    int64_t v = arg_int(a, 0), lo = arg_int(a, 1), hi = arg_int(a, 2);
    return Value::from_int(v < lo ? lo : v > hi ? hi : v);
}

Value bi_pow_(BuiltinArgs& a) {
    int64_t base = arg_int(a, 0), exp = arg_int(a, 1);
    if (exp < 0) {
        if (base == 1) return Value::from_int(1);
        if (base == -1) return Value::from_int(exp % 2 == 0 ? 1 : -1);
        if (base == 0) rt::raise(ErrorKind::ZeroDivisionError, "0 cannot be raised to a negative power");
        return Value::from_int(0);
    }
    uint64_t result = 1, b = as_u(base);
    for (auto e = as_u(exp); e; e >>= 1) {
        if (e & 1) result *= b;
        b *= b;
    }
    return Value::from_int(as_i(result));
}

Value bi_sqrt_(BuiltinArgs& a) {
    int64_t n = arg_int(a, 0);
    if (n < 0) rt::raise(ErrorKind::ValueError, "math domain error");
    return Value::from_int(isqrt(n));
}

Value bi_floor_(BuiltinArgs& a) { return a.args[0]; }
Value bi_ceil_(BuiltinArgs& a) { return a.args[0]; }
Value bi_round_(BuiltinArgs& a) { return a.args[0]; }

Value bi_bit_and(BuiltinArgs& a) { return Value::from_int(arg_int(a, 0) & arg_int(a, 1)); }
Value bi_bit_or(BuiltinArgs& a) { return Value::from_int(arg_int(a, 0) | arg_int(a, 1)); }
Value bi_bit_xor(BuiltinArgs& a) { return Value::from_int(arg_int(a, 0) ^ arg_int(a, 1)); }
Value bi_bit_not(BuiltinArgs& a) { return Value::from_int(~arg_int(a, 0)); }

// Shifts follow the operators (§6.2): negative count → ValueError, count >= 64 → 0 or the sign.
Value bi_bit_shl(BuiltinArgs& a) {
    int64_t v = arg_int(a, 0), n = arg_int(a, 1);
    if (n < 0) rt::raise(ErrorKind::ValueError, "negative shift count");
    return Value::from_int(n >= 64 ? 0 : as_i(as_u(v) << n));
}

Value bi_bit_shr(BuiltinArgs& a) {
    int64_t v = arg_int(a, 0), n = arg_int(a, 1);
    if (n < 0) rt::raise(ErrorKind::ValueError, "negative shift count");
    return Value::from_int(n >= 64 ? (v < 0 ? -1 : 0) : v >> n);
}

} // namespace bp::stdlib
