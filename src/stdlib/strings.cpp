// String builtins (LANGUAGE.md §10): byte-based, ASCII classes for case and character tests.
// Conversions between strings and numbers/bytes live in strconv.cpp.
#include "stdlib/support.hpp"

#include <algorithm>
#include <charconv>

namespace bp::stdlib {

namespace {

constexpr std::string_view kSpaces = " \t\n\v\f\r";

// Guards the builders below against results the heap could never hold, before std::string tries
// (a huge request must be MemoryError, not std::bad_alloc or a sanitizer's allocation-size abort).
uint64_t max_result_size(BuiltinArgs& a) { return std::min<uint64_t>(a.thread.vm.heap.limit_bytes(), uint64_t{1} << 40); }

void check_result_size(BuiltinArgs& a, uint64_t bytes) {
    if (bytes > max_result_size(a)) rt::raise(ErrorKind::MemoryError, "out of memory");
}

std::string padding(BuiltinArgs& a, std::string_view pad, uint64_t n) {
    check_result_size(a, n);
    std::string out;
    out.reserve(n);
    for (uint64_t i = 0; i < n; ++i) out += pad[i % pad.size()];
    return out;
}

template <class Pred>
bool every_byte(std::string_view s, Pred pred) {
    if (s.empty()) return false;
    return std::all_of(s.begin(), s.end(), [&](char c) { return pred(static_cast<unsigned char>(c)); });
}

bool ascii_digit(unsigned char c) { return c >= '0' && c <= '9'; }
bool ascii_alpha(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

} // namespace

Value bi_len_(BuiltinArgs& a) {
    const types::Type* t = a.arg_types[0];
    switch (t->kind) {
    case types::Kind::Str: return Value::from_int(static_cast<int64_t>(arg_str(a, 0)->len));
    case types::Kind::Array: return Value::from_int(rt::array_len(arg_array(a, 0)));
    case types::Kind::Map: return Value::from_int(rt::map_len(arg_map(a, 0)));
    case types::Kind::Tuple: return Value::from_int(static_cast<int64_t>(t->items.size()));
    case types::Kind::Bytes:
        return Value::from_int(static_cast<const Bytes*>(a.args[0].o)->len.load(std::memory_order_acquire));
    case types::Kind::Int: case types::Kind::Float: case types::Kind::Bool: case types::Kind::Void:
    case types::Kind::Any: case types::Kind::Ptr: case types::Kind::Error: case types::Kind::Thread:
    case types::Kind::Mutex: case types::Kind::Condition: case types::Kind::Volatile: case types::Kind::Channel: case types::Kind::Scope: case types::Kind::Sync: case types::Kind::Func:
    case types::Kind::Struct: break;
    }
    rt::raise(ErrorKind::TypeError, "len() of " + t->name());
}

Value bi_to_str(BuiltinArgs& a) {
    if (a.arg_types[0]->kind == types::Kind::Str) return a.args[0]; // immutable: share it
    if (a.arg_types[0]->kind == types::Kind::Int) { // the common case, without a std::string
        char buf[24];
        auto r = std::to_chars(buf, buf + sizeof buf, a.args[0].i);
        return str_value(a, std::string_view(buf, static_cast<size_t>(r.ptr - buf)));
    }
    return str_value(a, rt::to_display(a.args[0], a.arg_types[0], true));
}

Value bi_substr(BuiltinArgs& a) {
    std::string_view s = arg_sv(a, 0);
    int64_t len = static_cast<int64_t>(s.size());
    int64_t start = std::clamp<int64_t>(arg_int(a, 1), 0, len);
    int64_t count = std::clamp<int64_t>(arg_int(a, 2), 0, len - start);
    return str_value(a, s.substr(static_cast<size_t>(start), static_cast<size_t>(count)));
}

Value bi_str_upper(BuiltinArgs& a) {
    std::string s(arg_sv(a, 0));
    for (char& c : s)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return str_value(a, s);
}

Value bi_str_lower(BuiltinArgs& a) {
    std::string s(arg_sv(a, 0));
    for (char& c : s)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return str_value(a, s);
}

Value bi_str_trim(BuiltinArgs& a) {
    std::string_view s = arg_sv(a, 0);
    size_t b = s.find_first_not_of(kSpaces);
    if (b == std::string_view::npos) return str_value(a, "");
    size_t e = s.find_last_not_of(kSpaces);
    return str_value(a, s.substr(b, e - b + 1));
}

Value bi_str_reverse(BuiltinArgs& a) {
    std::string s(arg_sv(a, 0));
    std::reverse(s.begin(), s.end());
    return str_value(a, s);
}

Value bi_starts_with(BuiltinArgs& a) { return Value::from_bool(arg_sv(a, 0).starts_with(arg_sv(a, 1))); }
Value bi_ends_with(BuiltinArgs& a) { return Value::from_bool(arg_sv(a, 0).ends_with(arg_sv(a, 1))); }

Value bi_str_contains(BuiltinArgs& a) {
    return Value::from_bool(arg_sv(a, 0).find(arg_sv(a, 1)) != std::string_view::npos);
}

Value bi_str_find(BuiltinArgs& a) {
    size_t p = arg_sv(a, 0).find(arg_sv(a, 1));
    return Value::from_int(p == std::string_view::npos ? -1 : static_cast<int64_t>(p));
}

Value bi_str_index_of(BuiltinArgs& a) { return bi_str_find(a); }

Value bi_str_count(BuiltinArgs& a) {
    std::string_view s = arg_sv(a, 0), sub = arg_sv(a, 1);
    if (sub.empty()) return Value::from_int(0);
    int64_t n = 0;
    for (size_t p = s.find(sub); p != std::string_view::npos; p = s.find(sub, p + sub.size())) ++n;
    return Value::from_int(n);
}

// First occurrence only, as the original does and documents.
Value bi_str_replace(BuiltinArgs& a) {
    std::string_view s = arg_sv(a, 0), old = arg_sv(a, 1), rep = arg_sv(a, 2);
    size_t p = old.empty() ? std::string_view::npos : s.find(old);
    if (p == std::string_view::npos) return a.args[0];
    std::string out(s.substr(0, p));
    out += rep;
    out += s.substr(p + old.size());
    return str_value(a, out);
}

Value bi_str_repeat(BuiltinArgs& a) {
    std::string_view s = arg_sv(a, 0);
    int64_t n = arg_int(a, 1);
    if (n <= 0 || s.empty()) return str_value(a, "");
    if (static_cast<uint64_t>(n) > max_result_size(a) / s.size()) rt::raise(ErrorKind::MemoryError, "out of memory");
    std::string out;
    out.reserve(s.size() * static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) out += s;
    return str_value(a, out);
}

Value bi_str_pad_left(BuiltinArgs& a) {
    std::string_view s = arg_sv(a, 0), pad = arg_sv(a, 2);
    int64_t width = arg_int(a, 1);
    if (width <= static_cast<int64_t>(s.size()) || pad.empty()) return a.args[0];
    return str_value(a, padding(a, pad, static_cast<uint64_t>(width) - s.size()) + std::string(s));
}

Value bi_str_pad_right(BuiltinArgs& a) {
    std::string_view s = arg_sv(a, 0), pad = arg_sv(a, 2);
    int64_t width = arg_int(a, 1);
    if (width <= static_cast<int64_t>(s.size()) || pad.empty()) return a.args[0];
    return str_value(a, std::string(s) + padding(a, pad, static_cast<uint64_t>(width) - s.size()));
}

Value bi_str_char_at(BuiltinArgs& a) {
    std::string_view s = arg_sv(a, 0);
    int64_t i = arg_int(a, 1);
    if (i < 0 || i >= static_cast<int64_t>(s.size())) return str_value(a, "");
    return str_value(a, s.substr(static_cast<size_t>(i), 1));
}

Value bi_str_split(BuiltinArgs& a) {
    std::string_view s = arg_sv(a, 0), sep = arg_sv(a, 1);
    std::vector<std::string_view> parts;
    if (sep.empty()) {
        for (size_t i = 0; i < s.size(); ++i) parts.push_back(s.substr(i, 1));
    } else {
        size_t from = 0;
        for (size_t p = s.find(sep); p != std::string_view::npos; p = s.find(sep, from)) {
            parts.push_back(s.substr(from, p - from));
            from = p + sep.size();
        }
        parts.push_back(s.substr(from));
    }
    return Value::from_obj(new_str_array(a, a.result_type, parts));
}

Value bi_str_split_str(BuiltinArgs& a) { return bi_str_split(a); }

Value bi_str_join(BuiltinArgs& a) {
    std::string_view sep = arg_sv(a, 1);
    std::string out;
    bool first = true;
    for (Value part : array_snapshot(arg_array(a, 0))) {
        if (!first) out += sep;
        first = false;
        out += static_cast<const String*>(part.o)->view();
        check_result_size(a, out.size());
    }
    return str_value(a, out);
}

Value bi_str_join_arr(BuiltinArgs& a) { return bi_str_join(a); }

Value bi_str_concat_all(BuiltinArgs& a) {
    std::string out;
    for (Value part : array_snapshot(arg_array(a, 0))) out += static_cast<const String*>(part.o)->view();
    return str_value(a, out);
}

Value bi_is_digit(BuiltinArgs& a) { return Value::from_bool(every_byte(arg_sv(a, 0), ascii_digit)); }
Value bi_is_alpha(BuiltinArgs& a) { return Value::from_bool(every_byte(arg_sv(a, 0), ascii_alpha)); }

Value bi_is_alnum(BuiltinArgs& a) {
    return Value::from_bool(every_byte(arg_sv(a, 0), [](unsigned char c) { return ascii_digit(c) || ascii_alpha(c); }));
}

Value bi_is_space(BuiltinArgs& a) {
    return Value::from_bool(every_byte(arg_sv(a, 0), [](unsigned char c) { return c != 0 && kSpaces.find(static_cast<char>(c)) != std::string_view::npos; }));
}

} // namespace bp::stdlib
