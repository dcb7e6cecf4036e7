// Command-line parsing with CLI11. Three shapes:
//   bp [options] FILE [args...]     run FILE ("-" is stdin); everything after FILE is the program's
//   bp [options] -c CODE [args...]  run CODE as the main file "<string>"
//   bp check [options] FILE         diagnostics only: exit 0 (clean) or 65
//   bp [options]                    the REPL when stdin is a terminal, else the program read from stdin
// Options come before the file: CLI11's prefix-command mode stops at the first positional word,
// and that word and the rest are ours to split (FILE, then argv()). "check" is recognised only as
// the very first word; a file named "check" runs as `bp ./check` or `bp -- check`.
#include "cli.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdlib>
#include <string_view>

namespace bp::tool {

namespace {

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

struct RawOptions {
    std::string max_heap, max_threads, diagnostics, code, trace, parallel_main, gc_concurrent, gc_assists;
    bool version = false, disasm = false, dump_tokens = false, dump_ast = false;
};

void declare_options(CLI::App& app, CliOptions& out, RawOptions& raw, bool check_mode) {
    app.set_help_flag("-h,--help", "print this help and exit");
    app.add_option("--diagnostics", raw.diagnostics, "compile errors as 'text' (default) or 'json' (for editors)")
        ->type_name("FORMAT");
    if (check_mode) return;
    app.add_option("-c", raw.code, "run CODE instead of a file (args after it go to the program)")->type_name("CODE");
    app.add_option("--max-heap", raw.max_heap,
                   "heap limit (suffix K, M or G); exceeding it raises MemoryError (default: 3/4 of RAM)")
        ->type_name("SIZE");
    app.add_option("--max-threads", raw.max_threads, "threads alive at once, main included (default 4096)")
        ->type_name("N");
    app.add_flag("--gc-stats", out.vm.gc_stats, "print garbage collector statistics to stderr at exit");
    app.add_flag("--gc-stress", out.vm.gc_stress, "collect garbage at every allocation safepoint (slow; testing)");
    app.add_option("--gc-concurrent", raw.gc_concurrent,
                   "mark beside the program: auto (default: once the live heap is big), always, never")
        ->type_name("WHEN");
    app.add_option("--gc-assists", raw.gc_assists,
                   "allocating threads help a concurrent marking that falls behind: auto (default), never")
        ->type_name("WHEN");
    app.add_flag("--lock-order", out.vm.lock_order,
                 "warn about lock-order inversions (A then B here, B then A there); also BP_LOCK_ORDER=1");
    app.add_option("--trace", raw.trace,
                   "write a thread timeline (Chrome trace-event JSON) to FILE at exit; see bp trace-view")
        ->type_name("FILE");
    // Hidden (an empty group): the golden suite's shared-state shaker (docs/reliability.md).
    app.add_option("--parallel-main", raw.parallel_main, "run main in N threads at once and compare")
        ->type_name("N")
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast) // a test's .opts overrides the runner's
        ->group("");
    app.add_flag("--disasm", raw.disasm, "print the compiled bytecode instead of running");
    app.add_flag("--dump-tokens", raw.dump_tokens, "print the token stream instead of running");
    app.add_flag("--dump-ast", raw.dump_ast, "print the syntax tree instead of running");
    app.add_flag("--version", raw.version, "print the version and exit");
}

// Validates the raw strings into `out`; false with `error` set.
bool finish_options(const RawOptions& raw, CliOptions& out, std::string& error) {
    if (!raw.max_heap.empty() && !parse_size(raw.max_heap, out.vm.max_heap)) {
        error = "invalid heap size '" + raw.max_heap + "' (expected a positive number with an optional K, M or G suffix)";
        return false;
    }
    if (!raw.gc_concurrent.empty()) {
        if (raw.gc_concurrent == "auto") out.vm.gc_concurrent = gc::Heap::Concurrent::Auto;
        else if (raw.gc_concurrent == "always") out.vm.gc_concurrent = gc::Heap::Concurrent::Always;
        else if (raw.gc_concurrent == "never") out.vm.gc_concurrent = gc::Heap::Concurrent::Never;
        else {
            error = "invalid --gc-concurrent '" + raw.gc_concurrent + "' (expected auto, always or never)";
            return false;
        }
    }
    if (!raw.gc_assists.empty()) {
        if (raw.gc_assists == "auto") out.vm.gc_assists = gc::Heap::Assists::Auto;
        else if (raw.gc_assists == "never") out.vm.gc_assists = gc::Heap::Assists::Never;
        else {
            error = "invalid --gc-assists '" + raw.gc_assists + "' (expected auto or never)";
            return false;
        }
    }
    if (!raw.max_threads.empty() && !parse_thread_limit(raw.max_threads, out.vm.max_threads)) {
        error = "invalid thread limit '" + raw.max_threads + "' (expected a number from 1 to 1000000)";
        return false;
    }
    if (!raw.parallel_main.empty() &&
        (!parse_thread_limit(raw.parallel_main, out.parallel_main) || out.parallel_main > 256)) {
        error = "invalid --parallel-main count '" + raw.parallel_main + "' (expected a number from 1 to 256)";
        return false;
    }
    if (raw.diagnostics == "json") out.json_diagnostics = true;
    else if (!raw.diagnostics.empty() && raw.diagnostics != "text") {
        error = "invalid diagnostics format '" + raw.diagnostics + "' (expected 'text' or 'json')";
        return false;
    }
    if (!raw.trace.empty()) out.vm.trace_path = raw.trace;
    if (raw.dump_tokens) out.dump = Dump::Tokens;
    if (raw.dump_ast) out.dump = Dump::Ast;
    if (raw.disasm) out.dump = Dump::Disasm;
    return true;
}

// Splits the words after the options: FILE then program args (or only args with -c).
bool take_positionals(std::vector<std::string> rest, CliOptions& out, bool has_code, std::string& error) {
    if (has_code) { // every word after CODE is the program's
        out.source = SourceKind::Code;
        out.path = "<string>";
        out.args = std::move(rest);
        return true;
    }
    if (!rest.empty() && rest.front() == "--") {
        rest.erase(rest.begin());
    } else if (!rest.empty() && rest.front().size() > 1 && rest.front()[0] == '-') {
        // prefix-command mode hands an unknown option over as the first positional word
        error = "unknown option '" + rest.front() + "'";
        return false;
    }
    if (rest.empty()) {
        out.source = SourceKind::Interactive;
        return true;
    }
    out.path = rest.front();
    out.source = out.path == "-" ? SourceKind::Stdin : SourceKind::File;
    if (out.source == SourceKind::Stdin) out.path = "<stdin>";
    out.args.assign(rest.begin() + 1, rest.end());
    return true;
}

// Like Python, `-c CODE` ends the options: the words after CODE are the program's, even ones that
// look like options. Returns the index of "-c" among the option words, or `end` if there is none.
int find_code_option(int begin, int end, char** argv) {
    for (int i = begin; i < end; ++i) {
        std::string_view w = argv[i];
        if (w == "-c") return i;
        if (w == "--" || w.size() < 2 || w[0] != '-') return end; // the file: options are over
        if (w == "--max-heap" || w == "--max-threads" || w == "--diagnostics" || w == "--trace" ||
            w == "--parallel-main" || w == "--gc-concurrent" || w == "--gc-assists")
            ++i; // its value
    }
    return end;
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
    bool check_mode = argc > 1 && std::string_view(argv[1]) == "check";
    if (const char* lo = std::getenv("BP_LOCK_ORDER"); lo && std::string_view(lo) == "1") out.vm.lock_order = true;
    // The common shape, `bp FILE [args...]` without options, is what CLI11 would make of it too (the
    // first positional word ends the options), without building its App: that was most of the
    // command line's share of start-up (docs/performance.md "Start-up").
    if (!check_mode && argc > 1 && argv[1][0] != '-') {
        bool ok = take_positionals(std::vector<std::string>(argv + 1, argv + argc), out, false, error);
        return ok ? CliAction::Run : CliAction::BadUsage;
    }
    CLI::App app(check_mode ? "bp check: type-check FILE, print diagnostics, run nothing" : "", "bp");
    app.prefix_command();
    RawOptions raw;
    declare_options(app, out, raw, check_mode);
    int first = check_mode ? 2 : 1;
    int code_at = check_mode ? argc : find_code_option(first, argc, argv);
    int last = code_at < argc ? std::min(code_at + 2, argc) : argc; // through CODE
    std::vector<std::string> words;
    for (int i = last - 1; i >= first; --i) words.emplace_back(argv[i]); // CLI11 wants reverse order
    try {
        app.parse(words);
    } catch (const CLI::CallForHelp&) {
        return CliAction::Help;
    } catch (const CLI::ParseError& e) {
        error = e.what();
        return CliAction::BadUsage;
    }
    if (raw.version) return CliAction::Version;
    if (!finish_options(raw, out, error)) return CliAction::BadUsage;
    std::vector<std::string> rest = app.remaining();
    if (code_at < argc) {
        if (!rest.empty()) { // before -c: a word CLI11 did not know
            error = "unknown option '" + rest.front() + "'";
            return CliAction::BadUsage;
        }
        rest.assign(argv + last, argv + argc);
    }
    bool has_code = !check_mode && app.count("-c") > 0;
    if (!take_positionals(std::move(rest), out, has_code, error)) return CliAction::BadUsage;
    if (has_code) out.code = raw.code;
    if (check_mode) {
        out.check_only = true;
        if (out.source != SourceKind::File && out.source != SourceKind::Stdin) {
            error = "check: missing source file";
            return CliAction::BadUsage;
        }
        if (!out.args.empty()) {
            error = "check: unexpected argument '" + out.args.front() + "'";
            return CliAction::BadUsage;
        }
    }
    return CliAction::Run;
}

std::string usage_text() {
    return "usage: bp [options] FILE [args...]   run FILE (\"-\": stdin); args go to the program (argv())\n"
           "       bp [options] -c CODE [args...] run CODE\n"
           "       bp [options]                   interactive session (REPL) on a terminal,\n"
           "                                      else run the program read from stdin\n"
           "       bp check [--diagnostics=json] FILE   diagnostics only (exit 0 or 65)\n"
           "Options go before FILE; everything after FILE belongs to the program.\n"
           "\n"
           "options:\n"
           "  -c CODE            run CODE as the main file \"<string>\"\n"
           "  --max-heap=SIZE    heap limit (suffix K, M or G); exceeding it raises MemoryError\n"
           "                     (default: 3/4 of physical memory)\n"
           "  --gc-stats         print garbage collector statistics to stderr at exit\n"
           "  --max-threads=N    threads alive at once, main included (default 4096)\n"
           "  --gc-stress        collect garbage at every allocation safepoint (slow; for testing)\n"
           "  --gc-concurrent=WHEN  mark beside the program: auto (default: once the live heap\n"
           "                     is big), always or never (every collection stops the world)\n"
           "  --gc-assists=WHEN  allocating threads mark when a concurrent marking falls behind:\n"
           "                     auto (default) or never (a late remark waits for the markers)\n"
           "  --trace=FILE       write a thread timeline to FILE at exit (Chrome trace-event JSON:\n"
           "                     open it in Perfetto, or run bp trace-view FILE -o OUT.html)\n"
           "  --diagnostics=FMT  compile errors as text (default) or json: an array of\n"
           "                     {file, line, col, end_line, end_col, severity, message, notes}\n"
           "  --disasm           print the compiled bytecode instead of running\n"
           "  --dump-tokens      print the token stream instead of running\n"
           "  --dump-ast         print the syntax tree instead of running\n"
           "  --version          print the version and exit\n"
           "  -h, --help         print this help and exit\n"
           "\n"
           "exit status: main's result (0 for a void main), 64 bad command line, 65 compile error,\n"
           "66 unreadable source file, 70 uncaught exception\n";
}

std::string version_text() { return "BetterPython (bp) 0.1.0\n"; }

} // namespace bp::tool
