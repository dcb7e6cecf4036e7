// The allocation fast path, inline: include this where objects are made (the runtime's
// constructors, the interpreter), so that an allocation is a handful of instructions in its
// caller rather than a call, and a constant size folds its class lookup and zeroing away.
// Size classes and the free-cell layout live here too, defined once for the fast path and heap.cpp.
#pragma once

#include "gc/heap.hpp"
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

// Size classes: every 8 bytes from 16 to 128 (the common objects: an instance with one field is 24
// bytes, an array 40, so 16-byte steps wasted a sixth of a typical struct-and-array heap), every 16
// to 512, then coarse steps to kMaxSmall. Sizes are multiples of kGrain, so cells stay 8-aligned.
inline constexpr size_t kGrain = 8;
inline constexpr uint32_t kFineClasses = 15;   // 16, 24, ..., 128
inline constexpr uint32_t kMediumClasses = 24; // 144, 160, ..., 512
inline constexpr uint32_t kCoarse[] = {640,  768,  896,  1024, 1280, 1536, 1792, 2048,
                                       2560, 3072, 3584, 4096, 5120, 6144, 7168, 8192};
static_assert(kFineClasses + kMediumClasses + sizeof(kCoarse) / sizeof(kCoarse[0]) == kClassCount);

// Every class's cell size, and the class of every size rounded up to kGrain (index: (size + 7) / 8),
// built at compile time so that the fast path is one load (none for a constant size).
struct ClassTable {
    uint8_t cls[kMaxSmall / kGrain + 1];
    uint32_t size[kClassCount];
};
constexpr ClassTable make_class_table() {
    ClassTable t{};
    for (uint32_t c = 0; c < kClassCount; ++c) {
        if (c < kFineClasses) t.size[c] = 16 + 8 * c;
        else if (c < kFineClasses + kMediumClasses) t.size[c] = 128 + 16 * (c - kFineClasses + 1);
        else t.size[c] = kCoarse[c - kFineClasses - kMediumClasses];
    }
    uint32_t c = 0;
    for (size_t step = 0; step <= kMaxSmall / kGrain; ++step) {
        while (t.size[c] < step * kGrain) ++c;
        t.cls[step] = static_cast<uint8_t>(c);
    }
    return t;
}
inline constexpr ClassTable kClassTable = make_class_table();
static_assert(kClassTable.size[kFineClasses - 1] == 128 && kClassTable.size[kFineClasses + kMediumClasses - 1] == 512);

inline uint32_t size_class_of(size_t size) { return kClassTable.cls[(size + kGrain - 1) / kGrain]; }
inline size_t class_size(uint32_t cls) { return kClassTable.size[cls]; }

// Pop the thread's free list, zero what the caller asked for (rounded up to 8 bytes, at least 16;
// the rest of the cell is never read), write the header. No lock, no atomic read-modify-write. An
// empty list goes to allocate_refill and a large object to allocate_large, both out of line, so
// what is inlined into every caller stays this small.
[[gnu::always_inline]] inline Obj* Heap::allocate_prefix_zeroed(VmThread& t, ObjKind kind, size_t size, size_t zero) {
    if (__builtin_expect(size > kMaxSmall, 0)) return allocate_large(t, kind, size);
    uint32_t cls = size_class_of(size);
    FreeCell* c = t.alloc.free[cls];
    if (__builtin_expect(!c, 0)) return allocate_refill(t, kind, size, zero);
    t.alloc.free[cls] = c->next;
    uint32_t cell = kClassTable.size[cls];
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
    Obj* o = &c->header;
    o->kind = kind;
    o->size_class = cell;
    if (uint8_t e = marking.load(std::memory_order_relaxed); __builtin_expect(e != 0, 0))
        o->mark.store(e, std::memory_order_relaxed); // black
    t.alloc.allocated += cell;
    return o;
}

[[gnu::always_inline]] inline Obj* Heap::allocate(VmThread& t, ObjKind kind, size_t size) {
    return allocate_prefix_zeroed(t, kind, size, size);
}

} // namespace bp::gc
