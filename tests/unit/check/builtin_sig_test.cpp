// Builtin signatures are parsed lazily, at a builtin's first call (check/builtin_sig.hpp): a typo in
// builtins.def would then surface only when a program calls that builtin. This parses all of them.
#include "check/builtin_sig.hpp"
#include "types/builtins.hpp"
#include "types/type.hpp"

#include <cctype>

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

// Every function a Python-spelling hint names (check/python_spellings.def) is a builtin (range and
// len aside): the table cannot rot into advice that fails.
TEST(PythonSpellings, HintsNameRealBuiltins) {
    std::vector<std::string> hints;
#define BP_PYTHON_NAME(python, hint) hints.push_back(hint);
#define BP_PYTHON_METHOD(kind, python, hint) hints.push_back(hint);
#include "check/python_spellings.def"
#undef BP_PYTHON_NAME
#undef BP_PYTHON_METHOD
    ASSERT_GT(hints.size(), 30u);
    size_t named = 0;
    for (const std::string& h : hints) {
        for (size_t open = h.find('('); open != std::string::npos; open = h.find('(', open + 1)) {
            size_t start = open;
            while (start > 0 && (std::isalnum(static_cast<unsigned char>(h[start - 1])) || h[start - 1] == '_')) --start;
            std::string name = h.substr(start, open - start);
            if (name.empty() || name == "range" || name == "len") continue;
            EXPECT_GE(bp::find_builtin(name), 0) << name << " in: " << h;
            ++named;
        }
    }
    EXPECT_GT(named, 30u);
}
