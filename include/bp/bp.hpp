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

class Runtime {
public:
    explicit Runtime(Options options = {});
    ~Runtime();
    Runtime(const Runtime&) = delete;
    Runtime& operator=(const Runtime&) = delete;

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
