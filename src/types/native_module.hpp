// The native-module registry: the modules `import NAME` can bind without a source file. One list
// per program, built by the driver: the built-in `thread` module first (check::thread_module()),
// then the modules an embedder registered (include/bp/bp.hpp, Runtime::add_module). The module
// loader, the checker, the compiler (Program::native_modules) and the Vm all read this one list, so
// `import thread` and `import stats` resolve through the same code path. See docs/embedding.md.
//
// A function of a native module is either
//   - a builtin (`builtin` >= 0): `thread.spawn` IS the builtin thread_spawn, with its signature,
//     including the special ones the signature language cannot express (spawn's `fn(A...) -> R,
//     A...`, overloaded mutex_new / cond_wait); calls compile to CallBuiltin exactly as before; or
//   - a host C function (`signature` + `fn`): the loader turns the module into generated
//     BetterPython declarations (native_module_source) and calls go through the FFI path.
//
// Threading: the list is built before the Vm starts and read-only afterwards. The hooks run on
// whichever thread the event concerns (see docs/embedding.md): they must be thread-safe.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace bp::types {

struct NativeFunctionDecl {
    std::string name;      // as called: module.name
    int32_t builtin = -1;  // a Builtin id, or -1 for a host function
    std::string signature; // host function: "(int, str) -> float"
    void* fn = nullptr;    // host function: the C pointer
};

struct NativeModuleDecl {
    std::string name;
    std::vector<NativeFunctionDecl> functions;
    // Module init / shutdown: once per Vm (Vm::start, ~Vm). Per-thread init / shutdown: every
    // thread the program runs, with its id (0 = the thread that started the Vm), outside the heap.
    std::function<void()> on_load, on_unload;
    std::function<void(uint32_t)> on_thread_start, on_thread_end;

    const NativeFunctionDecl* find(std::string_view function) const;
    bool has_host_functions() const; // true: the loader generates its declarations as source
};

using NativeRegistry = std::vector<NativeModuleDecl>;

const NativeModuleDecl* find_native_module(const NativeRegistry& registry, std::string_view name);

// "(int, str) -> float" -> params, result; false if malformed (types int float bool str ptr; the
// result may also be void).
bool parse_native_signature(const std::string& sig, std::vector<std::string>& params, std::string& ret);

// The BetterPython source declaring a host module's functions: one `extern fn` per function
// (library "<native:MODULE>", resolved to the host's pointer by Ffi::add_native) and an exported
// wrapper giving it its public name. Builtin functions of the module are not in it.
std::string native_module_source(const NativeModuleDecl& m);

} // namespace bp::types
