// Array builtins (LANGUAGE.md §10). Each is one runtime operation (rt::array_*), which makes it
// atomic with respect to other threads (the runtime takes the array's lock where it mutates).
#include "stdlib/support.hpp"

namespace bp::stdlib {

Value bi_array_len(BuiltinArgs& a) { return Value::from_int(rt::array_len(arg_array(a, 0))); }

Value bi_array_push(BuiltinArgs& a) {
    rt::array_push(a.thread, arg_array(a, 0), a.args[1]);
    return Value::zero();
}

Value bi_array_pop(BuiltinArgs& a) { return rt::array_pop(arg_array(a, 0)); }

Value bi_array_insert(BuiltinArgs& a) {
    rt::array_insert(a.thread, arg_array(a, 0), arg_int(a, 1), a.args[2]);
    return Value::zero();
}

Value bi_array_remove(BuiltinArgs& a) { return rt::array_remove(a.thread, arg_array(a, 0), arg_int(a, 1)); }

Value bi_array_sort(BuiltinArgs& a) {
    rt::array_sort(a.thread, arg_array(a, 0));
    return Value::zero();
}

Value bi_array_slice(BuiltinArgs& a) {
    return Value::from_obj(rt::array_slice(a.thread, arg_array(a, 0), arg_int(a, 1), arg_int(a, 2)));
}

Value bi_array_concat(BuiltinArgs& a) {
    return Value::from_obj(rt::array_concat(a.thread, arg_array(a, 0), arg_array(a, 1)));
}

Value bi_array_copy(BuiltinArgs& a) { return Value::from_obj(rt::array_copy(a.thread, arg_array(a, 0))); }

Value bi_array_clear(BuiltinArgs& a) {
    rt::array_clear(a.thread, arg_array(a, 0));
    return Value::zero();
}

Value bi_array_reverse(BuiltinArgs& a) {
    rt::array_reverse(a.thread, arg_array(a, 0));
    return Value::zero();
}

Value bi_array_index_of(BuiltinArgs& a) {
    return Value::from_int(rt::array_index_of(arg_array(a, 0), a.args[1]));
}

Value bi_array_contains(BuiltinArgs& a) {
    return Value::from_bool(rt::array_index_of(arg_array(a, 0), a.args[1]) >= 0);
}

Value bi_array_fill(BuiltinArgs& a) {
    return Value::from_obj(rt::array_fill(a.thread, a.result_type, arg_int(a, 0), a.args[1]));
}

} // namespace bp::stdlib
