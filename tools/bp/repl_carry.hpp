// REPL: deep-copying one global's value from the previous input's Vm into the next one's
// (repl_carry.cpp explains the mapping; repl.cpp says when it is used).
#pragma once
#include "vm/vm.hpp"

#include <utility>
#include <vector>

namespace bp::tool {

// Copies globals of `from` into globals of `to` (pairs: from index, to index), allocating with `t`
// (the main thread of `to`), with one memo: values shared between globals stay shared. A lambda
// maps only if it ends before `prefix_end` in the main file (the session's definitions, common to
// both programs). Returns, per pair, whether it was carried; a global that was not is unchanged.
// Whether carry_values can copy global `global` of `vm` into the next input's Vm (the same test,
// run on `vm`'s own program; `prefix_end` as below, for `vm`'s program).
bool can_carry(const Vm& vm, uint32_t global, uint32_t prefix_end);

std::vector<bool> carry_values(const Vm& from, Vm& to, VmThread& t,
                               const std::vector<std::pair<uint32_t, uint32_t>>& globals, uint32_t prefix_end);

} // namespace bp::tool
