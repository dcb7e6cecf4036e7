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

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

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

// --gc-stats: the heap's two lines, then the threading handles' (live, peak, freed).
std::string gc_stats_text(Vm& machine) {
    return machine.heap.stats_report() + "\n" + machine.threading->handle_stats() + "\n";
}

// Ends the process now if other threads still run (§11.5: an uncaught exception in main stops
// them; detached threads still running at the end are stopped): the Vm cannot be destroyed under
// them. Output is flushed and --gc-stats printed first.
void exit_if_threads_remain(Vm& machine, VmThread& main_thread, int code, bool wait_for_joinable) {
    bool clean = wait_for_joinable ? machine.threading->finish(main_thread) : !machine.threading->any_alive();
    if (clean) return;
    std::fflush(stdout);
    if (machine.options.gc_stats) write_stderr(gc_stats_text(machine));
    if (!thread::finish_trace(machine) && code == 0) code = kExitRuntime;
    std::fflush(stderr);
    std::_Exit(code);
}

// ---- bp --parallel-main N (docs/reliability.md, "The N-thread golden mode")
//
// After the module initialisers ran once on the main thread, main runs in N spawned threads at
// once (released together by a gate), each printing into its own OutputCapture (vm/vm.hpp). When
// all have ended (and the threads they left unjoined: the normal program end), the N outcomes -
// stdout, stderr, exit code - must be identical: the first is written out and its code returned.
// Otherwise the first is still written, followed by a report naming the run that diverged, and
// the exit code is kExitDiverged. Shared state in the runtime that should be per thread shows up
// as a divergence, a crash or a sanitizer report.

struct MainRun {
    std::string out, err;
    int code = 0;
};

// The first line where a and b differ, for the report.
std::string first_difference(const std::string& a, const std::string& b, size_t run) {
    size_t i = 0, line = 1, start = 0;
    for (; i < a.size() && i < b.size() && a[i] == b[i]; ++i)
        if (a[i] == '\n') ++line, start = i + 1;
    auto line_of = [&](const std::string& s) {
        size_t end = s.find('\n', start);
        std::string text = start <= s.size() ? s.substr(start, end == std::string::npos ? end : end - start) : "";
        return text.size() > 200 ? text.substr(0, 200) + "..." : text;
    };
    return "  line " + std::to_string(line) + " of run 1: \"" + line_of(a) + "\"\n" +
           "  line " + std::to_string(line) + " of run " + std::to_string(run) + ": \"" + line_of(b) + "\"\n";
}

std::string divergence_report(const std::vector<MainRun>& runs) {
    std::string report;
    for (size_t i = 1; i < runs.size(); ++i) {
        const MainRun& a = runs[0];
        const MainRun& b = runs[i];
        std::string what = "bp: --parallel-main: run " + std::to_string(i + 1) + " of " +
                           std::to_string(runs.size()) + " diverged from run 1";
        if (a.out != b.out) report += what + " in stdout\n" + first_difference(a.out, b.out, i + 1);
        if (a.err != b.err) report += what + " in stderr\n" + first_difference(a.err, b.err, i + 1);
        if (a.code != b.code)
            report += what + " in its exit code (" + std::to_string(a.code) + " vs " + std::to_string(b.code) + ")\n";
    }
    return report;
}

// Joins run i's thread; its outcome (a failure: the traceback, exit 70) goes into `run`.
bool join_main_run(Vm& machine, VmThread& main_thread, thread::ThreadHandle* h, MainRun& run) {
    try {
        Value v = machine.threading->join(main_thread, h);
        if (machine.program.entry_returns_int && v.o) run.code = static_cast<int>(static_cast<Box*>(v.o)->value.i & 0xFF);
        return true;
    } catch (const rt::Raise&) {
        std::lock_guard<std::mutex> lk(h->mu);
        run.err = h->error_traceback;
        run.code = kExitRuntime;
        return false;
    }
}

int run_parallel_mains(Vm& machine, VmThread& main_thread, uint32_t n) {
    const bytecode::Program& program = machine.program;
    Closure* fn = machine.function_values.at(program.entry_function);
    std::atomic<bool> gate{false};
    std::vector<std::shared_ptr<OutputCapture>> captures;
    std::vector<thread::ThreadHandle*> handles;
    auto open_gate = [&] {
        gate.store(true);
        gate.notify_all();
    };
    for (uint32_t i = 0; i < n; ++i) {
        auto capture = std::make_shared<OutputCapture>();
        capture->start_gate = &gate;
        main_thread.capture = capture; // spawn hands it to the new thread
        try {
            handles.push_back(machine.threading->spawn(main_thread, fn, program.functions[program.entry_function]->type,
                                                       nullptr, nullptr, 0));
            // Held here, where the collector cannot see it: pinned (never freed) until joined below.
            machine.threading->escape(handles.back());
        } catch (const rt::Raise& r) {
            main_thread.capture = nullptr;
            open_gate();
            write_stderr("bp: --parallel-main: " + r.message + "\n");
            exit_if_threads_remain(machine, main_thread, kExitRuntime, false);
            return kExitRuntime;
        }
        captures.push_back(std::move(capture));
    }
    main_thread.capture = nullptr;
    open_gate();
    std::vector<MainRun> runs(n);
    bool all_ok = true;
    for (uint32_t i = 0; i < n; ++i) all_ok = join_main_run(machine, main_thread, handles[i], runs[i]) && all_ok;
    // As after a normal main: wait for the threads the mains left unjoined (their failure reports
    // go to the captures); after an uncaught exception the program ends at once.
    bool clean = all_ok ? machine.threading->finish(main_thread) : !machine.threading->any_alive();
    for (uint32_t i = 0; i < n; ++i) {
        std::lock_guard<std::mutex> lk(captures[i]->mu);
        runs[i].out = captures[i]->out;
        runs[i].err = captures[i]->err + runs[i].err;
    }
    std::fwrite(runs[0].out.data(), 1, runs[0].out.size(), stdout);
    std::fflush(stdout);
    write_stderr(runs[0].err);
    std::string report = divergence_report(runs);
    write_stderr(report);
    int code = report.empty() ? runs[0].code : kExitDiverged;
    if (!clean) exit_if_threads_remain(machine, main_thread, flush_stdout(code), false);
    return code;
}

int run_main_thread(Vm& machine, const std::function<bool(Vm&, VmThread&)>& before_init,
                    uint32_t parallel_main = 0) {
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
    if (parallel_main > 0) return run_parallel_mains(machine, main_thread, parallel_main);
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
        thread::DumpWatcher watcher(machine, options.dumps); // SIGQUIT: a thread dump (docs/threading.md)
        code = run_main_thread(machine, nullptr, options.parallel_main);
    } // every thread has detached: the watcher ends before the Vm
    code = flush_stdout(code);
    if (!thread::finish_trace(machine) && code == 0) code = kExitRuntime; // --trace
    if (options.vm.gc_stats) write_stderr(gc_stats_text(machine));
    if (after) after(machine);
    return code;
}

int execute_program(const CliOptions& options, const bytecode::Program& program,
                    const std::function<bool(Vm&, VmThread&)>& before_init, std::unique_ptr<Vm>& keep) {
    keep = std::make_unique<Vm>(program, options.vm);
    keep->argv = options.args;
    int code = 0;
    {
        thread::DumpWatcher watcher(*keep, options.dumps); // SIGQUIT: a thread dump (docs/threading.md)
        code = run_main_thread(*keep, before_init);
    }
    code = flush_stdout(code);
    if (options.vm.gc_stats) write_stderr(gc_stats_text(*keep));
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
