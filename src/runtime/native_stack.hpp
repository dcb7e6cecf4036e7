// A guard for the few places that recurse on the native (C++) stack: printing, deep equality and
// serialising nested values. Counting levels is not enough on its own: a frame's size differs
// between builds (sanitizers triple it) and between threads (stack sizes differ), so the guard
// also compares the stack pointer with the calling OS thread's real stack bounds.
#pragma once

namespace bp::rt {

// Raises RecursionError(message) when less than a safety reserve of native stack remains.
void check_native_stack(const char* message);

} // namespace bp::rt
