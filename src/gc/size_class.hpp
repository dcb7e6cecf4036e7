// Size classes of the small-object pages, defined once for the allocator's inline fast path
// (gc/allocate.hpp), the heap (gc/heap.cpp) and the marker's byte counts (gc/marker.hpp).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace bp::gc {

inline constexpr size_t kPageSize = 64 * 1024; // small-object pages, aligned to their size
inline constexpr size_t kMaxSmall = 8192;   // above this: large objects
inline constexpr uint32_t kClassCount = 55; // small size classes

// Size classes: every 8 bytes from 16 to 128 (the common objects: an instance with one field is 24
// bytes, a storage of one element 24, so 16-byte steps wasted a sixth of a typical struct-and-array
// heap), every 16 to 512, then coarse steps to kMaxSmall. Sizes are multiples of kGrain, so cells
// stay 8-aligned.
inline constexpr size_t kGrain = 8;
inline constexpr uint32_t kFineClasses = 15;   // 16, 24, ..., 128
inline constexpr uint32_t kMediumClasses = 24; // 144, 160, ..., 512
inline constexpr uint32_t kCoarse[] = {640,  768,  896,  1024, 1280, 1536, 1792, 2048,
                                       2560, 3072, 3584, 4096, 5120, 6144, 7168, 8192};
static_assert(kFineClasses + kMediumClasses + sizeof(kCoarse) / sizeof(kCoarse[0]) == kClassCount);

// An object's Obj::cell_class is its page's size class + 1, written by the allocator; 0 for an
// object that is not in a page (a large object, a threading handle).
inline constexpr uint32_t cell_class_of(uint32_t cls) { return cls + 1; }

// The class of every size rounded up to kGrain (index: (size + 7) / 8), every cell class's cell
// size (0 for cell class 0) and its bits of an Obj header word, built at compile time so that the
// fast path is one load per lookup (none for a constant size) and the marker's byte count needs no test.
struct ClassTable {
    uint8_t cls[kMaxSmall / kGrain + 1];
    uint32_t bytes[kClassCount + 1];  // by cell class
    uint64_t header[kClassCount];     // by size class: cell_class in byte 3 (little-endian)
};
constexpr ClassTable make_class_table() {
    ClassTable t{};
    for (uint32_t c = 0; c < kClassCount; ++c) {
        uint32_t size = c < kFineClasses                    ? 16 + 8 * c
                        : c < kFineClasses + kMediumClasses ? 128 + 16 * (c - kFineClasses + 1)
                                                            : kCoarse[c - kFineClasses - kMediumClasses];
        t.bytes[cell_class_of(c)] = size;
        t.header[c] = uint64_t{cell_class_of(c)} << 24;
    }
    uint32_t c = 0;
    for (size_t step = 0; step <= kMaxSmall / kGrain; ++step) {
        while (t.bytes[cell_class_of(c)] < step * kGrain) ++c;
        t.cls[step] = static_cast<uint8_t>(c);
    }
    return t;
}
inline constexpr ClassTable kClassTable = make_class_table();

constexpr uint32_t size_class_of(size_t size) { return kClassTable.cls[(size + kGrain - 1) / kGrain]; }
constexpr size_t class_size(uint32_t cls) { return kClassTable.bytes[size_t{cls} + 1]; } // + 1: cell_class_of, folded
// The bytes of the cell an object with this Obj::cell_class occupies (0: not in a page).
constexpr uint32_t cell_bytes(uint8_t cell_class) { return kClassTable.bytes[cell_class]; }
static_assert(class_size(kFineClasses - 1) == 128 && class_size(kFineClasses + kMediumClasses - 1) == 512);
static_assert(kClassCount < 255, "Obj::cell_class is one byte");

// The address of the page holding a cell (pages are aligned to their size).
inline uintptr_t page_address(const void* cell) { return reinterpret_cast<uintptr_t>(cell) & ~uintptr_t{kPageSize - 1}; }

// The page header's byte holding the epoch of the last marking that reached any of the page's cells
// (gc/heap.hpp, "Dead pages"), for a cell in a page (an object's cell_class != 0).
inline constexpr size_t kPageLiveEpochOffset = 28;
inline std::atomic<uint8_t>& page_live_epoch(const void* cell) {
    return *reinterpret_cast<std::atomic<uint8_t>*>(page_address(cell) + kPageLiveEpochOffset);
}

} // namespace bp::gc
