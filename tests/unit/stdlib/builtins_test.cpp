// Builtins called directly with hand-made BuiltinArgs on a Vm with an empty program.
#include "vm_fixture.hpp"
#include "stdlib/stdlib.hpp"
#include "stdlib/support.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

using namespace bp;
using types::Type;

namespace {

class Builtins : public test::StdlibVm {
protected:
    static std::string_view sv(Value v) { return static_cast<const String*>(v.o)->view(); }

    // Calls builtin `id` through the registered table.
    Value call(Builtin id, std::vector<Value> args, std::vector<const Type*> arg_types, const Type* result) {
        BuiltinArgs a{*thread, args.data(), static_cast<uint32_t>(args.size()), arg_types.data(), result};
        return vm->builtins[static_cast<uint32_t>(id)](a);
    }
    std::string call_s(Builtin id, std::vector<Value> args, std::vector<const Type*> arg_types) {
        return std::string(sv(call(id, std::move(args), std::move(arg_types), types.str_t())));
    }
    const Type* S() { return types.str_t(); }
    const Type* I() { return types.int_t(); }

    ErrorKind raised(Builtin id, std::vector<Value> args, std::vector<const Type*> arg_types, const Type* result) {
        try {
            call(id, std::move(args), std::move(arg_types), result);
        } catch (const rt::Raise& r) {
            return r.kind;
        }
        return ErrorKind::CancelledError; // "nothing raised"
    }
    // The elements of a [str] result.
    std::vector<std::string> strs(Value arr) {
        std::vector<std::string> out;
        auto* a = static_cast<Array*>(arr.o);
        for (int64_t i = 0; i < rt::array_len(a); ++i) out.emplace_back(sv(rt::array_get(a, i)));
        return out;
    }
};

} // namespace

TEST_F(Builtins, EveryEntryRegistered) {
    for (uint32_t i = 0; i < kBuiltinCount; ++i) EXPECT_NE(vm->builtins[i], nullptr) << kBuiltins[i].name;
}

TEST_F(Builtins, Substr) {
    EXPECT_EQ(call_s(Builtin::substr, {str("hello"), Value::from_int(1), Value::from_int(3)}, {S(), I(), I()}), "ell");
    EXPECT_EQ(call_s(Builtin::substr, {str("hello"), Value::from_int(-2), Value::from_int(2)}, {S(), I(), I()}), "he");
    EXPECT_EQ(call_s(Builtin::substr, {str("hello"), Value::from_int(3), Value::from_int(99)}, {S(), I(), I()}), "lo");
    EXPECT_EQ(call_s(Builtin::substr, {str("hello"), Value::from_int(9), Value::from_int(2)}, {S(), I(), I()}), "");
    EXPECT_EQ(call_s(Builtin::substr, {str("hello"), Value::from_int(1), Value::from_int(-1)}, {S(), I(), I()}), "");
}

TEST_F(Builtins, ReplacePadTrim) {
    EXPECT_EQ(call_s(Builtin::str_replace, {str("a-b-c"), str("-"), str("+")}, {S(), S(), S()}), "a+b-c");
    EXPECT_EQ(call_s(Builtin::str_replace, {str("abc"), str(""), str("+")}, {S(), S(), S()}), "abc");
    EXPECT_EQ(call_s(Builtin::str_pad_left, {str("7"), Value::from_int(6), str("ab")}, {S(), I(), S()}), "ababa7");
    EXPECT_EQ(call_s(Builtin::str_pad_right, {str("7"), Value::from_int(4), str("xy")}, {S(), I(), S()}), "7xyx");
    EXPECT_EQ(call_s(Builtin::str_pad_left, {str("long"), Value::from_int(2), str("x")}, {S(), I(), S()}), "long");
    EXPECT_EQ(call_s(Builtin::str_trim, {str(" \t hi \r\n")}, {S()}), "hi");
    EXPECT_EQ(call_s(Builtin::str_upper, {str("aZ1")}, {S()}), "AZ1");
    EXPECT_EQ(call_s(Builtin::str_repeat, {str("ab"), Value::from_int(3)}, {S(), I()}), "ababab");
    EXPECT_EQ(call_s(Builtin::str_repeat, {str("ab"), Value::from_int(-3)}, {S(), I()}), "");
}

