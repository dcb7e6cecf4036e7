// Collector tests: sweeping, survival through every object kind, deep chains, limits, stress mode.
#include "fixture.hpp"
#include "gc/size_class.hpp"

#include <fmt/format.h>

#include <string>
#include <vector>

namespace bp::test {
namespace {

using GcTest = RtFixture;

TEST_F(GcTest, UnreachableObjectsAreFreedReachableSurvive) {
    String* keep = str("keep me");
    String* drop = str("drop me"); // same size class, same page as `keep`
    root(0, keep);
    collect();
    EXPECT_EQ(keep->kind, ObjKind::String);
    EXPECT_EQ(keep->view(), "keep me");
    vm->heap.finish_sweep(); // the collection left the page to the lazy sweep
    EXPECT_EQ(drop->kind, ObjKind::Free); // the page stays (keep is alive), so this read is safe
    EXPECT_EQ(live_objects(), 1u);
    String* again = str("reuse");
    EXPECT_EQ(again->view(), "reuse");
    EXPECT_EQ(keep->view(), "keep me");
}

TEST_F(GcTest, EveryKindTracesItsReferences) {
    auto* arr_t = types.array_of(types.str_t());
    auto* map_t = types.map_of(types.str_t(), arr_t);
    auto* tup_t = types.tuple_of({types.int_t(), types.str_t()});
    auto* info = types.new_struct("P", false);
    info->add_field("name", types.str_t());
    info->add_field("n", types.int_t());
    Array* a = rt::new_array(t(), arr_t);
    for (int i = 0; i < 100; ++i) rt::array_push(t(), a, Value::from_obj(str("s" + std::to_string(i))));
    Map* m = rt::new_map(t(), map_t);
    rt::map_set(t(), m, Value::from_obj(str("k")), Value::from_obj(a));
    Tuple* tu = rt::new_tuple(t(), tup_t);
    tu->items[0] = Value::from_int(7);
    tu->items[1] = Value::from_obj(str("second"));
    Instance* inst = rt::new_instance(t(), info->type);
    inst->fields[0] = Value::from_obj(str("pname"));
    Closure* c = rt::new_closure(t(), program.functions[0].get(), 1);
    c->captures[0] = rt::new_cell(t(), true, Value::from_obj(m));
    Box* b = rt::new_box(t(), tup_t, Value::from_obj(tu));
    ErrorObj* e = rt::new_error(t(), ErrorKind::ValueError, "bad");
    root(0, c);
    root(1, b);
    root(2, inst);
    thread->pending_error = e;
    for (int i = 0; i < 1000; ++i) str("garbage");
    collect();
    collect();
    Value got = rt::map_get(m, Value::from_obj(str("k")));
    EXPECT_EQ(got.o, a);
    EXPECT_EQ(view(rt::array_get(a, 99)), "s99");
    EXPECT_EQ(view(tu->items[1]), "second");
    EXPECT_EQ(view(inst->fields[0]), "pname");
    EXPECT_EQ(e->message->view(), "bad");
    // closure, cell, map, entries, index, array, storage, 100 strings, "k", box, tuple, "second",
    // instance, "pname", error, message
    EXPECT_EQ(live_objects(), 115u);
}

// The one-word header (runtime/object.hpp): the allocator records each object's cell class, the
// marker counts live bytes from it, and an array's lock lives in the header.
TEST_F(GcTest, HeaderRecordsTheCellClassAndLiveBytesFollowIt) {
    static_assert(sizeof(Array) == 32 && sizeof(Map) == 48 && sizeof(Bytes) == 24);
    auto* arr_t = types.array_of(types.int_t());
    Array* a = rt::new_array(t(), arr_t, 5); // 32-byte array + storage of 16 + 5 x 8 = 56 bytes
    String* big = rt::alloc_string(t(), 100000); // large: not in a page
    EXPECT_EQ(gc::cell_bytes(a->cell_class), 32u);
    EXPECT_EQ(gc::cell_bytes(a->storage.load()->cell_class), 56u);
    EXPECT_EQ(big->cell_class, 0);
    EXPECT_EQ(gc::cell_bytes(0), 0u);
    EXPECT_EQ(reinterpret_cast<char*>(&a->lock) - reinterpret_cast<char*>(a), 4); // in the header word
    EXPECT_EQ(a->lock.word.load(), 0u); // a new object's lock is free
    rt::lock(a->lock);
    EXPECT_NE(a->lock.word.load(), 0u);
    EXPECT_EQ(a->kind, ObjKind::Array); // the lock word leaves the rest of the header alone
    rt::unlock(a->lock);
    root(0, a);
    root(1, big);
    collect();
    EXPECT_EQ(live_objects(), 3u);
    // The array's and storage's cells, and the large string's bytes (the sweep counts those).
    EXPECT_EQ(vm->heap.stats().last_live_bytes, 32u + 56u + (24u + 1u + 100000u));
    // Every size maps to the smallest class that holds it, and class sizes grow with the class.
    for (size_t size = 1; size <= gc::kMaxSmall; ++size) {
        uint32_t cls = gc::size_class_of(size);
        ASSERT_GE(gc::class_size(cls), size);
        if (cls > 0) {
            ASSERT_LT(gc::class_size(cls - 1), size) << size;
        }
    }
}

TEST_F(GcTest, MillionLongChainDoesNotOverflowTheStack) {
    Cell* head = rt::new_cell(t(), true, Value::zero());
    for (int i = 0; i < 1000000; ++i) head = rt::new_cell(t(), true, Value::from_obj(head));
    root(0, head);
    collect();
    EXPECT_EQ(live_objects(), 1000001u);
    unroot(0);
    collect();
    EXPECT_EQ(live_objects(), 0u);
}

TEST_F(GcTest, MillionLongTupleChain) {
    auto* ty = types.tuple_of({types.int_t(), types.any_t()});
    Tuple* head = nullptr;
    Box* next = rt::new_box(t(), types.void_t(), Value::zero());
    for (int i = 0; i < 1000000; ++i) {
        head = rt::new_tuple(t(), ty);
        head->items[0] = Value::from_int(i);
        head->items[1] = Value::from_obj(next);
        next = rt::new_box(t(), ty, Value::from_obj(head));
    }
    root(0, head);
    collect();
    EXPECT_EQ(live_objects(), 2000000u);
}

TEST_F(GcTest, RegistersOutsideLiveFramesAreNotRoots) {
    thread->stack[kRegs + 5] = Value::from_obj(str("stale"));
    collect();
    EXPECT_EQ(live_objects(), 0u);
}

TEST_F(GcTest, GlobalsAndLargeObjects) {
    vm->globals.assign(2, Value::zero());
    vm->global_is_ref = {1, 0};
    String* big = rt::alloc_string(t(), 100000); // large object
    big->inline_data[99999] = 'z';
    vm->globals[0] = Value::from_obj(big);
    vm->globals[1] = Value::from_int(12345); // a scalar global is never traced
    rt::alloc_string(t(), 200000);           // unreachable large object
    uint64_t before = vm->heap.heap_bytes();
    collect();
    EXPECT_EQ(live_objects(), 1u);
    EXPECT_EQ(big->inline_data[99999], 'z');
    EXPECT_LT(vm->heap.heap_bytes(), before);
}

TEST_F(GcTest, CollectionBecomesDueAfterThreshold) {
    EXPECT_FALSE(vm->heap.collection_due.load());
    for (int i = 0; i < 100000; ++i) str("0123456789abcdef0123456789"); // ~4.8 MiB
    EXPECT_TRUE(vm->heap.collection_due.load());
    vm->heap.safepoint(t());
    EXPECT_FALSE(vm->heap.collection_due.load());
    EXPECT_EQ(vm->heap.stats().collections, 1u);
    std::string report = vm->heap.stats_report();
    EXPECT_NE(report.find("gc: 1 collections, pause total"), std::string::npos) << report;
    EXPECT_NE(report.find("allocated"), std::string::npos);
}

// A page no marking reached is dead: the sweep does not read its cells (gc/heap.hpp, "Dead pages").
// One whose cells all died but one is read as before, and its garbage becomes free cells.
TEST_F(GcTest, DeadPagesAreNotReadAndComeBack) {
    vm->heap.set_concurrent(gc::Heap::Concurrent::Never);
    std::vector<String*> garbage;
    for (int i = 0; i < 20000; ++i) garbage.push_back(str(fmt::format("dead {:06}", i))); // ~8 pages
    String* keep = str("kept string"); // the same class, on the last page
    root(0, keep);
    collect();
    vm->heap.finish_sweep();
    const gc::GcStats& s = vm->heap.stats();
    EXPECT_GE(s.dead_pages, 6u);
    EXPECT_GT(s.pages_swept, s.dead_pages);
    EXPECT_EQ(garbage.back()->kind, ObjKind::Free); // on keep's page: swept cell by cell
    EXPECT_EQ(live_objects(), 1u);
    // The dead pages' cells are handed out again (the pool formats them).
    for (int i = 0; i < 20000; ++i) root(1, str(fmt::format("new! {:06}", i)));
    EXPECT_EQ(view(thread->stack[1]), "new! 019999");
    EXPECT_EQ(keep->view(), "kept string");
    EXPECT_LE(vm->heap.stats().peak_heap_bytes, 64u << 20);
}

// A page no sweep read is handed out as a bump region: cells in address order, their stale headers
// not read. When a collection takes the region back, the cells it did not reach are free at the
// page's next sweep whatever those headers say, even a mark equal to the epoch the sweep judges by.
TEST_F(GcTest, ABumpRegionsUnusedCellsAreFreeWhateverTheirHeadersSay) {
    vm->heap.set_concurrent(gc::Heap::Concurrent::Never);
    for (int i = 0; i < 20000; ++i) str(fmt::format("dead {:06}", i)); // ~8 pages, pooled when swept
    String* keep = str("kept string");
    root(0, keep);
    collect();
    vm->heap.finish_sweep();
    const uint32_t cls = keep->cell_class - 1u; // cell_class is the size class + 1
    const size_t cell = gc::class_size(cls);
    gc::LocalAllocator& alloc = thread->alloc;
    for (int i = 0; i < 10000 && (alloc.free[cls] || alloc.bump[cls].next == alloc.bump[cls].end); ++i)
        str(fmt::format("fill {:06}", i)); // keep's page's free cells first, then a region
    ASSERT_EQ(alloc.free[cls], nullptr);
    ASSERT_NE(alloc.bump[cls].next, alloc.bump[cls].end);
    String* a = str("first new");
    String* b = str("next new");
    EXPECT_EQ(reinterpret_cast<char*>(b), reinterpret_cast<char*>(a) + cell); // address order
    root(1, a);
    root(2, b);
    auto* stale = reinterpret_cast<Obj*>(alloc.bump[cls].next); // the region's next cell, never handed out
    ASSERT_EQ(stale->kind, ObjKind::String); // a dead string's header: a pooled page is not formatted
    const uint8_t next_epoch = static_cast<uint8_t>(keep->mark.load() % 254 + 1);
    stale->mark.store(next_epoch); // as if the next marking had reached it
    collect();
    ASSERT_EQ(keep->mark.load(), next_epoch);
    vm->heap.finish_sweep();
    EXPECT_EQ(stale->kind, ObjKind::Free); // judged by the region's end, not by its header
    EXPECT_EQ(live_objects(), 3u);
    EXPECT_EQ(a->view(), "first new");
    EXPECT_EQ(b->view(), "next new");
}

class StressGcTest : public RtFixture {
protected:
    StressGcTest() : RtFixture(0, true) {}
};

TEST_F(StressGcTest, SafepointCollectsAfterAnyAllocation) {
    vm->heap.set_concurrent(gc::Heap::Concurrent::Never); // every collection complete in its pause
    vm->heap.safepoint(t());
    uint64_t n = vm->heap.stats().collections;
    vm->heap.safepoint(t()); // nothing allocated since
    EXPECT_EQ(vm->heap.stats().collections, n);
    root(0, str("x"));
    vm->heap.safepoint(t());
    EXPECT_EQ(vm->heap.stats().collections, n + 1);
    str("y");
    vm->heap.safepoint(t());
    EXPECT_EQ(vm->heap.stats().collections, n + 2);
    EXPECT_EQ(view(thread->stack[0]), "x");
}

class SmallHeapTest : public RtFixture {
protected:
    SmallHeapTest() : RtFixture(2u << 20, false) {}
};

TEST_F(SmallHeapTest, ExceedingTheLimitRaisesMemoryError) {
    auto* arr_t = types.array_of(types.str_t());
    Array* a = rt::new_array(t(), arr_t);
    root(0, a);
    try {
        for (int i = 0; i < 1000000; ++i) rt::array_push(t(), a, Value::from_obj(str("abcdefghijklmnopqrstuvwxyz")));
        FAIL() << "no MemoryError";
    } catch (const rt::Raise& r) {
        EXPECT_EQ(r.kind, ErrorKind::MemoryError);
        EXPECT_EQ(r.message, "out of memory");
    }
    unroot(0);
    collect();
    EXPECT_EQ(rt::new_string(t(), "works again")->view(), "works again");
}

TEST_F(SmallHeapTest, HugeRequestsRaiseMemoryErrorCleanly) {
    auto expect_oom = [](auto fn) {
        try {
            fn();
            FAIL() << "no MemoryError";
        } catch (const rt::Raise& r) {
            EXPECT_EQ(r.kind, ErrorKind::MemoryError);
        }
    };
    expect_oom([&] { rt::alloc_string(t(), uint64_t{1} << 40); });
    expect_oom([&] { rt::alloc_string(t(), UINT64_MAX); });
    expect_oom([&] { rt::new_storage(t(), UINT64_MAX / 4, 0); });
    expect_oom([&] { rt::array_fill(t(), types.array_of(types.int_t()), INT64_MAX, Value::zero()); });
}

} // namespace
} // namespace bp::test
