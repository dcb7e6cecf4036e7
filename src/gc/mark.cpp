// Marking: traces objects from the mark stack by ObjKind. Which words of an object hold
// references is known from its static type (Tuple, Instance, Box, Map) or from flag bits
// (Storage, Cell); every such word holds nullptr or a valid object (gc/heap.hpp invariants).
#include "gc/marker.hpp"
#include "runtime/rt.hpp"
#include "runtime/thread/runtime.hpp"
#include "vm/vm.hpp"

namespace bp::gc {

void Marker::drain() {
    uint64_t bytes = 0, objects = 0;
    while (!m_stack.empty()) {
        Obj* o = m_stack.back();
        m_stack.pop_back();
        bytes += o->size_class;
        ++objects;
        trace(o);
    }
    live_bytes += bytes;
    live_objects += objects;
}

void Marker::drain_shared() {
    uint64_t bytes = 0, objects = 0;
    for (;;) {
        while (!m_stack.empty()) {
            if (m_share->hungry() && m_stack.size() >= 2) m_share->give(m_stack);
            Obj* o = m_stack.back();
            m_stack.pop_back();
            bytes += o->size_class;
            ++objects;
            trace(o);
        }
        if (!m_share->take(m_stack)) break;
    }
    live_bytes += bytes;
    live_objects += objects;
}

void MarkShare::give(std::vector<Obj*>& stack) {
    std::lock_guard<std::mutex> lock(m_mu);
    if (m_idle <= m_chunks.size() || stack.size() < 2) return; // fed by someone else meanwhile
    auto half = static_cast<std::ptrdiff_t>(stack.size() / 2);
    // The older half: entries near the bottom are nearer the roots, so they lead to more work.
    m_chunks.emplace_back(stack.begin(), stack.begin() + half);
    stack.erase(stack.begin(), stack.begin() + half);
    update_hungry();
    m_cv.notify_one();
}

bool MarkShare::join() {
    std::lock_guard<std::mutex> lock(m_mu);
    if (m_done) return false;
    ++m_markers;
    return true;
}

bool MarkShare::take(std::vector<Obj*>& stack) {
    std::unique_lock<std::mutex> lock(m_mu);
    ++m_idle;
    for (;;) {
        if (!m_chunks.empty()) {
            stack = std::move(m_chunks.back());
            m_chunks.pop_back();
            --m_idle;
            update_hungry();
            return true;
        }
        if (m_done) return false;
        if (m_idle == m_markers) {
            m_done = true;
            m_cv.notify_all();
            return false;
        }
        update_hungry();
        m_cv.wait(lock);
    }
}

void Marker::trace_storage(Storage* s) {
    if (s->flags & rt::kStorageMapEntries) {
        bool key_ref = s->flags & rt::kStorageKeyRef;
        bool value_ref = s->flags & rt::kStorageValueRef;
        for (uint64_t i = 0; i + 2 < s->capacity; i += 3) {
            mark_value_if(s->slots[i + 1], key_ref);
            mark_value_if(s->slots[i + 2], value_ref);
        }
        return;
    }
    if (!(s->flags & rt::kStorageRefs)) return;
    for (uint64_t i = 0; i < s->capacity; ++i) mark(s->slots[i].o);
}

void Marker::trace(Obj* o) {
    switch (o->kind) {
    case ObjKind::Free:
    case ObjKind::String:
        return;
    case ObjKind::Handle: // a native threading handle (runtime/thread/handles.hpp)
        thread::ThreadRuntime::visit_handle(static_cast<thread::Handle*>(o), [&](Obj* x) { mark(x); });
        return;
    case ObjKind::Array:
        mark(static_cast<Array*>(o)->storage.load(std::memory_order_relaxed));
        return;
    case ObjKind::Storage:
        trace_storage(static_cast<Storage*>(o));
        return;
    case ObjKind::Map: {
        auto* m = static_cast<Map*>(o);
        mark(m->entries.load(std::memory_order_relaxed));
        mark(m->index.load(std::memory_order_relaxed));
        return;
    }
    case ObjKind::Tuple: {
        auto* t = static_cast<Tuple*>(o);
        for (size_t i = 0; i < t->type->items.size(); ++i)
            mark_value_if(t->items[i], t->type->items[i]->is_ref());
        return;
    }
    case ObjKind::Instance: {
        auto* inst = static_cast<Instance*>(o);
        const auto& fields = inst->type->info->fields;
        for (size_t i = 0; i < fields.size(); ++i)
            mark_value_if(inst->fields[i], fields[i].type->is_ref());
        return;
    }
    case ObjKind::Closure: {
        auto* c = static_cast<Closure*>(o);
        for (uint32_t i = 0; i < c->ncaptures; ++i) mark(c->captures[i]);
        return;
    }
    case ObjKind::Cell: {
        auto* c = static_cast<Cell*>(o);
        mark_value_if(c->value, c->flags & 1);
        return;
    }
    case ObjKind::Box: {
        auto* b = static_cast<Box*>(o);
        mark_value_if(b->value, b->type && b->type->is_ref());
        return;
    }
    case ObjKind::Error: {
        auto* e = static_cast<ErrorObj*>(o);
        mark(e->message);
        mark(e->traceback);
        mark(e->trace);
        return;
    }
    case ObjKind::Bytes:
        mark(static_cast<Bytes*>(o)->storage.load(std::memory_order_relaxed));
        return;
    }
}

} // namespace bp::gc
