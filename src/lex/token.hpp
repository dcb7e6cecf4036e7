// Tokens produced by the lexer: kind (from token.def), span, and the decoded payload of literals.
#pragma once
#include "base/span.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace bp::lex {

enum class TokenKind : uint8_t {
#define BP_TOKEN(name, text) name,
#include "lex/token.def"
};

// How a token kind is shown in messages: "')'", "'if'", "end of line", "identifier".
std::string describe(TokenKind k);
// The spelling of a keyword or punctuation token, or its display text for the others.
std::string_view token_text(TokenKind k);
// Keyword for an identifier spelling, or Ident.
TokenKind keyword_kind(std::string_view word);

// One piece of an f-string: literal text or a replacement field.
struct FStringPiece {
    bool is_field = false;
    std::string literal;          // literal piece, {{ and }} and escapes decoded
    uint32_t expr_begin = 0;      // field: absolute byte range of the expression text
    uint32_t expr_end = 0;
    std::string spec;             // field: text after ':' (empty if none)
    Span spec_span;
    Span span;                    // field: from '{' to '}'
};

struct Token {
    TokenKind kind = TokenKind::Eof;
    Span span;
    std::string text;         // Ident: the name; Str: the decoded bytes
    int64_t int_value = 0;    // Int
    bool int_is_min = false;  // Int: the literal 9223372036854775808, valid only after unary '-'
    double float_value = 0.0; // Float
    char quote = 0;           // FStr: the enclosing quote character
    bool quote_escaped = false; // FStr: delimited by \" inside an outer f-string field
    std::vector<FStringPiece> pieces; // FStr
};

} // namespace bp::lex
