// The lexer (LANGUAGE.md §2). Layout: at the start of each logical line outside brackets the
// leading spaces are compared with a stack of indentation widths (Python's algorithm); blank and
// comment-only lines never reach that comparison. Literals are decoded here; f-strings are split
// into pieces and their field expressions are lexed later, by the parser, with a Field-mode lexer
// over the same text so spans stay absolute.
#include "base/utf8.hpp"
#include "lex/lexer.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fmt/format.h>

namespace bp::lex {

namespace {

bool is_ident_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_ident_char(char c) { return is_ident_start(c) || is_digit(c); }
int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// How a byte is shown inside a message.
std::string show_char(char c) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u >= 0x21 && u < 0x7F) return std::string(1, c);
    return fmt::format("\\x{:02x}", u);
}


} // namespace

Lexer::Lexer(std::string_view text, uint32_t file, uint32_t begin, uint32_t end, Reporter& rep,
             LexMode mode, char fquote)
    : m_text(text), m_file(file), m_pos(begin), m_end(end), m_rep(rep), m_mode(mode), m_fquote(fquote) {
    if (mode == LexMode::File && m_text.substr(m_pos).starts_with("\xEF\xBB\xBF")) m_pos += 3;
    if (mode == LexMode::Field) m_at_line_start = false;
}

Token Lexer::make(TokenKind kind, uint32_t begin) const {
    Token t;
    t.kind = kind;
    t.span = span_from(begin);
    return t;
}

Token Lexer::next() {
    for (;;) {
        if (m_pending_dedents > 0) {
            --m_pending_dedents;
            return make(TokenKind::Dedent, m_pos);
        }
        Token t;
        if (m_mode == LexMode::File && m_at_line_start && m_bracket_depth == 0 && handle_line_start(t)) return t;
        if (m_pending_dedents > 0) continue;
        skip_blanks();
        if (at_end()) {
            if (lex_end_of_input(t)) return t;
            continue;
        }
        if (peek() == '\n') {
            uint32_t begin = m_pos++;
            if (m_mode == LexMode::Field || m_bracket_depth > 0) continue;
            m_at_line_start = true;
            if (!m_line_has_tokens) continue;
            m_line_has_tokens = false;
            t = make(TokenKind::Newline, begin);
            return t;
        }
        uint32_t before = m_pos;
        t = lex_token();
        if (t.kind == TokenKind::Eof) {
            if (m_pos == before) ++m_pos; // a rejected byte: never loop in place
            continue;
        }
        m_line_has_tokens = true;
        return t;
    }
}

// Measures the indentation of a new line; returns true with an INDENT token, or queues DEDENTs.
bool Lexer::handle_line_start(Token& out) {
    uint32_t p = m_pos;
    uint32_t width = 0;
    bool tab_reported = false;
    while (p < m_end && (m_text[p] == ' ' || m_text[p] == '\t' || m_text[p] == '\f')) {
        if (m_text[p] == '\t' && !tab_reported) {
            m_rep.error(Span{m_file, p, p + 1}, "tab in indentation; use spaces");
            tab_reported = true;
        }
        ++width;
        ++p;
    }
    char c = p < m_end ? m_text[p] : '\0';
    if (p >= m_end || c == '\n' || c == '#' || (c == '\r' && p + 1 < m_end && m_text[p + 1] == '\n')) {
        m_pos = p; // blank or comment-only line: no layout effect
        m_at_line_start = false;
        return false;
    }
    m_pos = p;
    m_at_line_start = false;
    if (tab_reported) return false; // width unknowable: keep the current level rather than cascade
    if (width > m_indents.back()) {
        m_indents.push_back(width);
        out = make(TokenKind::Indent, p);
        out.span.end = p + 1;
        return true;
    }
    while (width < m_indents.back()) {
        m_indents.pop_back();
        ++m_pending_dedents;
    }
    if (width != m_indents.back()) {
        m_rep.error(Span{m_file, p, p + 1}, "unindent does not match any outer indentation level");
    }
    return false;
}

