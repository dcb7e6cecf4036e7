// The garbage-collected heap: a precise, non-moving mark-sweep collector.
// (Owned by the runtime engineer; the interface below is what the VM and builtins rely on.)
//
// - Objects are allocated through the calling thread's LocalAllocator (size-class free lists in
//   pages it owns; no lock), refilled from the shared page heap (one lock, rarely taken). Large
//   objects come from a separate list.
// - Allocation never collects. Collections start only at safepoints: the interpreter calls
//   Heap::safepoint() at calls, loop back-edges and before allocating instructions; when a
//   collection is due (allocated bytes since the last one exceed the threshold, or always in
//   GC-stress mode) it stops the world (trivially with one thread), marks from the roots (every
//   thread's live frames' reference registers, pending errors, globals, constants, function values)
//   and sweeps.
// - Exceeding the heap limit in an allocation throws rt::Raise{MemoryError}.
#pragma once
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace bp {
struct Obj;
class Vm;
class VmThread;
enum class ObjKind : uint8_t;
}

namespace bp::gc {

class Heap;

class LocalAllocator {
public:
    // Implementation-defined per-thread state (free lists per size class, etc.).
    void* state[64] = {};
};

struct GcStats {
    uint64_t collections = 0;
    uint64_t total_pause_ns = 0;
    uint64_t max_pause_ns = 0;
    uint64_t bytes_allocated_total = 0;
    uint64_t peak_heap_bytes = 0;
};

class Heap {
public:
    Heap();
    ~Heap();
    void init(Vm& vm, uint64_t limit_bytes, bool stress);
    // Allocates `size` bytes (>= sizeof(Obj)), zero-filled, header kind set. Never collects.
    Obj* allocate(VmThread& t, ObjKind kind, size_t size);
    // Collects if due. Call only where every live reference is in a root (interpreter safepoints).
    void safepoint(VmThread& t);
    void collect(VmThread& t);
    uint64_t heap_bytes() const;
    const GcStats& stats() const;
    std::string stats_report() const;
    // Implementation detail pointer (pages, lists, thresholds).
    struct Impl;
    Impl* impl = nullptr;
};

} // namespace bp::gc
