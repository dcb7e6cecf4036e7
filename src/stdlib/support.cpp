// Shared helpers of the builtins: B (byte sequence) arguments and results, string arrays.
#include "stdlib/support.hpp"

#include <algorithm>

namespace bp::stdlib {

Value bytes_result(BuiltinArgs& a, std::string_view data) {
    if (a.result_type->kind == types::Kind::Bytes) return Value::from_obj(rt::new_bytes_from(a.thread, data));
    Array* arr = rt::new_array(a.thread, a.result_type, static_cast<int64_t>(data.size()));
    for (char c : data) rt::array_push(a.thread, arr, Value::from_int(static_cast<unsigned char>(c)));
    return Value::from_obj(arr);
}

std::vector<Value> array_snapshot(const Array* a) {
    Storage* s = a->storage.load(std::memory_order_acquire);
    int64_t n = a->len.load(std::memory_order_acquire);
    if (!s || n <= 0) return {};
    n = std::min<int64_t>(n, static_cast<int64_t>(s->capacity)); // storage older than len
    std::vector<Value> out(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) out[static_cast<size_t>(i)] = slot_load(&s->slots[i]);
    return out;
}

std::string bytes_of_arg(const BuiltinArgs& a, uint32_t i) {
    const types::Type* t = a.arg_types[i];
    std::string out;
    if (t->kind == types::Kind::Bytes) return rt::bytes_snapshot(static_cast<const Bytes*>(a.args[i].o));
    for (Value v : array_snapshot(arg_array(a, i))) out += static_cast<char>(v.i & 0xFF);
    return out;
}

Array* new_str_array(BuiltinArgs& a, const types::Type* array_type, const std::vector<std::string_view>& parts) {
    Array* arr = rt::new_array(a.thread, array_type, static_cast<int64_t>(parts.size()));
    for (std::string_view p : parts) rt::array_push(a.thread, arr, Value::from_obj(rt::new_string(a.thread, p)));
    return arr;
}

} // namespace bp::stdlib