void Lexer::skip_blanks() {
    while (!at_end()) {
        char c = peek();
        if (c == ' ' || c == '\t' || c == '\r' || c == '\f') {
            ++m_pos;
        } else if (c == '#') {
            while (!at_end() && peek() != '\n') ++m_pos;
        } else {
            return;
        }
    }
}

// At the end: a final NEWLINE, then DEDENTs back to column 0, then EOF.
bool Lexer::lex_end_of_input(Token& out) {
    if (m_mode == LexMode::File) {
        if (m_line_has_tokens) {
            m_line_has_tokens = false;
            out = make(TokenKind::Newline, m_pos);
            return true;
        }
        if (m_indents.size() > 1) {
            m_indents.pop_back();
            out = make(TokenKind::Dedent, m_pos);
            return true;
        }
    }
    out = make(TokenKind::Eof, m_pos);
    return true;
}

Token Lexer::lex_token() {
    char c = peek();
    uint32_t begin = m_pos;
    if (c == 'f' && (peek(1) == '"' || peek(1) == '\'')) {
        m_pos += 2;
        return lex_fstring(m_text[begin + 1], false, begin);
    }
    if (is_ident_start(c)) return lex_identifier();
    if (is_digit(c) || (c == '.' && is_digit(peek(1)))) return lex_number();
    if (c == '"' || c == '\'') {
        ++m_pos;
        return lex_string(c, false, begin);
    }
    if (c == '\\' && m_mode == LexMode::Field && peek(1) == m_fquote) {
        // Inside an f-string field, \" stands for the enclosing quote and opens a string.
        m_pos += 2;
        return lex_string(m_fquote, true, begin);
    }
    Token t;
    if (lex_punct(t)) return t;
    if (static_cast<unsigned char>(c) >= 0x80) {
        while (!at_end() && static_cast<unsigned char>(peek()) >= 0x80) ++m_pos;
        m_rep.error(span_from(begin), "non-ASCII character outside a string or comment");
        return make(TokenKind::Eof, begin);
    }
    if (lex_bad_punct(c, begin, t)) return t;
    ++m_pos;
    m_rep.error(span_from(begin), fmt::format("unexpected character '{}'", show_char(c)));
    return make(TokenKind::Eof, begin);
}

Token Lexer::lex_identifier() {
    uint32_t begin = m_pos;
    while (!at_end() && is_ident_char(peek())) ++m_pos;
    std::string_view word = m_text.substr(begin, m_pos - begin);
    Token t = make(keyword_kind(word), begin);
    if (t.kind == TokenKind::Ident) t.text = std::string(word);
    return t;
}

// ---- numbers -----------------------------------------------------------------------------------

Token Lexer::lex_number() {
    uint32_t begin = m_pos;
    Token t = make(TokenKind::Int, begin);
    if (peek() == '.') {
        ++m_pos;
        while (is_digit(peek())) ++m_pos;
        std::string text(m_text.substr(begin, m_pos - begin));
        m_rep.error(span_from(begin), fmt::format("invalid float literal '{}'; write '0{}'", text, text));
        t = make(TokenKind::Float, begin);
        t.float_value = std::strtod(("0" + text).c_str(), nullptr);
        return t;
    }
    if (peek() == '0' && (peek(1) == 'x' || peek(1) == 'X')) {
        lex_hex_or_binary(t, 4);
    } else if (peek() == '0' && (peek(1) == 'b' || peek(1) == 'B')) {
        lex_hex_or_binary(t, 1);
    } else {
        lex_decimal(t, begin);
    }
    t.span = span_from(begin);
    return t;
}