TEST_F(Builtins, SplitJoin) {
    const Type* SA = types.array_of(S());
    EXPECT_EQ(strs(call(Builtin::str_split, {str("a,,b"), str(",")}, {S(), S()}, SA)),
              (std::vector<std::string>{"a", "", "b"}));
    EXPECT_EQ(strs(call(Builtin::str_split, {str(""), str(",")}, {S(), S()}, SA)), (std::vector<std::string>{""}));
    EXPECT_EQ(strs(call(Builtin::str_split, {str("abc"), str("")}, {S(), S()}, SA)),
              (std::vector<std::string>{"a", "b", "c"}));
    Value parts = call(Builtin::str_split, {str("x y z"), str(" ")}, {S(), S()}, SA);
    EXPECT_EQ(call_s(Builtin::str_join, {parts, str("--")}, {SA, S()}), "x--y--z");
}

TEST_F(Builtins, FindCount) {
    EXPECT_EQ(call(Builtin::str_find, {str("hello"), str("l")}, {S(), S()}, I()).i, 2);
    EXPECT_EQ(call(Builtin::str_find, {str("hello"), str("z")}, {S(), S()}, I()).i, -1);
    EXPECT_EQ(call(Builtin::str_find, {str("hello"), str("")}, {S(), S()}, I()).i, 0);
    EXPECT_EQ(call(Builtin::str_count, {str("aaaa"), str("aa")}, {S(), S()}, I()).i, 2);
    EXPECT_EQ(call(Builtin::str_count, {str("aaaa"), str("")}, {S(), S()}, I()).i, 0);
}

TEST_F(Builtins, Conversions) {
    EXPECT_EQ(call_s(Builtin::int_to_hex, {Value::from_int(-1)}, {I()}), "ffffffffffffffff");
    EXPECT_EQ(call_s(Builtin::int_to_hex, {Value::from_int(255)}, {I()}), "ff");
    EXPECT_EQ(call(Builtin::hex_to_int, {str("fF")}, {S()}, I()).i, 255);
    EXPECT_EQ(call(Builtin::hex_to_int, {str("")}, {S()}, I()).i, 0);
    EXPECT_EQ(call(Builtin::hex_to_int, {str("1ffffffffffffffff")}, {S()}, I()).i, -1);
    EXPECT_EQ(raised(Builtin::hex_to_int, {str("0x1")}, {S()}, I()), ErrorKind::ValueError);
    EXPECT_EQ(call(Builtin::parse_int, {str("  -42abc")}, {S()}, I()).i, -42);
    EXPECT_EQ(call(Builtin::parse_int, {str("abc")}, {S()}, I()).i, 0);
    EXPECT_EQ(call(Builtin::parse_int, {str("99999999999999999999")}, {S()}, I()).i, INT64_MAX);
    EXPECT_EQ(call(Builtin::parse_int, {str("-99999999999999999999")}, {S()}, I()).i, INT64_MIN);
    EXPECT_EQ(call(Builtin::parse_int, {str("-9223372036854775808")}, {S()}, I()).i, INT64_MIN);
    EXPECT_EQ(raised(Builtin::chr_, {Value::from_int(128)}, {I()}, S()), ErrorKind::ValueError);
    EXPECT_EQ(call_s(Builtin::chr_, {Value::from_int(65)}, {I()}), "A");
    EXPECT_EQ(raised(Builtin::ord_, {str("")}, {S()}, I()), ErrorKind::ValueError);
    EXPECT_EQ(call(Builtin::ord_, {str("\xff")}, {S()}, I()).i, 255);
}

TEST_F(Builtins, IntMath) {
    EXPECT_EQ(call(Builtin::pow_, {Value::from_int(2), Value::from_int(10)}, {I(), I()}, I()).i, 1024);
    EXPECT_EQ(call(Builtin::pow_, {Value::from_int(2), Value::from_int(64)}, {I(), I()}, I()).i, 0);
    EXPECT_EQ(call(Builtin::pow_, {Value::from_int(-1), Value::from_int(-3)}, {I(), I()}, I()).i, -1);
    EXPECT_EQ(call(Builtin::pow_, {Value::from_int(5), Value::from_int(-3)}, {I(), I()}, I()).i, 0);
    EXPECT_EQ(raised(Builtin::pow_, {Value::from_int(0), Value::from_int(-1)}, {I(), I()}, I()), ErrorKind::ZeroDivisionError);
    EXPECT_EQ(call(Builtin::sqrt_, {Value::from_int(INT64_MAX)}, {I()}, I()).i, 3037000499);
    EXPECT_EQ(call(Builtin::sqrt_, {Value::from_int(24)}, {I()}, I()).i, 4);
    EXPECT_EQ(raised(Builtin::sqrt_, {Value::from_int(-1)}, {I()}, I()), ErrorKind::ValueError);
    EXPECT_EQ(call(Builtin::abs_, {Value::from_int(INT64_MIN)}, {I()}, I()).i, INT64_MIN);
}

