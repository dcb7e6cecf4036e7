// Error kinds, from errors.def.
#pragma once
#include <cstdint>
#include <string_view>

namespace bp {

enum class ErrorKind : uint8_t {
#define BP_ERROR(name) name,
#include "types/errors.def"
#undef BP_ERROR
};

inline constexpr std::string_view kErrorNames[] = {
#define BP_ERROR(name) #name,
#include "types/errors.def"
#undef BP_ERROR
};
inline constexpr uint32_t kErrorKindCount = sizeof(kErrorNames) / sizeof(kErrorNames[0]);

inline std::string_view error_name(ErrorKind k) { return kErrorNames[static_cast<uint32_t>(k)]; }

} // namespace bp