void Lexer::lex_hex_or_binary(Token& t, int bits_per_digit) {
    uint32_t begin = m_pos;
    m_pos += 2;
    uint32_t digits_begin = m_pos;
    int radix = 1 << bits_per_digit;
    uint64_t value = 0;
    int bits = 0; // significant bits so far
    bool too_large = false;
    while (!at_end() && hex_value(peek()) >= 0 && hex_value(peek()) < radix) {
        int d = hex_value(peek());
        if (bits > 0) bits += bits_per_digit;
        else if (d != 0) bits = d >= 8 ? 4 : d >= 4 ? 3 : d >= 2 ? 2 : 1;
        if (bits > 64) too_large = true;
        value = (value << bits_per_digit) | static_cast<uint64_t>(d);
        ++m_pos;
    }
    if (m_pos == digits_begin) {
        m_rep.error(span_from(begin), fmt::format("{} literal has no digits", radix == 16 ? "hexadecimal" : "binary"));
    } else if (too_large) {
        m_rep.error(span_from(begin), "integer literal is too large");
        value = 0;
    }
    t.int_value = static_cast<int64_t>(value);
    reject_number_suffix();
}

void Lexer::lex_decimal(Token& t, uint32_t begin) {
    while (is_digit(peek())) ++m_pos;
    bool is_float = false;
    if (peek() == '.') {
        if (!is_digit(peek(1))) {
            ++m_pos;
            std::string text(m_text.substr(begin, m_pos - begin));
            m_rep.error(span_from(begin), fmt::format("invalid float literal '{}'; write '{}0'", text, text));
            t.kind = TokenKind::Float;
            t.float_value = std::strtod(text.c_str(), nullptr);
            return;
        }
        ++m_pos;
        while (is_digit(peek())) ++m_pos;
        is_float = true;
    }
    if (peek() == 'e' || peek() == 'E') {
        uint32_t save = m_pos;
        ++m_pos;
        if (peek() == '+' || peek() == '-') ++m_pos;
        if (!is_digit(peek())) {
            m_pos = save + 1;
            m_rep.error(span_from(begin), "float literal exponent has no digits");
        }
        while (is_digit(peek())) ++m_pos;
        is_float = true;
    }
    std::string text(m_text.substr(begin, m_pos - begin));
    if (is_float) {
        t.kind = TokenKind::Float;
        t.float_value = std::strtod(text.c_str(), nullptr);
        if (std::isinf(t.float_value)) {
            m_rep.error(span_from(begin), "float literal is too large");
            t.float_value = 0.0;
        }
    } else {
        uint64_t value = 0;
        bool too_large = false;
        constexpr uint64_t kMinMagnitude = uint64_t{1} << 63;
        for (char c : text) {
            uint64_t d = static_cast<uint64_t>(c - '0');
            if (value > (kMinMagnitude - d) / 10) too_large = true;
            else value = value * 10 + d;
        }
        if (too_large) {
            m_rep.error(span_from(begin), "integer literal is too large");
            value = 0;
        }
        t.int_is_min = value == kMinMagnitude;
        t.int_value = t.int_is_min ? INT64_MIN : static_cast<int64_t>(value);
    }
    reject_number_suffix();
}

void Lexer::reject_number_suffix() {
    if (at_end() || !is_ident_char(peek())) return;
    uint32_t begin = m_pos;
    while (!at_end() && is_ident_char(peek())) ++m_pos;
    m_rep.error(span_from(begin), fmt::format("invalid suffix '{}' on a number", m_text.substr(begin, m_pos - begin)));
}

// ---- strings -----------------------------------------------------------------------------------

bool Lexer::at_terminator(char quote, bool escaped_delim) const {
    if (escaped_delim) return peek() == '\\' && peek(1) == quote;
    return peek() == quote;
}

Token Lexer::lex_string(char quote, bool escaped_delim, uint32_t begin) {
    Token t = make(TokenKind::Str, begin);
    for (;;) {
        if (at_end()) {
            m_rep.error(Span{m_file, begin, begin + 1}, "unterminated string literal");
            break;
        }
        if (at_terminator(quote, escaped_delim)) {
            m_pos += escaped_delim ? 2 : 1;
            break;
        }
        if (peek() == '\\') {
            decode_escape(t.text);
        } else {
            t.text += peek();
            ++m_pos;
        }
    }
    t.span = span_from(begin);
    return t;
}

