// bp: the BetterPython command-line program. Parses the command line, then runs the pipeline on a
// big native stack, turning every C++ failure into a message and an exit code (never a signal).
#include "cli.hpp"
#include "runtime/thread/dump.hpp"
#include "trace_view.hpp"

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

// Runs on the big-stack thread: nothing may escape it (that would be std::terminate).
int guarded_run(void* arg) {
    try {
        return run_driver(*static_cast<const CliOptions*>(arg));
    } catch (const std::bad_alloc&) {
        return internal_failure("out of memory");
    } catch (const std::exception& e) {
        return internal_failure(std::string("internal error: ") + e.what());
    } catch (...) {
        return internal_failure("internal error: unknown exception");
    }
}

} // namespace

int main(int argc, char** argv) {
    // A closed pipe must surface as a failed write (IOError in print), not kill the process.
    std::signal(SIGPIPE, SIG_IGN);
    if (argc > 1 && std::string(argv[1]) == "trace-view") return run_trace_view(argc - 1, argv + 1);
    // SIGQUIT asks for a thread dump: blocked in every thread (all are created after this), accepted
    // only by the watcher's sigwait (runtime/thread/dump.hpp). Never a core dump.
    bp::thread::block_dump_signal();
    CliOptions options;
    std::string error;
    switch (parse_command_line(argc, argv, options, error)) {
    case CliAction::Help: std::fputs(usage_text().c_str(), stdout); return 0;
    case CliAction::Version: std::fputs(version_text().c_str(), stdout); return 0;
    case CliAction::BadUsage: write_stderr("bp: " + error + "\n" + usage_text()); return kExitUsage;
    case CliAction::Run: break;
    }
    int code = run_with_big_stack(guarded_run, &options);
    std::fflush(stdout); // a failure here (EPIPE) is ignored: the exit code already says how it went
    return code;
}
