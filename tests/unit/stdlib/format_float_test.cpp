// format_float (LANGUAGE.md §9): every example of the spec, special values, round trips.
#include "runtime/rt.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>

using bp::rt::format_float;

TEST(FormatFloat, SpecExamples) {
    EXPECT_EQ(format_float(3.0), "3.0");
    EXPECT_EQ(format_float(0.1 + 0.2), "0.30000000000000004");
    EXPECT_EQ(format_float(1.0 / 3.0), "0.3333333333333333");
    EXPECT_EQ(format_float(2.5e10), "25000000000.0");
    EXPECT_EQ(format_float(1e16), "1e+16");
    EXPECT_EQ(format_float(1.5e-5), "1.5e-05");
    EXPECT_EQ(format_float(0.0001), "0.0001");
    EXPECT_EQ(format_float(1.0 / 0.0), "inf");
}

TEST(FormatFloat, SpecialValues) {
    EXPECT_EQ(format_float(-1.0 / 0.0), "-inf");
    EXPECT_EQ(format_float(std::nan("")), "nan");
    EXPECT_EQ(format_float(-0.0), "-0.0");
    EXPECT_EQ(format_float(0.0), "0.0");
}

TEST(FormatFloat, NotationBoundaries) {
    EXPECT_EQ(format_float(1e15), "1000000000000000.0");
    EXPECT_EQ(format_float(9999999999999998.0), "9999999999999998.0");
    EXPECT_EQ(format_float(1.5), "1.5");
    EXPECT_EQ(format_float(-2.75), "-2.75");
    EXPECT_EQ(format_float(123.456), "123.456");
    EXPECT_EQ(format_float(0.00001), "1e-05");
    EXPECT_EQ(format_float(1.234e-7), "1.234e-07");
    EXPECT_EQ(format_float(1e100), "1e+100");
    EXPECT_EQ(format_float(-1.5e300), "-1.5e+300");
    EXPECT_EQ(format_float(5e-324), "5e-324");
    EXPECT_EQ(format_float(1.7976931348623157e308), "1.7976931348623157e+308");
    EXPECT_EQ(format_float(100.0), "100.0");
    EXPECT_EQ(format_float(0.5), "0.5");
}

TEST(FormatFloat, RandomRoundTrips) {
    std::mt19937_64 gen(12345);
    for (int i = 0; i < 20000; ++i) {
        uint64_t bits = gen();
        double d;
        std::memcpy(&d, &bits, sizeof d);
        if (!std::isfinite(d)) continue;
        std::string s = format_float(d);
        double back = std::strtod(s.c_str(), nullptr);
        ASSERT_EQ(std::memcmp(&back, &d, sizeof d), 0) << s;
        ASSERT_TRUE(s.find('.') != std::string::npos || s.find('e') != std::string::npos) << s;
    }
    std::uniform_real_distribution<double> dist(-1e6, 1e6);
    for (int i = 0; i < 20000; ++i) {
        double d = dist(gen);
        std::string s = format_float(d);
        ASSERT_EQ(std::strtod(s.c_str(), nullptr), d) << s;
        ASSERT_EQ(s.find('e'), std::string::npos) << s;
    }
}
