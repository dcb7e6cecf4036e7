// Syntax and lexical error messages with line:col, recovery, and robustness on hostile input.
#include "test_util.hpp"

#include <gtest/gtest.h>

#include <random>

using bp::test::parse_source;

namespace {

std::string errors_of(const std::string& src) { return parse_source(src).errors; }

TEST(ParseErrors, ChainedComparison) {
    EXPECT_EQ(errors_of("def f() -> bool:\n    return a < b < c\n"),
              "2:12: comparisons cannot be chained\n  hint: use 'and' to combine comparisons\n");
}

TEST(ParseErrors, Messages) {
    EXPECT_EQ(errors_of("def f() -> void:\n    if x > 0\n        pass\n"),
              "2:13: expected ':' after the if condition, found end of line\n");
    EXPECT_EQ(errors_of("def f() -> void:\n    g(1, )\n    h(1 2)\n"),
              "3:9: expected ',' or ')' in the argument list, found integer literal\n");
    EXPECT_EQ(errors_of("def f() -> void:\n    x = (1 + )\n"), "2:14: expected an expression, found ')'\n");
    EXPECT_EQ(errors_of("print(1)\n"),
              "1:1: expected a declaration at top level (def, struct, enum, class, let, import or extern), "
              "found identifier 'print'\n");
    EXPECT_EQ(errors_of("def f() -> void:\n    pass\n        pass\n"), "3:9: unexpected indent\n");
    EXPECT_EQ(errors_of("def f() -> void:\n    def g() -> void:\n        pass\n"),
              "2:5: functions cannot be nested; define 'g' at top level\n");
    EXPECT_EQ(errors_of("def f() -> void:\n    let x = 1\n"),
              "2:11: expected ':' and a type after the variable name (annotations are required), found '='\n");
    EXPECT_EQ(errors_of("def f() -> void:\n    1 + 2 = x\n"), "2:5: cannot assign to this expression\n");
    EXPECT_EQ(errors_of("def f() -> void:\n    try:\n        pass\n"),
              "2:5: 'try' needs at least one 'catch' or 'finally'\n");
    EXPECT_EQ(errors_of("def f() -> void:\n    x = 9223372036854775808\n"), "2:9: integer literal is too large\n");
    EXPECT_EQ(errors_of("def f() -> void:\n    for i in range():\n        pass\n"),
              "2:14: range() takes 1 to 3 arguments\n");
    EXPECT_EQ(errors_of("def f()\n    pass\n"),
              "1:8: expected '->' and a return type after the parameters, found end of line\n");
    EXPECT_EQ(errors_of("def f() -> void:\nreturn\n"),
              "2:1: expected an indented block after the function definition, found 'return'\n");
}

TEST(ParseErrors, Match) {
    EXPECT_EQ(errors_of("def f() -> void:\n    match x:\n        default:\n            pass\n"
                        "        case 1:\n            pass\n        default:\n            pass\n"),
              "5:9: 'default' must be the last clause of a match\n"
              "7:9: a match may have only one 'default' clause\n");
}

TEST(ParseErrors, RecoveryFindsLaterErrors) {
    auto r = parse_source("def f() -> void:\n    x = = 1\n    y = 2\n    z = )\ndef g() -> void:\n    pass\n");
    EXPECT_EQ(r.errors, "2:9: expected an expression, found '='\n4:9: expected an expression, found ')'\n");
    EXPECT_NE(r.ast.find("(def g () void"), std::string::npos);
    EXPECT_NE(r.ast.find("(= y 2)"), std::string::npos);
}

TEST(ParseErrors, FStringFieldColumns) {
    EXPECT_EQ(errors_of("def f() -> void:\n    print(f\"ab{x + }\")\n"), "2:20: expected an expression, found the end of the f-string field\n");
    EXPECT_EQ(errors_of("def f() -> void:\n    print(f\"ab{}\")\n"), "2:15: empty expression in f-string field\n");
    EXPECT_EQ(errors_of("def f() -> void:\n    print(f\"ab{x\")\n"), "2:15: f-string field is missing its closing '}'\n");
    EXPECT_EQ(errors_of("def f() -> void:\n    print(f\"a}b\")\n"),
              "2:14: single '}' is not allowed in an f-string; write '}}'\n");
}

TEST(ParseErrors, ErrorCap) {
    std::string src;
    for (int i = 0; i < 200; ++i) src += "$\n";
    auto r = parse_source(src);
    EXPECT_EQ(r.error_count, 50u);
}

TEST(Robustness, DeepNesting) {
    std::string src = "def f() -> void:\n    x = " + std::string(100000, '[') + "\n";
    auto r = parse_source(src);
    EXPECT_NE(r.errors.find("expression nested too deeply"), std::string::npos);
    EXPECT_LE(r.error_count, 3u);
    src = "def f() -> void:\n    x = " + std::string(100000, '(') + "1" + std::string(100000, ')') + "\n";
    EXPECT_NE(parse_source(src).errors.find("expression nested too deeply"), std::string::npos);
    src = "def f() -> void:\n    x = " + std::string(100000, '-') + "1\n";
    EXPECT_NE(parse_source(src).errors.find("expression nested too deeply"), std::string::npos);
    // A left-associative chain is not nesting: 100,000 terms parse (and dump) without an error.
    src = "def f() -> void:\n    x = 1";
    for (int i = 0; i < 100000; ++i) src += " + 1";
    auto chain = parse_source(src + "\n");
    EXPECT_EQ(chain.errors, "");
    EXPECT_EQ(chain.ast.rfind("(def f () void (block (= x (+ (+ (+ ", 0), 0u) << chain.ast.substr(0, 80);
    // Nor is an `or`/`and` chain: it is one node of 100,001 operands.
    src = "def f() -> void:\n    x = a";
    for (int i = 0; i < 100000; ++i) src += i % 2 ? " or a" : " and a";
    auto logical = parse_source(src + "\n");
    EXPECT_EQ(logical.errors, "");
    EXPECT_EQ(logical.ast.rfind("(def f () void (block (= x (or (and a a) (and a a) ", 0), 0u) << logical.ast.substr(0, 80);
    // ... but a chain inside 200 brackets still hits the cap
    src = "def f() -> void:\n    x = " + std::string(300, '(') + "1 + 1" + std::string(300, ')') + "\n";
    EXPECT_NE(parse_source(src).errors.find("expression nested too deeply"), std::string::npos);
    src = "def f() -> void:\n";
    for (int i = 0; i < 5000; ++i) src += std::string(i + 1, ' ') + "if x:\n";
    EXPECT_NE(parse_source(src).errors.find("nested too deeply"), std::string::npos);
    src = "def f() -> void:\n    x = a";
    for (int i = 0; i < 100000; ++i) src += ".b";
    EXPECT_NE(parse_source(src + "\n").errors.find("expression nested too deeply"), std::string::npos);
}

TEST(Robustness, RandomBytes) {
    std::mt19937 rng(12345);
    for (int round = 0; round < 300; ++round) {
        std::string src(rng() % 400, '\0');
        for (char& c : src) c = static_cast<char>(rng() % 256);
        parse_source(src);
        // Mostly-valid alphabet: more likely to get deep into the parser.
        static const char kAlphabet[] = "abcdef01239 ()[]{}:,.\"'\\\n\n    +-*/<>=!fx#{}@";
        for (char& c : src) c = kAlphabet[rng() % (sizeof(kAlphabet) - 1)];
        parse_source(src);
    }
    parse_source("");
    parse_source("\xEF\xBB\xBF");
    parse_source("f\"");
    parse_source("f\"{");
    parse_source("def f() -> void:\n    x = f\"{f\\\"{f'{");
    SUCCEED();
}

} // namespace
