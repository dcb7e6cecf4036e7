// Calling C functions declared with `extern fn` (LANGUAGE.md §7 FFI), through dlopen/dlsym and
// libffi.
//
// Each Program::externs entry is resolved lazily, at its first call: the library is dlopen'ed
// (once per library name, cached), the symbol dlsym'ed and the libffi call interface prepared.
// libffi itself is loaded the same way, by the first extern call of the process (it is not linked:
// base/lazy_library.hpp), so a program without externs never maps it.
// A failure is remembered and raised as IOError at that call and every later one. Libraries are
// never closed: foreign code may have registered callbacks or thread-local state that must
// outlive any of our calls.
//
// Type mapping: int <-> int64_t, float <-> double, bool <-> C int (any non-zero result is true),
// str -> a NUL-terminated copy of the bytes (valid during the call; a returned char* is copied
// into a new str, NULL giving ""), ptr <-> void*, void.
//
// Threading: the table is shared by every thread of the Vm. Resolution runs under std::call_once
// per extern (and the library cache under m_mu), so two threads calling an extern for the first
// time resolve it once; afterwards a call reads only immutable data (the cif and the function
// pointer) and needs no lock. During the foreign call the thread is marked safe for the collector
// (ForeignCallScope).
#pragma once
#include "bytecode/program.hpp"
#include "runtime/value.hpp"

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace bp {
class VmThread;
}

namespace bp::vm {

class Ffi {
public:
    explicit Ffi(const bytecode::Program& program);
    ~Ffi();
    Ffi(const Ffi&) = delete;
    Ffi& operator=(const Ffi&) = delete;

    // Calls extern `index` with `args` (one per parameter, as the VM holds them). Throws
    // rt::Raise{IOError} if its library or symbol cannot be loaded; may allocate (str results).
    Value call(VmThread& t, uint32_t index, const Value* args, uint32_t nargs);

    // Embedding (include/bp/bp.hpp native modules): `library`/`symbol` resolve to `fn` instead of
    // dlopen/dlsym. Call only before any code runs (the table is then read without a lock).
    void add_native(const std::string& library, const std::string& symbol, void* fn);

private:
    struct Entry; // per extern: once flag, function pointer or error, libffi cif
    void resolve(const bytecode::ExternInfo& info, Entry& e);
    void* open_library(const std::string& name, std::string& error);

    const bytecode::Program& m_program;
    std::vector<std::unique_ptr<Entry>> m_entries;
    std::mutex m_mu; // guards m_libraries
    std::unordered_map<std::string, void*> m_libraries;
    std::unordered_map<std::string, void*> m_native; // "library\nsymbol" -> host function
};

} // namespace bp::vm