// At a backslash: appends the decoded escape and advances past it.
void Lexer::decode_escape(std::string& out) {
    uint32_t begin = m_pos;
    if (m_pos + 1 >= m_end) { // a lone backslash at the end: the caller reports the open literal
        ++m_pos;
        return;
    }
    char c = peek(1);
    m_pos += 2;
    switch (c) {
    case 'n': out += '\n'; return;
    case 't': out += '\t'; return;
    case 'r': out += '\r'; return;
    case '0': out += '\0'; return;
    case '\\': out += '\\'; return;
    case '"': out += '"'; return;
    case '\'': out += '\''; return;
    case 'x': {
        int hi = hex_value(peek()), lo = hex_value(peek(1));
        if (hi < 0 || lo < 0) {
            m_rep.error(span_from(begin), "\\x escape needs exactly two hex digits");
            return;
        }
        m_pos += 2;
        out += static_cast<char>(hi * 16 + lo);
        return;
    }
    case 'u': decode_unicode_escape(out, begin); return;
    case '\n': m_rep.error(span_from(begin), "backslash line continuation is not supported"); return;
    }
    m_rep.error(span_from(begin), fmt::format("unknown escape sequence '\\{}'", show_char(c)));
}

void Lexer::decode_unicode_escape(std::string& out, uint32_t esc_begin) {
    if (peek() != '{') {
        m_rep.error(span_from(esc_begin), "\\u escape must be written \\u{XXXX}");
        return;
    }
    ++m_pos;
    uint32_t cp = 0;
    int digits = 0;
    while (!at_end() && hex_value(peek()) >= 0) {
        if (digits < 7) cp = cp * 16 + static_cast<uint32_t>(hex_value(peek()));
        ++digits;
        ++m_pos;
    }
    if (peek() != '}' || digits == 0 || digits > 6) {
        if (peek() == '}') ++m_pos;
        m_rep.error(span_from(esc_begin), "\\u{...} escape needs 1 to 6 hex digits and a closing '}'");
        return;
    }
    ++m_pos;
    if (cp > 0x10FFFF) {
        m_rep.error(span_from(esc_begin), "code point in \\u{...} escape is above 10FFFF");
    } else if (cp >= 0xD800 && cp <= 0xDFFF) {
        m_rep.error(span_from(esc_begin), "code point in \\u{...} escape is a surrogate (D800-DFFF)");
    } else {
        append_utf8(out, cp);
    }
}

// ---- f-strings ---------------------------------------------------------------------------------

Token Lexer::lex_fstring(char quote, bool escaped_delim, uint32_t begin) {
    Token t = make(TokenKind::FStr, begin);
    t.quote = quote;
    t.quote_escaped = escaped_delim;
    FStringPiece lit;
    auto flush = [&] {
        if (!lit.literal.empty()) t.pieces.push_back(std::move(lit));
        lit = FStringPiece{};
    };
    for (;;) {
        if (at_end()) {
            m_rep.error(Span{m_file, begin, begin + 2}, "unterminated f-string");
            break;
        }
        if (at_terminator(quote, escaped_delim)) {
            m_pos += escaped_delim ? 2 : 1;
            break;
        }
        char c = peek();
        if ((c == '{' && peek(1) == '{') || (c == '}' && peek(1) == '}')) {
            lit.literal += c;
            m_pos += 2;
        } else if (c == '}') {
            m_rep.error(Span{m_file, m_pos, m_pos + 1}, "single '}' is not allowed in an f-string; write '}}'");
            ++m_pos;
        } else if (c == '{') {
            flush();
            FStringPiece field;
            if (!scan_field(field, quote, escaped_delim)) break;
            t.pieces.push_back(std::move(field));
        } else if (c == '\\') {
            decode_escape(lit.literal);
        } else {
            lit.literal += c;
            ++m_pos;
        }
    }
    flush();
    t.span = span_from(begin);
    return t;
}

