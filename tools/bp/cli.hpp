// The bp command-line program: its pieces, one concern per file (options, loading, front end,
// execution, the big-stack runner). main.cpp strings them together.
#pragma once
#include "vm/vm.hpp"

#include <string>
#include <vector>

namespace bp::thread {
class DumpServer;
}

namespace bp::tool {

// sysexits-style exit codes (LANGUAGE.md §3).
constexpr int kExitUsage = 64;    // bad command line
constexpr int kExitCompile = 65;  // compile error(s)
constexpr int kExitNoInput = 66;  // unreadable source file
constexpr int kExitRuntime = 70;  // uncaught exception / internal failure
constexpr int kExitDiverged = 80; // --parallel-main: the concurrent runs of main disagreed

enum class Dump { None, Tokens, Ast, Disasm };
// Where the main file comes from: a path, -c CODE, stdin ("-" or no file with stdin not a
// terminal), or nowhere (no file, stdin a terminal: the REPL).
enum class SourceKind { File, Code, Stdin, Interactive };

struct CliOptions {
    VmOptions vm;
    Dump dump = Dump::None;
    SourceKind source = SourceKind::File;
    std::string path;              // the source file, as given ("<string>" for -c, "<stdin>")
    std::string code;              // the -c text
    bool check_only = false;       // `bp check`: diagnostics only
    bool json_diagnostics = false; // --diagnostics=json
    bool quiet_diagnostics = false; // the REPL's probes: compile errors are not printed
    std::vector<std::string> args; // program arguments after the path
    uint32_t parallel_main = 0;    // --parallel-main N (hidden, for the test suite): 0 = off
    thread::DumpServer* dumps = nullptr; // SIGQUIT dumps served by bp's first thread; nullptr: none
};

enum class CliAction { Run, Help, Version, BadUsage };

// Parses argv. On BadUsage, `error` says why.
CliAction parse_command_line(int argc, char** argv, CliOptions& out, std::string& error);
// Parses "64M", "1G", "4096"...: false if malformed, zero or too large.
bool parse_size(const std::string& text, uint64_t& out);
std::string usage_text();
std::string version_text();

// Reads a whole file. On failure, `error` is "cannot open '<path>': <OS reason>".
bool read_source_file(const std::string& path, std::string& text, std::string& error);
// Reads all of stdin (for `bp -` and a piped program).
bool read_stdin(std::string& text, std::string& error);

// The interactive session (tools/bp/repl.cpp). Returns the exit code.
int run_repl(const CliOptions& options);

// Everything: load, compile, run. Returns the process exit code.
int run_driver(const CliOptions& options);

// Runs fn(arg) on a thread with a large native stack (deeply nested source, deep printing and
// comparison recurse natively) and stores its result. Meanwhile the calling thread runs
// meanwhile(wait_arg), which must return once fn has returned (fn's side arranges that). false if
// the thread could not be created: nothing ran, and the caller runs fn itself.
bool run_with_big_stack(int (*fn)(void*), void* arg, void (*meanwhile)(void*), void* wait_arg, int& result);

} // namespace bp::tool
