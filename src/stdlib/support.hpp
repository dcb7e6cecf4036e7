// Internal to stdlib: the declaration of every builtin (bi_<id>, from types/builtins.def) and the
// small argument/result helpers the area files share.
#pragma once
#include "runtime/rt.hpp"
#include "vm/vm.hpp"

#include <memory>
#include <string_view>
#include <vector>

namespace bp::stdlib {

#define BP_BUILTIN(id, name, sig) Value bi_##id(BuiltinArgs& a);
#include "types/builtins.def"
#undef BP_BUILTIN

inline int64_t arg_int(const BuiltinArgs& a, uint32_t i) { return a.args[i].i; }
inline double arg_float(const BuiltinArgs& a, uint32_t i) { return a.args[i].f; }
inline const String* arg_str(const BuiltinArgs& a, uint32_t i) { return static_cast<const String*>(a.args[i].o); }
inline std::string_view arg_sv(const BuiltinArgs& a, uint32_t i) { return arg_str(a, i)->view(); }
inline Array* arg_array(const BuiltinArgs& a, uint32_t i) { return static_cast<Array*>(a.args[i].o); }
inline Bytes* arg_bytes(const BuiltinArgs& a, uint32_t i) { return static_cast<Bytes*>(a.args[i].o); }
inline Map* arg_map(const BuiltinArgs& a, uint32_t i) { return static_cast<Map*>(a.args[i].o); }

inline Value str_value(BuiltinArgs& a, std::string_view s) { return Value::from_obj(rt::new_string(a.thread, s)); }

// A `B` result (LANGUAGE.md §10): a new bytes when the call's static result type is bytes, else
// a new [int] (one element per byte, 0-255).
Value bytes_result(BuiltinArgs& a, std::string_view data);
// Sleeps at least `ms` milliseconds, safe for the collector meanwhile; ms <= 0 yields (threading.cpp).
void sleep_ms(VmThread& t, int64_t ms);
// The elements of `a` as of one moment, read lock-free (object.hpp's reader protocol), so a
// concurrent shrink can never make a builtin index past the end.
std::vector<Value> array_snapshot(const Array* a);
// Reads a `B` argument ([int] or bytes) as bytes, each element & 0xFF.
std::string bytes_of_arg(const BuiltinArgs& a, uint32_t i);
// A new array of type `array_type` ([str]) holding the given strings.
Array* new_str_array(BuiltinArgs& a, const types::Type* array_type, const std::vector<std::string_view>& parts);

// The regex cache stored (type-erased) in Vm::regex_cache (stdlib/regex.cpp).
std::shared_ptr<void> new_regex_cache();

} // namespace bp::stdlib
