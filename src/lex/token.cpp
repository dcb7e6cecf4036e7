// Token kind names and keyword lookup, generated from token.def.
#include "lex/token.hpp"

#include <array>

namespace bp::lex {

namespace {

struct KindInfo {
    std::string_view text;
    bool quoted; // keyword or punctuation: shown as 'text'
};

constexpr std::array kKindInfo = {
#define BP_TOKEN(name, text) KindInfo{text, false},
#define BP_KEYWORD(name, text) KindInfo{text, true},
#define BP_PUNCT(name, text) KindInfo{text, true},
#include "lex/token.def"
};

struct Keyword {
    std::string_view text;
    TokenKind kind;
};

constexpr std::array kKeywords = {
#define BP_TOKEN(name, text)
#define BP_KEYWORD(name, text) Keyword{text, TokenKind::name},
#define BP_PUNCT(name, text)
#include "lex/token.def"
};

} // namespace

std::string_view token_text(TokenKind k) { return kKindInfo[static_cast<size_t>(k)].text; }

std::string describe(TokenKind k) {
    const KindInfo& info = kKindInfo[static_cast<size_t>(k)];
    if (info.quoted) return "'" + std::string(info.text) + "'";
    return std::string(info.text);
}

TokenKind keyword_kind(std::string_view word) {
    for (const Keyword& kw : kKeywords) {
        if (kw.text == word) return kw.kind;
    }
    return TokenKind::Ident;
}

} // namespace bp::lex
