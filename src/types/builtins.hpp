// Builtin ids and signatures, from builtins.def.
#pragma once
#include <cstdint>
#include <string_view>

namespace bp {

enum class Builtin : uint16_t {
#define BP_BUILTIN(id, name, sig) id,
#include "types/builtins.def"
#undef BP_BUILTIN
};

struct BuiltinInfo {
    std::string_view name;
    std::string_view signature;
};

inline constexpr BuiltinInfo kBuiltins[] = {
#define BP_BUILTIN(id, name, sig) {name, sig},
#include "types/builtins.def"
#undef BP_BUILTIN
};
inline constexpr uint32_t kBuiltinCount = sizeof(kBuiltins) / sizeof(kBuiltins[0]);

// The id of the builtin named `name`, or -1: a binary search in a table sorted at compile time, so
// a lookup costs no start-up work (no map is built per checker or per process).
int32_t find_builtin(std::string_view name);

// Whether builtin `id` is one of float_math.def's (the FloatMath opcode computes it in place).
constexpr bool is_float_math(uint32_t id) {
    switch (static_cast<Builtin>(id)) {
#define BP_FLOAT_MATH(b, fn) case Builtin::b:
#include "types/float_math.def"
#undef BP_FLOAT_MATH
        return true;
    default:
        return false;
    }
}

} // namespace bp
