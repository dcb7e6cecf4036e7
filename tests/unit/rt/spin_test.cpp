// Spinning before parking (runtime/thread/toolkit.hpp): spin_for's budget and SpinGauge's
// back-off, which keeps failing spins from burning cores on an oversubscribed machine.
#include "runtime/thread/toolkit.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace bp::test {
namespace {

using namespace std::chrono_literals;
using thread::SpinGauge;

TEST(SpinTest, SpinForSeesAnAlreadyTrueCondition) {
    int calls = 0;
    EXPECT_TRUE(thread::spin_for([&] { return ++calls > 0; }, 0ns));
    EXPECT_EQ(calls, 1);
}

TEST(SpinTest, SpinForGivesUpAfterItsBudget) {
    if (!thread::spinning_helps()) GTEST_SKIP() << "one core: spin_for never spins";
    int calls = 0;
    auto start = std::chrono::steady_clock::now();
    EXPECT_FALSE(thread::spin_for([&] { return ++calls < 0; }, 50us));
    auto took = std::chrono::steady_clock::now() - start;
    EXPECT_GE(took, 50us);
    EXPECT_GT(calls, 1);
}

TEST(SpinTest, SpinForSeesAnotherThreadsStore) {
    if (!thread::spinning_helps()) GTEST_SKIP() << "one core: spin_for never spins";
    std::atomic<bool> flag{false};
    std::atomic<bool> seen{false};
    std::thread waiter([&] {
        // Generous: the storing thread may wait for a core on a loaded machine.
        seen = thread::spin_for([&] { return flag.load(std::memory_order_acquire); }, 5s);
    });
    flag.store(true, std::memory_order_release);
    waiter.join();
    EXPECT_TRUE(seen.load());
}

// Counts how many spins a gauge actually starts over `rounds` waits that always fail.
int spins_started(SpinGauge& g, int rounds) {
    int started = 0;
    for (int i = 0; i < rounds; ++i) {
        int calls = 0;
        g.spin([&] { return ++calls < 0; }, 1us);
        if (calls > 1) ++started; // more than the first check: it spun
    }
    return started;
}

TEST(SpinTest, GaugeBacksOffWhenSpinsFail) {
    if (!thread::spinning_helps()) GTEST_SKIP() << "one core: spin_for never spins";
    SpinGauge g;
    // The first failure takes the score below 0; from then on only every 8th wait probes
    // (1 + 12 of 90 here), instead of all 90 spinning.
    int started = spins_started(g, 90);
    EXPECT_GE(started, 10);
    EXPECT_LE(started, 13);
}

TEST(SpinTest, GaugeRecoversWhenSpinsSucceed) {
    if (!thread::spinning_helps()) GTEST_SKIP() << "one core: spin_for never spins";
    SpinGauge g;
    spins_started(g, 20); // backed off
    // Conditions that become true after a few checks: only probes spin, and each success raises
    // the score until every wait spins again.
    int succeeded = 0;
    for (int i = 0; i < 200; ++i) {
        int calls = 0;
        if (g.spin([&] { return ++calls > 3; }, 1ms)) ++succeeded;
    }
    EXPECT_GT(succeeded, 150); // after at most 8 probes x 8 rounds, every wait spins and succeeds
    int calls = 0;
    EXPECT_TRUE(g.spin([&] { return ++calls > 3; }, 1ms));
}

} // namespace
} // namespace bp::test
