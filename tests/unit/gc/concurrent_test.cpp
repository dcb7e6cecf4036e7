// Collector tests for concurrent marking (gc/heap.hpp, "Concurrent marking"): the write barrier keeps
// what the program moves out of the snapshot's way alive, objects allocated during a cycle survive
// it, garbage from before the cycle is freed, and background markers find the same live set as a
// stop-the-world collection.
#include "../rt/fixture.hpp"

#include <fmt/format.h>

#include <string>
#include <vector>

namespace bp::test {
namespace {

class ConcurrentGcTest : public RtFixture {
protected:
    ConcurrentGcTest() { vm->heap.set_concurrent(gc::Heap::Concurrent::Always); }
    // A collection that is due but not forced: starts a cycle, or ends the one under way.
    void step() {
        vm->heap.collection_due.store(true);
        vm->heap.collect(t(), false);
    }
    Array* str_array() { return rt::new_array(t(), types.array_of(types.str_t())); }
};

// With no background marker, the remark does all the tracing from the roots greyed at the cycle's
// start; the register that holds `moved` afterwards is not rescanned, so only the barrier on the
// overwrite of its array slot keeps it alive.
TEST_F(ConcurrentGcTest, BarrierKeepsAnOverwrittenReferenceAlive) {
    vm->heap.set_concurrent_markers(0);
    for (auto overwrite : {0, 1, 2, 3, 4}) {
        Array* a = str_array();
        for (int i = 0; i < 8; ++i) rt::array_push(t(), a, Value::from_obj(str(fmt::format("item {}", i))));
        root(0, a);
        unroot(1);
        step(); // cycle starts: root 0 is grey
        EXPECT_TRUE(vm->heap.is_marking());
        String* moved = static_cast<String*>(rt::array_get(a, 3).o);
        root(1, moved); // only a register holds it now...
        switch (overwrite) { // ...once each kind of in-place store removes it from the array
        case 0: rt::array_set(t(), a, 3, Value::from_obj(str("new"))); break;
        case 1: rt::array_remove(t(), a, 3); rt::array_push(t(), a, Value::from_obj(str("x"))); rt::array_set(t(), a, -1, Value::from_obj(str("y"))); break;
        case 2: rt::array_reverse(t(), a); rt::array_set(t(), a, 4, Value::from_obj(str("z"))); break;
        case 3: rt::array_clear(t(), a); break;
        case 4: for (int i = 0; i < 100; ++i) rt::array_push(t(), a, Value::from_obj(str("grow"))); // new storage
                rt::array_set(t(), a, 3, Value::from_obj(str("w"))); break;
        }
        step(); // remark
        EXPECT_FALSE(vm->heap.is_marking());
        vm->heap.finish_sweep();
        ASSERT_EQ(moved->kind, ObjKind::String) << "overwrite " << overwrite;
        EXPECT_EQ(moved->view(), "item 3");
    }
}

TEST_F(ConcurrentGcTest, BarrierCoversMapValuesAndCells) {
    vm->heap.set_concurrent_markers(0);
    auto* map_t = types.map_of(types.int_t(), types.str_t());
    Map* m = rt::new_map(t(), map_t);
    rt::map_set(t(), m, Value::from_int(1), Value::from_obj(str("one")));
    Cell* c = rt::new_cell(t(), true, Value::from_obj(str("in cell")));
    Array* holder = rt::new_array(t(), types.array_of(types.any_t()));
    rt::array_push(t(), holder, Value::from_obj(rt::new_box(t(), map_t, Value::from_obj(m))));
    root(0, holder);
    root(1, c);
    step();
    String* from_map = static_cast<String*>(rt::map_get(m, Value::from_int(1)).o);
    root(2, from_map);
    rt::map_set(t(), m, Value::from_int(1), Value::from_obj(str("uno")));
    for (int i = 2; i < 200; ++i) rt::map_set(t(), m, Value::from_int(i), Value::from_obj(str("more"))); // rehashes
    step();
    vm->heap.finish_sweep();
    EXPECT_EQ(from_map->view(), "one");
    EXPECT_EQ(view(rt::map_get(m, Value::from_int(1))), "uno");
    EXPECT_EQ(view(rt::map_get(m, Value::from_int(199))), "more");
}

TEST_F(ConcurrentGcTest, ObjectsAllocatedDuringACycleSurviveItAndOldGarbageDoesNot) {
    vm->heap.set_concurrent_markers(0);
    // Same lengths, so same size class and page: a page no marking reached is not read by the sweep
    // (its cells keep their kinds until reused), so each garbage object shares a page with a live one.
    String* old_garbage = str("old garbage");
    String* keep = str("kept object");
    root(0, keep);
    step();
    String* young = str("allocated while marking"); // black: unreachable, but survives this cycle
    String* young_kept = str("allocated while marking");
    root(1, young_kept);
    step();
    vm->heap.finish_sweep();
    EXPECT_EQ(old_garbage->kind, ObjKind::Free);
    EXPECT_EQ(young->kind, ObjKind::String);
    EXPECT_EQ(keep->view(), "kept object");
    collect(); // a forced collection is complete: now the young garbage goes too
    vm->heap.finish_sweep();
    EXPECT_EQ(young->kind, ObjKind::Free);
    EXPECT_EQ(young_kept->view(), "allocated while marking");
    EXPECT_EQ(live_objects(), 2u);
}

// An object allocated during a cycle is black: the marking never traces it, so its page must be
// marked live some other way (refills do, for every page they hand out during a cycle) or the sweep
// would take the page for dead and free it with the object on it.
// (Two cases: the thread holds a bump region when the cycle starts, or a swept page's free list.)
TEST_F(ConcurrentGcTest, BlackObjectsKeepTheirPageLive) {
    vm->heap.set_concurrent_markers(0);
    str("first of its page"); // this thread now allocates its class from a fresh page's region
    step();                   // cycle starts
    String* young = str("young and kept!!!");
    root(0, young);
    step(); // remark
    vm->heap.finish_sweep();
    for (int i = 0; i < 20000; ++i) str(fmt::format("reuse the heap {:03}", i % 1000)); // the same class
    EXPECT_EQ(young->kind, ObjKind::String);
    EXPECT_EQ(young->view(), "young and kept!!!");
}

TEST_F(ConcurrentGcTest, BlackObjectsFromAHeldFreeListKeepTheirPageLive) {
    vm->heap.set_concurrent_markers(0);
    vm->heap.set_concurrent(gc::Heap::Concurrent::Never);
    Array* kept = str_array();
    root(0, kept);
    for (int i = 0; i < 2000; ++i) { // one page of this class: every other string kept
        String* s = str(fmt::format("string {:04}", i));
        if (i % 2) rt::array_push(t(), kept, Value::from_obj(s));
    }
    collect();
    vm->heap.finish_sweep();
    String* young_first = str("string made.."); // the thread's list is now that page's holes
    const uint32_t cls = young_first->cell_class - 1u;
    ASSERT_NE(t().alloc.free[cls], nullptr);
    unroot(0); // the page's old strings die: only black objects will be live on it
    vm->heap.set_concurrent(gc::Heap::Concurrent::Always);
    step(); // cycle starts, the thread holding that list
    String* young = str("young and kept");
    root(1, young);
    step(); // remark
    vm->heap.finish_sweep();
    for (int i = 0; i < 20000; ++i) str(fmt::format("reuse {:07}", i)); // the same class
    EXPECT_EQ(young->kind, ObjKind::String);
    EXPECT_EQ(young->view(), "young and kept");
}

TEST_F(ConcurrentGcTest, BackgroundMarkersFindTheSameLiveSetAsAPause) {
    Array* a = str_array();
    root(0, a);
    for (int i = 0; i < 100000; ++i) {
        rt::array_push(t(), a, Value::from_obj(str(fmt::format("live {}", i))));
        str("garbage");
    }
    vm->heap.set_concurrent(gc::Heap::Concurrent::Never);
    collect();
    uint64_t objects = live_objects();
    vm->heap.set_concurrent(gc::Heap::Concurrent::Always);
    vm->heap.set_concurrent_markers(2);
    step();
    // The program goes on while two helpers mark: overwrite every other element (the barrier must
    // keep the old strings, which register 1 keeps reachable through a copy of the array).
    Array* copy = rt::array_copy(t(), a);
    root(1, copy);
    for (int i = 0; i < 100000; i += 2) rt::array_set(t(), a, i, Value::from_obj(str("replaced")));
    while (vm->heap.is_marking()) step(); // remarks once the markers are done (or the program outran them)
    vm->heap.finish_sweep();
    for (int i = 0; i < 100000; ++i) {
        ASSERT_EQ(view(rt::array_get(copy, i)), fmt::format("live {}", i));
        ASSERT_EQ(view(rt::array_get(a, i)), i % 2 ? fmt::format("live {}", i) : "replaced");
    }
    unroot(1);
    collect();
    EXPECT_EQ(live_objects(), objects); // half the strings replaced, as many objects
}

} // namespace
} // namespace bp::test
