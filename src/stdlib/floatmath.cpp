// Float math builtins (LANGUAGE.md §10): C library results; only float_to_int raises.
#include "stdlib/support.hpp"

#include <cmath>
#include <cstdlib>

namespace bp::stdlib {

namespace {
Value unary(const BuiltinArgs& a, double (*f)(double)) { return Value::from_float(f(arg_float(a, 0))); }
} // namespace

Value bi_sin_(BuiltinArgs& a) { return unary(a, std::sin); }
Value bi_cos_(BuiltinArgs& a) { return unary(a, std::cos); }
Value bi_tan_(BuiltinArgs& a) { return unary(a, std::tan); }
Value bi_asin_(BuiltinArgs& a) { return unary(a, std::asin); }
Value bi_acos_(BuiltinArgs& a) { return unary(a, std::acos); }
Value bi_atan_(BuiltinArgs& a) { return unary(a, std::atan); }
Value bi_log_(BuiltinArgs& a) { return unary(a, std::log); }
Value bi_log10_(BuiltinArgs& a) { return unary(a, std::log10); }
Value bi_log2_(BuiltinArgs& a) { return unary(a, std::log2); }
Value bi_exp_(BuiltinArgs& a) { return unary(a, std::exp); }
Value bi_fabs_(BuiltinArgs& a) { return unary(a, std::fabs); }
Value bi_ffloor(BuiltinArgs& a) { return unary(a, std::floor); }
Value bi_fceil(BuiltinArgs& a) { return unary(a, std::ceil); }
Value bi_fround(BuiltinArgs& a) { return unary(a, std::round); } // halves away from zero
Value bi_fsqrt(BuiltinArgs& a) { return unary(a, std::sqrt); }

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
// String data is NUL-terminated, so strtod stops at the end (or at an embedded NUL).
Value bi_str_to_float(BuiltinArgs& a) {
    return Value::from_float(std::strtod(arg_str(a, 0)->data, nullptr));
}

Value bi_is_nan(BuiltinArgs& a) { return Value::from_bool(std::isnan(arg_float(a, 0))); }
Value bi_is_inf(BuiltinArgs& a) { return Value::from_bool(std::isinf(arg_float(a, 0))); }

} // namespace bp::stdlib
