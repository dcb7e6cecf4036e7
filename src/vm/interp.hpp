// The interpreter: one dispatch loop (computed goto) used by every thread.
#pragma once
#include "vm/vm.hpp"

namespace bp::vm {

// Runs function `function_index` (no parameters) on thread `t` until it returns. Returns true on a
// normal return (its result, if any, in *out) and false if an exception escaped: then
// t.pending_error holds it (with its trace recorded).
bool run_function(VmThread& t, uint32_t function_index, Value* out);

// Same for a closure called with `nargs` arguments (thread entry points, later callbacks).
bool run_closure(VmThread& t, Closure* closure, const Value* args, uint32_t nargs, Value* out);

} // namespace bp::vm
