// An example native module for the embedding API: `stats`, three C functions BetterPython code
// calls as stats.add, stats.mean_of_two and stats.shout, plus lifecycle hooks that count loads and
// thread starts/ends. Registered by host.cpp (bp::embed::Runtime::add_module).
#include "native_stats.hpp"

#include <atomic>
#include <cctype>
#include <string>

namespace {

int64_t add(int64_t a, int64_t b) { return a + b; }
double mean_of_two(double a, double b) { return (a + b) / 2.0; }

// A returned char* is copied by the VM at once: a thread_local buffer is enough.
const char* shout(const char* text) {
    thread_local std::string buf;
    buf = text;
    for (char& ch : buf) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    return buf.c_str();
}

} // namespace

bp::embed::NativeModule make_stats_module(StatsCounters& counters) {
    bp::embed::NativeModule m;
    m.name = "stats";
    m.functions = {
        {"add", "(int, int) -> int", reinterpret_cast<void*>(&add)},
        {"mean_of_two", "(float, float) -> float", reinterpret_cast<void*>(&mean_of_two)},
        {"shout", "(str) -> str", reinterpret_cast<void*>(&shout)},
    };
    m.on_load = [&counters] { counters.loads += 1; };
    m.on_unload = [&counters] { counters.unloads += 1; };
    // Threading: these run on the program's threads, concurrently: the counters are atomics.
    m.on_thread_start = [&counters](uint32_t) { counters.thread_starts += 1; };
    m.on_thread_end = [&counters](uint32_t) { counters.thread_ends += 1; };
    return m;
}
