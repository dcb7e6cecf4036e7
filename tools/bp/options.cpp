// Command-line parsing: `bp [options] FILE [args...]`. Options come before the file; everything
// after it belongs to the program (argv()).
#include "cli.hpp"

#include <cstdlib>
#include <string_view>

namespace bp::tool {

namespace {

constexpr std::string_view kMaxHeap = "--max-heap=";
constexpr std::string_view kMaxThreads = "--max-threads=";

// A thread limit: 1 to 1,000,000 (decimal digits only).
bool parse_thread_limit(std::string_view text, uint32_t& out) {
    if (text.empty() || text.size() > 7) return false;
    uint32_t v = 0;
    for (char ch : text) {
        if (ch < '0' || ch > '9') return false;
        v = v * 10 + static_cast<uint32_t>(ch - '0');
    }
    if (v == 0 || v > 1000000) return false;
    out = v;
    return true;
}

// Returns false (with `error` set) for an unknown or malformed option.
bool apply_option(std::string_view arg, CliOptions& out, CliAction& action, std::string& error) {
    if (arg == "--help" || arg == "-h") {
        action = CliAction::Help;
    } else if (arg == "--version") {
        action = CliAction::Version;
    } else if (arg == "--gc-stats") {
        out.vm.gc_stats = true;
    } else if (arg == "--lock-order") {
        out.vm.lock_order = true;
    } else if (arg == "--gc-stress") {
        out.vm.gc_stress = true;
    } else if (arg == "--disasm") {
        out.dump = Dump::Disasm;
    } else if (arg == "--dump-tokens") {
        out.dump = Dump::Tokens;
    } else if (arg == "--dump-ast") {
        out.dump = Dump::Ast;
    } else if (arg.substr(0, kMaxHeap.size()) == kMaxHeap) {
        std::string value(arg.substr(kMaxHeap.size()));
        if (!parse_size(value, out.vm.max_heap)) {
            error = "invalid heap size '" + value + "' (expected a positive number with an optional K, M or G suffix)";
            return false;
        }
    } else if (arg.substr(0, kMaxThreads.size()) == kMaxThreads) {
        std::string value(arg.substr(kMaxThreads.size()));
        if (!parse_thread_limit(value, out.vm.max_threads)) {
            error = "invalid thread limit '" + value + "' (expected a number from 1 to 1000000)";
            return false;
        }
    } else if (arg == "--max-heap") {
        error = "option '--max-heap' needs a value: --max-heap=SIZE";
        return false;
    } else {
        error = "unknown option '" + std::string(arg) + "'";
        return false;
    }
    return true;
}

} // namespace

bool parse_size(const std::string& text, uint64_t& out) {
    uint64_t value = 0;
    size_t i = 0;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
        if (value > (UINT64_MAX - 9) / 10) return false;
        value = value * 10 + static_cast<uint64_t>(text[i] - '0');
    }
    if (i == 0) return false;
    int shift = 0;
    if (i < text.size()) {
        switch (text[i]) {
        case 'K': case 'k': shift = 10; break;
        case 'M': case 'm': shift = 20; break;
        case 'G': case 'g': shift = 30; break;
        default: return false;
        }
        if (++i != text.size()) return false;
    }
    if (value == 0 || value > (UINT64_MAX >> shift)) return false;
    out = value << shift;
    return true;
}

CliAction parse_command_line(int argc, char** argv, CliOptions& out, std::string& error) {
    CliAction action = CliAction::Run;
    if (const char* lo = std::getenv("BP_LOCK_ORDER"); lo && std::string_view(lo) == "1") out.vm.lock_order = true;
    int i = 1;
    for (; i < argc; ++i) {
        std::string_view arg = argv[i];
        if (arg == "--") {
            ++i;
            break;
        }
        if (arg.size() < 2 || arg[0] != '-') break; // the source file ("-" alone is a file name too)
        if (!apply_option(arg, out, action, error)) return CliAction::BadUsage;
        if (action != CliAction::Run) return action;
    }
    if (i >= argc) {
        error = "missing source file";
        return CliAction::BadUsage;
    }
    out.path = argv[i];
    for (++i; i < argc; ++i) out.args.emplace_back(argv[i]);
    return CliAction::Run;
}

std::string usage_text() {
    return "usage: bp [options] FILE [args...]\n"
           "Type-checks FILE and runs it; args are passed to the program (argv()).\n"
           "\n"
           "options:\n"
           "  --max-heap=SIZE  heap limit (suffix K, M or G); exceeding it raises MemoryError\n"
           "                   (default: 3/4 of physical memory)\n"
           "  --gc-stats       print garbage collector statistics to stderr at exit\n"
           "  --max-threads=N  threads alive at once, main included (default 4096)\n"
           "  --lock-order     warn about mutexes locked in inconsistent orders (also BP_LOCK_ORDER=1)\n"
           "  --gc-stress      collect garbage at every allocation safepoint (slow; for testing)\n"
           "  --disasm         print the compiled bytecode instead of running\n"
           "  --dump-tokens    print the token stream instead of running\n"
           "  --dump-ast       print the syntax tree instead of running\n"
           "  --version        print the version and exit\n"
           "  --help           print this help and exit\n"
           "\n"
           "exit status: main's result (0 for a void main), 64 bad command line, 65 compile error,\n"
           "66 unreadable source file, 70 uncaught exception\n";
}

std::string version_text() { return "BetterPython (bp) 0.1.0\n"; }

} // namespace bp::tool
