// Shared VM state (Vm) and per-thread state (VmThread).
//
// Vm is everything all threads share: the heap, the program, globals, the materialised constants,
// the function values, the builtin table. VmThread is everything one thread owns: its register
// stack, its frames, its allocation buffer, its pending exception. This issue runs one thread;
// the split is what lets the threads issue add more without touching the interpreter.
//
// Threading: Vm fields are immutable after start-up except `globals` (slot_load/slot_store),
// the heap (see gc/heap.hpp) and `threads` (guarded by threads_mu).
#pragma once
#include "bytecode/program.hpp"
#include "gc/heap.hpp"
#include "runtime/object.hpp"
#include "types/builtins.hpp"

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace bp::thread {
class ThreadRuntime;
struct ThreadHandle;
class Tracer;
class TraceBuffer;
}

namespace bp {

namespace vm {
class Ffi;
}
class Vm;
class VmThread;

// Arguments of a builtin call. Builtins may allocate freely: collection never happens inside a
// builtin (only at interpreter safepoints), so C++ locals holding Obj* need no rooting.
// Errors are reported by throwing rt::Raise (runtime/rt.hpp).
struct BuiltinArgs {
    VmThread& thread;
    const Value* args;
    uint32_t nargs;
    const types::Type* const* arg_types; // static type of each argument
    const types::Type* result_type;      // the call's static result type
};
using BuiltinFn = Value (*)(BuiltinArgs&);

struct VmOptions {
    uint64_t max_heap = 0;   // bytes; 0 = 3/4 of physical memory
    bool gc_stress = false;  // collect at every allocation safepoint
    bool gc_stats = false;   // print collector statistics at exit
    gc::Heap::Concurrent gc_concurrent = gc::Heap::Concurrent::Auto; // --gc-concurrent
    gc::Heap::Assists gc_assists = gc::Heap::Assists::Auto;          // --gc-assists
    uint32_t max_depth = 200000; // frames per thread; the next call raises RecursionError
    uint32_t max_threads = 4096; // threads alive at once, main included (--max-threads)
    bool lock_order = false;     // --lock-order / BP_LOCK_ORDER=1: report lock-order inversions
    std::string trace_path;      // --trace FILE: write a thread timeline (runtime/thread/trace.hpp)
};

// One activation. Registers of the frame are stack[base .. end).
// A frame saves its position as an instruction pointer, not an index: a call stores `ip` as it is
// and a return resumes from it, with no arithmetic against proto->code (docs/performance.md, cheap
// calls). pc() gives the index tracebacks, dumps and deadlock reports print. The destination of a
// result is not stored: a return finds it in the caller's call instruction, at `ip`.
struct Frame {
    const bytecode::FunctionProto* proto;
    Closure* closure;            // the running closure (captures), or nullptr for a direct call
    const bytecode::Instr* ip;   // saved position (the instruction being executed when not on top)
    const Value* constants;      // Vm::constants[proto->index].data() (the interpreter's K)
    uint32_t base;               // register window start in VmThread::stack
    uint32_t end;                // base + proto->nregs: where a callee's window starts

    uint32_t pc() const { return static_cast<uint32_t>(ip - proto->code.data()); }
    void set_pc(uint32_t pc) { ip = proto->code.data() + pc; }
    // A frame of `proto` at `base`, stopped at instruction `pc` (constants unset): for code that
    // builds frames outside the interpreter (unit tests).
    static Frame at(const bytecode::FunctionProto* proto, Closure* closure, uint32_t base, uint32_t pc) {
        return Frame{proto, closure, proto->code.data() + pc, nullptr, base, base + proto->nregs};
    }
};

// What a call needs to know about its callee, gathered per function when the Vm is built
// (Vm::call_targets, indexed like Program::functions) so that the Call handler reads it from one
// small struct instead of chasing FunctionProto's vectors and Vm::constants.
struct CallTarget {
    const bytecode::FunctionProto* proto;
    const bytecode::Instr* code;     // proto->code.data()
    const Value* constants;          // Vm::constants[index].data()
    const uint16_t* ref_locals;      // proto->ref_locals: the registers a call must clear
    uint32_t nref_locals;
    uint32_t nregs;                  // proto->nregs
};

// The frame stack: one contiguous block (frames are trivially copyable, so growing it is one
// realloc), with the std::vector subset the runtime uses. `limit` folds the depth limit into the
// capacity: it is begin + min(capacity, max_depth), so the interpreter's push checks both with one
// comparison (top >= limit) and takes grow_for_call() only to grow or to raise RecursionError.
// push_back (entry frames, unit tests) grows without the depth check, as the vector did.
// Threading: owner-only, like the rest of VmThread; other threads read it only while the owner is
// stopped or blocked (the collector, thread dumps).
class FrameStack {
public:
    FrameStack() = default;
    ~FrameStack();
    FrameStack(const FrameStack&) = delete;
    FrameStack& operator=(const FrameStack&) = delete;

