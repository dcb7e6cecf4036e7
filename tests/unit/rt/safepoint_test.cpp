// The stop-the-world handshake (runtime/thread/safepoint.hpp): collections with other attached
// threads running (polling safepoints while allocating), blocked (safe) and leaving the safe state.
#include "fixture.hpp"
#include "runtime/thread/dump.hpp"
#include "runtime/thread/safepoint.hpp"

#include <atomic>
#include <chrono>
#include <thread>

namespace bp::test {
namespace {

using SafepointTest = RtFixture;

// A mutator: allocates strings kept in its own rooted register, polling safepoints.
void mutate(Vm& vm, const bytecode::FunctionProto* proto, std::atomic<bool>& stop, std::atomic<int>& checks) {
    VmThread me(vm, 7);
    me.frames.push_back(Frame::at(proto, nullptr, 0, 0));
    while (!stop.load()) {
        String* s = rt::new_string(me, "payload");
        me.stack[0] = Value::from_obj(s);
        vm.heap.safepoint(me);
        if (static_cast<String*>(me.stack[0].o)->view() == "payload") checks.fetch_add(1);
        vm.heap.collection_due.store(true); // make the other side collect too
    }
    me.frames.clear();
}

TEST_F(SafepointTest, CollectsWhileAnotherThreadAllocates) {
    std::atomic<bool> stop{false};
    std::atomic<int> checks{0};
    std::thread other(mutate, std::ref(*vm), program.functions[0].get(), std::ref(stop), std::ref(checks));
    String* keep = str("kept");
    root(0, keep);
    // Wait until the mutator is attached and running. This thread is attached too, so it must poll
    // while it waits: the mutator's first safepoint may already want to stop the world (always,
    // in a gc-stress build).
    while (checks.load() == 0) {
        vm->heap.safepoint(t());
        std::this_thread::yield();
    }
    // At least 200 forced collections, and on until 150 have completed (see the end) or 10 s pass:
    // how many park for the mutator's pauses instead depends on the OS's scheduling (CI once saw
    // 147 of 200 under ctest -j2 in GC-stress mode).
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    for (int i = 0; i < 200 || checks.load() < 100 ||
                    (vm->heap.stats().collections < 150u && std::chrono::steady_clock::now() < deadline);
         ++i) {
        collect();
        str("garbage");
    }
    stop.store(true);
    // Joining blocks, so this attached thread is in the safe state meanwhile (as thread.join is):
    // the mutator's last safepoint may still want to stop the world.
    thread::enter_safe(t());
    other.join();
    thread::leave_safe(t());
    EXPECT_EQ(keep->view(), "kept");
    EXPECT_GT(checks.load(), 0);
    // Most forced collections collect; one that finds the mutator's pause under way parks for it
    // instead, and if that pause only begins a concurrent cycle (GC-stress mode alternates), no
    // collection completes then.
    EXPECT_GE(vm->heap.stats().collections, 150u);
}

TEST_F(SafepointTest, BlockedThreadNeverDelaysACollection) {
    std::atomic<bool> entered{false}, release{false};
    std::thread blocked([&] {
        VmThread me(*vm, 8);
        thread::enter_safe(me);
        entered.store(true);
        while (!release.load()) std::this_thread::yield();
        thread::leave_safe(me);
    });
    while (!entered.load()) std::this_thread::yield();
    for (int i = 0; i < 10; ++i) collect(); // would hang if the safe thread counted as running
    release.store(true);
    blocked.join();
    EXPECT_GE(vm->heap.stats().collections, 10u);
}

// The thread dump's stop (runtime/thread/dump.hpp) from a thread that is not attached, while an
// attached thread allocates and collects without pause and this one is blocked (safe): every stop
// completes, sees both threads, and leaves collection_due as it found it.
TEST_F(SafepointTest, DumpStopsTheWorldFromOutsideDuringCollections) {
    std::atomic<bool> stop{false};
    std::atomic<int> checks{0};
    std::thread other(mutate, std::ref(*vm), program.functions[0].get(), std::ref(stop), std::ref(checks));
    while (checks.load() == 0) {
        vm->heap.safepoint(t());
        std::this_thread::yield();
    }
    thread::enter_safe(t()); // blocked, as in thread.join: the dumps need not wait for it
    int complete = 0;
    std::thread watcher([&] {
        for (int i = 0; i < 100; ++i) {
            std::unique_lock<std::mutex> lk(vm->threads_mu);
            bool was_due = thread::stop_world_from_outside(*vm, lk);
            std::string text = thread::format_thread_dump(*vm);
            if (!was_due) vm->heap.collection_due.store(false);
            thread::resume_world(*vm);
            if (text.find("[id 0]: blocked") != std::string::npos && text.find("[id 7]: running") != std::string::npos)
                ++complete;
        }
    });
    watcher.join();
    stop.store(true);
    other.join();
    thread::leave_safe(t());
    EXPECT_EQ(complete, 100);
    EXPECT_GT(checks.load(), 0);
}

} // namespace
} // namespace bp::test