TEST_F(Builtins, Random) {
    call(Builtin::rand_seed, {Value::from_int(1)}, {I()}, types.void_t());
    uint64_t state = 1 * 1103515245ull + 12345;
    EXPECT_EQ(call(Builtin::rand_, {}, {}, I()).i, static_cast<int64_t>((state / 65536) % 32768));
    EXPECT_EQ(call(Builtin::rand_range, {Value::from_int(5), Value::from_int(5)}, {I(), I()}, I()).i, 5);
    int64_t r = call(Builtin::rand_range, {Value::from_int(-3), Value::from_int(3)}, {I(), I()}, I()).i;
    EXPECT_TRUE(r >= -3 && r < 3);
}

TEST_F(Builtins, ToStrContainers) {
    const Type* SA = types.array_of(S());
    Value parts = call(Builtin::str_split, {str("a\"b,c\n"), str(",")}, {S(), S()}, SA);
    EXPECT_EQ(call_s(Builtin::to_str, {parts}, {SA}), "[\"a\\\"b\", \"c\\n\"]");
    EXPECT_EQ(call_s(Builtin::to_str, {Value::from_float(2.0)}, {types.float_t()}), "2.0");
}

TEST_F(Builtins, Arrays) {
    const Type* IA = types.array_of(I());
    Array* a = rt::new_array(*thread, IA);
    for (int64_t v : {3, 1, 2, 1}) rt::array_push(*thread, a, Value::from_int(v));
    Value av = Value::from_obj(a);
    call(Builtin::array_sort, {av}, {IA}, types.void_t());
    EXPECT_EQ(call_s(Builtin::to_str, {av}, {IA}), "[1, 1, 2, 3]");
    call(Builtin::array_reverse, {av}, {IA}, types.void_t());
    EXPECT_EQ(call_s(Builtin::to_str, {av}, {IA}), "[3, 2, 1, 1]");
    Value sl = call(Builtin::array_slice, {av, Value::from_int(-5), Value::from_int(2)}, {IA, I(), I()}, IA);
    EXPECT_EQ(call_s(Builtin::to_str, {sl}, {IA}), "[3, 2]");
    EXPECT_EQ(call(Builtin::array_index_of, {av, Value::from_int(1)}, {IA, I()}, I()).i, 2);
    Value filled = call(Builtin::array_fill, {Value::from_int(3), Value::from_int(7)}, {I(), I()}, IA);
    EXPECT_EQ(call_s(Builtin::to_str, {filled}, {IA}), "[7, 7, 7]");
    EXPECT_EQ(raised(Builtin::array_pop, {Value::from_obj(rt::new_array(*thread, IA))}, {IA}, I()), ErrorKind::IndexError);
}

TEST_F(Builtins, MapsDisplayAndSnapshots) {
    const Type* MT = types.map_of(I(), S());
    Map* m = rt::new_map(*thread, MT);
    rt::map_set(*thread, m, Value::from_int(1), str("one"));
    rt::map_set(*thread, m, Value::from_int(2), str("two"));
    Value mv = Value::from_obj(m);
    EXPECT_EQ(call_s(Builtin::to_str, {mv}, {MT}), "{1: \"one\", 2: \"two\"}");
    EXPECT_TRUE(call(Builtin::map_delete, {mv, Value::from_int(1)}, {MT, I()}, types.bool_t()).as_bool());
    EXPECT_FALSE(call(Builtin::map_has_key, {mv, Value::from_int(1)}, {MT, I()}, types.bool_t()).as_bool());
    rt::map_set(*thread, m, Value::from_int(1), str("uno"));
    EXPECT_EQ(call_s(Builtin::to_str, {mv}, {MT}), "{2: \"two\", 1: \"uno\"}");
    EXPECT_EQ(strs(call(Builtin::map_values, {mv}, {MT}, types.array_of(S()))), (std::vector<std::string>{"two", "uno"}));
    EXPECT_EQ(call(Builtin::map_len, {mv}, {MT}, I()).i, 2);
    EXPECT_EQ(call(Builtin::len_, {mv}, {MT}, I()).i, 2);
}

