// The bytes runtime object, B results, and the regex cache under concurrent use: what golden
// scripts cannot reach (storage growth boundaries, many OS threads sharing one Vm's cache).
#include "vm_fixture.hpp"
#include "stdlib/stdlib.hpp"
#include "stdlib/support.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

using namespace bp;
using types::Type;

namespace {

class BytesRegex : public test::StdlibVm {
protected:
    Value call(Builtin id, std::vector<Value> args, std::vector<const Type*> arg_types, const Type* result) {
        BuiltinArgs a{*thread, args.data(), static_cast<uint32_t>(args.size()), arg_types.data(), result};
        return vm->builtins[static_cast<uint32_t>(id)](a);
    }
};

} // namespace

TEST_F(BytesRegex, AppendGrowsAcrossStorageBoundaries) {
    Bytes* b = rt::new_bytes(*thread, 0);
    std::string expect;
    for (int i = 0; i < 1000; ++i) {
        char c = static_cast<char>(i * 7);
        rt::bytes_append(*thread, b, std::string_view(&c, 1));
        expect += c;
        ASSERT_EQ(rt::bytes_len(b), i + 1);
    }
    EXPECT_EQ(rt::bytes_snapshot(b), expect);
    rt::bytes_append(*thread, b, std::string(5000, 'x'));
    EXPECT_EQ(rt::bytes_len(b), 6000);
    EXPECT_EQ(rt::bytes_get(b, -1), 'x');
    EXPECT_EQ(rt::bytes_get(b, 999), static_cast<unsigned char>(999 * 7));
}

TEST_F(BytesRegex, GetSetMaskAndIndexRule) {
    Bytes* b = rt::new_bytes_from(*thread, std::string_view("\x00\x01\x02", 3));
    rt::bytes_set(b, -1, 0x1FF);
    EXPECT_EQ(rt::bytes_get(b, 2), 0xFF);
    rt::bytes_set(b, 0, -2);
    EXPECT_EQ(rt::bytes_get(b, -3), 0xFE);
    EXPECT_THROW(rt::bytes_get(b, 3), rt::Raise);
    EXPECT_THROW(rt::bytes_get(b, -4), rt::Raise);
    EXPECT_THROW(rt::bytes_set(b, 3, 0), rt::Raise);
    EXPECT_EQ(rt::bytes_len(rt::new_bytes(*thread, -5)), 0);
}

TEST_F(BytesRegex, BResultFollowsTheExpectedType) {
    Value s = str("ab");
    Value as_bytes = call(Builtin::str_to_bytes, {s}, {types.str_t()}, types.bytes_t());
    EXPECT_EQ(as_bytes.o->kind, ObjKind::Bytes);
    EXPECT_EQ(rt::bytes_snapshot(static_cast<Bytes*>(as_bytes.o)), "ab");
    Value as_array = call(Builtin::str_to_bytes, {s}, {types.str_t()}, types.array_of(types.int_t()));
    ASSERT_EQ(as_array.o->kind, ObjKind::Array);
    EXPECT_EQ(rt::array_get(static_cast<Array*>(as_array.o), 1).i, 'b');
}

TEST_F(BytesRegex, TypeTableHasJsonContainerTypes) {
    EXPECT_EQ(types.any_array_t(), types.array_of(types.any_t()));
    EXPECT_EQ(types.any_map_t(), types.map_of(types.str_t(), types.any_t()));
}

// Many OS threads match through one Vm's cache at once (inserts, hits and flushes interleave).
// regex_match allocates nothing on the heap, so the threads may share the fixture's VmThread.
TEST_F(BytesRegex, RegexCacheIsThreadSafe) {
    std::vector<Value> pats, subjects;
    for (int i = 0; i < 700; ++i) { // more than the cache bound: flushes happen too
        pats.push_back(str("^a{" + std::to_string(i % 700) + "}$"));
        subjects.push_back(str(std::string(static_cast<size_t>(i), 'a')));
    }
    std::atomic<int> wrong{0};
    std::vector<std::thread> pool;
    for (int t = 0; t < 4; ++t) {
        pool.emplace_back([&, t] {
            for (int k = 0; k < 700; ++k) {
                int i = (k * 7 + t * 13) % 700;
                int j = (i + t) % 700;
                Value r = call(Builtin::regex_match, {pats[i], subjects[j]}, {types.str_t(), types.str_t()},
                               types.bool_t());
                if (r.as_bool() != (i == j)) wrong.fetch_add(1);
            }
        });
    }
    for (auto& th : pool) th.join();
    EXPECT_EQ(wrong.load(), 0);
}
