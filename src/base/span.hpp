// Source spans: byte offsets into one source file. Line and column are computed only when a
// diagnostic or traceback is printed (SourceFile::line_col).
#pragma once
#include <cstdint>

namespace bp {

struct Span {
    uint32_t file = 0;  // index into the SourceMap
    uint32_t begin = 0; // byte offset of the first byte
    uint32_t end = 0;   // byte offset one past the last byte (end >= begin)

    static Span cover(Span a, Span b) {
        return Span{a.file, a.begin < b.begin ? a.begin : b.begin, a.end > b.end ? a.end : b.end};
    }
};

} // namespace bp
