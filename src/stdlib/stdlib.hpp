// The builtin functions (types/builtins.def), implemented against the runtime API only.
#pragma once
#include "vm/vm.hpp"

namespace bp::stdlib {

// Fills vm.builtins with every builtin's implementation.
void register_builtins(Vm& vm);

} // namespace bp::stdlib
