// The allocation fast path, inline: include this where objects are made (the runtime's
// constructors, the interpreter), so that an allocation is a handful of instructions in its
// caller rather than a call, and a constant size folds its class lookup and zeroing away.
// The free-cell layout lives here too, defined once for the fast path and heap.cpp.
#pragma once

#include "gc/heap.hpp"
#include "gc/size_class.hpp"
#include "runtime/object.hpp"
#include "vm/vm.hpp"

#include <algorithm>
#include <cstring>

namespace bp::gc {

// A free cell: an Obj header of kind Free, then the next free cell of the same list.
struct FreeCell {
    Obj header;
    FreeCell* next;
};
static_assert(sizeof(FreeCell) == 16);

// Pop the thread's free list, or take the next cell of its bump region; zero what the caller asked
// for (rounded up to 8 bytes, at least 16; the rest of the cell is never read); write the header.
// No lock, no atomic read-modify-write. An empty list and region go to allocate_refill and a large
// object to allocate_large, both out of line, so what is inlined into every caller stays this small.
[[gnu::always_inline]] inline Obj* Heap::allocate_prefix_zeroed(VmThread& t, ObjKind kind, size_t size, size_t zero) {
    if (__builtin_expect(size > kMaxSmall, 0)) return allocate_large(t, kind, size);
    uint32_t cls = size_class_of(size);
    uint32_t cell = class_size(cls);
    FreeCell* c = t.alloc.free[cls];
    if (c) {
        t.alloc.free[cls] = c->next;
    } else { // the bump region, if it has a cell left ("Bump regions", heap.hpp)
        LocalAllocator::Region& region = t.alloc.bump[cls];
        char* next = region.next;
        if (__builtin_expect(next == region.end, 0)) return allocate_refill(t, kind, size, zero);
        region.next = next + cell;
        c = reinterpret_cast<FreeCell*>(next);
    }
    size_t z = std::max((std::min(zero, size) + kGrain - 1) & ~(kGrain - 1), sizeof(FreeCell));
    auto* b = reinterpret_cast<char*>(c);
    if (z <= 64) { // most objects: a few 16-byte stores (overlapping, all within [0, z)) beat rep stos
        std::memset(b, 0, 16);
        std::memset(b + z - 16, 0, 16);
        if (z > 32) {
            std::memset(b + 16, 0, 16);
            std::memset(b + z - 32, 0, 16);
        }
    } else {
        std::memset(b, 0, z);
    }
    // The header in one store: kind and cell class; mark (kMarkNone), flags and lock all zero.
    uint64_t header = kClassTable.header[cls] | static_cast<uint64_t>(kind);
    std::memcpy(b, &header, sizeof header);
    Obj* o = &c->header;
    if (uint8_t e = marking.load(std::memory_order_relaxed); __builtin_expect(e != 0, 0))
        o->mark.store(e, std::memory_order_relaxed); // black
    t.alloc.allocated += cell;
    return o;
}

[[gnu::always_inline]] inline Obj* Heap::allocate(VmThread& t, ObjKind kind, size_t size) {
    return allocate_prefix_zeroed(t, kind, size, size);
}

} // namespace bp::gc
