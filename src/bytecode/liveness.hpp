// GC liveness maps: which reference registers a frame needs at each instruction (liveness.cpp).
#pragma once

#include "bytecode/program.hpp"

namespace bp::bytecode {

// Fills fn.gc_live_start and fn.gc_live_regs from fn's final code (after every rewrite), and
// narrows fn.ref_locals (set_ref_locals first) to the reference registers live at entry. A
// function left without a map (past the pass's budget) keeps them all.
void compute_gc_liveness(FunctionProto& fn);

} // namespace bp::bytecode
