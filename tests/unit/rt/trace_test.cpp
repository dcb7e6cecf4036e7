// Thread timelines (runtime/thread/trace.hpp): the lock-free per-thread buffer (chunk crossing,
// publication to a concurrent reader), the in-progress wait, recording through TraceScope and the
// collector, writing once, and nothing at all when tracing is off.
#include "fixture.hpp"
#include "runtime/thread/trace.hpp"

#include <atomic>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>
#include <unistd.h>

namespace bp::test {
namespace {

using thread::TraceBuffer;
using thread::TraceEvent;
using thread::TraceKind;

TraceEvent event_at(uint64_t start) {
    TraceEvent e;
    e.start_ns = start;
    e.dur_ns = 1;
    e.kind = TraceKind::Sleep;
    return e;
}

TEST(TraceBufferTest, KeepsEventsInOrderAcrossChunks) {
    TraceBuffer b(3);
    const uint64_t n = 3 * TraceBuffer::kChunk + 5;
    for (uint64_t i = 0; i < n; ++i) b.append(event_at(i));
    uint64_t seen = 0;
    b.for_each([&](const TraceEvent& e) { EXPECT_EQ(e.start_ns, seen++); });
    EXPECT_EQ(seen, n);
}

TEST(TraceBufferTest, ConcurrentReaderSeesAPrefix) {
    TraceBuffer b(1);
    std::atomic<bool> done{false};
    std::thread reader([&] {
        while (!done.load()) {
            uint64_t next = 0;
            b.for_each([&](const TraceEvent& e) { ASSERT_EQ(e.start_ns, next++); });
        }
    });
    for (uint64_t i = 0; i < 4 * TraceBuffer::kChunk; ++i) b.append(event_at(i));
    done.store(true);
    reader.join();
}

TEST(TraceBufferTest, TheWaitInProgress) {
    TraceBuffer b(1);
    TraceEvent out;
    EXPECT_FALSE(b.current(out));
    TraceEvent e = event_at(0); // a start of 0 is still "open"
    e.kind = TraceKind::ChanRecv;
    e.pc = 9;
    b.open(e);
    ASSERT_TRUE(b.current(out));
    EXPECT_EQ(out.start_ns, 0u);
    EXPECT_EQ(out.kind, TraceKind::ChanRecv);
    EXPECT_EQ(out.pc, 9u);
    b.close();
    EXPECT_FALSE(b.current(out));
}

std::string read_all(const std::string& path) {
    std::ifstream f(path);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

class TraceOnTest : public ::testing::Test {
protected:
    TraceOnTest() {
        program.types = &types;
        auto proto = std::make_unique<bytecode::FunctionProto>();
        proto->name = "test";
        proto->nregs = 4;
        proto->reg_is_ref.assign(4, 1);
        program.functions.push_back(std::move(proto));
        path = ::testing::TempDir() + "bp_trace_test_" + std::to_string(::getpid()) + ".json";
        VmOptions options;
        options.trace_path = path;
        vm = std::make_unique<Vm>(program, options);
    }
    ~TraceOnTest() override { std::remove(path.c_str()); }

    types::TypeTable types;
    bytecode::Program program;
    std::string path;
    std::unique_ptr<Vm> vm;
};

TEST_F(TraceOnTest, RecordsWaitsAndPausesAndWritesOnce) {
    ASSERT_NE(vm->tracer, nullptr);
    {
        VmThread t(*vm, 0);
        ASSERT_NE(t.trace, nullptr);
        { thread::TraceScope scope(t, TraceKind::Join); }
        vm->heap.collect(t, true);
        std::string error;
        EXPECT_TRUE(vm->tracer->finish(*vm, error)) << error;
    }
    std::string text = read_all(path);
    EXPECT_NE(text.find("\"thread_name\""), std::string::npos);
    EXPECT_NE(text.find("Thread-0 (main)"), std::string::npos);
    EXPECT_NE(text.find("\"name\":\"join\""), std::string::npos);
    EXPECT_NE(text.find("\"GC pause\""), std::string::npos);
    EXPECT_NE(text.find("time_to_safepoint_us"), std::string::npos);
    std::remove(path.c_str());
    std::string error;
    EXPECT_TRUE(vm->tracer->finish(*vm, error)); // once only: nothing written again
    EXPECT_TRUE(read_all(path).empty());
}

} // namespace

using TraceOffTest = RtFixture;

TEST_F(TraceOffTest, NothingRecordedWhenOff) {
    EXPECT_EQ(vm->tracer, nullptr);
    EXPECT_EQ(t().trace, nullptr);
    EXPECT_EQ(thread::trace_now(t()), 0u);
    { thread::TraceScope scope(t(), TraceKind::Lock); }
    collect();
    EXPECT_TRUE(thread::finish_trace(*vm));
}

} // namespace bp::test
