// Marking: traces objects from the mark stack by ObjKind. Which words of an object hold
// references is known from its static type (Tuple, Instance, Box, Map) or from flag bits
// (Storage, Cell); every such word holds nullptr or a valid object (gc/heap.hpp invariants).
// Mutable reference words are read with slot_load/ref_load: during a concurrent cycle the
// program writes them while markers read them (gc/heap.hpp, "Concurrent marking").
#include "gc/marker.hpp"
#include "base/cpu_relax.hpp"
#include "runtime/rt.hpp"
#include "runtime/thread/runtime.hpp"
#include "vm/vm.hpp"

namespace bp::gc {

// Tracing. The kinds a typical heap is made of (instances, arrays and their storage, strings) are
// traced inline in the drain loops; the rest go to trace_other, so the hot path saves no registers.
[[gnu::always_inline]] inline void Marker::trace_storage(Storage* s) {
    if (__builtin_expect(s->flags & rt::kStorageMapEntries, 0)) {
        trace_map_entries(s);
        return;
    }
    if (!(s->flags & rt::kStorageRefs)) return;
    for (uint64_t i = 0; i < s->capacity; ++i) mark(slot_load(&s->slots[i]).o);
}

void Marker::trace_map_entries(Storage* s) {
    bool key_ref = s->flags & rt::kStorageKeyRef;
    bool value_ref = s->flags & rt::kStorageValueRef;
    for (uint64_t i = 0; i + 2 < s->capacity; i += 3) {
        if (key_ref) mark(slot_load(&s->slots[i + 1]).o);
        if (value_ref) mark(slot_load(&s->slots[i + 2]).o);
    }
}

[[gnu::always_inline]] inline void Marker::trace(Obj* o) {
    switch (o->kind) {
    case ObjKind::String: // its append buffer, if any (runtime/string.cpp; written once, before publication)
        if (__builtin_expect(o->flags & kStringInBuffer, 0)) mark(static_cast<String*>(o)->buffer());
        return;
    case ObjKind::Instance: {
        auto* inst = static_cast<Instance*>(o);
        for (uint32_t i : inst->type->info->ref_fields()) mark(slot_load(&inst->fields[i]).o);
        return;
    }
    case ObjKind::Array: {
        // The storage is traced right here (it is almost always this array's alone): one stack
        // push and pop fewer per array, and its line is fetched while the array's is hot.
        Storage* s = static_cast<Array*>(o)->storage.load(std::memory_order_acquire);
        if (!s || m_verify) {
            mark(s);
        } else if (claim(s)) {
            count(s);
            trace_storage(s);
        }
        return;
    }
    case ObjKind::Storage:
        trace_storage(static_cast<Storage*>(o));
        return;
    default:
        trace_other(o);
        return;
    }
}

void Marker::trace_other(Obj* o) {
    switch (o->kind) {
    case ObjKind::Free:
    case ObjKind::String:
    case ObjKind::Instance:
    case ObjKind::Array:
    case ObjKind::Storage:
        return; // traced inline (Marker::trace); Free: never marked
    case ObjKind::Handle: // a native threading handle (runtime/thread/handles.hpp)
        if (handle_contents)
            thread::ThreadRuntime::visit_handle(static_cast<thread::Handle*>(o), [&](Obj* x) { mark(x); });
        return;
    case ObjKind::Map: {
        auto* m = static_cast<Map*>(o);
        mark(m->entries.load(std::memory_order_acquire));
        mark(m->index.load(std::memory_order_acquire));
        return;
    }
    case ObjKind::Tuple: {
        auto* t = static_cast<Tuple*>(o);
        for (size_t i = 0; i < t->type->items.size(); ++i)
            if (t->type->items[i]->is_ref()) mark(slot_load(&t->items[i]).o);
        return;
    }
    case ObjKind::Closure: {
        auto* c = static_cast<Closure*>(o);
        for (uint32_t i = 0; i < c->ncaptures; ++i) mark(c->captures[i]);
        return;
    }
    case ObjKind::Cell: {
        auto* c = static_cast<Cell*>(o);
        if (c->flags & 1) mark(slot_load(&c->value).o);
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
        mark(ref_load(&e->traceback)); // set lazily, maybe while a concurrent cycle marks
        mark(ref_load(&e->trace));
        return;
    }
    case ObjKind::Bytes:
        mark(static_cast<Bytes*>(o)->storage.load(std::memory_order_acquire));
        return;
    }
}

void Marker::drain() {
    while (!m_stack.empty()) {
        Obj* o = m_stack.back();
        m_stack.pop_back();
        visit(o);
    }
}

void Marker::drain_shared(SatbQueue* satb, const std::atomic<bool>* stop, MarkProgress* progress, bool credit) {
    uint64_t flushed = m_work;
    uint32_t polls = 0;
    auto stopped = [&] { return stop && stop->load(std::memory_order_relaxed); };
    auto flush = [&] {
        if (!progress || m_work == flushed) return;
        auto work = m_work - flushed;
        progress->scanned.fetch_add(work, std::memory_order_relaxed);
        if (credit) progress->bg_credit.fetch_add(static_cast<int64_t>(work), std::memory_order_relaxed);
        flushed = m_work;
    };
    for (;;) {
        while (!m_stack.empty()) {
            if (m_share->hungry() && m_stack.size() >= 2) m_share->give(m_stack);
            if ((++polls & (MarkProgress::kFlushObjects - 1)) == 0) {
                flush();
                // Concurrent: keep some work where assists can take it without this thread running.
                constexpr size_t kPublishMin = 512;
                if (progress && m_stack.size() >= kPublishMin && m_share->no_chunks()) m_share->publish(m_stack);
                if (stopped()) m_stack.clear(); // the heap is going away: leave the rest
                if (satb && satb->size()) satb->take(m_stack);
                if (m_stack.empty()) break;
            }
            Obj* o = m_stack.back();
            m_stack.pop_back();
            visit(o);
        }
        flush();
        if (satb && !stopped() && satb->take(m_stack)) continue;
        if (!m_share->take(m_stack)) break;
        if (stopped()) m_stack.clear();
    }
}

uint64_t Marker::assist(MarkShare& share, SatbQueue& satb, uint64_t work, std::chrono::steady_clock::time_point deadline,
                        const std::atomic<bool>& stop, bool& ended) {
    uint64_t start = m_work;
    uint32_t polls = 0;
    set_share(&share);
    while (m_work - start < work && !stop.load(std::memory_order_relaxed)) {
        if (m_stack.empty() && !satb.take(m_stack) && !share.take_until(m_stack, deadline)) break;
        while (!m_stack.empty() && m_work - start < work) {
            // An assist gives work away too: a background marker may be the hungry one.
            if (share.hungry() && m_stack.size() >= 2) share.give(m_stack);
            if ((++polls & 255) == 0 && stop.load(std::memory_order_relaxed)) break;
            Obj* o = m_stack.back();
            m_stack.pop_back();
            visit(o);
        }
    }
    ended = share.leave(m_stack);
    m_stack.clear();
    set_share(nullptr);
    return m_work - start;
}

bool SatbQueue::take(std::vector<Obj*>& out) {
    std::lock_guard<std::mutex> lock(m_mu);
    if (m_objs.empty()) return false;
    out.insert(out.end(), m_objs.begin(), m_objs.end());
    m_objs.clear();
    m_size.store(0, std::memory_order_relaxed);
    return true;
}

std::unique_lock<std::mutex> MarkShare::acquire() {
    if (m_pause)
        for (uint32_t i = 0; i < 1024; ++i) { // pause instructions: a few microseconds
            if (m_mu.try_lock()) return std::unique_lock<std::mutex>(m_mu, std::adopt_lock);
            base::cpu_relax();
        }
    return std::unique_lock<std::mutex>(m_mu);
}

bool MarkShare::spin_for_work(std::unique_lock<std::mutex>& lock, std::chrono::steady_clock::time_point until) {
    lock.unlock();
    bool woke = false;
    for (uint32_t i = 1; !woke; ++i) {
        base::cpu_relax();
        woke = m_nchunks.load(std::memory_order_relaxed) != 0 || m_over.load(std::memory_order_relaxed);
        if ((i & 255) == 0 && std::chrono::steady_clock::now() > until) break;
    }
    lock = acquire();
    return woke;
}

void MarkShare::add_chunk(std::vector<Obj*>&& chunk) {
    if (chunk.empty()) return;
    auto lock = acquire();
    m_chunks.push_back(std::move(chunk));
    update_hungry();
    m_cv.notify_one();
}

void MarkShare::steal_all(std::vector<Obj*>& out) {
    auto lock = acquire();
    for (auto& chunk : m_chunks) out.insert(out.end(), chunk.begin(), chunk.end());
    m_chunks.clear();
    update_hungry();
}

void MarkShare::give(std::vector<Obj*>& stack) {
    auto lock = acquire();
    if (m_idle <= m_chunks.size() || stack.size() < 2) return; // fed by someone else meanwhile
    auto half = static_cast<std::ptrdiff_t>(stack.size() / 2);
    // The older half: entries near the bottom are nearer the roots, so they lead to more work.
    m_chunks.emplace_back(stack.begin(), stack.begin() + half);
    stack.erase(stack.begin(), stack.begin() + half);
    update_hungry();
    m_cv.notify_one();
}

void MarkShare::publish(std::vector<Obj*>& stack) {
    auto lock = acquire();
    auto half = static_cast<std::ptrdiff_t>(stack.size() / 2);
    m_chunks.emplace_back(stack.begin(), stack.begin() + half);
    stack.erase(stack.begin(), stack.begin() + half);
    update_hungry();
    m_cv.notify_one();
}

bool MarkShare::join() {
    auto lock = acquire();
    if (m_done) return false;
    ++m_markers;
    return true;
}

bool MarkShare::take(std::vector<Obj*>& stack) { return take_impl(stack, nullptr); }

bool MarkShare::take_until(std::vector<Obj*>& stack, std::chrono::steady_clock::time_point deadline) {
    return take_impl(stack, &deadline);
}

// take (no deadline) and take_until: one loop, so the end-of-marking rule is written once.
bool MarkShare::take_impl(std::vector<Obj*>& stack, const std::chrono::steady_clock::time_point* deadline) {
    auto lock = acquire();
    ++m_idle;
    // A pause's marker spins at most this long per take before it sleeps: far longer than a
    // hand-over, short enough that a marker whose peer lost its core gives its own core up.
    const auto spin_until = m_pause ? std::chrono::steady_clock::now() + std::chrono::microseconds(250)
                                    : std::chrono::steady_clock::time_point{};
    bool spun_out = false;
    for (;;) {
        if (!m_chunks.empty()) {
            stack = std::move(m_chunks.back());
            m_chunks.pop_back();
            --m_idle;
            update_hungry();
            return true;
        }
        if (m_done) return false; // a timed taker's leave() sees m_done and does not count it again
        if (m_idle == m_markers) {
            m_done = true;
            update_hungry(); // ends the spinners' wait too
            m_cv.notify_all();
            return false;
        }
        update_hungry();
        if (m_pause && !spun_out) { // then look again under the lock, whatever woke it
            spun_out = !spin_for_work(lock, spin_until);
            continue;
        }
        if (!deadline) {
            m_cv.wait(lock);
        } else if (m_cv.wait_until(lock, *deadline) == std::cv_status::timeout && m_chunks.empty() && !m_done &&
                   m_idle != m_markers) {
            --m_idle; // busy again (it is about to leave)
            update_hungry();
            return false;
        }
    }
}

bool MarkShare::leave(std::vector<Obj*>& stack) {
    auto lock = acquire();
    if (!stack.empty()) { // never dropped: after the end (not expected) the remark traces it (steal_all)
        m_chunks.push_back(std::move(stack));
        stack.clear();
        m_cv.notify_one();
    }
    if (m_done) return true; // ended while this marker waited in take_until
    --m_markers;
    if (m_chunks.empty() && m_idle == m_markers) {
        m_done = true;
        m_cv.notify_all();
        update_hungry();
        return true;
    }
    update_hungry();
    return false;
}

} // namespace bp::gc
