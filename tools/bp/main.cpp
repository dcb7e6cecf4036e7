// bp: the BetterPython command-line program. Parses the command line, then runs the pipeline on a
// big native stack, turning every C++ failure into a message and an exit code (never a signal).
#include "cli.hpp"
#include "runtime/thread/dump.hpp"
#include "trace_view.hpp"

#include <pthread.h>

#include <csignal>
#include <cstdio>
#include <exception>
#include <new>
#include <string>

namespace {

using namespace bp::tool;

void write_stderr(const std::string& text) { std::fwrite(text.data(), 1, text.size(), stderr); }

int internal_failure(const std::string& what) {
    std::fflush(stdout);
    write_stderr("bp: " + what + "\n");
    return kExitRuntime;
}

// What the big-stack thread runs, and the first thread it tells when it is done.
struct Run {
    CliOptions* options;
    pthread_t first_thread; // serves SIGQUIT dumps (options->dumps) until the run is over
};

// Nothing may escape the run (that would be std::terminate).
int run_guarded(const CliOptions& options) {
    try {
        return run_driver(options);
    } catch (const std::bad_alloc&) {
        return internal_failure("out of memory");
    } catch (const std::exception& e) {
        return internal_failure(std::string("internal error: ") + e.what());
    } catch (...) {
        return internal_failure("internal error: unknown exception");
    }
}

// Runs on the big-stack thread; once the program is over, the first thread stops serving dumps.
int guarded_run(void* arg) {
    auto* run = static_cast<Run*>(arg);
    int code = run_guarded(*run->options);
    if (run->options->dumps) run->options->dumps->stop(run->first_thread);
    return code;
}

void serve_dumps(void* server) { static_cast<bp::thread::DumpServer*>(server)->serve(); }

} // namespace

int main(int argc, char** argv) {
    // A closed pipe must surface as a failed write (IOError in print), not kill the process.
    std::signal(SIGPIPE, SIG_IGN);
    if (argc > 1 && std::string(argv[1]) == "trace-view") return run_trace_view(argc - 1, argv + 1);
    // SIGQUIT asks for a thread dump: blocked in every thread (all are created after this), accepted
    // only by the watcher's sigwait (runtime/thread/dump.hpp): this thread's, while the program runs
    // on the big-stack thread. Never a core dump.
    bp::thread::block_dump_signal();
    CliOptions options;
    std::string error;
    switch (parse_command_line(argc, argv, options, error)) {
    case CliAction::Help: std::fputs(usage_text().c_str(), stdout); return 0;
    case CliAction::Version: std::fputs(version_text().c_str(), stdout); return 0;
    case CliAction::BadUsage: write_stderr("bp: " + error + "\n" + usage_text()); return kExitUsage;
    case CliAction::Run: break;
    }
    bp::thread::DumpServer dumps;
    options.dumps = &dumps;
    Run run{&options, pthread_self()};
    int code = 0;
    if (!run_with_big_stack(guarded_run, &run, serve_dumps, &dumps, code)) {
        options.dumps = nullptr; // no thread serves: execute_program starts a watcher thread of its own
        code = run_guarded(options);
    }
    std::fflush(stdout); // a failure here (EPIPE) is ignored: the exit code already says how it went
    return code;
}
