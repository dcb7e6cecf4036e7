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

// Tracing. The kinds a typical heap is made of (instances, arrays, maps and their storage,
// strings, tuples, closures and their cells, `any` boxes, bytes) are traced inline in the drain
// loops; the rare rest (errors, threading handles) go to trace_other, out of line, which takes
// and returns the loop's Run by value (gc/marker.hpp, "Registers").
template <Marker::Claim C>
[[gnu::always_inline]] inline void Marker::trace_storage(Run& r, Storage* s) {
    if (__builtin_expect(s->flags & rt::kStorageMapEntries, 0)) {
        trace_map_entries<C>(r, s);
        return;
    }
    if (!(s->flags & rt::kStorageRefs)) return;
    for (uint64_t i = 0; i < s->capacity; ++i) mark<C>(r, slot_load(&s->slots[i]).o);
}

template <Marker::Claim C>
[[gnu::always_inline]] inline void Marker::trace_map_entries(Run& r, Storage* s) {
    bool key_ref = s->flags & rt::kStorageKeyRef;
    bool value_ref = s->flags & rt::kStorageValueRef;
    for (uint64_t i = 0; i + 2 < s->capacity; i += 3) {
        if (key_ref) mark<C>(r, slot_load(&s->slots[i + 1]).o);
        if (value_ref) mark<C>(r, slot_load(&s->slots[i + 2]).o);
    }
}

template <Marker::Claim C>
[[gnu::always_inline]] inline void Marker::trace(Run& r, Obj* o) {
    switch (o->kind) {
    case ObjKind::String: // its append buffer, if any (runtime/string.cpp; written once, before publication)
        if (__builtin_expect(o->flags & kStringInBuffer, 0)) mark<C>(r, static_cast<String*>(o)->buffer());
        return;
    case ObjKind::Instance: {
        auto* inst = static_cast<Instance*>(o);
        for (uint32_t i : inst->type->info->ref_fields()) mark<C>(r, slot_load(&inst->fields[i]).o);
        return;
    }
    case ObjKind::Array: {
        // The storage is traced right here (it is almost always this array's alone): one stack
        // push and pop fewer per array, and its line is fetched while the array's is hot.
        Storage* s = static_cast<Array*>(o)->storage.load(std::memory_order_acquire);
        if (!s || C == Claim::Verify) {
            mark<C>(r, s);
        } else if (claim<C>(r.epoch, s)) {
            count(r, s);
            trace_storage<C>(r, s);
        }
        return;
    }
    case ObjKind::Storage:
        trace_storage<C>(r, static_cast<Storage*>(o));
        return;
    case ObjKind::Map: {
        auto* m = static_cast<Map*>(o);
        mark<C>(r, m->entries.load(std::memory_order_acquire));
        mark<C>(r, m->index.load(std::memory_order_acquire));
        return;
    }
    case ObjKind::Tuple: {
        auto* tu = static_cast<Tuple*>(o);
        const std::vector<const types::Type*>& items = tu->type->items;
        for (size_t i = 0; i < items.size(); ++i)
            if (items[i]->is_ref()) mark<C>(r, slot_load(&tu->items[i]).o);
        return;
    }
    case ObjKind::Closure: {
        auto* c = static_cast<Closure*>(o);
        for (uint32_t i = 0; i < c->ncaptures; ++i) mark<C>(r, c->captures[i]);
        return;
    }
    case ObjKind::Cell: {
        auto* c = static_cast<Cell*>(o);
        if (c->flags & 1) mark<C>(r, slot_load(&c->value).o);
        return;
    }
    case ObjKind::Box: { // an `any` (JSON documents are trees of them)
        auto* b = static_cast<Box*>(o);
        if (b->type && b->type->is_ref()) mark<C>(r, b->value.o);
        return;
    }
    case ObjKind::Bytes:
        mark<C>(r, static_cast<Bytes*>(o)->storage.load(std::memory_order_acquire));
        return;
    default:
        r = trace_other<C>(r, o);
        return;
    }
}