    size_t size() const { return static_cast<size_t>(m_top - m_begin); }
    bool empty() const { return m_top == m_begin; }
    Frame& back() { return m_top[-1]; }
    const Frame& back() const { return m_top[-1]; }
    Frame& operator[](size_t i) { return m_begin[i]; }
    const Frame& operator[](size_t i) const { return m_begin[i]; }
    Frame* begin() { return m_begin; }
    Frame* end() { return m_top; }
    const Frame* begin() const { return m_begin; }
    const Frame* end() const { return m_top; }
    void push_back(const Frame& f) {
        if (m_top == m_cap) grow(size() + 1);
        *m_top++ = f;
    }
    void pop_back() { --m_top; }
    void clear() { m_top = m_begin; }
    void reserve(size_t n) { if (n > static_cast<size_t>(m_cap - m_begin)) grow(n); }
    void set_max_depth(size_t n);

    // The interpreter's fast path: `top()` is one past the current frame; a call may write a new
    // frame there iff top() < limit(), then publish it with set_top(top() + 1).
    Frame* top() const { return m_top; }
    Frame* limit() const { return m_limit; }
    void set_top(Frame* f) { m_top = f; }
    // Slow path of a call: raises RecursionError at max_depth frames, else grows; returns top().
    Frame* grow_for_call();

private:
    void grow(size_t at_least);
    Frame* m_begin = nullptr;
    Frame* m_top = nullptr;
    Frame* m_cap = nullptr;
    Frame* m_limit = nullptr;
    size_t m_max_depth = SIZE_MAX;
};

// `bp --parallel-main N` (tools/bp/execute.cpp, docs/reliability.md): a thread whose `capture` is
// set sends print's output and its uncaught traceback here instead of stdout/stderr, so that N
// concurrent runs of main can be compared. Threads it spawns inherit the capture.
// Threading: `out`/`err` are guarded by `mu` (a main and the threads it spawned share them);
// `start_gate` (owned by the runner, which outlives the threads) is set once to release them all.
struct OutputCapture {
    std::mutex mu;
    std::string out, err;
    std::atomic<bool>* start_gate = nullptr;
};

// Where this thread last found a key of a map (runtime/map.cpp, "Lookup hints"). Plain data: not
// roots; every pause that ends a marking clears them (gc/heap.cpp reset_allocators).
struct MapHint {
    const Map* map = nullptr;
    uint64_t key = 0;            // the key's bits (a string key: its object)
    const Storage* entries = nullptr; // the entries storage it was found in
    int64_t entry = 0;
};

class VmThread {
public:
    // initial_stack: register stack size in values (0 = the default; it grows on demand).
    VmThread(Vm& vm, uint32_t id, size_t initial_stack = 0);
    ~VmThread();
    VmThread(const VmThread&) = delete;
    VmThread& operator=(const VmThread&) = delete;

    Vm& vm;
    uint32_t id;                 // 0 = main thread
    // Register stack: grows by reallocation (frames store offsets, never pointers into it).
    // Reference registers outside live frames may hold stale pointers; the collector only scans
    // live frames' reference registers, and the interpreter zeroes a frame's registers on entry.
    Value* stack = nullptr;
    size_t stack_cap = 0;
    FrameStack frames;
    // Copies of two Vm addresses the interpreter's hottest paths need, one load from the thread
    // (which the dispatch loop keeps in a machine register; `vm` may live on the C stack).
    const CallTarget* call_targets;              // vm.call_targets.data()
    const std::atomic<bool>* collection_due;     // &vm.heap.collection_due: the safepoint poll
    gc::LocalAllocator alloc;    // this thread's allocation buffer
    MapHint map_hints[8];        // direct-mapped by the map's address (runtime/map.cpp)
    ErrorObj* pending_error = nullptr; // root while an exception propagates

    // Threading: the collector's view of this thread (see runtime/thread/safepoint.hpp):
    // kRunning, kSafe (blocked: counts as stopped) or kParked (stopped at a safepoint).
    // seq_cst against Vm::stop_requested (a Dekker handshake).
    std::atomic<uint8_t> gc_state{0};
    thread::ThreadHandle* handle = nullptr; // this thread's handle (nullptr for the main thread)
    std::atomic<const void*> waiting_for{nullptr}; // handle blocked on (for deadlock detection)
    uint32_t held_mutexes = 0; // mutexes this thread holds (owner-only)
    // --lock-order only (runtime/thread/deadlock.hpp): the mutexes held, in locking order (owner-only).
    std::vector<const void*> held_locks;
    // --trace only (runtime/thread/trace.hpp): this thread's event buffer; nullptr when off.
    thread::TraceBuffer* trace = nullptr;
    // --parallel-main only: where print writes (nullptr: stdout). Set before the thread runs code.
    std::shared_ptr<OutputCapture> capture;

    void ensure_stack(size_t needed); // grows (zero-filled) so that stack_cap >= needed
};

class Vm {
public:
    explicit Vm(const bytecode::Program& program, VmOptions options);
    ~Vm();
    Vm(const Vm&) = delete;
    Vm& operator=(const Vm&) = delete;

    // Allocates what needs a thread to allocate with: the string constants, the function values
    // (and the Function constants pointing at them). Call once, with the main thread, before any
    // code runs and before any other thread exists. Never collects. Throws rt::Raise{MemoryError}
    // if the heap limit is too small for the program's constants.
    void start(VmThread& main);
    void install_native_modules(); // constructor: see native_modules below