// Skips a string nested in an f-string field, starting at its opening quote (or \q).
void Lexer::skip_nested_string(uint32_t& p, char q, bool escaped) const {
    p += escaped ? 2 : 1;
    while (p < m_end) {
        if (escaped && m_text[p] == '\\' && p + 1 < m_end && m_text[p + 1] == q) {
            p += 2;
            return;
        }
        if (!escaped && m_text[p] == q) {
            ++p;
            return;
        }
        p += m_text[p] == '\\' ? 2 : 1;
    }
    p = m_end;
}

// At '{' of a replacement field: records the expression range and the spec, moves past '}'.
// Returns false if the f-string ended inside the field (already reported).
bool Lexer::scan_field(FStringPiece& piece, char quote, bool escaped_delim) {
    uint32_t open = m_pos;
    piece.is_field = true;
    piece.expr_begin = ++m_pos;
    uint32_t depth = 0;
    uint32_t p = m_pos;
    auto ends_string = [&](uint32_t at) {
        if (escaped_delim) return m_text[at] == '\\' && at + 1 < m_end && m_text[at + 1] == quote;
        return m_text[at] == quote;
    };
    while (p < m_end && !ends_string(p)) {
        char c = m_text[p];
        if (!escaped_delim && c == '\\' && p + 1 < m_end && m_text[p + 1] == quote) {
            skip_nested_string(p, quote, true);
        } else if ((c == '"' || c == '\'') && c != quote) {
            skip_nested_string(p, c, false);
        } else if (c == '(' || c == '[' || c == '{') {
            ++depth, ++p;
        } else if ((c == ')' || c == ']' || c == '}') && depth > 0) {
            --depth, ++p;
        } else if ((c == '}' || c == ':') && depth == 0) {
            break;
        } else {
            ++p;
        }
    }
    piece.expr_end = p;
    if (p < m_end && m_text[p] == ':') {
        uint32_t spec_begin = ++p;
        while (p < m_end && m_text[p] != '}' && !ends_string(p) && m_text[p] != '\n') ++p;
        piece.spec = std::string(m_text.substr(spec_begin, p - spec_begin));
        piece.spec_span = Span{m_file, spec_begin, p};
    }
    m_pos = p;
    if (p >= m_end || m_text[p] != '}') {
        m_rep.error(Span{m_file, open, open + 1}, "f-string field is missing its closing '}'");
        piece.span = span_from(open);
        return p < m_end; // at the f-string's closing quote (or a newline in the spec): carry on
    }
    ++m_pos;
    piece.span = span_from(open);
    return true;
}

// ---- punctuation -------------------------------------------------------------------------------

