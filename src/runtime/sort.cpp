// array_sort: stable ascending sort of [int], [float], [str] and of [any] holding one of those.
// Sorting works on a private copy taken under the array's lock, then writes the result back.
#include "runtime/barrier.hpp"
#include "runtime/rt.hpp"
#include "vm/vm.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace bp::rt {

namespace {

using types::Kind;

// A strict weak order on doubles even with nan (sorted last), so the sort is always well-defined.
bool float_less(double a, double b) { return std::isnan(a) ? false : (std::isnan(b) || a < b); }

bool less_by(Kind k, Value a, Value b) {
    if (k == Kind::Int) return a.i < b.i;
    if (k == Kind::Float) return float_less(a.f, b.f);
    return string_compare(static_cast<String*>(a.o), static_cast<String*>(b.o)) < 0; // Str (sortable())
}

bool sortable(Kind k) { return k == Kind::Int || k == Kind::Float || k == Kind::Str; }

[[noreturn]] void unsortable() { raise(ErrorKind::TypeError, "array_sort: elements must all be int, float or str"); }

void sort_values(std::vector<Value>& v, const types::Type* elem) {
    if (elem->kind != Kind::Any) {
        if (!sortable(elem->kind)) unsortable();
        std::stable_sort(v.begin(), v.end(), [k = elem->kind](Value a, Value b) { return less_by(k, a, b); });
        return;
    }
    if (v.empty()) return;
    const types::Type* inner = static_cast<Box*>(v[0].o)->type;
    for (Value x : v)
        if (static_cast<Box*>(x.o)->type != inner) unsortable();
    if (!sortable(inner->kind)) unsortable();
    std::stable_sort(v.begin(), v.end(), [k = inner->kind](Value a, Value b) {
        return less_by(k, static_cast<Box*>(a.o)->value, static_cast<Box*>(b.o)->value);
    });
}

} // namespace

void array_sort(VmThread& t, Array* a) {
    ObjLockGuard guard(a->lock, shared_containers(t));
    int64_t n = a->len.load(std::memory_order_relaxed);
    if (n == 0) return;
    Storage* s = a->storage.load(std::memory_order_relaxed);
    std::vector<Value> v(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) v[static_cast<size_t>(i)] = slot_load(&s->slots[i]);
    sort_values(v, a->type->elem);
    barrier_slots(t, s, 0, n);
    for (int64_t i = 0; i < n; ++i) slot_store(&s->slots[i], v[static_cast<size_t>(i)]);
}

} // namespace bp::rt
