// The interpreter: the one dispatch loop every thread runs (LANGUAGE.md semantics of each opcode
// are in bytecode/opcodes.def).
//
// State kept in locals while running: `ip` (current instruction; it stays on the instruction until
// the instruction completes, so an exception thrown from inside an opcode knows its pc), `R` (the
// frame's registers), `K` (materialised constants), `proto`, `closure`. Anything that may grow the
// register stack (calls, builtins) reloads R afterwards. Calls and returns push and pop
// VmThread::frames without C++ recursion, so the call depth is bounded by max_depth, not by the
// native stack.
//
// Errors: runtime functions throw rt::Raise; the catch clause around the dispatch loop turns it into
// an ErrorObj with a trace; bytecode Throw jumps straight to the unwinder. The unwinder searches
// FunctionProto::handlers of each frame (innermost first) and resumes at the handler, or pops the
// frame; past the entry frame, run_function returns false with t.pending_error set.
//
// Safepoints (collections) happen at calls, backward jumps, builtin calls and allocating
// opcodes: every live value is then in a register of a live frame, a global or a constant.
#include "vm/interp.hpp"

#include "gc/allocate.hpp"
#include "runtime/barrier.hpp"
#include "runtime/rt.hpp"
#include "runtime/thread/mutex_fast.hpp"
#include "vm/ffi.hpp"
#include "vm/traceback.hpp"

#include <charconv>
#include <cmath>
#include <cstring>
#include <vector>
#include <memory>
#include <string>

