// Diagnostics on very long source lines show a window around the caret ("..." at cut ends), so a
// hostile one-line file cannot make bp echo megabytes (found by tests/process/hostile.py).
#include "diag/diagnostics.hpp"

#include <gtest/gtest.h>

using namespace bp;

TEST(LongLine, ShortLinesAreVerbatim) {
    SourceMap sources;
    uint32_t f = sources.add("t.bp", "let x = 1\n");
    diag::Diagnostics d(sources);
    d.error(Span{f, 4, 5}, "boom");
    EXPECT_EQ(d.render(), "t.bp:1:5: error: boom\nlet x = 1\n    ^\n");
}

TEST(LongLine, LongLineIsWindowedAroundTheCaret) {
    SourceMap sources;
    std::string line = std::string(5000, 'a') + "XYZ" + std::string(5000, 'b');
    uint32_t f = sources.add("t.bp", line + "\n");
    diag::Diagnostics d(sources);
    d.error(Span{f, 5000, 5003}, "here");
    std::string want = "t.bp:1:5001: error: here\n..." + std::string(100, 'a') + "XYZ" + std::string(97, 'b') +
                       "...\n" + std::string(103, ' ') + "^~~\n";
    EXPECT_EQ(d.render(), want);
}

TEST(LongLine, CaretNearTheStartKeepsTheStart) {
    SourceMap sources;
    std::string line = "\t" + std::string(3000, 'c');
    uint32_t f = sources.add("t.bp", line + "\n");
    diag::Diagnostics d(sources);
    d.error(Span{f, 2, 3}, "tab");
    std::string want = "t.bp:1:3: error: tab\n" + line.substr(0, 200) + "...\n\t ^\n";
    EXPECT_EQ(d.render(), want);
}
