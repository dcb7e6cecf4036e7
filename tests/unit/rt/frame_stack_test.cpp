// FrameStack (vm/vm.hpp): the call path's one comparison, top >= limit, stands for both "the block
// is full" and "max_depth frames are live"; grow_for_call() tells them apart.
#include "runtime/rt.hpp"
#include "vm/vm.hpp"

#include <gtest/gtest.h>

namespace bp::test {
namespace {

struct Proto {
    bytecode::FunctionProto p;
    Proto() {
        p.name = "f";
        p.nregs = 2;
        p.code.assign(4, bytecode::Instr{});
    }
};

// What the interpreter does for a call: write the frame at top(), then publish it.
void push_like_a_call(FrameStack& s, const Frame& f) {
    Frame* top = s.top();
    if (top >= s.limit()) top = s.grow_for_call();
    *top = f;
    s.set_top(top + 1);
}

ErrorKind kind_of_grow(FrameStack& s) {
    try {
        s.grow_for_call();
    } catch (const rt::Raise& r) {
        return r.kind;
    }
    return ErrorKind::Exception; // did not raise
}

TEST(FrameStack, GrowsUntilMaxDepthThenRaisesRecursionError) {
    Proto f;
    FrameStack s;
    s.set_max_depth(100);
    s.reserve(16);
    EXPECT_EQ(s.limit() - s.begin(), 16); // capacity below the depth limit: the capacity
    for (uint32_t i = 0; i < 100; ++i) push_like_a_call(s, Frame::at(&f.p, nullptr, 2 * i, i % 4));
    EXPECT_EQ(s.size(), 100u);
    EXPECT_EQ(s.top(), s.limit()); // capacity above the depth limit now: the depth limit
    EXPECT_EQ(kind_of_grow(s), ErrorKind::RecursionError);
    EXPECT_EQ(s.size(), 100u);
    for (uint32_t i = 0; i < 100; ++i) { // every move kept the frames
        EXPECT_EQ(s[i].base, 2 * i);
        EXPECT_EQ(s[i].pc(), i % 4);
        EXPECT_EQ(s[i].end, 2 * i + 2);
    }
    s.pop_back();
    EXPECT_LT(s.top(), s.limit()); // room for exactly one more call
    push_like_a_call(s, Frame::at(&f.p, nullptr, 0, 0));
    EXPECT_EQ(kind_of_grow(s), ErrorKind::RecursionError);
}

TEST(FrameStack, PushBackIgnoresTheDepthLimitButCallsDoNot) {
    Proto f;
    FrameStack s;
    s.set_max_depth(4);
    for (int i = 0; i < 10; ++i) s.push_back(Frame::at(&f.p, nullptr, 0, 0)); // entry frames, tests
    EXPECT_EQ(s.size(), 10u);
    EXPECT_GE(s.top(), s.limit());
    EXPECT_EQ(kind_of_grow(s), ErrorKind::RecursionError);
    s.clear();
    EXPECT_TRUE(s.empty());
    EXPECT_LT(s.top(), s.limit());
}

} // namespace
} // namespace bp::test