namespace bp::vm {

using bytecode::FunctionProto;
using bytecode::Instr;
using bytecode::Op;

namespace {

[[noreturn, gnu::noinline]] void raise_global_uninit(const Vm& vm, uint32_t g) {
    rt::raise(ErrorKind::ValueError, "global '" + vm.program.globals[g].name + "' used before initialisation");
}

[[noreturn, gnu::noinline]] void raise_index(int64_t i, int64_t n) {
    rt::raise(ErrorKind::IndexError, "index " + std::to_string(i) + " out of range for length " + std::to_string(n));
}

inline String* str_of(Value v) { return static_cast<String*>(v.o); }

// Where a store to arr[i] goes (the index rule: negative counts from the end): its storage and
// slot, or false when i is out of range (rt::array_set then raises the IndexError).
[[gnu::always_inline]] inline bool store_slot(Array* arr, int64_t i, Storage*& s, int64_t& j) {
    int64_t n = arr->len.load(std::memory_order_acquire);
    s = arr->storage.load(std::memory_order_acquire);
    j = i < 0 ? i + n : i;
    return j >= 0 && j < n && static_cast<uint64_t>(j) < s->capacity;
}

[[gnu::noinline]] Value concat_n(VmThread& t, const Value* R, const uint16_t* regs, uint32_t n) {
    auto gather = [&](const String** parts) {
        for (uint32_t k = 0; k < n; ++k) parts[k] = str_of(R[regs[k]]);
        return Value::from_obj(rt::concat_n(t, parts, n));
    };
    if (n <= 16) {
        const String* parts[16];
        return gather(parts);
    }
    std::vector<const String*> parts(n);
    return gather(parts.data());
}

// Literals: the object and (for an array) its storage are allocated with the inline fast path and
// filled with plain stores, no lock and no barrier: no other thread can see them yet, their slots
// held nothing, and during a concurrent cycle they are born black. Out of line, so that the dispatch
// loop keeps its registers.
[[gnu::noinline]] Value new_array_of(VmThread& t, const types::Type* type, const Value* R, const uint16_t* regs,
                                     uint32_t n) {
    auto* a = static_cast<Array*>(t.vm.heap.allocate(t, ObjKind::Array, sizeof(Array)));
    a->type = type;
    if (n == 0) return Value::from_obj(a);
    auto* s = static_cast<Storage*>(t.vm.heap.allocate_prefix_zeroed(t, ObjKind::Storage,
                                                                     sizeof(Storage) + sizeof(Value) * n, sizeof(Storage)));
    s->capacity = n;
    s->flags = rt::elem_flags(type);
    for (uint32_t k = 0; k < n; ++k) s->slots[k] = R[regs[k]];
    a->storage.store(s, std::memory_order_release); // release: as array_push publishes them (free on x86)
    a->len.store(n, std::memory_order_release);
    return Value::from_obj(a);
}

// A struct literal gives every field (the checker rejects a missing one, the verifier checks that n
// is the struct's field count), so the fields need no zeroing.
[[gnu::noinline]] Value new_instance_of(VmThread& t, const types::Type* type, const Value* R, const uint16_t* regs,
                                        uint32_t n) {
    auto* in = static_cast<Instance*>(t.vm.heap.allocate_prefix_zeroed(t, ObjKind::Instance,
                                                                       sizeof(Instance) + sizeof(Value) * n, sizeof(Instance)));
    in->type = type;
    for (uint32_t k = 0; k < n; ++k) in->fields[k] = R[regs[k]];
    return Value::from_obj(in);
}

[[gnu::noinline]] Value error_field(VmThread& t, ErrorObj* e, uint32_t which) {
    switch (which) {
    case 0: return Value::from_obj(rt::new_string(t, error_name(e->error_kind)));
    case 1: return Value::from_obj(e->message);
    default: break;
    }
    if (!ref_load(&e->traceback)) ref_store(&e->traceback, rt::new_string(t, format_traceback(t.vm, e)));
    return Value::from_obj(ref_load(&e->traceback));
}

// An error with a cause (a joined thread's failure): its traceback text is fixed now, the cause's
// text first (LANGUAGE.md §11.6).
// Copies the argument registers an instruction names into a buffer and calls `fn(args, n)`.
// Out of the dispatch loop on purpose: a computed goto leaves a scope without running
// destructors (GCC), so a heap buffer for many arguments must live and die here.
template <class Fn>
Value call_with_args(const Value* R, const uint16_t* regs, uint32_t n, Fn&& fn) {
    if (n <= 8) {
        Value args[8];
        for (uint32_t k = 0; k < n; ++k) args[k] = R[regs[k]];
        return fn(static_cast<const Value*>(args), n);
    }
    std::vector<Value> args(n);
    for (uint32_t k = 0; k < n; ++k) args[k] = R[regs[k]];
    return fn(static_cast<const Value*>(args.data()), n);
}

[[gnu::noinline]] void attach_cause(VmThread& t, ErrorObj* err, const std::string& cause) {
    try {
        String* text = rt::new_string(t, cause + format_traceback(t.vm, err));
        t.vm.heap.write_barrier(ref_load(&err->traceback));
        ref_store(&err->traceback, text);
    } catch (const rt::Raise&) {
    }
}

// The error object of a runtime error raised at `pc`, with its trace; nullptr if even that cannot
// be allocated. A MemoryError's may take pages past the heap limit (LocalAllocator::past_limit):
// the heap is full when it is raised, and the program must still be able to catch it.
[[gnu::noinline]] ErrorObj* make_error(VmThread& t, const rt::Raise& r, uint32_t pc) {
    struct PastLimit {
        gc::LocalAllocator& alloc;
        ~PastLimit() { alloc.past_limit = false; }
    } reserve{t.alloc};
    t.alloc.past_limit = r.kind == ErrorKind::MemoryError;
    ErrorObj* err = nullptr;
    try {
        err = rt::new_error(t, r.kind, r.message);
    } catch (rt::Raise&) {
        return nullptr;
    }
    record_trace(t, err, pc);
    return err;
}

// Finds the handler for an error raised at `pc` in the top frame, popping frames as needed.
// Returns false (pending_error set, frames popped down to entry_depth) if none catches it.
bool unwind(VmThread& t, ErrorObj* err, size_t entry_depth, uint32_t pc) {
    for (;;) {
        Frame& f = t.frames.back();
        for (const bytecode::Handler& h : f.proto->handlers) {
            if (pc >= h.start && pc < h.end) {
                t.stack[f.base + h.error_reg] = Value::from_obj(err);
                f.set_pc(h.handler);
                t.pending_error = nullptr;
                return true;
            }
        }
        t.frames.pop_back();
        if (t.frames.size() <= entry_depth) {
            t.pending_error = err;
            return false;
        }
        pc = t.frames.back().pc();
    }
}

bool execute(VmThread& t, size_t entry_depth, Value* out);

// A call's arguments into the callee's first registers. Most calls pass one to three: those are
// straight-line copies (a loop costs as much in setup as it copies).
[[gnu::always_inline]] inline void copy_args(Value* to, const Value* R, const uint16_t* regs, uint32_t n) {
    switch (n) {
    case 3: to[2] = R[regs[2]]; [[fallthrough]];
    case 2: to[1] = R[regs[1]]; [[fallthrough]];
    case 1: to[0] = R[regs[0]]; [[fallthrough]];
    case 0: return;
    default:
        for (uint32_t k = 0; k < n; ++k) to[k] = R[regs[k]];
    }
}

// The call handlers find their argument words right after the instruction and Ret skips the call
// as 1 + ceil(c / 4) words: neither holds if a call opcode gains extension words.
constexpr bool plain_call(Op op) {
    return bytecode::kOpExt[static_cast<uint8_t>(op)] == 0 && bytecode::kOpFormats[static_cast<uint8_t>(op)][2] == 'n';
}
static_assert(plain_call(Op::Call) && plain_call(Op::CallMethod) && plain_call(Op::CallValue));

} // namespace

// Pushes a frame for `proto` after the current top frame, arguments in its first registers.
static void push_entry_frame(VmThread& t, const FunctionProto* proto, Closure* closure, const Value* args,
                             uint32_t nargs) {
    uint32_t base = 0;
    if (!t.frames.empty()) base = t.frames.back().end;
    t.ensure_stack(static_cast<size_t>(base) + proto->nregs + 1);
    Value* R = t.stack + base;
    for (uint32_t i = 0; i < nargs; ++i) R[i] = args[i];
    for (uint32_t i = nargs; i < proto->nparams; ++i) R[i].u = 0;
    for (uint16_t r : proto->ref_locals) R[r].u = 0;
    t.frames.push_back(Frame{proto, closure, proto->code.data(), t.vm.call_targets[proto->index].constants, base,
                             base + proto->nregs});
}

bool run_function(VmThread& t, uint32_t function_index, Value* out) {
    size_t depth = t.frames.size();
    push_entry_frame(t, t.vm.program.functions[function_index].get(), nullptr, nullptr, 0);
    return execute(t, depth, out);
}

bool run_closure(VmThread& t, Closure* closure, const Value* args, uint32_t nargs, Value* out) {
    size_t depth = t.frames.size();
    push_entry_frame(t, closure->proto, closure, args, nargs);
    return execute(t, depth, out);
}

namespace {

#if defined(__GNUC__)
#define BP_COMPUTED_GOTO 1
#else
#define BP_COMPUTED_GOTO 0
#endif

bool execute(VmThread& t, size_t entry_depth, Value* out) {
    Vm& vm = t.vm;
    // The running frame, always t.frames.back(). Its proto, closure and constants are read through
    // it rather than copied into locals: fewer locals leave the hot ones (ip, R, fp) in machine
    // registers, and a call or return then switches function by writing fp, ip and R only.
    // fp is re-read from t.frames after anything that may run bytecode on this thread (a builtin
    // calling a closure pushes frames, which may move the frame stack).
    Frame* fp = nullptr;
    const Instr* ip = nullptr;
    const auto entry_bytes = static_cast<std::ptrdiff_t>(entry_depth * sizeof(Frame));
    Value* R = nullptr;
    // Globals and functions are read through vm at each use, not cached in locals: fewer locals
    // leave the hot ones (ip, R) in registers.
    ErrorObj* err = nullptr;

#define BP_LOAD_FRAME()                                        \
    do {                                                       \
        fp = &t.frames.back();                                 \
        ip = fp->ip;                                           \
        R = t.stack + fp->base;                                \
    } while (0)
// The slow path saves the position first, so a thread parked here shows where it is in a thread
// dump (runtime/thread/dump.hpp); the fast path is one relaxed load of Heap::collection_due,
// through VmThread::collection_due (one load from t, which stays in a machine register).
#define BP_SAFEPOINT()                                                                     \
    do {                                                                                   \
        if (t.collection_due->load(std::memory_order_relaxed)) {                           \
            fp->ip = ip;                                                                   \
            vm.heap.collect(t, false);                                                     \
        }                                                                                  \
    } while (0)
#define BP_PC() static_cast<uint32_t>(ip - fp->proto->code.data())
#define A (ip->a)
#define B (ip->b)
#define C (ip->c)

#if BP_COMPUTED_GOTO
    static const void* const kLabels[] = {
#define BP_OP(name, fmt, ext, doc) &&L_##name,
#include "bytecode/opcodes.def"
#undef BP_OP
    };
#define OP(name) L_##name:
#define DISPATCH() goto* kLabels[static_cast<uint8_t>(ip->op)]
#else
#define OP(name) case Op::name:
#define DISPATCH() goto dispatch_top
#endif
#define NEXT(n)        \
    do {               \
        ip += (n);     \
        DISPATCH();    \
    } while (0)
// A loop's back-edge: every one polls the safepoint, so no loop can keep a collection waiting.
#define JUMP_BACK(off)    \
    do {                  \
        ip += (off);      \
        BP_SAFEPOINT();   \
        DISPATCH();       \
    } while (0)

    BP_LOAD_FRAME();
    for (;;) {
        try {
#if !BP_COMPUTED_GOTO
        dispatch_top:
            switch (ip->op) {
#else
            DISPATCH();
#endif
            // ---- moves and constants
            OP(Nop) NEXT(1);
            OP(Halt) NEXT(1);
            OP(Move) R[A] = R[B]; NEXT(1);
            OP(LoadInt) R[A].i = ip->sbc(); NEXT(1);
            OP(LoadConst) R[A] = fp->constants[B]; NEXT(1);
            OP(LoadNull) R[A].u = 0; NEXT(1);

            // ---- globals
            OP(GetGlobal) {
                if (__builtin_expect(!__atomic_load_n(&vm.global_ready[B], __ATOMIC_ACQUIRE), 0)) raise_global_uninit(vm, B);
                R[A] = slot_load(&vm.globals[B]);
                NEXT(1);
            }
            OP(SetGlobal) slot_store(&vm.globals[B], R[A]); NEXT(1);
            OP(InitGlobal) {
                slot_store(&vm.globals[B], R[A]);
                __atomic_store_n(&vm.global_ready[B], 1, __ATOMIC_RELEASE);
                NEXT(1);
            }

            // ---- cells and captures
            OP(MakeCell) {
                BP_SAFEPOINT();
                R[A] = Value::from_obj(rt::new_cell(t, ip->x & 1, R[B]));
                NEXT(1);
            }
            OP(MakeCellEmpty) {
                BP_SAFEPOINT();
                R[A] = Value::from_obj(rt::new_cell(t, ip->x & 1, Value::zero()));
                NEXT(1);
            }
            OP(GetCell) R[A] = slot_load(&static_cast<Cell*>(R[B].o)->value); NEXT(1);
            OP(SetCell) {
                Cell* c = static_cast<Cell*>(R[A].o);
                if (c->flags & 1) rt::barrier_slot(t, &c->value);
                slot_store(&c->value, R[B]);
                NEXT(1);
            }
            OP(GetCapture) R[A] = slot_load(&fp->closure->captures[B]->value); NEXT(1);
            OP(SetCapture) {
                Cell* c = fp->closure->captures[A];
                if (c->flags & 1) rt::barrier_slot(t, &c->value);
                slot_store(&c->value, R[B]);
                NEXT(1);
            }
            OP(LoadCaptureCell) R[A] = Value::from_obj(fp->closure->captures[B]); NEXT(1);
            OP(MakeClosure) {
                BP_SAFEPOINT();
                Closure* cl = rt::new_closure(t, vm.program.functions[B].get(), C);
                const uint16_t* regs = ip->arg_regs_of<Op::MakeClosure>();
                for (uint32_t k = 0; k < C; ++k) cl->captures[k] = static_cast<Cell*>(R[regs[k]].o);
                R[A] = Value::from_obj(cl);
                NEXT(bytecode::instr_length_of<Op::MakeClosure>(*ip));
            }

            // ---- calls
// A call+return pair is the interpreter's costliest sequence after allocation, so both halves
// read only what they must: the callee's CallTarget (one struct per function, vm.hpp), the frame
// stack's top and limit (the limit folds in max_depth), and the frames themselves. A return
// resumes at the caller's saved ip, the call, whose length is 1 + ceil(c / 4) words (no extension
// words: static_assert on plain_call above), so neither half needs the opcode tables.
// GC precision: the callee's reference registers above its arguments are cleared before the
// safepoint poll, the first point where a collector may scan the new frame.
// BP_CALL is expanded once per call opcode so that a direct call's null closure is a constant, not
// a value carried through a shared label. Its two slow paths (grow the frame stack, grow the
// register stack) grow and then run the call instruction again from the start: nothing computed
// before them is needed after them, so the compiler keeps the fast path's values in scratch
// registers instead of spilling them around the out-of-line calls. Nothing is pushed before the
// second check (only the caller's saved ip is written), so running the instruction twice is harmless.
#define BP_CALL(callee_expr, closure_expr)                                                       \
    do {                                                                                         \
        const CallTarget* callee_ = (callee_expr);                                               \
        Frame* top_ = fp + 1;                                                                    \
        if (__builtin_expect(top_ >= t.frames.limit(), 0)) {                                     \
            t.frames.grow_for_call(); /* RecursionError at max_depth */                          \
            fp = &t.frames.back();                                                               \
            DISPATCH(); /* the call again, now with room */                                      \
        }                                                                                        \
        fp->ip = ip;                                                                             \
        const uint32_t nb_ = fp->end, ne_ = nb_ + callee_->nregs;                                \
        if (__builtin_expect(ne_ >= t.stack_cap, 0)) { /* the frame, plus one spare word */     \
            t.ensure_stack(size_t{ne_} + ne_ / 2 + 1);                                           \
            R = t.stack + fp->base;                                                              \
            DISPATCH();                                                                          \
        }                                                                                        \
        Value* NR_ = t.stack + nb_;                                                              \
        const auto* regs_ = reinterpret_cast<const uint16_t*>(ip + 1);                           \
        copy_args(NR_, R, regs_, C);                                                             \
        const uint16_t* refs_ = callee_->ref_locals;                                             \
        for (uint32_t k_ = 0, n_ = callee_->nref_locals; k_ < n_; ++k_) NR_[refs_[k_]].u = 0;    \
        ip = callee_->code;                                                                      \
        *top_ = Frame{callee_->proto, (closure_expr), ip, callee_->constants, nb_, ne_};         \
        t.frames.set_top(top_ + 1);                                                              \
        fp = top_;                                                                               \
        R = NR_;                                                                                 \
        BP_SAFEPOINT();                                                                          \
        DISPATCH();                                                                              \
    } while (0)
            OP(Call) BP_CALL(&t.call_targets[B], nullptr);
            OP(CallMethod) {
                // One indexed load from the receiver's class vtable (LANGUAGE.md §7 dispatch).
                const auto* self_ = static_cast<const Instance*>(R[ip->arg_regs_of<Op::CallMethod>()[0]].o);
                BP_CALL(&t.call_targets[self_->type->info->vtable[B]], nullptr);
            }
            OP(CallValue) {
                Closure* callee_closure = static_cast<Closure*>(R[B].o);
                BP_CALL(&t.call_targets[callee_closure->proto->index], callee_closure);
            }
#undef BP_CALL
            OP(CallExtern) { // LANGUAGE.md §7 FFI (vm/ffi.hpp)
                fp->ip = ip;
                BP_SAFEPOINT();
                // The lambdas capture copies, never `ip` itself: an address-taken `ip` would live in
                // memory for the whole dispatch loop (a store and a reload in every instruction).
                const uint32_t ext_index = B;
                const uint16_t* regs = ip->arg_regs_of<Op::CallExtern>();
                Value r = call_with_args(R, regs, C, [&t, &vm, ext_index](const Value* args, uint32_t n) {
                    return vm.ffi->call(t, ext_index, args, n);
                });
                fp = &t.frames.back(); // a native host function may run bytecode (embedding API)
                R = t.stack + fp->base;
                if (!(ip->x & 1)) R[A] = r;
                NEXT(bytecode::instr_length_of<Op::CallExtern>(*ip));
            }
            OP(CallBuiltin) {
                const bytecode::BuiltinSite& site = fp->proto->builtin_sites[ip[1].a];
                fp->ip = ip;
                BP_SAFEPOINT();
                const auto builtin = vm.builtins[B];
                const uint16_t* regs = ip->arg_regs_of<Op::CallBuiltin>();
                Value r = call_with_args(R, regs, C, [&t, &site, builtin](const Value* args, uint32_t n) {
                    BuiltinArgs ba{t, args, n, site.arg_types.data(), site.result_type};
                    return builtin(ba);
                });
                fp = &t.frames.back(); // a builtin may run bytecode: frames and registers may move
                R = t.stack + fp->base;
                if (!(ip->x & 1)) R[A] = r;
                NEXT(bytecode::instr_length_of<Op::CallBuiltin>(*ip));
            }
            {
                Value result;
            OP(Ret)
                result = R[A];
                goto do_return;
            OP(RetVoid)
                result.u = 0;
            do_return: {
                t.frames.set_top(fp); // pops fp
                // fp - begin <= entry_depth, in bytes (a Frame is 40 bytes: no division)
                if (__builtin_expect(reinterpret_cast<const char*>(fp) - reinterpret_cast<const char*>(t.frames.begin()) <=
                                         entry_bytes,
                                     0)) {
                    if (out) *out = result;
                    return true;
                }
                --fp;
                R = t.stack + fp->base;
                ip = fp->ip; // the call instruction
                if (!(ip->x & 1)) R[A] = result;
                NEXT((C + 7u) / 4u); // the call and its argument words: 1 + ceil(c / 4)
            }
            }

            // ---- jumps
            OP(Jmp) {
                int32_t off = ip->sbc();
                ip += off;
                if (off < 0) BP_SAFEPOINT();
                DISPATCH();
            }
            OP(JmpIfTrue) {
                if (R[A].i == 0) NEXT(1);
                int32_t off = ip->sbc();
                ip += off;
                if (off < 0) BP_SAFEPOINT();
                DISPATCH();
            }
            OP(JmpIfFalse) {
                if (R[A].i != 0) NEXT(1);
                int32_t off = ip->sbc();
                ip += off;
                if (off < 0) BP_SAFEPOINT();
                DISPATCH();
            }
#define BP_CMP_JUMP(name, expr)                     \
    OP(name) {                                      \
        if ((expr) != (ip->x != 0)) NEXT(1);        \
        int32_t off = ip->sc();                     \
        ip += off;                                  \
        if (off < 0) BP_SAFEPOINT();                \
        DISPATCH();                                 \
    }
            BP_CMP_JUMP(JLtInt, R[A].i < R[B].i)
            BP_CMP_JUMP(JLeInt, R[A].i <= R[B].i)
            BP_CMP_JUMP(JEqInt, R[A].i == R[B].i)
            BP_CMP_JUMP(JNeInt, R[A].i != R[B].i)
            BP_CMP_JUMP(JLtIntK, R[A].i < static_cast<int16_t>(B))
            BP_CMP_JUMP(JLeIntK, R[A].i <= static_cast<int16_t>(B))
            BP_CMP_JUMP(JEqIntK, R[A].i == static_cast<int16_t>(B))
            BP_CMP_JUMP(JNeIntK, R[A].i != static_cast<int16_t>(B))
#undef BP_CMP_JUMP

            // ---- loops
            OP(ForPrep) {
                int64_t start = R[A].i, stop = R[A + 1].i, step = R[A + 2].i;
                if (step == 0) rt::raise(ErrorKind::ValueError, "range() step must not be zero");
                if (step > 0 ? start >= stop : start <= stop) NEXT(ip->sbc());
                R[A + 3].i = start;
                NEXT(1);
            }
            OP(ForLoop) {
                int64_t step = R[A + 2].i, next;
                if (__builtin_add_overflow(R[A].i, step, &next)) NEXT(1);
                R[A].i = next;
                if (step > 0 ? next >= R[A + 1].i : next <= R[A + 1].i) NEXT(1);
                R[A + 3].i = next;
                JUMP_BACK(ip->sbc());
            }
            OP(ForLoopInc) {
                // R[A] < R[A + 1] here (only ForPrep/ForLoopInc write the counter): no overflow
                int64_t next = static_cast<int64_t>(R[A].u + 1);
                if (next >= R[A + 1].i) NEXT(1);
                R[A].i = next;
                R[A + 3].i = next;
                JUMP_BACK(ip->sbc());
            }
            // for-in loops test at the bottom: the next element, then back to the body (a back-edge,
            // so a safepoint), or fall through past the loop. One dispatch per element.
            OP(ForArray) {
                int64_t i = ++R[C].i;
                const Array* arr = static_cast<const Array*>(R[B].o);
                if (i >= R[ip[1].a].i || i >= arr->len.load(std::memory_order_acquire)) NEXT(2);
                const Storage* s = arr->storage.load(std::memory_order_acquire);
                R[A] = static_cast<uint64_t>(i) < s->capacity ? slot_load(&s->slots[i]) : rt::array_get(arr, i);
                JUMP_BACK(ip[1].sbc());
            }
            OP(ForStr) {
                int64_t i = ++R[C].i;
                const String* s = str_of(R[B]);
                if (i >= R[ip[1].a].i || static_cast<uint64_t>(i) >= s->len) NEXT(2);
                R[A] = Value::from_obj(vm.byte_string(s->chars()[i]));
                JUMP_BACK(ip[1].sbc());
            }

            // ---- integers
            OP(AddInt) R[A].u = R[B].u + R[C].u; NEXT(1);
            OP(SubInt) R[A].u = R[B].u - R[C].u; NEXT(1);
            OP(MulInt) R[A].u = R[B].u * R[C].u; NEXT(1);
            OP(DivInt) {
                int64_t d = R[C].i;
                if (__builtin_expect(d == 0, 0)) rt::raise(ErrorKind::ZeroDivisionError, "integer division by zero");
                int64_t n = R[B].i;
                R[A].i = d == -1 ? static_cast<int64_t>(0 - static_cast<uint64_t>(n)) : n / d;
                NEXT(1);
            }
            OP(ModInt) {
                int64_t d = R[C].i;
                if (__builtin_expect(d == 0, 0)) rt::raise(ErrorKind::ZeroDivisionError, "integer modulo by zero");
                R[A].i = d == -1 ? 0 : R[B].i % d;
                NEXT(1);
            }
            OP(MulIntImm) R[A].u = R[B].u * static_cast<uint64_t>(static_cast<int64_t>(ip->sc())); NEXT(1);
            OP(ModIntK) R[A].i = R[B].i % fp->constants[C].i; NEXT(1); // the verifier rejects 0 and -1
            OP(AddIntImm) R[A].u = R[B].u + static_cast<uint64_t>(static_cast<int64_t>(ip->sc())); NEXT(1);
            OP(NegInt) R[A].u = 0 - R[B].u; NEXT(1);
            OP(AbsInt) R[A].u = R[B].i < 0 ? 0 - R[B].u : R[B].u; NEXT(1);
            OP(MinInt) R[A].i = std::min(R[B].i, R[C].i); NEXT(1);
            OP(MaxInt) R[A].i = std::max(R[B].i, R[C].i); NEXT(1);
            OP(BitAnd) R[A].u = R[B].u & R[C].u; NEXT(1);
            OP(BitOr) R[A].u = R[B].u | R[C].u; NEXT(1);
            OP(BitXor) R[A].u = R[B].u ^ R[C].u; NEXT(1);
            OP(BitNot) R[A].u = ~R[B].u; NEXT(1);
            OP(Shl) {
                int64_t n = R[C].i;
                if (n < 0) rt::raise(ErrorKind::ValueError, "negative shift count");
                R[A].u = n >= 64 ? 0 : R[B].u << n;
                NEXT(1);
            }
            OP(Shr) {
                int64_t n = R[C].i;
                if (n < 0) rt::raise(ErrorKind::ValueError, "negative shift count");
                R[A].i = n >= 64 ? (R[B].i < 0 ? -1 : 0) : R[B].i >> n;
                NEXT(1);
            }

            // ---- floats
            OP(AddFloat) R[A].f = R[B].f + R[C].f; NEXT(1);
            OP(SubFloat) R[A].f = R[B].f - R[C].f; NEXT(1);
            OP(MulFloat) R[A].f = R[B].f * R[C].f; NEXT(1);
            OP(DivFloat) R[A].f = R[B].f / R[C].f; NEXT(1);
            OP(ModFloat) R[A].f = std::fmod(R[B].f, R[C].f); NEXT(1);
            OP(NegFloat) R[A].f = -R[B].f; NEXT(1);
            OP(FloatMath) {
                const double x = R[B].f;
                switch (static_cast<Builtin>(C)) {
#define BP_FLOAT_MATH(b, fn) \
    case Builtin::b: R[A].f = fn(x); break;
#include "types/float_math.def"
#undef BP_FLOAT_MATH
                default: __builtin_unreachable(); // the verifier admits only float_math.def's
                }
                NEXT(1);
            }

            // ---- comparisons
            OP(Not) R[A].i = R[B].i == 0; NEXT(1);
            OP(EqInt) R[A].i = R[B].i == R[C].i; NEXT(1);
            OP(NeInt) R[A].i = R[B].i != R[C].i; NEXT(1);
            OP(LtInt) R[A].i = R[B].i < R[C].i; NEXT(1);
            OP(LeInt) R[A].i = R[B].i <= R[C].i; NEXT(1);
            OP(EqFloat) R[A].i = R[B].f == R[C].f; NEXT(1);
            OP(NeFloat) R[A].i = R[B].f != R[C].f; NEXT(1);
            OP(LtFloat) R[A].i = R[B].f < R[C].f; NEXT(1);
            OP(LeFloat) R[A].i = R[B].f <= R[C].f; NEXT(1);
            OP(EqStr) R[A].i = rt::string_equal(str_of(R[B]), str_of(R[C])); NEXT(1);
            OP(NeStr) R[A].i = !rt::string_equal(str_of(R[B]), str_of(R[C])); NEXT(1);
            OP(LtStr) R[A].i = rt::string_compare(str_of(R[B]), str_of(R[C])) < 0; NEXT(1);
            OP(LeStr) R[A].i = rt::string_compare(str_of(R[B]), str_of(R[C])) <= 0; NEXT(1);
            OP(EqDeep) {
                bool eq = rt::values_equal(R[B], R[C], fp->proto->consts[ip[1].a].type);
                R[A].i = eq != (ip->x != 0);
                NEXT(2);
            }

            // ---- strings
            OP(ConcatStr) {
                BP_SAFEPOINT();
                R[A] = Value::from_obj(rt::concat(t, str_of(R[B]), str_of(R[C])));
                NEXT(1);
            }
            OP(ConcatN) {
                BP_SAFEPOINT();
                R[A] = concat_n(t, R, ip->arg_regs_of<Op::ConcatN>(), C);
                NEXT(bytecode::instr_length_of<Op::ConcatN>(*ip));
            }
            OP(ToStr) {
                BP_SAFEPOINT();
                if (fp->proto->consts[C].type->kind == types::Kind::Int) { // f-string ints: no std::string
                    char buf[24];
                    auto r = std::to_chars(buf, buf + sizeof buf, R[B].i);
                    R[A] = Value::from_obj(rt::new_string(t, std::string_view(buf, static_cast<size_t>(r.ptr - buf))));
                    NEXT(1);
                }
                R[A] = Value::from_obj(rt::new_string(t, rt::to_display(R[B], fp->proto->consts[C].type, true)));
                NEXT(1);
            }
            OP(FormatSpec) {
                BP_SAFEPOINT();
                // No named C++ objects in an OP block: the computed-goto NEXT leaves the block without
                // running destructors (GCC), so a local std::string would leak; a temporary dies first.
                R[A] = Value::from_obj(
                    rt::new_string(t, rt::format_with_spec(R[B], fp->proto->consts[C].type, fp->proto->consts[ip[1].a].s)));
                NEXT(2);
            }
            OP(IndexStr) {
                const String* s = str_of(R[B]);
                const int64_t i = R[C].i, n = static_cast<int64_t>(s->len), j = i < 0 ? i + n : i;
                if (__builtin_expect(j < 0 || j >= n, 0)) raise_index(i, n);
                R[A] = Value::from_obj(vm.byte_string(s->chars()[j]));
                NEXT(1);
            }
            OP(LenStr) R[A].i = static_cast<int64_t>(str_of(R[B])->len); NEXT(1);

            // ---- arrays
            OP(NewArray) {
                BP_SAFEPOINT();
                R[A] = new_array_of(t, fp->proto->consts[B].type, R, ip->arg_regs_of<Op::NewArray>(), C);
                NEXT(bytecode::instr_length_of<Op::NewArray>(*ip));
            }
            OP(ArrayPush) {
                BP_SAFEPOINT();
                rt::array_push(t, static_cast<Array*>(R[A].o), R[B]);
                NEXT(1);
            }
            OP(IndexArray) {
                const Array* arr = static_cast<const Array*>(R[B].o);
                int64_t i = R[C].i;
                int64_t n = arr->len.load(std::memory_order_acquire);
                const Storage* s = arr->storage.load(std::memory_order_acquire);
                int64_t j = i < 0 ? i + n : i;
                if (__builtin_expect(j >= 0 && j < n && static_cast<uint64_t>(j) < s->capacity, 1))
                    R[A] = slot_load(&s->slots[j]);
                else
                    R[A] = rt::array_get(arr, i);
                NEXT(1);
            }
            OP(SetIndexArray) {
                Array* arr = static_cast<Array*>(R[A].o);
                Storage* s;
                int64_t j;
                if (__builtin_expect(store_slot(arr, R[B].i, s, j), 1)) {
                    if (__builtin_expect(vm.heap.is_marking(), 0)) rt::slot_store_marking(t, s, j, R[C]);
                    else slot_store(&s->slots[j], R[C]);
                } else {
                    rt::array_set(t, arr, R[B].i, R[C]);
                }
                NEXT(1);
            }
            OP(SetIndexArrayK) { // `flags[j] = false`: no register for the constant, no barrier (scalars)
                Array* arr = static_cast<Array*>(R[A].o);
                Storage* s;
                int64_t j;
                if (__builtin_expect(store_slot(arr, R[B].i, s, j), 1)) slot_store(&s->slots[j], Value::from_int(ip->sc()));
                else rt::array_set(t, arr, R[B].i, Value::from_int(ip->sc()));
                NEXT(1);
            }
            OP(LenArray) R[A].i = static_cast<const Array*>(R[B].o)->len.load(std::memory_order_acquire); NEXT(1);

            // ---- maps
            OP(NewMap) {
                BP_SAFEPOINT();
                R[A] = Value::from_obj(rt::new_map(t, fp->proto->consts[B].type));
                NEXT(1);
            }
            OP(IndexMap) R[A] = rt::map_get(t, static_cast<const Map*>(R[B].o), R[C]); NEXT(1);
            OP(SetIndexMap) {
                BP_SAFEPOINT();
                rt::map_set(t, static_cast<Map*>(R[A].o), R[B], R[C]);
                NEXT(1);
            }
            OP(MapHasKey) R[A] = Value::from_bool(rt::map_has_key(t, static_cast<const Map*>(R[B].o), R[C])); NEXT(1);
            // `with m:` and mutex_lock / mutex_unlock on a Mutex: the uncontended paths inline
            // (runtime/thread/mutex_fast.hpp), the rest in the runtime, which may block (safe state)
            // or raise; the frame's pc is saved first on those paths.
            OP(MutexLock) {
                thread::mutex_lock_inline(t, static_cast<thread::MutexHandle*>(R[A].o), fp->proto, BP_PC());
                NEXT(1);
            }
            OP(MutexUnlock) {
                thread::mutex_unlock_inline(t, static_cast<thread::MutexHandle*>(R[A].o), BP_PC());
                NEXT(1);
            }
            OP(LenMap) R[A].i = rt::map_len(static_cast<const Map*>(R[B].o)); NEXT(1);
            OP(MapKeys) {
                BP_SAFEPOINT();
                R[A] = Value::from_obj(rt::map_keys(t, static_cast<const Map*>(R[B].o)));
                NEXT(1);
            }

            // ---- tuples and structs
            OP(NewTuple) {
                BP_SAFEPOINT();
                Tuple* tu = rt::new_tuple(t, fp->proto->consts[B].type);
                const uint16_t* regs = ip->arg_regs_of<Op::NewTuple>();
                for (uint32_t k = 0; k < C; ++k) tu->items[k] = R[regs[k]];
                R[A] = Value::from_obj(tu);
                NEXT(bytecode::instr_length_of<Op::NewTuple>(*ip));
            }
            OP(GetTupleItem) R[A] = static_cast<const Tuple*>(R[B].o)->items[C]; NEXT(1);
            OP(NewInstance) {
                BP_SAFEPOINT();
                const uint16_t* regs = ip->arg_regs_of<Op::NewInstance>();
                R[A] = new_instance_of(t, fp->proto->consts[B].type, R, regs, C);
                NEXT(bytecode::instr_length_of<Op::NewInstance>(*ip));
            }
            OP(GetField) R[A] = slot_load(&static_cast<Instance*>(R[B].o)->fields[C]); NEXT(1);
            OP(SetField) {
                Instance* in = static_cast<Instance*>(R[A].o);
                if (__builtin_expect(vm.heap.is_marking(), 0) && in->type->info->fields()[B].type->is_ref())
                    vm.heap.write_barrier(slot_load(&in->fields[B]).o);
                slot_store(&in->fields[B], R[C]);
                NEXT(1);
            }

            // ---- classes
            OP(NewObject) {
                BP_SAFEPOINT();
                R[A] = Value::from_obj(rt::new_object(t, fp->proto->consts[B].type));
                NEXT(1);
            }
            OP(CheckInit) rt::check_initialised(static_cast<const Instance*>(R[A].o)); NEXT(1);
            OP(GetFieldChecked) {
                const auto* in = static_cast<const Instance*>(R[B].o);
                Value v = slot_load(&in->fields[C]);
                if (__builtin_expect(v.u == 0, 0)) rt::raise_uninitialised(in, C);
                R[A] = v;
                NEXT(1);
            }

            // ---- any
            OP(Box) {
                BP_SAFEPOINT();
                R[A] = Value::from_obj(rt::new_box(t, fp->proto->consts[C].type, R[B]));
                NEXT(1);
            }
            OP(BoxEmpty) {
                BP_SAFEPOINT();
                R[A] = Value::from_obj(rt::new_box(t, vm.program.types->void_t(), Value::zero()));
                NEXT(1);
            }
            OP(Unbox) R[A] = rt::unbox(static_cast<const Box*>(R[B].o), fp->proto->consts[C].type); NEXT(1);

            // ---- errors
            OP(NewError) {
                BP_SAFEPOINT();
                R[A] = Value::from_obj(rt::new_error(t, static_cast<ErrorKind>(ip->x), str_of(R[B])->view()));
                NEXT(1);
            }
            OP(ErrorField) {
                BP_SAFEPOINT();
                R[A] = error_field(t, static_cast<ErrorObj*>(R[B].o), C);
                NEXT(1);
            }
            OP(JmpIfErrKind) {
                if (static_cast<uint8_t>(static_cast<const ErrorObj*>(R[A].o)->error_kind) != ip->x) NEXT(1);
                NEXT(ip->sbc());
            }
            OP(Throw) {
                err = static_cast<ErrorObj*>(R[A].o);
                if (!err->trace) record_trace(t, err, BP_PC());
                goto do_unwind;
            }

            // ---- bytes
            OP(IndexBytes) R[A].i = rt::bytes_get(static_cast<const Bytes*>(R[B].o), R[C].i); NEXT(1);
            OP(SetIndexBytes) rt::bytes_set(static_cast<Bytes*>(R[A].o), R[B].i, R[C].i); NEXT(1);
            OP(LenBytes) R[A].i = rt::bytes_len(static_cast<const Bytes*>(R[B].o)); NEXT(1);
            OP(ForBytes) {
                int64_t i = ++R[C].i;
                const Bytes* b = static_cast<const Bytes*>(R[B].o);
                if (i >= R[ip[1].a].i || i >= rt::bytes_len(b)) NEXT(2);
                R[A].i = rt::bytes_get(b, i);
                JUMP_BACK(ip[1].sbc());
            }
#if !BP_COMPUTED_GOTO
            }
#endif
        } catch (rt::Raise& r) {
            fp = &t.frames.back(); // a builtin that ran bytecode may have moved the frame stack
            err = make_error(t, r, BP_PC());
            if (!err) return false; // cannot even allocate the error object (heap exhausted)
            if (!r.cause.empty()) attach_cause(t, err, r.cause);
        }
    do_unwind:
        if (!unwind(t, err, entry_depth, BP_PC())) return false;
        BP_LOAD_FRAME();
    }
#undef OP
#undef DISPATCH
#undef NEXT
#undef JUMP_BACK
#undef A
#undef B
#undef C
#undef BP_PC
#undef BP_SAFEPOINT
#undef BP_LOAD_FRAME
}

} // namespace

} // namespace bp::vm
