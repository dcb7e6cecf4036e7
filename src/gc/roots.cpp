// The root walk: the one place that knows where the program keeps references outside the heap.
// Every thread's live frames (their live reference registers and running closure), pending errors,
// globals, materialised constants, the shared one-byte strings, function values and what threading
// handles hold. Registers above the top frame are not roots (they may hold stale pointers).
#include "gc/marker.hpp"
#include "runtime/thread/runtime.hpp"
#include "vm/vm.hpp"

#include <algorithm>
#include <optional>
#include <span>
#include <vector>

namespace bp::gc {

namespace {

// The reference registers live where the frame stopped (bytecode/liveness.cpp), or nullopt when
// its function has no map (then every reference register is a root, and every call clears them
// all). A function with a map clears only those live at entry, so the others may hold garbage
// until written: they must never be scanned, not even at a position the map does not cover
// (none: a frame stops inside its code; past the end, nothing is live).
std::optional<std::span<const uint16_t>> live_registers(const Frame& f) {
    const bytecode::FunctionProto& p = *f.proto;
    const uint32_t pc = f.pc();
    if (p.gc_live_start.empty()) return std::nullopt;
    if (pc >= p.code.size()) return std::span<const uint16_t>();
    return std::span<const uint16_t>(p.gc_live_regs)
        .subspan(p.gc_live_start[pc], p.gc_live_start[pc + 1] - p.gc_live_start[pc]);
}

// A dead register may still hold an object nothing else reaches, which the program will never
// read again: not a root.
void mark_frame(const VmThread& t, const Frame& f, Marker& m) {
    m.mark(f.closure);
    const bytecode::FunctionProto& p = *f.proto;
    auto reg = [&](size_t r) {
        if (f.base + r < t.stack_cap) m.mark_value(t.stack[f.base + r]);
    };
    if (auto live = live_registers(f)) {
        for (uint16_t r : *live) reg(r);
        return;
    }
    size_t n = std::min<size_t>(p.reg_is_ref.size(), p.nregs);
    for (size_t r = 0; r < n; ++r)
        if (p.reg_is_ref[r]) reg(r);
}

// See clear_dead_registers.
void clear_dead(VmThread& t) {
    std::vector<bool> live;
    for (const Frame& f : t.frames) {
        auto live_regs = live_registers(f);
        if (!live_regs) continue;
        const bytecode::FunctionProto& p = *f.proto;
        live.assign(p.nregs, false);
        for (uint16_t r : *live_regs) live[r] = true;
        for (size_t r = 0; r < p.nregs && r < p.reg_is_ref.size(); ++r)
            if (p.reg_is_ref[r] && !live[r] && f.base + r < t.stack_cap) t.stack[f.base + r].u = 0;
    }
}

void mark_thread(VmThread& t, Marker& m) {
    for (const Frame& f : t.frames) mark_frame(t, f, m);
    m.mark(t.pending_error);
}

void mark_constants(Vm& vm, Marker& m) {
    using Kind = bytecode::Constant::Kind;
    const auto& fns = vm.program.functions;
    for (size_t i = 0; i < vm.constants.size() && i < fns.size(); ++i) {
        const auto& consts = fns[i]->consts;
        const auto& values = vm.constants[i];
        for (size_t j = 0; j < values.size() && j < consts.size(); ++j) {
            switch (consts[j].kind) {
            case Kind::Str: case Kind::Function: m.mark_value(values[j]); break;
            case Kind::Int: case Kind::Float: case Kind::Type: break; // not heap objects
            }
        }
    }
}

} // namespace

// A register the map calls dead is never read before it is written, so clearing it changes
// nothing, unless the map is wrong: then the program dereferences nullptr at the next read (a
// crash that fails the test) instead of, some collections later, a reused cell (a wrong value).
void clear_dead_registers(Vm& vm, VmThread& self) {
    bool self_attached = false;
    for (VmThread* t : vm.threads) {
        clear_dead(*t);
        self_attached |= t == &self;
    }
    if (!self_attached) clear_dead(self);
}

void mark_roots(Vm& vm, VmThread& self, Marker& m, MarkShare* share) {
    for (VmThread* t : vm.threads) {
        if (t == &self) continue; // marked below, attached or not
        mark_thread(*t, m);
        if (share) m.hand_over(*share); // this thread's roots: one chunk for a helper
    }
    mark_thread(self, m);
    for (size_t i = 0; i < vm.globals.size() && i < vm.global_is_ref.size(); ++i)
        if (vm.global_is_ref[i]) m.mark_value(vm.globals[i]);
    mark_constants(vm, m);
    for (String* s : vm.byte_strings) m.mark(s);
    for (Closure* c : vm.function_values) m.mark(c);
    // Threading handles: live or unjoined threads' functions, arguments and results; Volatiles.
    vm.threading->visit_roots([&](Obj* o) { m.mark(o); });
}

} // namespace bp::gc