template <Marker::Claim C>
Marker::Run Marker::trace_other(Run r, Obj* o) {
    switch (o->kind) {
    case ObjKind::Free:
    case ObjKind::String:
    case ObjKind::Instance:
    case ObjKind::Array:
    case ObjKind::Storage:
    case ObjKind::Map:
    case ObjKind::Tuple:
    case ObjKind::Closure:
    case ObjKind::Cell:
    case ObjKind::Box:
    case ObjKind::Bytes:
        break; // traced inline (Marker::trace); Free: never marked
    case ObjKind::Handle: // a native threading handle (runtime/thread/handles.hpp)
        if (handle_contents)
            thread::ThreadRuntime::visit_handle(static_cast<thread::Handle*>(o), [&](Obj* x) { mark<C>(r, x); });
        break;
    case ObjKind::Error: {
        auto* e = static_cast<ErrorObj*>(o);
        mark<C>(r, e->message);
        mark<C>(r, ref_load(&e->traceback)); // set lazily, maybe while a concurrent cycle marks
        mark<C>(r, ref_load(&e->trace));
        break;
    }
    }
    return r;
}

template <Marker::Claim C>
void Marker::drain_as() {
    Run r = begin_run();
    while (r.top != r.base) visit<C>(r, *--r.top);
    end_run(r);
}

void Marker::drain() {
    switch (claim_mode()) {
    case Claim::Store: drain_as<Claim::Store>(); break;
    case Claim::Exchange: drain_as<Claim::Exchange>(); break;
    case Claim::Verify: drain_as<Claim::Verify>(); break;
    }
}

void Marker::drain_shared(SatbQueue* satb, const std::atomic<bool>* stop, MarkProgress* progress, bool credit) {
    if (claim_mode() == Claim::Exchange)
        drain_shared_as<Claim::Exchange>(satb, stop, progress, credit);
    else
        drain_shared_as<Claim::Store>(satb, stop, progress, credit);
}

template <Marker::Claim C>
void Marker::drain_shared_as(SatbQueue* satb, const std::atomic<bool>* stop, MarkProgress* progress, bool credit) {
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
        Run r = begin_run();
        while (r.top != r.base) {
            give_if_hungry(r, *m_share);
            if ((++polls & (MarkProgress::kFlushObjects - 1)) == 0) {
                end_run(r);
                flush();
                // Concurrent: keep some work where assists can take it without this thread running.
                constexpr size_t kPublishMin = 512;
                if (progress && m_stack.size() >= kPublishMin && m_share->no_chunks()) m_share->publish(m_stack);
                if (stopped()) m_stack.clear(); // the heap is going away: leave the rest
                if (satb && satb->size()) satb->take(m_stack);
                r = begin_run();
                if (r.top == r.base) break;
            }
            visit<C>(r, *--r.top);
        }
        end_run(r);
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
        Run r = begin_run();
        while (r.top != r.base && m_work + r.bytes + r.extra - start < work) {
            give_if_hungry(r, share); // an assist gives work away too: a background marker may be hungry
            if ((++polls & 255) == 0 && stop.load(std::memory_order_relaxed)) break;
            visit<Claim::Exchange>(r, *--r.top); // an assist runs only beside a concurrent cycle
        }
        end_run(r);
    }
    ended = share.leave(m_stack);
    m_stack.clear();
    set_share(nullptr);
    return m_work - start;
}

bool SatbQueue::take(MarkStack& out) {
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

void MarkShare::add_chunk(MarkStack&& chunk) {
    if (chunk.empty()) return;
    auto lock = acquire();
    m_chunks.push_back(std::move(chunk));
    update_hungry();
    m_cv.notify_one();
}

void MarkShare::steal_all(MarkStack& out) {
    auto lock = acquire();
    for (auto& chunk : m_chunks) out.insert(out.end(), chunk.begin(), chunk.end());
    m_chunks.clear();
    update_hungry();
}

void MarkShare::give(MarkStack& stack) {
    auto lock = acquire();
    if (m_idle <= m_chunks.size() || stack.size() < 2) return; // fed by someone else meanwhile
    auto half = static_cast<std::ptrdiff_t>(stack.size() / 2);
    // The older half: entries near the bottom are nearer the roots, so they lead to more work.
    m_chunks.emplace_back(stack.begin(), stack.begin() + half);
    stack.erase(stack.begin(), stack.begin() + half);
    update_hungry();
    m_cv.notify_one();
}

void MarkShare::publish(MarkStack& stack) {
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

bool MarkShare::take(MarkStack& stack) { return take_impl(stack, nullptr); }

bool MarkShare::take_until(MarkStack& stack, std::chrono::steady_clock::time_point deadline) {
    return take_impl(stack, &deadline);
}

// take (no deadline) and take_until: one loop, so the end-of-marking rule is written once.
bool MarkShare::take_impl(MarkStack& stack, const std::chrono::steady_clock::time_point* deadline) {
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

bool MarkShare::leave(MarkStack& stack) {
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
