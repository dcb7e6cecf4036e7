// Huge pages for large objects and for the heap's pages. A large object (a big map's entries and
// index, a big array's storage) is calloc'd, so glibc maps it fresh and the kernel faults it in
// 4 KiB at a time on first touch. bench/bigmap (a million-entry map: 80 MB of storages) took 19 000
// page faults, a third of its run, against 12 400 for Lua 5.4's table. Asking for transparent huge
// pages (madvise MADV_HUGEPAGE) on such an object takes the faults to 3 900 (0.106 -> 0.081 s).
//
// The risk: where the kernel's THP "defrag" setting is "madvise" (Debian's default), a fault in an
// advised range that finds no free 2 MiB block compacts memory synchronously: advising every large
// object made bigmap 35% slower on another host (docs/performance.md, stops 23 and 25), put down to
// that. So an object is advised only while the kernel's free lists (/proc/buddyinfo) hold free
// huge-page-sized blocks for four times its size: then its faults take a free block and never compact.
//
// The small-object heap's pages come the same way once the heap reaches 4 MiB: a run of 64 KiB pages
// as long as a huge page, aligned to one and advised (gc/heap.cpp, map_pages), so that marking and
// allocating miss the TLB less. trees.bp, 2 threads, 25 alternated runs: median 0.171 -> 0.155 s,
// minimum unchanged (0.140 s); one thread and binary_trees within the noise.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace bp::gc {

// Bytes in the free blocks of order >= `order` that /proc/buddyinfo's text lists (every zone of
// every node); a block of order k is 2^k base pages of `base_page` bytes. 0 for text it cannot read.
uint64_t free_block_bytes(std::string_view buddyinfo, unsigned order, size_t base_page);

// The kernel's transparent huge page size; 0 where there is none.
size_t huge_page_size();

// Whether the kernel's free lists hold free huge pages for four times `bytes` (see above).
bool huge_pages_free(size_t bytes);

// Advises the kernel to back [p, p + size) with transparent huge pages when the object is big
// enough to hold one and free huge pages are plentiful (see above). Any failure leaves the object
// on base pages, as before.
void advise_huge_pages(void* p, size_t size);

} // namespace bp::gc
