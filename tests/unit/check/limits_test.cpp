// Limits the bytecode imposes on whole programs (16-bit function and global operands) are compile
// errors in the checker, not silent truncation (found by tests/process/hostile.py huge_sources).
#include "check_helper.hpp"

#include <string>

using namespace bp::check::test;

TEST(Limits, TooManyFunctions) {
    std::string src;
    for (int i = 0; i < 65001; ++i) src += "def f" + std::to_string(i) + "() -> int:\n    return 1\n";
    auto c = run_check(src + "def main() -> int:\n    return f65000()\n");
    EXPECT_FALSE(c->ok);
    EXPECT_EQ(c->messages(), std::vector<std::string>{"too many functions (the limit is 65000)"});
}

TEST(Limits, TooManyGlobals) {
    std::string src;
    for (int i = 0; i < 65001; ++i) src += "let g" + std::to_string(i) + ": int = 1\n";
    auto c = run_check(src + "def main() -> int:\n    return g65000\n");
    EXPECT_FALSE(c->ok);
    EXPECT_EQ(c->messages(), std::vector<std::string>{"too many globals (the limit is 65000)"});
}

TEST(Limits, JustBelowTheLimitIsFine) {
    std::string src;
    for (int i = 0; i < 64999; ++i) src += "let g" + std::to_string(i) + ": int = 1\n";
    auto c = run_check(src + "def main() -> int:\n    return g64998\n");
    EXPECT_TRUE(c->ok) << c->dump();
}
