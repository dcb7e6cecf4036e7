// base::LazyLibrary (base/lazy_library.hpp): opened once at first use, from any number of threads;
// a library or symbol that cannot be found gives a message naming it, every time.
#include "base/lazy_library.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

using bp::base::LazyLibrary;

TEST(LazyLibrary, MissingLibraryIsAClearErrorEveryTime) {
    LazyLibrary lib("libbp-no-such-library.so.7", "the test library");
    std::string error;
    EXPECT_FALSE(lib.load(error));
    EXPECT_NE(error.find("cannot load the test library (libbp-no-such-library.so.7)"), std::string::npos) << error;
    std::string again;
    double (*fn)(double) = nullptr;
    EXPECT_FALSE(lib.bind("cos", fn, again));
    EXPECT_EQ(fn, nullptr);
    EXPECT_EQ(again, error); // the first outcome is kept, not retried
}

TEST(LazyLibrary, BindsFunctionsAndReportsMissingSymbols) {
    LazyLibrary lib("libm.so.6", "libm");
    std::string error;
    double (*cosine)(double) = nullptr;
    ASSERT_TRUE(lib.bind("cos", cosine, error)) << error;
    EXPECT_DOUBLE_EQ(cosine(0.0), 1.0);
    void (*missing)() = nullptr;
    EXPECT_FALSE(lib.bind("bp_no_such_symbol", missing, error));
    EXPECT_EQ(error, "libm (libm.so.6) has no symbol bp_no_such_symbol");
}

TEST(LazyLibrary, FirstUseFromManyThreadsLoadsOnce) {
    LazyLibrary lib("libm.so.6", "libm");
    constexpr int kThreads = 8;
    std::vector<void*> seen(kThreads, nullptr);
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i)
        threads.emplace_back([&, i] {
            while (!go.load()) std::this_thread::yield();
            std::string error;
            seen[i] = lib.symbol("sqrt", error);
        });
    go.store(true);
    for (auto& t : threads) t.join();
    for (void* p : seen) {
        EXPECT_NE(p, nullptr);
        EXPECT_EQ(p, seen[0]);
    }
}