    const bytecode::Program& program;
    VmOptions options;
    gc::Heap heap;

    // Globals: values and kinds (1 = reference). Roots.
    std::vector<Value> globals;
    std::vector<uint8_t> global_is_ref;
    std::vector<uint8_t> global_ready; // 0 until its initialiser finished (ValueError otherwise)

    // Materialised constants per function (strings allocated once, pinned as roots).
    std::vector<std::vector<Value>> constants;
    // Every one-byte string, shared, as CPython shares its one-character strings: `s[i]`,
    // `for c in s` and every one-byte result of rt::new_string are these, so walking a string's
    // characters allocates nothing. Made by start() before the constants, so a literal "a" is the
    // same object and `c == "a"` compares pointers. Roots; immutable (null before start()).
    std::array<String*, 256> byte_strings{};
    String* byte_string(char c) const { return byte_strings[static_cast<uint8_t>(c)]; }
    // One closure per top-level function, used when a function is a value. Roots.
    std::vector<Closure*> function_values;
    // One per function (indexed like Program::functions): what a call reads (see CallTarget).
    // Filled by the constructor; immutable afterwards.
    std::vector<CallTarget> call_targets;

    BuiltinFn builtins[kBuiltinCount] = {};

    std::mutex threads_mu;
    std::vector<VmThread*> threads; // every attached thread (roots); guarded by threads_mu
    // Stop-the-world handshake (runtime/thread/safepoint.hpp): a collector sets stop_requested
    // and waits on threads_cv (with threads_mu) until no other thread is kRunning.
    std::condition_variable threads_cv;
    std::atomic<bool> stop_requested{false};
    // A stop's requester sleeps on threads_cv waiting for threads to stop: a thread that stops
    // (parks, or enters the safe state) must then notify it under threads_mu. seq_cst against the
    // threads' gc_state (a Dekker handshake, runtime/thread/safepoint.cpp).
    std::atomic<bool> stop_waiting{false};
    // Single-threaded containers. A container's mutating operations (append, insert, map store...)
    // take the container's ObjLock (rt::ObjLockGuard) so that threads mutating it at once stay
    // consistent: a compare-and-swap and an exchange per operation, 8 ns of an append's 12 on the
    // host of docs/performance.md "Stop 25". While the program has one thread nobody else can
    // mutate, so the operations skip the lock until this turns true, which it does, for good, before
    // a second thread can run: set by the thread that starts one (ThreadRuntime::spawn, a pool's
    // workers) before the new thread exists, so that thread starts with it set and the starter sees
    // its own store; every VmThread's constructor sets it too once another is attached. Two
    // threads never mutate a container unlocked at once: the first operation of a second thread
    // comes after the starter's store, and the starter is never inside an operation when it
    // starts a thread. Relaxed: the thread start is the synchronisation.
    std::atomic<bool> containers_shared{false};
    // Threads, handles, the program-end protocol (runtime/thread/runtime.hpp).
    std::unique_ptr<thread::ThreadRuntime> threading;
    // --trace: the thread timeline recorder (runtime/thread/trace.hpp), or nullptr.
    std::unique_ptr<thread::Tracer> tracer;

    std::vector<std::string> argv; // program arguments after the source path
    int exit_code = 0;

    // The random builtins' LCG state (LANGUAGE.md §10), process-wide.
    // Threading: updated with a CAS loop so concurrent rand() calls each take one distinct step.
    std::atomic<uint64_t> rand_state{1};

    // The regex builtins' compiled-pattern cache (stdlib/regex.cpp; opaque here so the VM does
    // not depend on the regex library). Created by stdlib::register_builtins before any thread.
    // Threading: the cache has its own mutex; compiled patterns are immutable and shared.
    std::shared_ptr<void> regex_cache;
    // `extern fn` calls: lazily loaded libraries and symbols (vm/ffi.hpp; thread-safe).
    std::unique_ptr<vm::Ffi> ffi;

    // Embedding (include/bp/bp.hpp): native-module hooks run by every spawned thread, with its id,
    // before it attaches to the heap and after it detaches (never while attached: a hook may block).
    // Threading: set before start(), read-only afterwards.
    std::vector<std::function<void(uint32_t)>> thread_start_hooks;
    std::vector<std::function<void(uint32_t)>> thread_end_hooks;

    // The native modules (types/native_module.hpp), built by the constructor from
    // Program::native_modules: `thread` first (with the threading runtime's hooks,
    // thread::add_module_hooks), then the embedder's. The constructor registers their host
    // functions with the FFI and their thread hooks above; start() runs each on_load and
    // on_thread_start(0), ~Vm each on_thread_end(0) and on_unload (in reverse order).
    // Threading: read-only after construction.
    types::NativeRegistry native_modules;
    bool native_modules_loaded = false;
};

// Whether a container operation of `t` must take the container's lock (Vm::containers_shared).
inline bool shared_containers(const VmThread& t) { return t.vm.containers_shared.load(std::memory_order_relaxed); }

} // namespace bp