bool Lexer::lex_punct(Token& out) {
    uint32_t begin = m_pos;
    char c = peek(), c1 = peek(1), c2 = peek(2);
    TokenKind k;
    uint32_t len = 1;
    auto with_eq = [&](TokenKind plain, TokenKind eq) {
        if (c1 == '=') len = 2;
        return c1 == '=' ? eq : plain;
    };
    switch (c) {
    case '+': k = with_eq(TokenKind::Plus, TokenKind::PlusEq); break;
    case '-':
        if (c1 == '>') { k = TokenKind::Arrow; len = 2; break; }
        k = with_eq(TokenKind::Minus, TokenKind::MinusEq);
        break;
    case '*': if (c1 == '*') return false; k = with_eq(TokenKind::Star, TokenKind::StarEq); break;
    case '/': if (c1 == '/') return false; k = with_eq(TokenKind::Slash, TokenKind::SlashEq); break;
    case '%': k = with_eq(TokenKind::Percent, TokenKind::PercentEq); break;
    case '&': k = with_eq(TokenKind::Amp, TokenKind::AmpEq); break;
    case '|': k = with_eq(TokenKind::Pipe, TokenKind::PipeEq); break;
    case '^': k = with_eq(TokenKind::Caret, TokenKind::CaretEq); break;
    case '~': k = TokenKind::Tilde; break;
    case '=': k = with_eq(TokenKind::Assign, TokenKind::EqEq); break;
    case '!': if (c1 != '=') return false; k = TokenKind::NotEq; len = 2; break;
    case '<':
        if (c1 == '<') { k = c2 == '=' ? TokenKind::ShlEq : TokenKind::Shl; len = c2 == '=' ? 3 : 2; break; }
        k = with_eq(TokenKind::Lt, TokenKind::Le);
        break;
    case '>':
        if (c1 == '>') { k = c2 == '=' ? TokenKind::ShrEq : TokenKind::Shr; len = c2 == '=' ? 3 : 2; break; }
        k = with_eq(TokenKind::Gt, TokenKind::Ge);
        break;
    case ':': k = TokenKind::Colon; break;
    case ',': k = TokenKind::Comma; break;
    case '.': k = TokenKind::Dot; break;
    case '@': k = TokenKind::At; break;
    case '(': k = TokenKind::LParen; ++m_bracket_depth; break;
    case '[': k = TokenKind::LBracket; ++m_bracket_depth; break;
    case '{': k = TokenKind::LBrace; ++m_bracket_depth; break;
    case ')': k = TokenKind::RParen; break;
    case ']': k = TokenKind::RBracket; break;
    case '}': k = TokenKind::RBrace; break;
    default: return false;
    }
    if ((c == ')' || c == ']' || c == '}') && m_bracket_depth > 0) --m_bracket_depth;
    m_pos += len;
    out = make(k, begin);
    return true;
}

// Operators other languages have: reported, then lexed as the nearest valid token (or dropped)
// so that one mistake gives one error.
bool Lexer::lex_bad_punct(char c, uint32_t begin, Token& out) {
    auto fail = [&](uint32_t len, TokenKind as, bool keep, const char* msg) {
        m_pos += len;
        m_rep.error(span_from(begin), msg);
        out = make(keep ? as : TokenKind::Eof, begin);
        return true;
    };
    switch (c) {
    case '*': return fail(2, TokenKind::Star, true, "'**' is not an operator; use pow()");
    case '/': return fail(2, TokenKind::Slash, true, "'//' is not an operator; '/' on ints already truncates");
    case '!': return fail(1, TokenKind::KwNot, true, "'!' is not an operator; use 'not'");
    case ';': return fail(1, TokenKind::Eof, false, "';' is not allowed; put each statement on its own line");
    case '?': return fail(1, TokenKind::Eof, false, "'?' is not an operator; use an if statement");
    case '\\': return fail(1, TokenKind::Eof, false,
                           "unexpected '\\'; backslash line continuation is not supported, use parentheses");
    default: return false;
    }
}

// ---- whole-file helpers ------------------------------------------------------------------------

std::vector<Token> tokenize(std::string_view text, uint32_t file, Reporter& rep) {
    Lexer lexer(text, file, rep);
    std::vector<Token> out;
    for (;;) {
        out.push_back(lexer.next());
        if (out.back().kind == TokenKind::Eof) return out;
    }
}

std::string dump_tokens(std::string_view text, const std::vector<Token>& tokens) {
    std::string out;
    uint32_t line = 1, line_start = 0, scanned = 0;
    for (const Token& t : tokens) {
        for (; scanned < t.span.begin && scanned < text.size(); ++scanned) {
            if (text[scanned] == '\n') ++line, line_start = scanned + 1;
        }
        out += fmt::format("{}:{} {}", line, t.span.begin - line_start + 1, describe(t.kind));
        if (t.kind == TokenKind::Ident || t.kind == TokenKind::Str) out += fmt::format(" {:?}", t.text);
        if (t.kind == TokenKind::Int) out += fmt::format(" {}", t.int_value);
        if (t.kind == TokenKind::Float) out += fmt::format(" {}", t.float_value);
        out += '\n';
    }
    return out;
}

} // namespace bp::lex
