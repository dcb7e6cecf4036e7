// The front end as the tool drives it: source -> tokens -> AST -> checked AST -> bytecode.
#pragma once
#include "bytecode/program.hpp"
#include "cli.hpp"
#include "diag/diagnostics.hpp"
#include "parse/ast.hpp"

#include <functional>
#include <memory>
#include <vector>

namespace bp::tool {

// Everything the running program refers to; lives until the process ends.
struct Compiled {
    SourceMap sources;
    types::TypeTable types;
    std::vector<std::unique_ptr<ast::Module>> modules;
    std::unique_ptr<bytecode::Program> program;
};

// Loads, parses, checks and compiles options.path. Returns 0 with out.program set, or the exit
// code after printing the reason (diagnostics, unreadable file). Handles the --dump-* options that
// stop before running (then out.program stays null and 0 is returned).
int compile_source(const CliOptions& options, Compiled& out);
// The same for a file already in out.sources (the REPL adds its own).
int compile_file(const CliOptions& options, Compiled& out, uint32_t file);
// Runs a compiled program in a fresh Vm (exit code as for a file); `after` (if set) sees the Vm
// once the program has finished, before it is destroyed (the REPL reads globals there).
int execute_program(const CliOptions& options, const bytecode::Program& program,
                    const std::function<void(Vm&)>& after);
// The REPL's form: `before_init` runs on the main thread before the global initialisers (the REPL
// carries values into globals there); if it returns false nothing runs (exit code 0). The Vm is
// handed to `keep`, not destroyed.
int execute_program(const CliOptions& options, const bytecode::Program& program,
                    const std::function<bool(Vm&, VmThread&)>& before_init, std::unique_ptr<Vm>& keep);
// Diagnostics as a JSON array (--diagnostics=json).
std::string diagnostics_json(const SourceMap& sources, const diag::Diagnostics& diags);

} // namespace bp::tool
