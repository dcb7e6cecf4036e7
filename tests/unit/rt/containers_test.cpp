// Strings, arrays and maps: operations, index rules, error messages, growth across collections.
#include "fixture.hpp"

#include <cmath>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

namespace bp::test {
namespace {

using ContainersTest = RtFixture;

std::string raise_message(auto fn, ErrorKind kind) {
    try {
        fn();
    } catch (const rt::Raise& r) {
        EXPECT_EQ(r.kind, kind);
        return r.message;
    }
    ADD_FAILURE() << "nothing raised";
    return "";
}

TEST_F(ContainersTest, Strings) {
    String* a = str("abc");
    String* b = str("abd");
    EXPECT_EQ(rt::concat(t(), a, b)->view(), "abcabd");
    EXPECT_LT(rt::string_compare(a, b), 0);
    EXPECT_LT(rt::string_compare(str("ab"), a), 0); // a proper prefix is smaller
    EXPECT_EQ(rt::string_compare(a, str("abc")), 0);
    EXPECT_TRUE(rt::string_equal(a, str("abc")));
    EXPECT_EQ(rt::string_hash(a), rt::string_hash(str("abc")));
    EXPECT_NE(rt::string_hash(a), rt::string_hash(b));
    EXPECT_EQ(rt::string_at(t(), a, -1)->view(), "c");
    EXPECT_EQ(raise_message([&] { rt::string_at(t(), a, 3); }, ErrorKind::IndexError),
              "index 3 out of range for length 3");
    String* nul = rt::new_string(t(), std::string_view("a\0b", 3));
    EXPECT_EQ(nul->len, 3u);
    EXPECT_EQ(nul->inline_data[3], '\0');
}

TEST_F(ContainersTest, ArrayOperationsAndIndexErrors) {
    Array* a = rt::new_array(t(), types.array_of(types.int_t()));
    for (int i = 0; i < 5; ++i) rt::array_push(t(), a, Value::from_int(i)); // 0 1 2 3 4
    EXPECT_EQ(rt::array_len(a), 5);
    EXPECT_EQ(rt::array_get(a, -1).i, 4);
    EXPECT_EQ(rt::array_get(a, -5).i, 0);
    EXPECT_EQ(raise_message([&] { rt::array_get(a, 5); }, ErrorKind::IndexError), "index 5 out of range for length 5");
    EXPECT_EQ(raise_message([&] { rt::array_get(a, -6); }, ErrorKind::IndexError), "index -6 out of range for length 5");
    EXPECT_EQ(raise_message([&] { rt::array_set(t(), a, 9, Value::zero()); }, ErrorKind::IndexError),
              "index 9 out of range for length 5");
    rt::array_set(t(), a, -2, Value::from_int(30)); // 0 1 2 30 4
    rt::array_insert(t(), a, -10, Value::from_int(-1)); // clamped to 0
    rt::array_insert(t(), a, 100, Value::from_int(99)); // clamped to len
    rt::array_insert(t(), a, 2, Value::from_int(7));   // -1 0 7 1 2 30 4 99
    EXPECT_EQ(rt::array_remove(t(), a, 3).i, 1);            // -1 0 7 2 30 4 99
    EXPECT_EQ(raise_message([&] { rt::array_remove(t(), a, -1); }, ErrorKind::IndexError), "index -1 out of range for length 7");
    EXPECT_EQ(rt::array_pop(a).i, 99);
    EXPECT_EQ(rt::to_display(Value::from_obj(a), a->type), "[-1, 0, 7, 2, 30, 4]");
    rt::array_reverse(t(), a);
    EXPECT_EQ(rt::to_display(Value::from_obj(a), a->type), "[4, 30, 2, 7, 0, -1]");
    Array* s = rt::array_slice(t(), a, -3, 2);
    EXPECT_EQ(rt::to_display(Value::from_obj(s), a->type), "[4, 30]");
    EXPECT_EQ(rt::array_len(rt::array_slice(t(), a, 4, 2)), 0);
    Array* c = rt::array_concat(t(), s, a);
    EXPECT_EQ(rt::array_len(c), 8);
    rt::array_sort(t(), c);
    EXPECT_EQ(rt::to_display(Value::from_obj(c), a->type), "[-1, 0, 2, 4, 4, 7, 30, 30]");
    EXPECT_EQ(rt::array_index_of(c, Value::from_int(4)), 3);
    EXPECT_EQ(rt::array_index_of(c, Value::from_int(5)), -1);
    Array* cp = rt::array_copy(t(), c);
    rt::array_clear(t(), c);
    EXPECT_EQ(rt::array_len(c), 0);
    EXPECT_EQ(rt::array_len(cp), 8);
    EXPECT_EQ(raise_message([&] { rt::array_pop(c); }, ErrorKind::IndexError), "array_pop on empty array");
    rt::array_push(t(), c, Value::from_int(1));
    EXPECT_EQ(rt::array_get(c, 0).i, 1);
    EXPECT_EQ(rt::array_len(rt::array_fill(t(), a->type, -3, Value::zero())), 0);
    EXPECT_EQ(rt::array_len(rt::array_fill(t(), a->type, 3, Value::zero())), 3);
}

TEST_F(ContainersTest, SortStringsFloatsAndAny) {
    Array* s = rt::new_array(t(), types.array_of(types.str_t()));
    for (const char* w : {"pear", "apple", "fig", "apple"}) rt::array_push(t(), s, Value::from_obj(str(w)));
    rt::array_sort(t(), s);
    EXPECT_EQ(rt::to_display(Value::from_obj(s), s->type), R"(["apple", "apple", "fig", "pear"])");
    Array* f = rt::new_array(t(), types.array_of(types.float_t()));
    for (double d : {2.5, double(NAN), -1.0, 0.5}) rt::array_push(t(), f, Value::from_float(d));
    rt::array_sort(t(), f);
    EXPECT_EQ(rt::array_get(f, 0).f, -1.0);
    EXPECT_TRUE(std::isnan(rt::array_get(f, 3).f));
    Array* any = rt::new_array(t(), types.array_of(types.any_t()));
    rt::array_push(t(), any, Value::from_obj(rt::new_box(t(), types.int_t(), Value::from_int(3))));
    rt::array_push(t(), any, Value::from_obj(rt::new_box(t(), types.int_t(), Value::from_int(1))));
    rt::array_sort(t(), any);
    EXPECT_EQ(static_cast<Box*>(rt::array_get(any, 0).o)->value.i, 1);
    rt::array_push(t(), any, Value::from_obj(rt::new_box(t(), types.str_t(), Value::from_obj(str("x")))));
    raise_message([&] { rt::array_sort(t(), any); }, ErrorKind::TypeError);
}

TEST_F(ContainersTest, MapInsertDeleteOrderGrowth) {
    auto* map_t = types.map_of(types.str_t(), types.int_t());
    Map* m = rt::new_map(t(), map_t);
    root(0, m);
    for (int i = 0; i < 1000; ++i) {
        rt::map_set(t(), m, Value::from_obj(str("k" + std::to_string(i))), Value::from_int(i));
        if (i % 100 == 0) collect(); // growth keeps working across collections
    }
    EXPECT_EQ(rt::map_len(m), 1000);
    for (int i = 0; i < 1000; i += 2) EXPECT_TRUE(rt::map_delete(m, Value::from_obj(str("k" + std::to_string(i)))));
    EXPECT_FALSE(rt::map_delete(m, Value::from_obj(str("k0"))));
    EXPECT_EQ(rt::map_len(m), 500);
    rt::map_set(t(), m, Value::from_obj(str("k1")), Value::from_int(-1)); // update keeps position
    rt::map_set(t(), m, Value::from_obj(str("k0")), Value::from_int(0));  // re-insert goes last
    collect();
    Array* keys = rt::map_keys(t(), m, types.array_of(types.str_t()));
    Array* values = rt::map_values(t(), m, types.array_of(types.int_t()));
    ASSERT_EQ(rt::array_len(keys), 501);
    EXPECT_EQ(view(rt::array_get(keys, 0)), "k1");
    EXPECT_EQ(rt::array_get(values, 0).i, -1);
    EXPECT_EQ(view(rt::array_get(keys, 1)), "k3");
    EXPECT_EQ(view(rt::array_get(keys, -1)), "k0");
    EXPECT_EQ(rt::map_get(m, Value::from_obj(str("k999"))).i, 999);
    EXPECT_TRUE(rt::map_has_key(m, Value::from_obj(str("k0"))));
    EXPECT_EQ(raise_message([&] { rt::map_get(m, Value::from_obj(str("k2"))); }, ErrorKind::KeyError),
              "key not found: \"k2\"");
    int64_t pos = 0, n = 0;
    Value k, v;
    while (rt::map_next(m, &pos, &k, &v)) ++n;
    EXPECT_EQ(n, 501);
    for (int round = 0; round < 20; ++round) { // churn: deletes and re-inserts never leak slots
        rt::map_delete(m, Value::from_obj(str("k1")));
        rt::map_set(t(), m, Value::from_obj(str("k1")), Value::from_int(round));
    }
    EXPECT_EQ(rt::map_len(m), 501);
}

// The interpreter's lookups go through the thread's hints (runtime/map.cpp, "Lookup hints"): a hint
// must never outlive what it names. Each step below would return a stale entry if the hint were
// trusted without its checks.
// Long concatenations share an append buffer (runtime/string.cpp, "Appending in place"): only the
// string that ends the buffer's used bytes extends it; every other string of the buffer copies; the
// buffer lives as long as any of its strings, across collections.
TEST_F(ContainersTest, AppendsExtendTheBufferOnlyFromItsEnd) {
    String* x = str("x");
    String* shortcat = rt::concat(t(), str("ab"), x);
    EXPECT_FALSE(shortcat->in_buffer()); // short results stay inline
    String* s = rt::concat(t(), str(std::string(299, 'a')), x);
    ASSERT_TRUE(s->in_buffer());
    Storage* buf = s->buffer();
    String* s2 = rt::concat(t(), s, x); // s ends the used bytes: extended in place
    ASSERT_TRUE(s2->in_buffer());
    EXPECT_EQ(s2->buffer(), buf);
    String* again = rt::concat(t(), s, str("y")); // s is now an older prefix: a copy
    ASSERT_TRUE(again->in_buffer());
    EXPECT_NE(again->buffer(), buf);
    EXPECT_EQ(s->view(), std::string(299, 'a') + "x"); // nobody's bytes changed
    EXPECT_EQ(s2->view(), std::string(299, 'a') + "xx");
    EXPECT_EQ(again->view(), std::string(299, 'a') + "xy");
    EXPECT_EQ(rt::string_hash(s2), rt::string_hash(str(std::string(299, 'a') + "xx")));
    String* same = rt::concat(t(), s2, str("")); // nothing appended: the same buffer, no copy
    EXPECT_EQ(same->buffer(), buf);
    EXPECT_EQ(same->view(), s2->view());
    // Appending until the buffer is full moves to a bigger one, then extends that in place.
    String* grown = s2;
    for (int i = 0; i < 1000; ++i) grown = rt::concat(t(), grown, x);
    EXPECT_EQ(grown->view(), std::string(299, 'a') + std::string(1002, 'x'));
    EXPECT_NE(grown->buffer(), buf);
    EXPECT_EQ(rt::concat(t(), grown, x)->buffer(), grown->buffer());
    // Only a string keeps its buffer alive: collect with s2 (and x) rooted and check its bytes.
    root(0, s2);
    root(1, x);
    collect();
    for (int i = 0; i < 200; ++i) { // reuse the cells the collection freed, the buffer's class among them
        Storage* junk = rt::new_storage(t(), buf->capacity, 0);
        std::memset(junk->slots, 'z', buf->capacity * sizeof(Value));
    }
    EXPECT_EQ(s2->view(), std::string(299, 'a') + "xx");
    EXPECT_EQ(rt::concat(t(), s2, x)->view(), std::string(299, 'a') + "xxx");
    unroot(0);
    unroot(1);
}

TEST_F(ContainersTest, OneByteStringsAreSharedAndSurviveCollections) {
    EXPECT_NE(str("q"), str("q")); // before Vm::start: no table, every string is its own object
    vm->start(t());
    String* q = str("q");
    EXPECT_EQ(q, vm->byte_strings['q']);
    EXPECT_EQ(str("q"), q);
    EXPECT_EQ(rt::string_at(t(), str("xyq"), -1), q);
    EXPECT_EQ(str(std::string_view("\0", 1)), vm->byte_strings[0]);
    EXPECT_EQ(str(std::string_view("\xff", 1)), vm->byte_strings[255]);
    EXPECT_NE(str("qq"), str("qq")); // longer strings are not shared
    // A one-byte string made another way (a short concatenation) is another object, and equal.
    String* cat = rt::concat(t(), str(""), q);
    EXPECT_NE(cat, q);
    EXPECT_TRUE(rt::string_equal(cat, q));
    EXPECT_FALSE(rt::string_equal(cat, str("r")));
    EXPECT_EQ(rt::string_hash(cat), rt::string_hash(q));
    // The table is a root: nothing else references it here, and its cells must not be reused.
    collect();
    for (int i = 0; i < 5000; ++i) str("zz"); // same size class as a one-byte string
    for (size_t b = 0; b < 256; ++b) {
        ASSERT_EQ(vm->byte_strings[b]->kind, ObjKind::String);
        ASSERT_EQ(vm->byte_strings[b]->view(), std::string(1, static_cast<char>(b)));
    }
    EXPECT_EQ(str("q"), q);
}

TEST_F(ContainersTest, MapLookupHintsFollowDeletesRebuildsAndCollections) {
    auto* map_t = types.map_of(types.str_t(), types.int_t());
    Map* m = rt::new_map(t(), map_t);
    root(0, m);
    String* k = str("key");
    root(1, k);
    rt::map_set(t(), m, Value::from_obj(k), Value::from_int(1)); // inserted: hinted
    EXPECT_TRUE(rt::map_has_key(t(), m, Value::from_obj(k)));
    rt::map_set(t(), m, Value::from_obj(k), Value::from_int(2)); // through the hint
    EXPECT_EQ(rt::map_get(m, Value::from_obj(k)).i, 2);          // the hintless lookup agrees
    EXPECT_EQ(rt::map_get(t(), m, Value::from_obj(str("key"))).i, 2); // an equal string, another object
    // Deleted: the hinted entry is marked, so the hint is not taken.
    EXPECT_TRUE(rt::map_delete(m, Value::from_obj(k)));
    EXPECT_FALSE(rt::map_has_key(t(), m, Value::from_obj(k)));
    EXPECT_EQ(raise_message([&] { rt::map_get(t(), m, Value::from_obj(k)); }, ErrorKind::KeyError), "key not found: \"key\"");
    // Re-inserted: a new entry, found and hinted again.
    rt::map_set(t(), m, Value::from_obj(k), Value::from_int(3));
    EXPECT_EQ(rt::map_get(t(), m, Value::from_obj(k)).i, 3);
    // Rebuilt (grown): the hint names the old entries storage, so the lookup starts over, and a write
    // lands in the current storage.
    for (int i = 0; i < 200; ++i) rt::map_set(t(), m, Value::from_obj(str("g" + std::to_string(i))), Value::from_int(i));
    rt::map_set(t(), m, Value::from_obj(k), Value::from_int(4));
    EXPECT_EQ(rt::map_get(m, Value::from_obj(k)).i, 4);
    // Two maps in one hint slot (same address bits) and two keys of one map take turns.
    Map* other = rt::new_map(t(), map_t);
    root(2, other);
    rt::map_set(t(), other, Value::from_obj(k), Value::from_int(10));
    for (int round = 0; round < 3; ++round) {
        EXPECT_EQ(rt::map_get(t(), m, Value::from_obj(k)).i, 4);
        EXPECT_EQ(rt::map_get(t(), other, Value::from_obj(k)).i, 10);
        EXPECT_EQ(rt::map_get(t(), m, Value::from_obj(str("g7"))).i, 7);
    }
    // A collection clears every hint: afterwards the sweep may free what one named.
    collect();
    for (const MapHint& h : t().map_hints) EXPECT_EQ(h.map, nullptr);
    EXPECT_EQ(rt::map_get(t(), m, Value::from_obj(k)).i, 4);
    unroot(0);
    unroot(1);
    unroot(2);
}

TEST_F(ContainersTest, MapScalarKeys) {
    Map* f = rt::new_map(t(), types.map_of(types.float_t(), types.int_t()));
    rt::map_set(t(), f, Value::from_float(-0.0), Value::from_int(1));
    rt::map_set(t(), f, Value::from_float(0.0), Value::from_int(2));
    EXPECT_EQ(rt::map_len(f), 1);
    EXPECT_EQ(rt::map_get(f, Value::from_float(-0.0)).i, 2);
    Map* im = rt::new_map(t(), types.map_of(types.int_t(), types.str_t()));
    for (int i = -50; i < 50; ++i) rt::map_set(t(), im, Value::from_int(i * 1000003), Value::from_obj(str("v")));
    EXPECT_EQ(rt::map_len(im), 100);
    EXPECT_EQ(raise_message([&] { rt::map_get(im, Value::from_int(5)); }, ErrorKind::KeyError), "key not found: 5");
    Map* bm = rt::new_map(t(), types.map_of(types.bool_t(), types.int_t()));
    rt::map_set(t(), bm, Value::from_bool(true), Value::from_int(1));
    Value out;
    EXPECT_FALSE(rt::map_find(bm, Value::from_bool(false), &out));
    EXPECT_TRUE(rt::map_find(bm, Value::from_bool(true), &out));
}

// Int keys hash to (nearly) themselves and probe in CPython's perturbed order (runtime/map.cpp,
// "Probe"): keys that share their low bits, or differ only in their high half, or hash like the
// deleted mark (-1), must all be found, updated, deleted and re-inserted, through rebuilds.
TEST_F(ContainersTest, MapIntKeysOfEveryShape) {
    const std::vector<std::function<int64_t(int64_t)>> shapes = {
        [](int64_t i) { return i; },
        [](int64_t i) { return -i - 1; }, // -1 hashes like kDeletedHash
        [](int64_t i) { return i * 1024; },
        [](int64_t i) { return i << 20; },
        [](int64_t i) { return i << 32; },
        [](int64_t i) { return (i << 32) | i; }, // high half == low half: hash 0 for all
        [](int64_t i) { return static_cast<int64_t>(static_cast<uint64_t>(i) << 44); },
        [](int64_t i) { return INT64_MIN + i; },
        [](int64_t i) { return static_cast<int64_t>(static_cast<uint64_t>(i) * 0x9E3779B97F4A7C15ull); },
    };
    auto* map_t = types.map_of(types.int_t(), types.int_t());
    for (size_t shape = 0; shape < shapes.size(); ++shape) {
        SCOPED_TRACE(shape);
        const auto key = [&](int64_t i) { return Value::from_int(shapes[shape](i)); };
        constexpr int64_t n = 5000;
        Map* m = rt::new_map(t(), map_t);
        root(0, m);
        for (int64_t i = 0; i < n; ++i) rt::map_set(t(), m, key(i), Value::from_int(i));
        for (int64_t i = 0; i < n; ++i) rt::map_set(t(), m, key(i), Value::from_int(i * 2)); // updates
        ASSERT_EQ(rt::map_len(m), n);
        Value out;
        for (int64_t i = 0; i < n; ++i) {
            ASSERT_TRUE(rt::map_find(m, key(i), &out)) << i;
            ASSERT_EQ(out.i, i * 2);
        }
        EXPECT_FALSE(rt::map_find(m, key(n), &out));
        for (int64_t i = 0; i < n; i += 3) EXPECT_TRUE(rt::map_delete(m, key(i)));
        collect();
        for (int64_t i = 0; i < n; ++i) EXPECT_EQ(rt::map_find(m, key(i), &out), i % 3 != 0) << i;
        for (int64_t i = 0; i < n; i += 3) rt::map_set(t(), m, key(i), Value::from_int(-i));
        for (int64_t i = 0; i < n; ++i) {
            ASSERT_TRUE(rt::map_find(m, key(i), &out)) << i;
            EXPECT_EQ(out.i, i % 3 ? i * 2 : -i);
        }
        EXPECT_EQ(rt::map_len(m), n);
    }
}

} // namespace
} // namespace bp::test
