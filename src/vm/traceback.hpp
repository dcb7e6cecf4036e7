// Tracebacks (LANGUAGE.md §8.4).
//
// When an error is raised, the interpreter records the stack into ErrorObj::trace: a Storage of
// 2 words per entry, (const FunctionProto*, pc of the failing instruction | repeat << 32), OLDEST
// first, trace_len entries. `repeat` counts further identical frames (same function and pc) folded
// into the entry, so 200,000 frames of one recursive call cost one entry; trace_repeat holds the
// total number of frames. The words hold no references (Storage flags 0). Formatting happens only
// when needed (uncaught, or `e.traceback` read).
#pragma once
#include "vm/vm.hpp"

#include <string>

namespace bp::vm {

// Records t's current frames (with `pc` as the top frame's pc) into `err` (replacing any trace).
void record_trace(VmThread& t, ErrorObj* err, uint32_t top_pc);

// The full text of §8.4: "Traceback (most recent call last):" ... "Kind: message\n".
// Runs of identical frames are elided after three.
std::string format_traceback(const Vm& vm, const ErrorObj* err);

// Deadlock reports and thread dumps (docs/threading.md "Deadlocks"): "file.bp:12" for a pc of
// `proto` ("<unknown>" without source), and "Traceback (most recent call last):" + t's frames
// (each frame's saved pc; only for a thread stopped in a builtin or blocked), without an error line.
std::string format_site(const Vm& vm, const bytecode::FunctionProto* proto, uint32_t pc);
std::string format_stack(const VmThread& t);

} // namespace bp::vm
