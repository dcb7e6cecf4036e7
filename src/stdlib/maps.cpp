// Map builtins (LANGUAGE.md §10): each one runtime operation; keys/values are snapshots in
// insertion order.
#include "stdlib/support.hpp"

namespace bp::stdlib {

Value bi_map_len(BuiltinArgs& a) { return Value::from_int(rt::map_len(arg_map(a, 0))); }

Value bi_map_keys(BuiltinArgs& a) {
    return Value::from_obj(rt::map_keys(a.thread, arg_map(a, 0), a.result_type));
}

Value bi_map_values(BuiltinArgs& a) {
    return Value::from_obj(rt::map_values(a.thread, arg_map(a, 0), a.result_type));
}

Value bi_map_has_key(BuiltinArgs& a) { return Value::from_bool(rt::map_has_key(a.thread, arg_map(a, 0), a.args[1])); }
Value bi_map_delete(BuiltinArgs& a) { return Value::from_bool(rt::map_delete(arg_map(a, 0), a.args[1])); }

} // namespace bp::stdlib
