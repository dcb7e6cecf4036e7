// An example host program: embeds BetterPython through include/bp/bp.hpp, loads a script, runs its
// main and calls its functions with int/float/bool/str arguments. Exit 0 if every check passed.
// Also registers the native module `stats` (native_stats.cpp) and runs uses_native.bp with it.
// Usage: bp_embed_host scripting.bp uses_native.bp
#include "native_stats.hpp"

#include <bp/bp.hpp>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s SCRIPT.bp NATIVE_USER.bp\n", argv[0]);
        return 2;
    }
    int failures = 0;
    auto check = [&failures](bool ok, const std::string& what) {
        std::printf("%s %s\n", ok ? "ok  " : "FAIL", what.c_str());
        if (!ok) ++failures;
    };
    bp::embed::Runtime rt;
    bp::embed::Result loaded = rt.load_file(argv[1]);
    check(loaded.ok(), "load " + std::string(argv[1]) + " " + loaded.error);
    if (!loaded.ok()) return 1;

    bp::embed::Result r = rt.run_main({"one", "two"});
    std::fflush(stdout);
    check(r.ok() && std::get<int64_t>(r.value) == 7, "main returns 7");

    r = rt.call("add", {int64_t{40}, int64_t{2}});
    check(r.ok() && std::get<int64_t>(r.value) == 42, "add(40, 2) == 42");
    r = rt.call("scale", {1.5, 4.0});
    check(r.ok() && std::get<double>(r.value) == 6.0, "scale(1.5, 4.0) == 6.0");
    r = rt.call("greet", {std::string("embedder"), true});
    check(r.ok() && std::get<std::string>(r.value) == "HELLO, EMBEDDER!", "greet(\"embedder\", true)");
    r = rt.call("call_count");
    check(r.ok() && std::get<int64_t>(r.value) == 3, "globals persist between calls (3 calls counted)");

    r = rt.call("fail", {std::string("from the host")});
    check(r.status == 70 && r.error.find("ValueError: from the host") != std::string::npos,
          "an exception comes back as status 70 with its traceback");
    r = rt.call("add", {int64_t{1}, int64_t{1}});
    check(r.ok() && std::get<int64_t>(r.value) == 2, "the runtime still works after an exception");
    r = rt.call("add", {int64_t{1}});
    check(r.status == 64, "wrong argument count is refused: " + r.error);
    r = rt.call("add", {int64_t{1}, std::string("x")});
    check(r.status == 64, "wrong argument type is refused: " + r.error);
    r = rt.call("nope");
    check(r.status == 64, "unknown function is refused: " + r.error);

    bp::embed::Runtime other;
    r = other.load_string("def main() -> void:\n    let x: int = \"s\"\n", "bad.bp");
    check(r.status == 65 && r.error.find("bad.bp:2:") == 0, "compile errors come back as text (status 65)");
    r = other.load_string("def main() -> void:\n    pass\n\ndef sq(x: int) -> int:\n    return x * x\n");
    check(r.ok(), "load_string " + r.error);
    if (r.ok()) check(std::get<int64_t>(other.call("sq", {int64_t{9}}).value) == 81, "then call sq(9) == 81");

    StatsCounters counters;
    {
        bp::embed::Runtime with_native;
        std::string error;
        bool added = with_native.add_module(make_stats_module(counters), &error);
        check(added, "add_module(stats) " + error);
        added = with_native.add_module(make_stats_module(counters), &error);
        check(!added, "a second 'stats' is refused: " + error);
        bp::embed::NativeModule bad{"bad", {{"f", "(list) -> int", reinterpret_cast<void*>(&std::printf)}}, {}, {}, {}, {}};
        added = with_native.add_module(bad, &error);
        check(!added, "a bad signature is refused: " + error);
        std::vector<bp::embed::ModuleInfo> registry = with_native.modules();
        bool listed = registry.size() == 2 && registry[0].name == "thread" && registry[0].built_in &&
                      registry[1].name == "stats" && !registry[1].built_in && registry[1].functions.size() == 3 &&
                      registry[1].functions[0].signature == "(int, int) -> int";
        bool spawn = false;
        for (const auto& f : registry.empty() ? std::vector<bp::embed::ModuleInfo::Function>{} : registry[0].functions)
            spawn = spawn || (f.name == "spawn" && f.signature == "builtin thread_spawn");
        check(listed && spawn, "the registry lists thread (spawn = builtin thread_spawn) then stats");
        r = with_native.load_file(argv[2]);
        check(r.ok() && counters.loads == 1, "load a program importing stats " + r.error);
        r = with_native.run_main();
        std::fflush(stdout);
        check(r.ok(), "its main runs " + r.error);
        r = with_native.call("mean_plus", {1.0, 3.0, int64_t{10}});
        check(r.ok() && std::get<double>(r.value) == 12.0, "a call through the native module");
        // A join returns once the thread finished; its end hook may still be running (joiners never
        // wait for end hooks, which may block): give it up to 5 s.
        for (int i = 0; i < 500 && counters.thread_ends < 1; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
        check(counters.thread_starts == 2 && counters.thread_ends == 1,
              "thread hooks: host thread + one spawned thread started, the spawned one ended");
        bp::embed::Runtime typo;
        typo.add_module(make_stats_module(counters));
        r = typo.load_string("import stats\ndef main() -> void:\n    stats.add(1, \"x\")\n", "typo.bp");
        check(r.status == 65, "the checker knows native signatures: " + r.error.substr(0, r.error.find('\n')));
    }
    check(counters.unloads == 1 && counters.thread_ends == 2, "unload hooks ran when the Runtime ended");

    StatsCounters detached;
    {
        bp::embed::Runtime rt2;
        rt2.add_module(make_stats_module(detached));
        r = rt2.load_string("import stats\nimport thread\n\ndef work() -> void:\n    thread.sleep(30)\n"
                            "    stats.add(1, 2)\n\ndef main() -> void:\n    thread.detach(thread.spawn(work))\n",
                            "detached.bp");
        check(r.ok() && rt2.run_main().ok(), "a program leaving a detached thread running " + r.error);
    }
    check(detached.thread_starts == 2 && detached.thread_ends == 2 && detached.unloads == 1,
          "~Runtime waits for a detached thread still running (its hooks ran)");

    StatsCounters pooled;
    {
        bp::embed::Runtime rt3;
        rt3.add_module(make_stats_module(pooled));
        r = rt3.load_string("import stats\nimport thread\n\ndef twice(x: int) -> int:\n    return stats.add(x, x)\n\n"
                            "def main() -> void:\n    let p: Pool = thread.pool_new(2)\n"
                            "    let f: Future[int] = thread.submit(p, twice, 21)\n    print(f.get())\n"
                            "    thread.pool_shutdown(p)\n",
                            "pooled.bp");
        check(r.ok() && rt3.run_main().ok(), "a program using a pool of 2 threads " + r.error);
        std::fflush(stdout);
    }
    check(pooled.thread_starts == 3 && pooled.thread_ends == 3, "thread hooks ran on the host and both pool threads");

    std::printf("%d failure(s)\n", failures);
    return failures == 0 ? 0 : 1;
}
