// format_with_spec (LANGUAGE.md §2) and to_display for scalars: no Vm needed.
#include "runtime/rt.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <new>

using namespace bp;

namespace {

types::TypeTable& tt() {
    static types::TypeTable t;
    return t;
}
std::string fi(int64_t v, std::string_view spec) { return rt::format_with_spec(Value::from_int(v), tt().int_t(), spec); }
std::string ff(double v, std::string_view spec) { return rt::format_with_spec(Value::from_float(v), tt().float_t(), spec); }
std::string fb(bool v, std::string_view spec) { return rt::format_with_spec(Value::from_bool(v), tt().bool_t(), spec); }

// A String laid out in a local buffer (these tests run without a heap).
struct FakeStr {
    alignas(16) unsigned char buf[256];
    Value make(std::string_view s) {
        auto* st = new (buf) String();
        st->kind = ObjKind::String;
        st->len = s.size();
        std::memcpy(st->inline_data, s.data(), s.size());
        st->inline_data[s.size()] = 0;
        return Value::from_obj(st);
    }
};

} // namespace

TEST(FormatSpec, SpecExamples) {
    EXPECT_EQ(fi(42, ">5"), "   42");
    EXPECT_EQ(fi(-42, "08d"), "-0000042");
    EXPECT_EQ(ff(3.14159, ".2f"), "3.14");
    EXPECT_EQ(ff(1234.5, "e"), "1.234500e+03");
    EXPECT_EQ(fi(255, "#x"), "0xff");
    EXPECT_EQ(fi(1234567, ","), "1,234,567");
}

TEST(FormatSpec, Ints) {
    EXPECT_EQ(fi(42, ""), "42");
    EXPECT_EQ(fi(42, "5"), "   42");
    EXPECT_EQ(fi(42, "<5"), "42   ");
    EXPECT_EQ(fi(42, "^6"), "  42  ");
    EXPECT_EQ(fi(42, "*^7"), "**42***");
    EXPECT_EQ(fi(42, "+d"), "+42");
    EXPECT_EQ(fi(42, " d"), " 42");
    EXPECT_EQ(fi(-42, "+"), "-42");
    EXPECT_EQ(fi(255, "X"), "FF");
    EXPECT_EQ(fi(255, "#X"), "0XFF");
    EXPECT_EQ(fi(8, "o"), "10");
    EXPECT_EQ(fi(8, "#o"), "0o10");
    EXPECT_EQ(fi(5, "b"), "101");
    EXPECT_EQ(fi(5, "#010b"), "0b00000101");
    EXPECT_EQ(fi(-255, "x"), "-ff");
    EXPECT_EQ(fi(INT64_MIN, "d"), "-9223372036854775808");
    EXPECT_EQ(fi(-1234567, ","), "-1,234,567");
    EXPECT_EQ(fi(123, ","), "123");
    EXPECT_EQ(fi(42, "<05"), "42000");
    EXPECT_EQ(fi(5, ".2f"), "5.00");
    EXPECT_EQ(fi(1, "%"), "100.000000%");
}

TEST(FormatSpec, Floats) {
    EXPECT_EQ(ff(3.0, ""), "3.0");
    EXPECT_EQ(ff(3.0, ">6"), "   3.0");
    EXPECT_EQ(ff(3.0, "+"), "+3.0");
    EXPECT_EQ(ff(-3.14159, ".3f"), "-3.142");
    EXPECT_EQ(ff(2.5, ".0f"), "2");  // C printf rounding: half to even on the exact value
    EXPECT_EQ(ff(1234.5, "E"), "1.234500E+03");
    EXPECT_EQ(ff(0.0001234, "g"), "0.0001234");
    EXPECT_EQ(ff(123456789.0, "g"), "1.23457e+08");
    EXPECT_EQ(ff(123456789.0, "G"), "1.23457E+08");
    EXPECT_EQ(ff(0.25, "%"), "25.000000%");
    EXPECT_EQ(ff(0.256, ".1%"), "25.6%");
    EXPECT_EQ(ff(1234567.891, ",.2f"), "1,234,567.89");
    EXPECT_EQ(ff(-1.5, "08.2f"), "-0001.50");
    EXPECT_EQ(ff(3.14159, ".3"), "3.14");
    EXPECT_EQ(ff(1.0 / 0.0, "f"), "inf");
    EXPECT_EQ(ff(1.0 / 0.0, "F"), "INF");
    EXPECT_EQ(ff(-1.0 / 0.0, ">6"), "  -inf");
    EXPECT_EQ(ff(-0.0, ".1f"), "-0.0");
}

