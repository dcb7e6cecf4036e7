// GC liveness maps: which reference registers a frame needs at each instruction (liveness.cpp).
#pragma once

#include "bytecode/program.hpp"

namespace bp::bytecode {

// Fills fn.gc_live_start and fn.gc_live_regs from fn's final code (after every rewrite).
void compute_gc_liveness(FunctionProto& fn);

} // namespace bp::bytecode
