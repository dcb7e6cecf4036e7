// Builtin lookup by name (builtins.hpp): the names sorted once, by the compiler.
#include "types/builtins.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace bp {

namespace {

using Entry = std::pair<std::string_view, uint16_t>;

constexpr std::array<Entry, kBuiltinCount> kByName = [] {
    std::array<Entry, kBuiltinCount> a{};
    for (uint32_t i = 0; i < kBuiltinCount; ++i) a[i] = {kBuiltins[i].name, static_cast<uint16_t>(i)};
    std::sort(a.begin(), a.end());
    return a;
}();

constexpr bool names_unique() {
    for (uint32_t i = 1; i < kBuiltinCount; ++i)
        if (kByName[i - 1].first == kByName[i].first) return false;
    return true;
}
static_assert(names_unique(), "two builtins in builtins.def share a name");

} // namespace

int32_t find_builtin(std::string_view name) {
    auto it = std::lower_bound(kByName.begin(), kByName.end(), name,
                               [](const Entry& e, std::string_view n) { return e.first < n; });
    return it != kByName.end() && it->first == name ? it->second : -1;
}

} // namespace bp
