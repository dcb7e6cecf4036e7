// Running a compiled program: build the Vm, attach the main thread, run the global initialisers
// ("<module>") and then the entry function; report an escaping exception as a traceback (exit 70).
#include "frontend.hpp"

#include "runtime/rt.hpp"
#include "runtime/thread/dump.hpp"
#include "runtime/thread/runtime.hpp"
#include "runtime/thread/trace.hpp"
#include "stdlib/stdlib.hpp"
#include "vm/interp.hpp"
#include "vm/traceback.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string_view>

namespace bp::tool {

namespace {

void write_stderr(std::string_view text) { std::fwrite(text.data(), 1, text.size(), stderr); }

int report_uncaught(VmThread& t) {
    std::fflush(stdout); // program output first, then the traceback (§8.4)
    if (t.pending_error) write_stderr(vm::format_traceback(t.vm, t.pending_error));
    else write_stderr("Exception: uncaught exception\n");
    return kExitRuntime;
}

// Runs one function with no parameters; false if an exception escaped.
bool run(VmThread& t, uint32_t function, Value* out) {
    if (function >= t.vm.program.functions.size()) return true;
    return vm::run_function(t, function, out);
}

int flush_stdout(int code);

// Ends the process now if other threads still run (§11.5: an uncaught exception in main stops
// them; detached threads still running at the end are stopped): the Vm cannot be destroyed under
// them. Output is flushed and --gc-stats printed first.
void exit_if_threads_remain(Vm& machine, VmThread& main_thread, int code, bool wait_for_joinable) {
    bool clean = wait_for_joinable ? machine.threading->finish(main_thread) : !machine.threading->any_alive();
    if (clean) return;
    std::fflush(stdout);
    if (machine.options.gc_stats) write_stderr(machine.heap.stats_report());
    if (!thread::finish_trace(machine) && code == 0) code = kExitRuntime;
    std::fflush(stderr);
    std::_Exit(code);
}

int run_main_thread(Vm& machine, const std::function<bool(Vm&, VmThread&)>& before_init) {
    VmThread main_thread(machine, 0);
    try {
        machine.start(main_thread);
    } catch (const rt::Raise& r) { // the constants alone exceed --max-heap
        std::string kind(error_name(r.kind));
        write_stderr(r.message.empty() ? kind + "\n" : kind + ": " + r.message + "\n");
        return kExitRuntime;
    }
    stdlib::register_builtins(machine);
    const bytecode::Program& program = machine.program;
    if (before_init && !before_init(machine, main_thread)) return 0;
    Value result = Value::zero();
    for (uint32_t init : program.module_inits) { // dependencies first, the main file last (§3)
        if (!run(main_thread, init, &result)) {
            int code = report_uncaught(main_thread);
            exit_if_threads_remain(machine, main_thread, code, false);
            return code;
        }
    }
    result = Value::zero();
    if (!run(main_thread, program.entry_function, &result)) {
        int code = report_uncaught(main_thread);
        exit_if_threads_remain(machine, main_thread, code, false);
        return code;
    }
    int code = program.entry_returns_int ? static_cast<int>(result.i & 0xFF) : 0;
    exit_if_threads_remain(machine, main_thread, flush_stdout(code), true);
    return code;
}

// Output still buffered when the program ends must not be lost silently: a full disk or an I/O
// error is reported (exit 70). EPIPE is not: the reader chose to stop (`bp prog | head`).
int flush_stdout(int code) {
    if (std::fflush(stdout) == 0 || errno == EPIPE) return code;
    write_stderr(std::string("bp: cannot write to stdout: ") + std::strerror(errno) + "\n");
    return kExitRuntime;
}

} // namespace

int execute_program(const CliOptions& options, const bytecode::Program& program,
                    const std::function<void(Vm&)>& after) {
    Vm machine(program, options.vm);
    machine.argv = options.args;
    int code = 0;
    {
        thread::DumpWatcher watcher(machine); // SIGQUIT: a thread dump (docs/threading.md)
        code = run_main_thread(machine, nullptr);
    } // every thread has detached: the watcher ends before the Vm
    code = flush_stdout(code);
    if (!thread::finish_trace(machine) && code == 0) code = kExitRuntime; // --trace
    if (options.vm.gc_stats) write_stderr(machine.heap.stats_report());
    if (after) after(machine);
    return code;
}

int execute_program(const CliOptions& options, const bytecode::Program& program,
                    const std::function<bool(Vm&, VmThread&)>& before_init, std::unique_ptr<Vm>& keep) {
    keep = std::make_unique<Vm>(program, options.vm);
    keep->argv = options.args;
    int code = 0;
    {
        thread::DumpWatcher watcher(*keep); // SIGQUIT: a thread dump (docs/threading.md)
        code = run_main_thread(*keep, before_init);
    }
    code = flush_stdout(code);
    if (options.vm.gc_stats) write_stderr(keep->heap.stats_report());
    return code;
}

int run_driver(const CliOptions& options) {
    if (options.source == SourceKind::Interactive && isatty(0) && options.dump == Dump::None &&
        !options.check_only)
        return run_repl(options);
    Compiled compiled;
    if (int code = compile_source(options, compiled); code != 0 || !compiled.program) return code;
    return execute_program(options, *compiled.program, nullptr);
}

} // namespace bp::tool
