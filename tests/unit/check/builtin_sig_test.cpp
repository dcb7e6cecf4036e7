// Builtin signatures are parsed lazily, at a builtin's first call (check/builtin_sig.hpp): a typo in
// builtins.def would then surface only when a program calls that builtin. This parses all of them.
#include "check/builtin_sig.hpp"
#include "types/builtins.hpp"
#include "types/type.hpp"

#include <gtest/gtest.h>

using namespace bp;

TEST(BuiltinSignatures, EveryOneParses) {
    types::TypeTable types;
    for (uint32_t i = 0; i < kBuiltinCount; ++i) {
        check::Signature sig = check::parse_builtin_signature(i, types);
        bool declared_special = kBuiltins[i].signature == std::string_view("special");
        // A malformed text comes back `special` too: only the ones written so may be.
        EXPECT_EQ(sig.special, declared_special) << kBuiltins[i].name << ": " << kBuiltins[i].signature;
        if (!sig.special) {
            EXPECT_NE(sig.ret, nullptr) << kBuiltins[i].name;
        }
    }
}

TEST(BuiltinSignatures, ShapesAreRead) {
    types::TypeTable types;
    for (uint32_t i = 0; i < kBuiltinCount; ++i) {
        if (kBuiltins[i].name != std::string_view("hash_sha256")) continue;
        check::Signature sig = check::parse_builtin_signature(i, types);
        ASSERT_EQ(sig.params.size(), 1u);
        EXPECT_EQ(sig.params[0]->type, types.str_t());
        EXPECT_EQ(sig.ret->type, types.str_t());
        return;
    }
    FAIL() << "no builtin hash_sha256";
}
