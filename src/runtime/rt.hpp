// The runtime API: creating and operating on heap objects. Used by the interpreter (vm/) and the
// builtins (stdlib/). Every function here is safe to call from any thread (threads issue): each
// container operation is atomic with respect to other threads (see docs/threading.md, later).
//
// Errors: functions throw rt::Raise; the interpreter converts it into a BetterPython exception
// with a traceback at the current instruction.
#pragma once
#include "runtime/object.hpp"
#include "types/errors.hpp"

#include <string>
#include <string_view>

namespace bp {
class VmThread;
}

namespace bp::rt {

struct Raise {
    ErrorKind kind;
    std::string message;
};
[[noreturn]] void raise(ErrorKind kind, std::string message);

// ---- strings
String* new_string(VmThread& t, std::string_view s);
String* concat(VmThread& t, const String* a, const String* b);
uint64_t string_hash(const String* s);
bool string_equal(const String* a, const String* b);
int string_compare(const String* a, const String* b); // bytewise; <0, 0, >0

// ---- arrays ([T]); indexes are already normalised by the caller unless noted
Array* new_array(VmThread& t, const types::Type* array_type, int64_t reserve = 0);
int64_t array_len(const Array* a);
Value array_get(const Array* a, int64_t i);          // i may be negative (from the end); IndexError
void array_set(Array* a, int64_t i, Value v);        // same index rule
void array_push(VmThread& t, Array* a, Value v);
Value array_pop(Array* a);                            // IndexError "array_pop on empty array"
void array_insert(VmThread& t, Array* a, int64_t i, Value v); // i clamped to 0..len
Value array_remove(Array* a, int64_t i);              // IndexError unless 0 <= i < len
void array_clear(Array* a);

// ---- maps ({K: V}), insertion-ordered
Map* new_map(VmThread& t, const types::Type* map_type);
int64_t map_len(const Map* m);
bool map_find(const Map* m, Value key, Value* out);    // false if missing
Value map_get(const Map* m, Value key);                // KeyError `key not found: <key>` if missing
void map_set(VmThread& t, Map* m, Value key, Value v);
bool map_delete(Map* m, Value key);
Array* map_keys(VmThread& t, const Map* m);            // snapshot, insertion order
Array* map_values(VmThread& t, const Map* m);

// ---- tuples, structs, closures, cells, boxes
Tuple* new_tuple(VmThread& t, const types::Type* tuple_type);      // items zeroed; fill them
Instance* new_instance(VmThread& t, const types::Type* struct_type); // fields zeroed; fill them
Closure* new_closure(VmThread& t, const bytecode::FunctionProto* proto, uint32_t ncaptures);
Cell* new_cell(VmThread& t, bool holds_ref, Value v);
Box* new_box(VmThread& t, const types::Type* type, Value v); // type == void_t: the empty box
// any -> T: returns the value or throws TypeError "expected T, got U" (U: the box's type name,
// "void" for the empty box). A class instance box matches any superclass T.
Value unbox(const Box* b, const types::Type* expected);

// ---- errors
ErrorObj* new_error(VmThread& t, ErrorKind kind, std::string_view message);

// ---- generic operations by static type (LANGUAGE.md §6.2)
bool values_equal(Value a, Value b, const types::Type* type); // deep; RecursionError past the depth limit
uint64_t hash_key(Value key, const types::Type* key_type);    // int, float, bool, str keys
// The dynamic type name used by typeof (§10): int float bool str array map tuple struct class fn
// bytes error Thread Mutex Condition Volatile ptr void.
std::string typeof_name(Value v, const types::Type* type);

// ---- printing (§9): implemented in runtime/format.cpp
// top_level: the form print/to_str use; otherwise the form inside containers (quoted strings...).
std::string to_display(Value v, const types::Type* type, bool top_level = true);
std::string format_float(double d); // shortest round-trip form of §9
// f-string field with a spec (§2): throws ValueError if the spec cannot apply.
std::string format_with_spec(Value v, const types::Type* type, std::string_view spec);

} // namespace bp::rt
