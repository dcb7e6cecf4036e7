// Float math builtins (LANGUAGE.md §10): C library results; only float_to_int raises.
#include "stdlib/support.hpp"

#include <cmath>
#include <cstdlib>

namespace bp::stdlib {

namespace {
Value unary(const BuiltinArgs& a, double (*f)(double)) { return Value::from_float(f(arg_float(a, 0))); }
} // namespace

#define BP_FLOAT_MATH(b, fn) \
    Value bi_##b(BuiltinArgs& a) { return unary(a, fn); }
#include "types/float_math.def"
#undef BP_FLOAT_MATH

Value bi_atan2_(BuiltinArgs& a) { return Value::from_float(std::atan2(arg_float(a, 0), arg_float(a, 1))); }
Value bi_fpow(BuiltinArgs& a) { return Value::from_float(std::pow(arg_float(a, 0), arg_float(a, 1))); }
Value bi_int_to_float(BuiltinArgs& a) { return Value::from_float(static_cast<double>(arg_int(a, 0))); }

Value bi_float_to_int(BuiltinArgs& a) {
    double x = arg_float(a, 0);
    if (std::isnan(x)) rt::raise(ErrorKind::ValueError, "cannot convert nan to int");
    if (std::isinf(x)) rt::raise(ErrorKind::ValueError, "cannot convert infinity to int");
    // [-2^63, 2^63): both bounds are exact doubles.
    if (x < -9223372036854775808.0 || x >= 9223372036854775808.0)
        rt::raise(ErrorKind::ValueError, "float out of int range");
    return Value::from_int(static_cast<int64_t>(x));
}

Value bi_float_to_str(BuiltinArgs& a) { return str_value(a, rt::format_float(arg_float(a, 0))); }

// The longest prefix strtod accepts (leading whitespace, inf, nan, hex floats); 0.0 if none.
// strtod needs a NUL after the bytes: an inline string has one (strtod stops there or at an embedded
// NUL); a buffer string (runtime/string.cpp) may not, so it is copied first.
Value bi_str_to_float(BuiltinArgs& a) {
    const String* s = arg_str(a, 0);
    if (!s->in_buffer()) return Value::from_float(std::strtod(s->chars(), nullptr));
    return Value::from_float(std::strtod(std::string(s->view()).c_str(), nullptr));
}

Value bi_is_nan(BuiltinArgs& a) { return Value::from_bool(std::isnan(arg_float(a, 0))); }
Value bi_is_inf(BuiltinArgs& a) { return Value::from_bool(std::isinf(arg_float(a, 0))); }

} // namespace bp::stdlib
