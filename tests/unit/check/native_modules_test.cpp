// The native-module registry (types/native_module.hpp): the built-in `thread` module's entry,
// host signatures and the declarations generated for a host module.
#include "check/checker.hpp"
#include "types/builtins.hpp"
#include "types/native_module.hpp"

#include <gtest/gtest.h>

using namespace bp;

namespace {

std::string builtin_of(const types::NativeModuleDecl& m, const char* name) {
    const types::NativeFunctionDecl* f = m.find(name);
    return f && f->builtin >= 0 ? std::string(kBuiltins[f->builtin].name) : "";
}

} // namespace

TEST(NativeModules, ThreadIsBuiltinBacked) {
    types::NativeModuleDecl m = check::thread_module();
    EXPECT_EQ(m.name, "thread");
    EXPECT_FALSE(m.has_host_functions());
    EXPECT_EQ(builtin_of(m, "spawn"), "thread_spawn");
    EXPECT_EQ(builtin_of(m, "join"), "thread_join");
    EXPECT_EQ(builtin_of(m, "scope"), "scope_new");
    EXPECT_EQ(builtin_of(m, "mutex_new"), "mutex_new");
    EXPECT_EQ(builtin_of(m, "submit"), "pool_submit");
    EXPECT_EQ(builtin_of(m, "chan_send"), "chan_send");
    EXPECT_EQ(m.find("print"), nullptr);        // not every builtin is a thread function
    EXPECT_EQ(m.find("thread_spawn"), nullptr); // the flat name is not a module name
}

TEST(NativeModules, Signatures) {
    std::vector<std::string> params;
    std::string ret;
    ASSERT_TRUE(types::parse_native_signature("(int, str) -> float", params, ret));
    EXPECT_EQ(params, (std::vector<std::string>{"int", "str"}));
    EXPECT_EQ(ret, "float");
    EXPECT_TRUE(types::parse_native_signature("() -> void", params, ret));
    EXPECT_TRUE(params.empty());
    EXPECT_FALSE(types::parse_native_signature("(void) -> int", params, ret));
    EXPECT_FALSE(types::parse_native_signature("(int,) -> int", params, ret));
    EXPECT_FALSE(types::parse_native_signature("([int]) -> int", params, ret));
    EXPECT_FALSE(types::parse_native_signature("(int) int", params, ret));
}

TEST(NativeModules, HostModuleSource) {
    types::NativeModuleDecl m;
    m.name = "stats";
    m.functions.push_back({"add", -1, "(int, int) -> int", nullptr});
    m.functions.push_back({"log", -1, "(str) -> void", nullptr});
    EXPECT_TRUE(m.has_host_functions());
    types::NativeRegistry registry{check::thread_module(), m};
    EXPECT_EQ(types::find_native_module(registry, "stats"), &registry[1]);
    EXPECT_EQ(types::find_native_module(registry, "thread"), &registry[0]);
    EXPECT_EQ(types::find_native_module(registry, "nope"), nullptr);
    std::string src = types::native_module_source(m);
    EXPECT_NE(src.find("extern fn native_add(a0: int, a1: int) -> int from \"<native:stats>\" as \"add\""), std::string::npos);
    EXPECT_NE(src.find("export def add(a0: int, a1: int) -> int:\n    return native_add(a0, a1)"), std::string::npos);
    EXPECT_NE(src.find("export def log(a0: str) -> void:\n    native_log(a0)"), std::string::npos);
}
