// Error constructors (LANGUAGE.md §8.1): Name(message) -> Error, one per entry of types/errors.def.
#include "stdlib/support.hpp"

namespace bp::stdlib {

#define BP_ERROR(name)                                                                       \
    Value bi_##name(BuiltinArgs& a) {                                                        \
        return Value::from_obj(rt::new_error(a.thread, ErrorKind::name, arg_sv(a, 0)));      \
    }
#include "types/errors.def"
#undef BP_ERROR

} // namespace bp::stdlib
