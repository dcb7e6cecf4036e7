// The builtin table: every entry of types/builtins.def bound to its bi_<id> (a missing
// implementation is a link error), each wrapped so that C++ allocation failures become MemoryError.
#include "stdlib/stdlib.hpp"
#include "stdlib/support.hpp"

#include <new>
#include <stdexcept>

namespace bp::stdlib {

namespace {

// Builtins build std::strings and vectors; running out of memory there must raise, not abort.
template <BuiltinFn F>
Value guarded(BuiltinArgs& a) {
    try {
        return F(a);
    } catch (const std::bad_alloc&) {
        rt::raise(ErrorKind::MemoryError, "out of memory");
    } catch (const std::length_error&) {
        rt::raise(ErrorKind::MemoryError, "out of memory");
    }
}

} // namespace

void register_builtins(Vm& vm) {
#define BP_BUILTIN(id, name, sig) vm.builtins[static_cast<uint32_t>(Builtin::id)] = &guarded<&bi_##id>;
#include "types/builtins.def"
#undef BP_BUILTIN
    vm.regex_cache = new_regex_cache();
}

} // namespace bp::stdlib
