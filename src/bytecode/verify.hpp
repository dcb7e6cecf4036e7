// A structural bytecode verifier: checks that a compiled Program only says things the interpreter
// can execute without reading out of bounds. Used by the compiler fuzz target (fuzz/) and unit
// tests; the VM itself trusts the compiler and does not call it.
#pragma once
#include "bytecode/program.hpp"

#include <string>

namespace bp::bytecode {

// "" if the program is well formed; otherwise the first problem, as "fn <name> pc <n>: <what>".
// Checked: opcodes are known; instructions (with their extension and argument words) fit in the
// code; register operands (formats r, n) are below nregs; constant, global, function and builtin
// site indices are in range; every jump lands on an instruction boundary inside the function;
// spans has one entry per code word; handler ranges and targets are inside the code and their
// error registers are reference registers; ref_locals lists exactly the reference registers
// above the parameters (with a liveness map: those live at entry); the liveness map fits the code
// and names only reference registers; entry and init functions exist.
std::string verify(const Program& program);

} // namespace bp::bytecode