TEST_F(Builtins, StructTupleErrorFunctionDisplay) {
    types::StructInfo* info = types.new_struct("Point", false);
    info->add_field("x", types.float_t());
    info->add_field("y", types.float_t());
    const Type* PT = info->type;
    Instance* p = rt::new_instance(*thread, PT);
    p->fields[0] = Value::from_float(1.0);
    p->fields[1] = Value::from_float(2.0);
    EXPECT_EQ(call_s(Builtin::to_str, {Value::from_obj(p)}, {PT}), "Point{x: 1.0, y: 2.0}");

    const Type* TT = types.tuple_of({I(), S()});
    Tuple* t = rt::new_tuple(*thread, TT);
    t->items[0] = Value::from_int(1);
    t->items[1] = str("a");
    EXPECT_EQ(call_s(Builtin::to_str, {Value::from_obj(t)}, {TT}), "(1, \"a\")");
    EXPECT_EQ(call_s(Builtin::typeof_, {Value::from_obj(t)}, {TT}), "tuple");

    Value err = call(Builtin::ValueError, {str("bad")}, {S()}, types.error_t());
    EXPECT_EQ(call_s(Builtin::to_str, {err}, {types.error_t()}), "bad");
    const Type* EA = types.array_of(types.error_t());
    Array* errs = rt::new_array(*thread, EA);
    rt::array_push(*thread, errs, err);
    EXPECT_EQ(call_s(Builtin::to_str, {Value::from_obj(errs)}, {EA}), "[<ValueError: bad>]");

    bytecode::FunctionProto proto;
    proto.name = "worker";
    Closure* c = rt::new_closure(*thread, &proto, 0);
    const Type* FT = types.func_of({I()}, I());
    EXPECT_EQ(call_s(Builtin::to_str, {Value::from_obj(c)}, {FT}), "<fn worker>");
    proto.name = "<lambda>";
    EXPECT_EQ(call_s(Builtin::to_str, {Value::from_obj(c)}, {FT}), "<lambda>");
}

TEST_F(Builtins, AnyCyclesAndDepth) {
    const Type* AA = types.array_of(types.any_t());
    Array* a = rt::new_array(*thread, AA);
    rt::array_push(*thread, a, Value::from_obj(rt::new_box(*thread, S(), str("s"))));
    rt::array_push(*thread, a, Value::from_obj(rt::new_box(*thread, types.void_t(), Value::zero())));
    rt::array_push(*thread, a, Value::from_obj(rt::new_box(*thread, AA, Value::from_obj(a))));
    EXPECT_EQ(call_s(Builtin::to_str, {Value::from_obj(a)}, {AA}), "[\"s\", void, ...]");
    EXPECT_EQ(raised(Builtin::array_sort, {Value::from_obj(a)}, {AA}, types.void_t()), ErrorKind::TypeError);

    Array* deep = rt::new_array(*thread, AA);
    for (int i = 0; i < 20000; ++i) {
        Array* outer = rt::new_array(*thread, AA);
        rt::array_push(*thread, outer, Value::from_obj(rt::new_box(*thread, AA, Value::from_obj(deep))));
        deep = outer;
    }
    EXPECT_EQ(raised(Builtin::to_str, {Value::from_obj(deep)}, {AA}, S()), ErrorKind::RecursionError);
}

TEST_F(Builtins, BytesAsIntArrays) {
    const Type* IA = types.array_of(I());
    Value codes = call(Builtin::str_bytes, {str("Hi\xff")}, {S()}, IA);
    EXPECT_EQ(call_s(Builtin::to_str, {codes}, {IA}), "[72, 105, 255]");
    EXPECT_EQ(call_s(Builtin::str_from_chars, {codes}, {IA}), "Hi\xff");
    EXPECT_EQ(call_s(Builtin::bytes_to_str, {str("same")}, {S()}), "same");
}

TEST_F(Builtins, FloatConversions) {
    const Type* F = types.float_t();
    EXPECT_EQ(call(Builtin::float_to_int, {Value::from_float(-3.9)}, {F}, I()).i, -3);
    EXPECT_EQ(raised(Builtin::float_to_int, {Value::from_float(9.3e18)}, {F}, I()), ErrorKind::ValueError);
    EXPECT_EQ(raised(Builtin::float_to_int, {Value::from_float(std::nan(""))}, {F}, I()), ErrorKind::ValueError);
    EXPECT_EQ(call(Builtin::str_to_float, {str(" 2.5xyz")}, {S()}, F).f, 2.5);
    EXPECT_EQ(call(Builtin::str_to_float, {str("abc")}, {S()}, F).f, 0.0);
    EXPECT_EQ(call(Builtin::fround, {Value::from_float(-2.5)}, {F}, F).f, -3.0);
    EXPECT_EQ(call_s(Builtin::float_to_str, {Value::from_float(0.1)}, {F}), "0.1");
}
