// Collector tests for pacing and mutator assists (gc/heap.hpp, "Pacing and assists"): a thread that
// allocates during a concurrent cycle marks in proportion, so the marking ends before the cycle's
// budget runs out even with no background marker; assists are bounded and pay in chunks (overpaying
// is credit); a program that does not outrun the markers never assists; and the work sharing that
// assists join and leave (MarkShare::take_until / leave) ends exactly once.
#include "../rt/fixture.hpp"
#include "gc/marker.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <string_view>
#include <thread>
#include <vector>

namespace bp::test {
namespace {

class AssistTest : public RtFixture {
protected:
    AssistTest() { vm->heap.set_concurrent(gc::Heap::Concurrent::Always); }
    // A collection that is due but not forced: starts a cycle, or ends the one under way.
    void step() {
        vm->heap.collection_due.store(true);
        vm->heap.collect(t(), false);
    }
    // `n` live strings in an array in register 0; a stop-the-world collection measures them.
    Array* build_live(int n) {
        Array* a = rt::new_array(t(), types.array_of(types.str_t()));
        root(0, a);
        for (int i = 0; i < n; ++i) rt::array_push(t(), a, Value::from_obj(str(fmt::format("live string {}", i))));
        vm->heap.set_concurrent(gc::Heap::Concurrent::Never);
        collect();
        vm->heap.set_concurrent(gc::Heap::Concurrent::Always);
        return a;
    }
    // Allocates garbage strings until a collection is due (or `cap` bytes); returns the bytes
    // (cell bytes, as the thread's allocator counts them: no pause resets the count meanwhile).
    uint64_t allocate_until_due(uint64_t cap) {
        uint64_t start = t().alloc.allocated;
        while (!vm->heap.collection_due.load() && t().alloc.allocated - start < cap)
            str("some garbage to allocate while the cycle marks");
        return t().alloc.allocated - start;
    }
    void check_live(Array* a, int n) {
        vm->heap.finish_sweep();
        ASSERT_EQ(rt::array_len(a), static_cast<uint64_t>(n));
        for (int i = 0; i < n; ++i) ASSERT_EQ(view(rt::array_get(a, i)), fmt::format("live string {}", i));
    }
};

constexpr int kLive = 200000;

// GC-stress mode (BP_GC_STRESS=1, the release-gc-stress preset) raises `collection_due` at every
// refill: a cycle's budget means nothing there, so the pacing tests skip.
bool stress_mode() {
#ifdef BP_GC_STRESS
    return true;
#else
    const char* s = std::getenv("BP_GC_STRESS");
    return s && std::string_view(s) == "1";
#endif
}

// No background marker: only the allocating thread's assists mark. They must finish the marking
// before the cycle's budget (max(4 MiB, 2 x live) here) is spent, paced rather than all at once:
// not before a quarter of it, and the remark then finds nothing left to wait for.
TEST_F(AssistTest, AssistsAloneFinishTheMarkingWithinTheBudget) {
    if (stress_mode()) GTEST_SKIP() << "no budget in GC-stress mode";
    Array* a = build_live(kLive);
    uint64_t live = vm->heap.stats().last_live_bytes;
    uint64_t budget = std::max<uint64_t>(4 << 20, 2 * live);
    vm->heap.set_concurrent_markers(0);
    vm->heap.set_assists(gc::Heap::Assists::Always);
    step();
    ASSERT_TRUE(vm->heap.is_marking());
    EXPECT_FALSE(vm->heap.collection_due.load());
    uint64_t allocated = allocate_until_due(2 * budget);
    EXPECT_LT(allocated, budget) << "the assists did not keep up";
    EXPECT_GT(allocated, budget / 4) << "the assists were not paced";
    step(); // remark
    EXPECT_FALSE(vm->heap.is_marking());
    const gc::GcStats& s = vm->heap.stats();
    EXPECT_GT(s.assists, 0u);
    EXPECT_GE(s.assist_work, live - live / 8); // they traced (about) the whole live heap
    EXPECT_EQ(s.remark_waits, 0u);             // no background marker to wait for
    // Each assist marks at least 64 KiB of work (what it overpays is credit), so a thread does not
    // stop to assist at every refill: fewer assists than 64 KiB chunks of work, plus the last one.
    EXPECT_LE(s.assists, s.assist_work / (64 << 10) + 1);
    check_live(a, kLive);
}

// The same cycle with assists off: nothing marks until the budget is spent, then the remark does it
// all (this is what made `--max-heap 400M` pauses long).
TEST_F(AssistTest, WithoutAssistsTheRemarkDoesTheWork) {
    if (stress_mode()) GTEST_SKIP() << "no budget in GC-stress mode";
    Array* a = build_live(kLive);
    uint64_t live = vm->heap.stats().last_live_bytes;
    uint64_t budget = std::max<uint64_t>(4 << 20, 2 * live);
    vm->heap.set_concurrent_markers(0);
    vm->heap.set_assists(gc::Heap::Assists::Never);
    step();
    uint64_t allocated = allocate_until_due(2 * budget);
    EXPECT_GE(allocated, budget - (64 << 10)); // due only once the budget ran out (a page of slack)
    step();
    EXPECT_EQ(vm->heap.stats().assists, 0u);
    EXPECT_EQ(vm->heap.stats().assist_work, 0u);
    check_live(a, kLive);
}

// A background marker that is ahead of the program leaves nothing to assist with: the thread's
// debt is covered by the marker's credit, or the marking is over.
TEST_F(AssistTest, NoAssistWhileTheMarkersAreAhead) {
    Array* a = build_live(kLive);
    vm->heap.set_concurrent_markers(1);
    vm->heap.set_assists(gc::Heap::Assists::Auto);
    step();
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!vm->heap.collection_due.load() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(1)); // the marker finishes alone
    ASSERT_TRUE(vm->heap.collection_due.load());
    for (int i = 0; i < 20000; ++i) str("garbage while the marking is over");
    step();
    EXPECT_EQ(vm->heap.stats().assists, 0u);
    EXPECT_EQ(vm->heap.stats().remark_waits, 0u);
    check_live(a, kLive);
}

// Assists and a background marker together: every live object survives, whoever traced it, and the
// live count matches a stop-the-world collection's.
TEST_F(AssistTest, AssistsAndAMarkerFindTheSameLiveSet) {
    Array* a = build_live(kLive);
    uint64_t objects = live_objects();
    vm->heap.set_concurrent_markers(1);
    vm->heap.set_assists(gc::Heap::Assists::Always);
    step();
    while (vm->heap.is_marking()) {
        allocate_until_due(1 << 20);
        if (vm->heap.collection_due.load()) step();
    }
    check_live(a, kLive);
    collect(); // stop-the-world: the young garbage goes
    EXPECT_EQ(live_objects(), objects);
}

// The work sharing an assist joins and leaves: a chunk handed back on leaving is taken by the next
// marker; the last to leave with nothing left ends the marking; a wait for work times out while a
// busy marker holds everything.
TEST(MarkShareAssist, JoinTakeLeave) {
    Obj objs[4] = {};
    gc::MarkShare share(0);
    share.add_chunk({&objs[0], &objs[1]});
    auto soon = [] { return std::chrono::steady_clock::now() + std::chrono::milliseconds(5); };
    gc::MarkStack stack;
    ASSERT_TRUE(share.join());
    ASSERT_TRUE(share.take_until(stack, soon()));
    EXPECT_EQ(stack.size(), 2u);
    stack.pop_back();
    EXPECT_FALSE(share.leave(stack)); // one object handed back: not over
    EXPECT_TRUE(stack.empty());
    ASSERT_TRUE(share.join());
    ASSERT_TRUE(share.take_until(stack, soon()));
    ASSERT_EQ(stack.size(), 1u);
    EXPECT_EQ(stack[0], &objs[0]);
    stack.clear();
    EXPECT_TRUE(share.leave(stack)); // the last marker, nothing left: marking is over
    EXPECT_FALSE(share.join());
}

TEST(MarkShareAssist, WaitingForWorkTimesOutWhileAnotherMarkerIsBusy) {
    gc::MarkShare share(1); // one marker (the "collecting thread") busy with its own stack
    gc::MarkStack stack;
    ASSERT_TRUE(share.join());
    auto start = std::chrono::steady_clock::now();
    EXPECT_FALSE(share.take_until(stack, start + std::chrono::milliseconds(2)));
    EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(2));
    EXPECT_TRUE(share.hungry() == false); // no longer counted as waiting
    EXPECT_FALSE(share.leave(stack));     // the busy marker has not finished
    // The busy marker runs dry: it is the last one, so its take ends the marking.
    EXPECT_FALSE(share.take(stack));
    EXPECT_FALSE(share.join());
}

} // namespace
} // namespace bp::test
