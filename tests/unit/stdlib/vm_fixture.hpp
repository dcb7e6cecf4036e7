// A VM with the builtins registered and one attached thread, shared by the stdlib unit tests.
#pragma once
#include "runtime/rt.hpp"
#include "stdlib/stdlib.hpp"

#include <gtest/gtest.h>
#include <memory>
#include <string_view>

namespace bp::test {

class StdlibVm : public ::testing::Test {
protected:
    types::TypeTable types;
    bytecode::Program program;
    std::unique_ptr<Vm> vm;
    std::unique_ptr<VmThread> thread;

    void SetUp() override {
        program.types = &types;
        vm = std::make_unique<Vm>(program, VmOptions{});
        thread = std::make_unique<VmThread>(*vm, 0);
        vm->start(*thread);
        stdlib::register_builtins(*vm);
    }
    void TearDown() override {
        thread.reset();
        vm.reset();
    }

    Value str(std::string_view s) { return Value::from_obj(rt::new_string(*thread, s)); }
};

} // namespace bp::test