TEST(FormatSpec, Others) {
    EXPECT_EQ(fb(true, ""), "true");
    EXPECT_EQ(fb(true, ">6"), "  true");
    EXPECT_EQ(fb(false, "<7"), "false  ");
    EXPECT_EQ(fb(false, ".3"), "fal");
    EXPECT_EQ(fb(true, "s"), "true");
}

TEST(FormatSpec, Errors) {
    auto kind_of = [](auto f) {
        try {
            f();
        } catch (const rt::Raise& r) {
            return r.kind;
        }
        return ErrorKind::Exception;
    };
    EXPECT_EQ(kind_of([] { fi(1, "s"); }), ErrorKind::ValueError);
    EXPECT_EQ(kind_of([] { fi(1, ".2"); }), ErrorKind::ValueError);
    EXPECT_EQ(kind_of([] { ff(1.0, "d"); }), ErrorKind::ValueError);
    EXPECT_EQ(kind_of([] { fb(true, "+"); }), ErrorKind::ValueError);
    EXPECT_EQ(kind_of([] { fi(1, "5q"); }), ErrorKind::ValueError);
    EXPECT_EQ(kind_of([] { fi(1, "x,"); }), ErrorKind::ValueError);
    EXPECT_EQ(kind_of([] { fi(1, "."); }), ErrorKind::ValueError);
}

TEST(ToDisplay, Scalars) {
    EXPECT_EQ(rt::to_display(Value::from_int(-7), tt().int_t()), "-7");
    EXPECT_EQ(rt::to_display(Value::from_float(1.5), tt().float_t()), "1.5");
    EXPECT_EQ(rt::to_display(Value::from_bool(true), tt().bool_t()), "true");
    EXPECT_EQ(rt::to_display(Value::zero(), tt().ptr_t()), "<ptr>");
}

TEST(FormatSpec, Strings) {
    FakeStr f;
    EXPECT_EQ(rt::format_with_spec(f.make("ab"), tt().str_t(), "^6"), "  ab  ");
    EXPECT_EQ(rt::format_with_spec(f.make("ab"), tt().str_t(), "^7"), "  ab   ");
    EXPECT_EQ(rt::format_with_spec(f.make("ab"), tt().str_t(), "5"), "ab   ");
    EXPECT_EQ(rt::format_with_spec(f.make("ab"), tt().str_t(), ">5s"), "   ab");
    EXPECT_EQ(rt::format_with_spec(f.make("abcdef"), tt().str_t(), ".2"), "ab");
    EXPECT_EQ(rt::format_with_spec(f.make("ab"), tt().str_t(), "-<4"), "ab--");
}

TEST(ToDisplay, StringForms) {
    FakeStr f;
    EXPECT_EQ(rt::to_display(f.make("a\"b\n"), tt().str_t(), true), "a\"b\n");
    EXPECT_EQ(rt::to_display(f.make("a\"b\\\n\t\r"), tt().str_t(), false), "\"a\\\"b\\\\\\n\\t\\r\"");
    EXPECT_EQ(rt::to_display(f.make(std::string_view("\x01\x7f\xc3\xa9\0", 5)), tt().str_t(), false),
              "\"\\x01\\x7f\xc3\xa9\\x00\"");
}
