// BetterPython embedding API: the only public header. A host program compiles a BetterPython
// program (file or string) into a Runtime, runs its main, and calls its top-level functions with
// int/float/bool/str arguments and results. See docs/embedding.md (thread-safety rules there).
//
// Threading: a Runtime is used by one host thread at a time (calls are not synchronised; a host
// that shares one across threads serialises them itself). Runtimes are independent: separate
// Runtimes may be used on separate host threads at once. BetterPython threads the program spawns
// run in parallel with each other and keep running between calls; ~Runtime waits for them.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace bp::embed {

// An argument to or result of a BetterPython function: int, float, bool, str; monostate = void.
using Value = std::variant<std::monostate, int64_t, double, bool, std::string>;

struct Options {
    uint64_t max_heap = 0;    // bytes; 0 = the default (3/4 of physical memory)
    uint32_t max_threads = 0; // threads alive at once; 0 = the default (4096)
};

struct Result {
    // 0 success; 65 compile error; 66 unreadable file; 70 uncaught exception; 64 misuse (no
    // program loaded, unknown function, wrong argument count or types, unsupported result type).
    int status = 0;
    std::string error; // diagnostics, traceback or message when status != 0
    Value value;       // call(): the function's result; run_main(): main's int result if any
    bool ok() const { return status == 0; }
};

// A C function a native module exports. `signature` is written as in builtins.def: parameter
// types and the result, e.g. "(int, str) -> float"; types: int (int64_t), float (double), bool
// (C int), str (const char*: in, a NUL-terminated copy valid during the call; out, copied; NULL
// is ""), ptr (void*), void. The checker sees the function as `module.name` with that type.
struct NativeFunction {
    std::string name;
    std::string signature;
    void* fn = nullptr;
};

// A module implemented by the host, imported by BetterPython code with `import NAME`. Hooks (all
// optional): on_load after the program compiled, before any BetterPython code runs; on_unload when
// the program is unloaded (after its threads finished); on_thread_start / on_thread_end on every
// thread the program spawns (with its thread id; the host thread running the calls is id 0 and gets
// them with on_load / on_unload), outside the heap: they may block but must not call the Runtime.
struct NativeModule {
    std::string name;
    std::vector<NativeFunction> functions;
    std::function<void()> on_load, on_unload;
    std::function<void(uint32_t)> on_thread_start, on_thread_end;
};

// An entry of the native-module registry (Runtime::modules): the built-in `thread` module first,
// then the host's modules in add_module order. `import NAME` resolves every one of them the same
// way. A function's `signature` is its host signature, or "builtin NAME" for a function that is a
// BetterPython builtin (the thread module's: their signatures, some generic, are the builtin's).
struct ModuleInfo {
    struct Function {
        std::string name, signature;
    };
    std::string name;
    bool built_in = false; // true for `thread`: its functions are builtins
    std::vector<Function> functions;
};

class Runtime {
public:
    explicit Runtime(Options options = {});
    ~Runtime();
    Runtime(const Runtime&) = delete;
    Runtime& operator=(const Runtime&) = delete;

    // Registers a native module for the programs loaded afterwards. Returns false (and changes
    // nothing) if the name or a signature is malformed; `error` says why.
    bool add_module(NativeModule module, std::string* error = nullptr);
    // The native-module registry programs are loaded against: `thread`, then the added modules.
    std::vector<ModuleInfo> modules() const;

    // Type-checks and compiles the program, then runs its global initialisers. One program per
    // Runtime: loading again replaces the previous one (its threads are waited for first).
    Result load_file(const std::string& path);
    Result load_string(const std::string& code, const std::string& name = "<string>");
    // Runs main (argv() returns args).
    Result run_main(const std::vector<std::string>& args = {});
    // Calls a top-level function of the main file by name. Arguments must match the declared
    // parameter types exactly (int64_t for int, double for float, bool, std::string for str).
    Result call(const std::string& function, const std::vector<Value>& args = {});

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace bp::embed
