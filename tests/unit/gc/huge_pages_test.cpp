// Huge pages for large objects (gc/huge_pages.hpp): reading the kernel's free lists, and a large
// object advised or not stays a zeroed, usable object.
#include "../rt/fixture.hpp"

#include "gc/huge_pages.hpp"

#include <cstdlib>
#include <cstring>

namespace {

constexpr const char* kBuddyinfo = "Node 0, zone      DMA      0      0      0      0      0      0      0      0      1      1      3 \n"
                                   "Node 0, zone    DMA32      1      1      4      2      5      4      3      3      4      2    752 \n"
                                   "Node 0, zone   Normal   7712   6909   5589   4281   2675   1426    607    228     84     44    414 \n";

TEST(HugePagesTest, FreeBlocksOfAnOrderAndAboveAreSummedOverEveryZone) {
    const uint64_t k4 = 4096;
    // Order 10 (4 MiB): 3 + 752 + 414 blocks.
    EXPECT_EQ(bp::gc::free_block_bytes(kBuddyinfo, 10, 4096), (3 + 752 + 414) * (k4 << 10));
    // Order 9 (2 MiB) and above: the order-9 blocks (1 + 2 + 44) too.
    EXPECT_EQ(bp::gc::free_block_bytes(kBuddyinfo, 9, 4096), (1 + 2 + 44) * (k4 << 9) + (3 + 752 + 414) * (k4 << 10));
}

TEST(HugePagesTest, UnreadableTextCountsNothing) {
    EXPECT_EQ(bp::gc::free_block_bytes("", 9, 4096), 0u);
    EXPECT_EQ(bp::gc::free_block_bytes("no zones here\n", 9, 4096), 0u);
    EXPECT_EQ(bp::gc::free_block_bytes("Node 0, zone Normal x y\n", 0, 4096), 0u);
    // A fragmented machine: no block of order 9 or more.
    EXPECT_EQ(bp::gc::free_block_bytes("Node 0, zone Normal 900 800 700 600 500 400 300 200 100 0 0\n", 9, 4096), 0u);
}

TEST(HugePagesTest, AnAdvisedObjectIsStillZeroedAndWritable) {
    const size_t size = size_t{16} << 20;
    auto* p = static_cast<unsigned char*>(std::calloc(1, size));
    ASSERT_NE(p, nullptr);
    bp::gc::advise_huge_pages(p, size); // huge pages or not: the host decides
    EXPECT_EQ(p[0], 0);
    EXPECT_EQ(p[size / 2], 0);
    EXPECT_EQ(p[size - 1], 0);
    std::memset(p, 7, size);
    EXPECT_EQ(p[size - 1], 7);
    bp::gc::advise_huge_pages(p, 100); // too small to hold a huge page: left alone
    std::free(p);
}

} // namespace
