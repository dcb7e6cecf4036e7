// The marking phase's state: an explicit mark stack and per-kind tracing (gc/mark.cpp), and the
// root walk that feeds it (gc/roots.cpp). Internal to gc/.
#pragma once
#include "runtime/object.hpp"

#include <vector>

namespace bp {
class Vm;
class VmThread;
}

namespace bp::gc {

// Threading: used only by the collecting thread while the world is stopped.
class Marker {
public:
    // Marks `o` (if not null and not yet marked) and queues it for tracing.
    void mark(Obj* o) {
        if (!o || o->mark.load(std::memory_order_relaxed)) return; // relaxed: the world is stopped
        o->mark.store(1, std::memory_order_relaxed);
        m_stack.push_back(o);
    }
    void mark_value(Value v) { mark(v.o); }
    void mark_value_if(Value v, bool is_ref) {
        if (is_ref) mark(v.o);
    }
    // Traces queued objects until the stack is empty.
    void drain();
    void clear() { m_stack.clear(); }

private:
    void trace(Obj* o);
    void trace_storage(Storage* s);
    std::vector<Obj*> m_stack;
};

// Marks every root of `vm` (every attached thread's frames and pending error, globals,
// constants, function values) plus `self`'s, in case it is not in vm.threads.
void mark_roots(Vm& vm, VmThread& self, Marker& marker);

} // namespace bp::gc
