// The Bytes builtins (LANGUAGE.md §10): every `B` parameter is a bytes object or an [int] (whose
// elements are read & 0xFF); writes store v & 0xFF. Each builtin is one atomic operation on its
// buffer (rt::bytes_* and rt::array_* take the object's lock for mutations).
#include "stdlib/support.hpp"

#include <cstring>
#include <string>

namespace bp::stdlib {

namespace {

bool is_bytes(const BuiltinArgs& a, uint32_t i) { return a.arg_types[i]->kind == types::Kind::Bytes; }

int64_t buf_len(const BuiltinArgs& a, uint32_t i) {
    return is_bytes(a, i) ? rt::bytes_len(arg_bytes(a, i)) : rt::array_len(arg_array(a, i));
}

// Appends raw bytes to a B argument (one lock hold for bytes, so a multi-byte write is atomic).
void buf_append(BuiltinArgs& a, uint32_t i, std::string_view data) {
    if (is_bytes(a, i)) return rt::bytes_append(a.thread, arg_bytes(a, i), data);
    for (char c : data) rt::array_push(a.thread, arg_array(a, i), Value::from_int(static_cast<unsigned char>(c)));
}

[[noreturn]] void raise_bounds(std::string_view fn, std::string_view what) {
    rt::raise(ErrorKind::IndexError, std::string(fn) + ": " + std::string(what));
}

// `size` bytes at `off` of a B argument, or IndexError "<fn>: out of bounds".
std::string read_range(const BuiltinArgs& a, int64_t off, int64_t size, std::string_view fn) {
    int64_t n = buf_len(a, 0);
    if (off < 0 || off > n || size > n - off) raise_bounds(fn, "out of bounds");
    std::string out(static_cast<size_t>(size), '\0');
    for (int64_t k = 0; k < size; ++k) { // bytes never shrink; a racing array_pop raises IndexError
        int64_t v = is_bytes(a, 0) ? rt::bytes_get(arg_bytes(a, 0), off + k) : rt::array_get(arg_array(a, 0), off + k).i;
        out[static_cast<size_t>(k)] = static_cast<char>(v & 0xFF);
    }
    return out;
}

std::string little_endian(uint64_t v, int n) {
    std::string out(static_cast<size_t>(n), '\0');
    for (int k = 0; k < n; ++k) out[static_cast<size_t>(k)] = static_cast<char>((v >> (8 * k)) & 0xFF);
    return out;
}

uint64_t read_little_endian(std::string_view d) {
    uint64_t v = 0;
    for (size_t k = 0; k < d.size(); ++k) v |= uint64_t{static_cast<unsigned char>(d[k])} << (8 * k);
    return v;
}

void check_size(int64_t size, std::string_view fn) {
    if (size < 1 || size > 8) rt::raise(ErrorKind::ValueError, std::string(fn) + ": size must be 1-8");
}

} // namespace

Value bi_bytes_new(BuiltinArgs& a) {
    int64_t n = arg_int(a, 0);
    if (a.result_type->kind == types::Kind::Bytes) return Value::from_obj(rt::new_bytes(a.thread, n));
    rt::checked_size(0, static_cast<uint64_t>(n > 0 ? n : 0), sizeof(Value)); // MemoryError, not bad_alloc
    return bytes_result(a, std::string(static_cast<size_t>(n > 0 ? n : 0), '\0'));
}

Value bi_bytes_len(BuiltinArgs& a) { return Value::from_int(buf_len(a, 0)); }

Value bi_bytes_append(BuiltinArgs& a) {
    char c = static_cast<char>(arg_int(a, 1) & 0xFF);
    buf_append(a, 0, std::string_view(&c, 1));
    return Value::zero();
}

Value bi_bytes_get(BuiltinArgs& a) {
    int64_t i = arg_int(a, 1);
    if (i < 0 || i >= buf_len(a, 0)) raise_bounds("bytes_get", "index out of bounds");
    if (is_bytes(a, 0)) return Value::from_int(rt::bytes_get(arg_bytes(a, 0), i));
    return Value::from_int(rt::array_get(arg_array(a, 0), i).i & 0xFF);
}

Value bi_bytes_set(BuiltinArgs& a) {
    int64_t i = arg_int(a, 1), v = arg_int(a, 2) & 0xFF;
    if (i < 0 || i >= buf_len(a, 0)) raise_bounds("bytes_set", "index out of bounds");
    if (is_bytes(a, 0)) rt::bytes_set(arg_bytes(a, 0), i, v);
    else rt::array_set(a.thread, arg_array(a, 0), i, Value::from_int(v));
    return Value::zero();
}

Value bi_bytes_write_u16(BuiltinArgs& a) {
    buf_append(a, 0, little_endian(static_cast<uint64_t>(arg_int(a, 1)), 2));
    return Value::zero();
}
Value bi_bytes_write_u32(BuiltinArgs& a) {
    buf_append(a, 0, little_endian(static_cast<uint64_t>(arg_int(a, 1)), 4));
    return Value::zero();
}
Value bi_bytes_write_i64(BuiltinArgs& a) {
    buf_append(a, 0, little_endian(static_cast<uint64_t>(arg_int(a, 1)), 8));
    return Value::zero();
}

Value bi_bytes_read_u16(BuiltinArgs& a) {
    return Value::from_int(static_cast<int64_t>(read_little_endian(read_range(a, arg_int(a, 1), 2, "bytes_read_u16"))));
}
Value bi_bytes_read_u32(BuiltinArgs& a) {
    return Value::from_int(static_cast<int64_t>(read_little_endian(read_range(a, arg_int(a, 1), 4, "bytes_read_u32"))));
}
Value bi_bytes_read_i64(BuiltinArgs& a) {
    return Value::from_int(static_cast<int64_t>(read_little_endian(read_range(a, arg_int(a, 1), 8, "bytes_read_i64"))));
}

Value bi_int_to_bytes(BuiltinArgs& a) {
    int64_t size = arg_int(a, 1);
    check_size(size, "int_to_bytes");
    auto v = static_cast<uint64_t>(arg_int(a, 0));
    std::string out(static_cast<size_t>(size), '\0');
    for (int64_t k = 0; k < size; ++k) out[static_cast<size_t>(size - 1 - k)] = static_cast<char>((v >> (8 * k)) & 0xFF);
    return bytes_result(a, out);
}

Value bi_int_from_bytes(BuiltinArgs& a) {
    int64_t size = arg_int(a, 2);
    check_size(size, "int_from_bytes");
    std::string d = read_range(a, arg_int(a, 1), size, "int_from_bytes");
    uint64_t v = 0;
    for (char c : d) v = (v << 8) | static_cast<unsigned char>(c);
    return Value::from_int(static_cast<int64_t>(v));
}

} // namespace bp::stdlib
