// Human-readable bytecode listings (`bp --disasm`).
#pragma once
#include "bytecode/program.hpp"

#include <string>

namespace bp::bytecode {

// Every function of the program, in index order.
std::string disassemble(const Program& program);
// One function: header (name, params, registers with their kinds), code, handlers.
std::string disassemble_function(const Program& program, const FunctionProto& fn);

} // namespace bp::bytecode
