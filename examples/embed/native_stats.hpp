// The example native module `stats` (native_stats.cpp): what it exports and the counters its
// lifecycle hooks update.
#pragma once
#include <bp/bp.hpp>

#include <atomic>

struct StatsCounters {
    std::atomic<int> loads{0}, unloads{0}, thread_starts{0}, thread_ends{0};
};

// The module; its hooks update `counters`, which must outlive every Runtime it is added to.
bp::embed::NativeModule make_stats_module(StatsCounters& counters);
