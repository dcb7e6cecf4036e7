// Tracebacks: recording frames from a VmThread and formatting them (LANGUAGE.md §8.4), including
// the elision of long runs of identical frames.
#include "runtime/rt.hpp"
#include "vm/traceback.hpp"

#include <gtest/gtest.h>

namespace bp {
namespace {

// A program of two functions in one file; spans point at known places of the source below.
struct Fixture {
    SourceMap sources;
    types::TypeTable types;
    bytecode::Program program;

    Fixture() {
        sources.add("calc.bp", "def divide(a: int, b: int) -> int:\n"
                               "    return a / b\n"
                               "def main() -> int:\n"
                               "    let r: int = divide(10, 0)\n"
                               "    return r\n");
        program.sources = &sources;
        program.types = &types;
        add_function("divide", {Span{0, 0, 3}, Span{0, 46, 51}});   // "a / b"
        add_function("main", {Span{0, 0, 3}, Span{0, 88, 101}});  // "divide(10, 0)"
        program.entry_function = 1;
    }
    void add_function(const char* name, std::vector<Span> spans) {
        auto f = std::make_unique<bytecode::FunctionProto>();
        f->name = name;
        f->index = static_cast<uint32_t>(program.functions.size());
        f->spans = std::move(spans);
        f->code.assign(f->spans.size(), bytecode::Instr{}); // frames save a pointer into the code
        program.functions.push_back(std::move(f));
    }
    const bytecode::FunctionProto* fn(size_t i) const { return program.functions[i].get(); }
};

VmOptions small_heap() {
    VmOptions o;
    o.max_heap = 64 << 20;
    return o;
}

TEST(Traceback, FormatsFramesOldestFirst) {
    Fixture fx;
    Vm vm(fx.program, small_heap());
    VmThread t(vm, 0);
    vm.start(t);
    t.frames.push_back(Frame::at(fx.fn(1), nullptr, 0, 1));
    t.frames.push_back(Frame::at(fx.fn(0), nullptr, 0, 0));
    ErrorObj* err = rt::new_error(t, ErrorKind::ZeroDivisionError, "integer division by zero");
    vm::record_trace(t, err, 1);
    EXPECT_EQ(vm::format_traceback(vm, err),
              "Traceback (most recent call last):\n"
              "  File \"calc.bp\", line 4, in main\n"
              "    let r: int = divide(10, 0)\n"
              "                 ^^^^^^^^^^^^^\n"
              "  File \"calc.bp\", line 2, in divide\n"
              "    return a / b\n"
              "           ^^^^^\n"
              "ZeroDivisionError: integer division by zero\n");
}

TEST(Traceback, ElidesRunsOfIdenticalFramesAfterThree) {
    Fixture fx;
    Vm vm(fx.program, small_heap());
    VmThread t(vm, 0);
    vm.start(t);
    t.frames.push_back(Frame::at(fx.fn(1), nullptr, 0, 1));
    for (int i = 0; i < 100000; ++i) t.frames.push_back(Frame::at(fx.fn(0), nullptr, 0, 1));
    ErrorObj* err = rt::new_error(t, ErrorKind::RecursionError, "maximum call depth exceeded");
    vm::record_trace(t, err, 1);
    EXPECT_EQ(err->trace_len, 2u); // one entry for main, one for the whole run
    std::string frame = "  File \"calc.bp\", line 2, in divide\n"
                        "    return a / b\n"
                        "           ^^^^^\n";
    EXPECT_EQ(vm::format_traceback(vm, err),
              "Traceback (most recent call last):\n"
              "  File \"calc.bp\", line 4, in main\n"
              "    let r: int = divide(10, 0)\n"
              "                 ^^^^^^^^^^^^^\n" +
                  frame + frame + frame +
                  "  [Previous frame repeated 99997 more times]\n"
                  "RecursionError: maximum call depth exceeded\n");
}

TEST(Traceback, EmptyMessagePrintsKindAlone) {
    Fixture fx;
    Vm vm(fx.program, small_heap());
    VmThread t(vm, 0);
    vm.start(t);
    t.frames.push_back(Frame::at(fx.fn(1), nullptr, 0, 0));
    ErrorObj* err = rt::new_error(t, ErrorKind::ValueError, "");
    vm::record_trace(t, err, 1);
    std::string text = vm::format_traceback(vm, err);
    EXPECT_NE(text.find("in main\n"), std::string::npos);
    EXPECT_EQ(text.substr(text.size() - 12), "\nValueError\n");
}

TEST(Traceback, SpanPastTheLineIsCutAtItsEnd) {
    Fixture fx;
    fx.program.functions[1]->spans[1] = Span{0, 88, 120}; // from "divide" into the next line
    Vm vm(fx.program, small_heap());
    VmThread t(vm, 0);
    vm.start(t);
    t.frames.push_back(Frame::at(fx.fn(1), nullptr, 0, 0));
    ErrorObj* err = rt::new_error(t, ErrorKind::Exception, "x");
    vm::record_trace(t, err, 1);
    EXPECT_NE(vm::format_traceback(vm, err).find("    let r: int = divide(10, 0)\n"
                                                 "                 ^^^^^^^^^^^^^\n"),
              std::string::npos);
}

TEST(VmThread, StackGrowsZeroFilled) {
    Fixture fx;
    Vm vm(fx.program, small_heap());
    VmThread t(vm, 0);
    size_t old_cap = t.stack_cap;
    t.stack[0] = Value::from_int(7);
    t.ensure_stack(old_cap + 1);
    EXPECT_GE(t.stack_cap, old_cap + 1);
    EXPECT_EQ(t.stack[0].i, 7);
    EXPECT_EQ(t.stack[t.stack_cap - 1].u, 0u);
    EXPECT_EQ(vm.threads.size(), 1u);
}

} // namespace
} // namespace bp
