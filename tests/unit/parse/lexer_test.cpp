// Lexer unit tests: token streams, layout, literals, escapes, f-string pieces, errors.
#include "lex/lexer.hpp"

#include <gtest/gtest.h>

namespace {

using bp::lex::Token;
using bp::lex::TokenKind;

struct Lexed {
    std::vector<Token> tokens;
    std::string kinds;  // space-separated short names
    std::string errors; // "line:col message" lines
};

Lexed lex(const std::string& text) {
    bp::SourceMap sources;
    uint32_t file = sources.add("t.bp", text);
    bp::diag::Diagnostics diags(sources);
    bp::lex::Reporter rep(diags);
    Lexed out;
    out.tokens = bp::lex::tokenize(sources.file(file).text(), file, rep);
    for (const Token& t : out.tokens) {
        if (!out.kinds.empty()) out.kinds += ' ';
        switch (t.kind) {
        case TokenKind::Newline: out.kinds += "NL"; break;
        case TokenKind::Indent: out.kinds += "IN"; break;
        case TokenKind::Dedent: out.kinds += "DE"; break;
        case TokenKind::Eof: out.kinds += "EOF"; break;
        case TokenKind::Ident: out.kinds += t.text; break;
        case TokenKind::Int: out.kinds += std::to_string(t.int_value); break;
        case TokenKind::Str: out.kinds += "STR"; break;
        case TokenKind::Float: out.kinds += "FLOAT"; break;
        case TokenKind::FStr: out.kinds += "FSTR"; break;
        default: out.kinds += std::string(bp::lex::token_text(t.kind)); break;
        }
    }
    for (const auto& d : diags.all()) {
        auto lc = sources.file(file).line_col(d.span.begin);
        out.errors += std::to_string(lc.line) + ":" + std::to_string(lc.col) + " " + d.message + "\n";
    }
    return out;
}

TEST(Lexer, IndentDedent) {
    EXPECT_EQ(lex("if x:\n    y\n    if z:\n        w\nv\n").kinds,
              "if x : NL IN y NL if z : NL IN w NL DE DE v NL EOF");
    EXPECT_EQ(lex("a\n  b\n").kinds, "a NL IN b NL DE EOF");
    EXPECT_EQ(lex("").kinds, "EOF");
    EXPECT_EQ(lex("a").kinds, "a NL EOF");
    EXPECT_EQ(lex("a\r\n  b\r\n").kinds, "a NL IN b NL DE EOF");
}

TEST(Lexer, BlankAndCommentLinesIgnored) {
    EXPECT_EQ(lex("a\n\n      # c\n   \n  b # x\n# z\n").kinds, "a NL IN b NL DE EOF");
}

TEST(Lexer, ImplicitJoining) {
    EXPECT_EQ(lex("f(a,\n      b)\nc\n").kinds, "f ( a , b ) NL c NL EOF");
    EXPECT_EQ(lex("x = [\n1,\n   2]\n").kinds, "x = [ 1 , 2 ] NL EOF");
    EXPECT_EQ(lex("m = {\n  1: 2\n}\n").kinds, "m = { 1 : 2 } NL EOF");
}

TEST(Lexer, IndentErrors) {
    EXPECT_EQ(lex("a\n\tb\n").errors, "2:1 tab in indentation; use spaces\n");
    EXPECT_EQ(lex("a\n    b\n  c\n").errors, "3:3 unindent does not match any outer indentation level\n");
}

TEST(Lexer, KeywordsAndOperators) {
    EXPECT_EQ(lex("and as ptr self super fn from").kinds, "and as ptr self super fn from NL EOF");
    EXPECT_EQ(lex("<<= >>= << >> <= >= == != -> += -= *= /= %= &= |= ^= ~ @").kinds,
              "<<= >>= << >> <= >= == != -> += -= *= /= %= &= |= ^= ~ @ NL EOF");
}

TEST(Lexer, BadOperators) {
    EXPECT_EQ(lex("a ** b").errors, "1:3 '**' is not an operator; use pow()\n");
    EXPECT_EQ(lex("a // b").errors, "1:3 '//' is not an operator; '/' on ints already truncates\n");
    EXPECT_EQ(lex("!a").errors, "1:1 '!' is not an operator; use 'not'\n");
    EXPECT_EQ(lex("a; b").errors, "1:2 ';' is not allowed; put each statement on its own line\n");
    EXPECT_EQ(lex("a ? b").errors, "1:3 '?' is not an operator; use an if statement\n");
    EXPECT_EQ(lex("a \\\n b").errors,
              "1:3 unexpected '\\'; backslash line continuation is not supported, use parentheses\n");
    EXPECT_EQ(lex("a $").errors, "1:3 unexpected character '$'\n");
    EXPECT_EQ(lex("a \xC3\xA9").errors, "1:3 non-ASCII character outside a string or comment\n");
    EXPECT_EQ(lex("# caf\xC3\xA9\n\"\xC3\xA9\"").errors, "");
}

TEST(Lexer, IntegerLiterals) {
    EXPECT_EQ(lex("0 42 9223372036854775807 0x1F 0XfF 0b101 0xFFFFFFFFFFFFFFFF 0x8000000000000000").kinds,
              "0 42 9223372036854775807 31 255 5 -1 -9223372036854775808 NL EOF");
    auto min = lex("9223372036854775808");
    EXPECT_TRUE(min.tokens[0].int_is_min);
    EXPECT_EQ(min.errors, "");
    EXPECT_EQ(lex("9223372036854775809").errors, "1:1 integer literal is too large\n");
    EXPECT_EQ(lex("0x1FFFFFFFFFFFFFFFF").errors, "1:1 integer literal is too large\n");
    EXPECT_EQ(lex("0x00000000000000000001").errors, "");
    EXPECT_EQ(lex("0x").errors, "1:1 hexadecimal literal has no digits\n");
    EXPECT_EQ(lex("12abc").errors, "1:3 invalid suffix 'abc' on a number\n");
}

TEST(Lexer, FloatLiterals) {
    auto f = lex("1.5 2e3 1.25E-2");
    EXPECT_EQ(f.tokens[0].float_value, 1.5);
    EXPECT_EQ(f.tokens[1].float_value, 2000.0);
    EXPECT_EQ(f.tokens[2].float_value, 0.0125);
    EXPECT_EQ(lex(".5").errors, "1:1 invalid float literal '.5'; write '0.5'\n");
    EXPECT_EQ(lex("5.").errors, "1:1 invalid float literal '5.'; write '5.0'\n");
    EXPECT_EQ(lex("1e999").errors, "1:1 float literal is too large\n");
    EXPECT_EQ(lex("1e+").errors, "1:1 float literal exponent has no digits\n");
}

TEST(Lexer, Strings) {
    auto s = lex("\"a\\n\\t\\r\\0\\\\\\\"\\'\" 'x\"y' \"\\x41\\u{e9}\\u{1F600}\" \"two\nlines\"");
    EXPECT_EQ(s.errors, "");
    EXPECT_EQ(s.tokens[0].text, std::string("a\n\t\r\0\\\"'", 8));
    EXPECT_EQ(s.tokens[1].text, "x\"y");
    EXPECT_EQ(s.tokens[2].text, "A\xC3\xA9\xF0\x9F\x98\x80");
    EXPECT_EQ(s.tokens[3].text, "two\nlines");
    EXPECT_EQ(lex("\"\\q\"").errors, "1:2 unknown escape sequence '\\q'\n");
    EXPECT_EQ(lex("\"\\x4\"").errors, "1:2 \\x escape needs exactly two hex digits\n");
    EXPECT_EQ(lex("\"\\u{D800}\"").errors, "1:2 code point in \\u{...} escape is a surrogate (D800-DFFF)\n");
    EXPECT_EQ(lex("\"\\u{110000}\"").errors, "1:2 code point in \\u{...} escape is above 10FFFF\n");
    EXPECT_EQ(lex("\"\\u{}\"").errors, "1:2 \\u{...} escape needs 1 to 6 hex digits and a closing '}'\n");
    EXPECT_EQ(lex("x = \"abc").errors, "1:5 unterminated string literal\n");
}

TEST(Lexer, FStringPieces) {
    auto f = lex("f\"a{x}b{y:>5}{{c}}\"");
    ASSERT_EQ(f.errors, "");
    ASSERT_EQ(f.tokens[0].kind, TokenKind::FStr);
    const auto& p = f.tokens[0].pieces;
    ASSERT_EQ(p.size(), 5u);
    EXPECT_EQ(p[0].literal, "a");
    EXPECT_TRUE(p[1].is_field);
    EXPECT_EQ(p[1].expr_begin, 4u);
    EXPECT_EQ(p[1].expr_end, 5u);
    EXPECT_EQ(p[2].literal, "b");
    EXPECT_EQ(p[3].spec, ">5");
    EXPECT_EQ(p[3].spec_span.begin, 10u);
    EXPECT_EQ(p[4].literal, "{c}");
    auto g = lex("f'{d[\"a:b\"]:x}' f\"{(a:=1)}\"");
    EXPECT_EQ(g.tokens[0].pieces[0].spec, "x");
    EXPECT_EQ(g.tokens[1].pieces[0].spec, "");
    EXPECT_EQ(lex("f\"abc").errors, "1:1 unterminated f-string\n");
}

TEST(Lexer, Bom) { EXPECT_EQ(lex("\xEF\xBB\xBFx").kinds, "x NL EOF"); }

} // namespace
