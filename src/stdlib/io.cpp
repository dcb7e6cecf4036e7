// I/O and system builtins (LANGUAGE.md §10): print, read_line, exit, clock_ms, sleep, getenv,
// argv, argc, typeof.
#include "runtime/thread/safepoint.hpp"
#include "runtime/thread/trace.hpp"
#include "stdlib/support.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace bp::stdlib {

// One fwrite per call so that a line is never interleaved with another thread's (stdio locks
// the stream per call).
Value bi_print_(BuiltinArgs& a) {
    std::string line;
    for (uint32_t i = 0; i < a.nargs; ++i) {
        if (i) line += ' ';
        line += rt::to_display(a.args[i], a.arg_types[i], true);
    }
    line += '\n';
    if (OutputCapture* c = a.thread.capture.get()) { // bp --parallel-main
        std::lock_guard<std::mutex> lk(c->mu);
        c->out += line;
        return Value::zero();
    }
    if (std::fwrite(line.data(), 1, line.size(), stdout) != line.size())
        rt::raise(ErrorKind::IOError, fmt::format("cannot write to stdout: {}", std::strerror(errno)));
    return Value::zero();
}

Value bi_read_line(BuiltinArgs& a) {
    std::fflush(stdout);
    char* buf = nullptr;
    size_t cap = 0;
    ssize_t n = 0;
    {
        thread::TraceScope trace(a.thread, thread::TraceKind::Input);
        thread::SafeRegion safe(a.thread); // blocked on input: safe for the collector
        n = ::getline(&buf, &cap, stdin);
    }
    std::string line = n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
    std::free(buf);
    if (n < 0 && std::ferror(stdin)) {
        std::clearerr(stdin);
        rt::raise(ErrorKind::IOError, fmt::format("cannot read from stdin: {}", std::strerror(errno)));
    }
    if (!line.empty() && line.back() == '\n') line.pop_back();
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return str_value(a, line);
}

Value bi_exit_(BuiltinArgs& a) {
    thread::finish_trace(a.thread.vm); // --trace: the timeline up to now
    std::fflush(stdout);
    std::fflush(stderr);
    std::_Exit(static_cast<int>(arg_int(a, 0) & 0xFF));
}

Value bi_clock_ms(BuiltinArgs&) {
    auto now = std::chrono::system_clock::now().time_since_epoch();
    return Value::from_int(std::chrono::duration_cast<std::chrono::milliseconds>(now).count());
}

Value bi_sleep_(BuiltinArgs& a) {
    sleep_ms(a.thread, arg_int(a, 0));
    return Value::zero();
}

Value bi_getenv_(BuiltinArgs& a) {
    std::string name(arg_sv(a, 0)); // NUL-terminated copy; a name with a NUL finds nothing
    if (name.find('\0') != std::string::npos) return str_value(a, "");
    const char* v = std::getenv(name.c_str());
    return str_value(a, v ? v : "");
}

Value bi_argv_(BuiltinArgs& a) {
    const std::vector<std::string>& args = a.thread.vm.argv;
    std::vector<std::string_view> parts(args.begin(), args.end());
    return Value::from_obj(new_str_array(a, a.result_type, parts));
}

Value bi_argc_(BuiltinArgs& a) {
    return Value::from_int(static_cast<int64_t>(a.thread.vm.argv.size()));
}

Value bi_typeof_(BuiltinArgs& a) {
    return str_value(a, rt::typeof_name(a.args[0], a.arg_types[0]));
}

} // namespace bp::stdlib
