// Builtin signatures: a parser for the mini-language of src/types/builtins.def and the
// instantiation of type variables (T K V) against argument types.
#pragma once
#include "types/builtins.hpp"
#include "types/type.hpp"

#include <array>
#include <memory>
#include <string_view>
#include <vector>

namespace bp::check {

// One type in a signature. Concrete types are interned; the rest are pattern nodes.
struct SigType {
    enum class Tag { Concrete, Var, Bytes, Array, Map, Handle };
    Tag tag = Tag::Concrete;
    const types::Type* type = nullptr; // Concrete; Handle: the handle type (a ptr argument is accepted too)
    int var = 0;                       // Var: 0 = T, 1 = K, 2 = V
    std::unique_ptr<SigType> a, b;     // Array: a = elem; Map: a = key, b = value
};

struct Signature {
    bool special = false;  // typed by the checker itself (len, bytes_to_str)
    bool variadic = false; // (...)
    std::vector<std::unique_ptr<SigType>> params;
    std::unique_ptr<SigType> ret;
};

// Bindings of T K V during one call's check; nullptr = unbound.
using SigBindings = std::array<const types::Type*, 3>;

// Parses builtin `id`'s signature (the checker does it at the builtin's first call, not for all
// 245 up front). Signatures are fixed text, so a parse failure is a bug in builtins.def: it is
// reported by an assertion in debug builds and typed as `special` otherwise.
Signature parse_builtin_signature(uint32_t id, types::TypeTable& types);

// The type of `s` with its variables replaced by `b`; nullptr if a variable is unbound.
// `want_bytes`: B becomes bytes (result position with bytes expected), else [int].
const types::Type* substitute(const SigType& s, const SigBindings& b, types::TypeTable& types,
                              bool want_bytes);

// Binds variables of `s` so that it matches `actual`; false on a structural mismatch or a binding
// conflict. Concrete leaves are not compared (the caller coerces the argument afterwards).
bool bind_sig(const SigType& s, const types::Type* actual, SigBindings& b);

} // namespace bp::check
