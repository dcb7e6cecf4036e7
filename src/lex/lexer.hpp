// The lexer: UTF-8 source bytes -> tokens, one at a time (LANGUAGE.md §2). Produces NEWLINE at
// statement ends and INDENT/DEDENT from leading spaces, ignores layout inside brackets, and
// decodes string escapes and f-string structure. Errors are reported and lexing continues.
// Threading: a Lexer belongs to the one thread parsing its file; there is no global state.
#pragma once
#include "lex/reporter.hpp"
#include "lex/token.hpp"

#include <string_view>
#include <vector>

namespace bp::lex {

enum class LexMode {
    File,  // a whole file: NEWLINE / INDENT / DEDENT tokens
    Field, // an f-string field expression: no layout tokens; \" (or \') starts/ends a string
};

class Lexer {
public:
    // Lexes text[begin, end) of `text`, the whole text of file `file`, so spans are absolute.
    // In Field mode, `fquote` is the quote character of the enclosing f-string.
    Lexer(std::string_view text, uint32_t file, uint32_t begin, uint32_t end, Reporter& rep,
          LexMode mode = LexMode::File, char fquote = 0);
    Lexer(std::string_view text, uint32_t file, Reporter& rep)
        : Lexer(text, file, 0, static_cast<uint32_t>(text.size()), rep) {}

    // The next token; after the end, Eof forever.
    Token next();

private:
    bool at_end() const { return m_pos >= m_end; }
    char peek(uint32_t ahead = 0) const { return m_pos + ahead < m_end ? m_text[m_pos + ahead] : '\0'; }
    Span span_from(uint32_t begin) const { return Span{m_file, begin, m_pos}; }
    Token make(TokenKind kind, uint32_t begin) const;
    bool handle_line_start(Token& out);
    void skip_blanks();
    bool lex_end_of_input(Token& out);
    Token lex_token();
    Token lex_identifier();
    Token lex_number();
    void lex_hex_or_binary(Token& t, int bits_per_digit);
    void lex_decimal(Token& t, uint32_t begin);
    void reject_number_suffix();
    Token lex_string(char quote, bool escaped_delim, uint32_t begin);
    Token lex_fstring(char quote, bool escaped_delim, uint32_t begin);
    bool at_terminator(char quote, bool escaped_delim) const;
    void decode_escape(std::string& out);
    void decode_unicode_escape(std::string& out, uint32_t esc_begin);
    bool scan_field(FStringPiece& piece, char quote, bool escaped_delim);
    void skip_nested_string(uint32_t& p, char q, bool escaped) const;
    bool lex_punct(Token& out);
    bool lex_bad_punct(char c, uint32_t begin, Token& out);

    std::string_view m_text;
    uint32_t m_file;
    uint32_t m_pos;
    uint32_t m_end;
    Reporter& m_rep;
    LexMode m_mode;
    char m_fquote;
    std::vector<uint32_t> m_indents{0};
    uint32_t m_pending_dedents = 0;
    uint32_t m_bracket_depth = 0;
    bool m_at_line_start = true;
    bool m_line_has_tokens = false;
};

// Lexes a whole file into a vector (for --dump-tokens and tests).
std::vector<Token> tokenize(std::string_view text, uint32_t file, Reporter& rep);
// One line per token: "1:5 Ident x" style, for --dump-tokens.
std::string dump_tokens(std::string_view text, const std::vector<Token>& tokens);

} // namespace bp::lex
