// Vm (shared state) and VmThread (per-thread state): construction, start-up, the register stack.
//
// Start-up order matters only for the collector: it may not run before every root is well formed.
// The constructor sizes every root vector (globals zeroed, constants zeroed, function values null),
// so a root walk at any later point sees nullptr or a valid object. Vm::start() then allocates the
// constant strings and function values with the main thread; allocation never collects, so no
// object made there can be freed before it is stored in its root slot.
#include "vm/vm.hpp"

#include "vm/ffi.hpp"

#include "runtime/rt.hpp"
#include "runtime/thread/runtime.hpp"
#include "runtime/thread/trace.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

namespace bp {

namespace {

constexpr size_t kInitialStack = 64 * 1024; // values (512 KiB): plenty for shallow programs
constexpr size_t kInitialFrames = 1024;

// Default heap limit: 3/4 of physical memory (LANGUAGE.md §3).
uint64_t default_heap_limit() {
    long pages = sysconf(_SC_PHYS_PAGES);
    long page_size = sysconf(_SC_PAGE_SIZE);
    if (pages <= 0 || page_size <= 0) return uint64_t{4} << 30; // unknown: assume 4 GiB
    return static_cast<uint64_t>(pages) / 4 * 3 * static_cast<uint64_t>(page_size);
}

// GC-stress mode without --gc-stress: a BP_GC_STRESS build, or BP_GC_STRESS=1 in the environment.
// The variable reaches every Vm of the process (unit tests, embedding hosts, bp run by the test
// scripts), which is what lets CI run the whole suite in stress mode on the release build instead of
// compiling a separate gc-stress build (docs/testing.md). Read once per Vm, before any thread starts.
bool stress_forced() {
#ifdef BP_GC_STRESS
    return true;
#else
    const char* s = std::getenv("BP_GC_STRESS");
    return s && std::strcmp(s, "1") == 0;
#endif
}

} // namespace

// ---- VmThread

VmThread::VmThread(Vm& owner, uint32_t thread_id, size_t initial_stack) : vm(owner), id(thread_id) {
    alloc.home = thread_id % gc::kHomes;
    call_targets = vm.call_targets.data();
    collection_due = &vm.heap.collection_due;
    frames.set_max_depth(vm.options.max_depth);
    frames.reserve(initial_stack ? 64 : kInitialFrames);
    ensure_stack(initial_stack ? initial_stack : kInitialStack);
    if (vm.tracer) trace = vm.tracer->attach(id);
    std::lock_guard<std::mutex> lock(vm.threads_mu);
    if (!vm.threads.empty()) vm.containers_shared.store(true, std::memory_order_relaxed); // (vm.hpp)
    vm.threads.push_back(this);
}

VmThread::~VmThread() {
    // Pool threads have no handle: their lane keeps the name given at start (pool.cpp).
    if (trace) vm.tracer->detach(trace, handle || id == 0 ? vm.threading->graph().name_of(*this) : "");
    {
        std::lock_guard<std::mutex> lock(vm.threads_mu);
        for (size_t i = 0; i < vm.threads.size(); ++i) {
            if (vm.threads[i] == this) {
                vm.threads.erase(vm.threads.begin() + static_cast<std::ptrdiff_t>(i));
                vm.heap.retire_allocator(alloc); // its cells return to the pages at the next sweep
                break;
            }
        }
    }
    vm.threads_cv.notify_all(); // a collector may be waiting for this thread to stop
    std::free(stack);
}

void VmThread::ensure_stack(size_t needed) {
    if (needed <= stack_cap) return;
    size_t cap = stack_cap ? stack_cap : std::min(needed, kInitialStack);
    while (cap < needed) cap *= 2;
    if (!stack) {
        // The first block comes zeroed from calloc: a block this large is fresh pages from mmap,
        // zero already, so no page is touched until a register is used (a memset here made the
        // main thread's 512 KiB, 128 pages, a quarter of an empty program's page faults).
        stack = static_cast<Value*>(std::calloc(cap, sizeof(Value)));
        if (!stack) throw rt::Raise{ErrorKind::MemoryError, "cannot allocate the register stack"};
        stack_cap = cap;
        return;
    }
    // realloc keeps the live registers; frames hold offsets, so moving the block is harmless.
    void* grown = std::realloc(stack, cap * sizeof(Value));
    if (!grown) throw rt::Raise{ErrorKind::MemoryError, "cannot grow the register stack"};
    stack = static_cast<Value*>(grown);
    // Zero the new part: the collector may scan reference registers of a frame before the
    // interpreter writes them, and those must hold nullptr, never garbage.
    std::memset(static_cast<void*>(stack + stack_cap), 0, (cap - stack_cap) * sizeof(Value));
    stack_cap = cap;
}

// ---- FrameStack

FrameStack::~FrameStack() { std::free(m_begin); }

void FrameStack::set_max_depth(size_t n) {
    m_max_depth = n;
    m_limit = m_begin + std::min(static_cast<size_t>(m_cap - m_begin), m_max_depth);
}

void FrameStack::grow(size_t at_least) {
    size_t cap = static_cast<size_t>(m_cap - m_begin);
    size_t n = cap ? cap : 16;
    while (n < at_least) n *= 2;
    size_t used = size();
    void* grown = std::realloc(static_cast<void*>(m_begin), n * sizeof(Frame));
    if (!grown) throw rt::Raise{ErrorKind::MemoryError, "cannot grow the frame stack"};
    m_begin = static_cast<Frame*>(grown);
    m_top = m_begin + used;
    m_cap = m_begin + n;
    set_max_depth(m_max_depth);
}

Frame* FrameStack::grow_for_call() {
    if (size() >= m_max_depth) throw rt::Raise{ErrorKind::RecursionError, "maximum call depth exceeded"};
    grow(std::min(std::max<size_t>(2 * size(), 16), m_max_depth));
    return m_top;
}

// ---- Vm

Vm::Vm(const bytecode::Program& prog, VmOptions opts) : program(prog), options(opts) {
    threading = std::make_unique<thread::ThreadRuntime>(*this);
    if (!options.trace_path.empty()) tracer = std::make_unique<thread::Tracer>(options.trace_path);
    uint64_t limit = options.max_heap ? options.max_heap : default_heap_limit();
    heap.init(*this, limit, options.gc_stress || stress_forced());
    heap.set_concurrent(options.gc_concurrent);
    heap.set_assists(options.gc_assists);

    globals.assign(program.globals.size(), Value::zero());
    global_is_ref.resize(program.globals.size());
    global_ready.assign(program.globals.size(), 0);
    for (size_t i = 0; i < program.globals.size(); ++i) {
        const types::Type* type = program.globals[i].type;
        global_is_ref[i] = type && type->is_ref() ? 1 : 0;
    }

    constants.resize(program.functions.size());
    for (size_t i = 0; i < program.functions.size(); ++i)
        constants[i].assign(program.functions[i]->consts.size(), Value::zero());
    function_values.assign(program.functions.size(), nullptr);
    // After `constants` is sized: its per-function vectors never move again.
    call_targets.reserve(program.functions.size());
    for (size_t i = 0; i < program.functions.size(); ++i) {
        const bytecode::FunctionProto& p = *program.functions[i];
        call_targets.push_back(CallTarget{&p, p.code.data(), constants[i].data(), p.ref_locals.data(),
                                          static_cast<uint32_t>(p.ref_locals.size()), p.nregs});
    }
    ffi = std::make_unique<vm::Ffi>(program);
    install_native_modules();
}

// See native_modules (vm.hpp).
void Vm::install_native_modules() {
    native_modules = program.native_modules;
    for (types::NativeModuleDecl& m : native_modules) {
        if (m.name == "thread" && !m.has_host_functions()) thread::add_module_hooks(m);
        for (const types::NativeFunctionDecl& f : m.functions)
            if (f.builtin < 0) ffi->add_native("<native:" + m.name + ">", f.name, f.fn);
        if (m.on_thread_start) thread_start_hooks.push_back(m.on_thread_start);
        if (m.on_thread_end) thread_end_hooks.push_back(m.on_thread_end);
    }
}

Vm::~Vm() {
    heap.stop_background(); // a concurrent cycle's markers read handles the members below free
    if (!native_modules_loaded) return;
    for (auto m = native_modules.rbegin(); m != native_modules.rend(); ++m) {
        if (m->on_thread_end) m->on_thread_end(0);
        if (m->on_unload) m->on_unload();
    }
}

void Vm::start(VmThread& main) {
    using Kind = bytecode::Constant::Kind;
    for (const types::NativeModuleDecl& m : native_modules) {
        if (m.on_load) m.on_load();
        if (m.on_thread_start) m.on_thread_start(0);
    }
    native_modules_loaded = true;
    for (size_t b = 0; b < byte_strings.size(); ++b) {
        const char c = static_cast<char>(b);
        byte_strings[b] = rt::new_string(main, std::string_view(&c, 1)); // the table is still empty
    }
    for (size_t i = 0; i < program.functions.size(); ++i)
        function_values[i] = rt::new_closure(main, program.functions[i].get(), 0);
    for (size_t i = 0; i < program.functions.size(); ++i) {
        const auto& consts = program.functions[i]->consts;
        for (size_t j = 0; j < consts.size(); ++j) {
            const bytecode::Constant& c = consts[j];
            Value v = Value::zero();
            switch (c.kind) {
            case Kind::Int: v = Value::from_int(c.i); break;
            case Kind::Float: v = Value::from_float(c.f); break;
            case Kind::Str: v = Value::from_obj(rt::new_string(main, c.s)); break;
            case Kind::Function: v = Value::from_obj(function_values.at(static_cast<size_t>(c.i))); break;
            case Kind::Type: v.p = const_cast<types::Type*>(c.type); break; // not a heap object
            }
            constants[i][j] = v;
        }
    }
}

} // namespace bp
