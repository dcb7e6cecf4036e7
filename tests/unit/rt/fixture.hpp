// A minimal VM for runtime/collector unit tests: an empty program plus one fake frame whose
// registers are all references, so tests can root objects by storing them in t.stack[r].
#pragma once
#include "bytecode/program.hpp"
#include "runtime/rt.hpp"
#include "vm/vm.hpp"

#include <gtest/gtest.h>

#include <memory>

namespace bp::test {

class RtFixture : public ::testing::Test {
protected:
    static constexpr uint16_t kRegs = 16;

    explicit RtFixture(uint64_t max_heap = 0, bool stress = false) {
        program.types = &types;
        auto proto = std::make_unique<bytecode::FunctionProto>();
        proto->name = "test";
        proto->nregs = kRegs;
        proto->reg_is_ref.assign(kRegs, 1);
        program.functions.push_back(std::move(proto));
        VmOptions options;
        options.max_heap = max_heap;
        options.gc_stress = stress;
        vm = std::make_unique<Vm>(program, options);
        thread = std::make_unique<VmThread>(*vm, 0);
        thread->frames.push_back(Frame::at(program.functions[0].get(), nullptr, 0, 0));
    }
    ~RtFixture() override {
        thread.reset();
        vm.reset();
    }

    VmThread& t() { return *thread; }
    void root(uint16_t r, Obj* o) { thread->stack[r] = Value::from_obj(o); }
    void unroot(uint16_t r) { thread->stack[r] = Value::zero(); }
    void collect() { vm->heap.collect(*thread); }
    uint64_t live_objects() const { return vm->heap.stats().last_live_objects; }
    String* str(std::string_view s) { return rt::new_string(*thread, s); }
    static std::string_view view(Value v) { return static_cast<String*>(v.o)->view(); }

    types::TypeTable types;
    bytecode::Program program;
    std::unique_ptr<Vm> vm;
    std::unique_ptr<VmThread> thread;
};

} // namespace bp::test
