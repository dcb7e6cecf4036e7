// The JSON reader and writer of `bp trace-view` (see trace_json.hpp): a recursive-descent parser
// with a depth limit, so a hostile file gives an error, never a stack overflow.
#include "trace_json.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>

namespace bp::tool {

namespace {

constexpr int kMaxDepth = 256;

class Parser {
public:
    explicit Parser(std::string_view text) : m_text(text) {}

    bool parse(Json& out, std::string& error) {
        skip_space();
        if (!value(out, 0)) {
            error = where() + m_error;
            return false;
        }
        skip_space();
        if (m_pos != m_text.size()) {
            error = where() + "unexpected text after the JSON value";
            return false;
        }
        return true;
    }

private:
    std::string where() const {
        size_t line = 1, col = 1;
        for (size_t i = 0; i < m_pos && i < m_text.size(); ++i) {
            if (m_text[i] == '\n') {
                ++line;
                col = 1;
            } else {
                ++col;
            }
        }
        return fmt::format("line {}, column {}: ", line, col);
    }
    bool fail(std::string what) {
        m_error = std::move(what);
        return false;
    }
    bool at_end() const { return m_pos >= m_text.size(); }
    char peek() const { return at_end() ? '\0' : m_text[m_pos]; }
    void skip_space() {
        while (!at_end() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r')) ++m_pos;
    }
    bool literal(std::string_view word) {
        if (m_text.substr(m_pos, word.size()) != word) return fail("invalid value");
        m_pos += word.size();
        return true;
    }

    bool value(Json& out, int depth) {
        if (depth > kMaxDepth) return fail("nested too deeply");
        switch (peek()) {
        case '{': return object(out, depth);
        case '[': return array(out, depth);
        case '"': out.kind = Json::Kind::String; return string(out.str);
        case 't': out.kind = Json::Kind::Bool; out.b = true; return literal("true");
        case 'f': out.kind = Json::Kind::Bool; out.b = false; return literal("false");
        case 'n': out.kind = Json::Kind::Null; return literal("null");
        case '\0':
            if (at_end()) return fail("unexpected end of input");
            return fail("invalid value");
        default: return number(out);
        }
    }

    bool object(Json& out, int depth) {
        out.kind = Json::Kind::Object;
        ++m_pos; // {
        skip_space();
        if (peek() == '}') {
            ++m_pos;
            return true;
        }
        for (;;) {
            skip_space();
            if (peek() != '"') return fail("expected a string key");
            std::string key;
            if (!string(key)) return false;
            skip_space();
            if (peek() != ':') return fail("expected ':'");
            ++m_pos;
            skip_space();
            Json v;
            if (!value(v, depth + 1)) return false;
            out.fields.emplace_back(std::move(key), std::move(v));
            skip_space();
            if (peek() == ',') {
                ++m_pos;
                continue;
            }
            if (peek() == '}') {
                ++m_pos;
                return true;
            }
            return fail(at_end() ? "unexpected end of input" : "expected ',' or '}'");
        }
    }

    bool array(Json& out, int depth) {
        out.kind = Json::Kind::Array;
        ++m_pos; // [
        skip_space();
        if (peek() == ']') {
            ++m_pos;
            return true;
        }
        for (;;) {
            skip_space();
            Json v;
            if (!value(v, depth + 1)) return false;
            out.items.push_back(std::move(v));
            skip_space();
            if (peek() == ',') {
                ++m_pos;
                continue;
            }
            if (peek() == ']') {
                ++m_pos;
                return true;
            }
            return fail(at_end() ? "unexpected end of input" : "expected ',' or ']'");
        }
    }

    bool number(Json& out) {
        size_t start = m_pos;
        if (peek() == '-') ++m_pos;
        if (!(peek() >= '0' && peek() <= '9')) return fail("invalid value");
        while (peek() >= '0' && peek() <= '9') ++m_pos;
        if (peek() == '.') {
            ++m_pos;
            if (!(peek() >= '0' && peek() <= '9')) return fail("invalid number");
            while (peek() >= '0' && peek() <= '9') ++m_pos;
        }
        if (peek() == 'e' || peek() == 'E') {
            ++m_pos;
            if (peek() == '+' || peek() == '-') ++m_pos;
            if (!(peek() >= '0' && peek() <= '9')) return fail("invalid number");
            while (peek() >= '0' && peek() <= '9') ++m_pos;
        }
        std::string digits(m_text.substr(start, m_pos - start));
        out.kind = Json::Kind::Number;
        out.num = std::strtod(digits.c_str(), nullptr);
        if (!std::isfinite(out.num)) return fail("number out of range");
        return true;
    }

    bool hex4(uint32_t& out) {
        out = 0;
        for (int i = 0; i < 4; ++i) {
            char c = peek();
            uint32_t d;
            if (c >= '0' && c <= '9') d = static_cast<uint32_t>(c - '0');
            else if (c >= 'a' && c <= 'f') d = static_cast<uint32_t>(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F') d = static_cast<uint32_t>(c - 'A' + 10);
            else return fail("invalid \\u escape");
            out = out * 16 + d;
            ++m_pos;
        }
        return true;
    }

    static void put_utf8(std::string& s, uint32_t cp) {
        if (cp < 0x80) {
            s += static_cast<char>(cp);
        } else if (cp < 0x800) {
            s += static_cast<char>(0xC0 | (cp >> 6));
            s += static_cast<char>(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            s += static_cast<char>(0xE0 | (cp >> 12));
            s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            s += static_cast<char>(0x80 | (cp & 0x3F));
        } else {
            s += static_cast<char>(0xF0 | (cp >> 18));
            s += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
            s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            s += static_cast<char>(0x80 | (cp & 0x3F));
        }
    }

    bool escape(std::string& out) {
        char c = peek();
        ++m_pos;
        switch (c) {
        case '"': out += '"'; return true;
        case '\\': out += '\\'; return true;
        case '/': out += '/'; return true;
        case 'b': out += '\b'; return true;
        case 'f': out += '\f'; return true;
        case 'n': out += '\n'; return true;
        case 'r': out += '\r'; return true;
        case 't': out += '\t'; return true;
        case 'u': {
            uint32_t cp = 0;
            if (!hex4(cp)) return false;
            if (cp >= 0xD800 && cp < 0xDC00 && m_text.substr(m_pos, 2) == "\\u") {
                m_pos += 2;
                uint32_t lo = 0;
                if (!hex4(lo)) return false;
                if (lo >= 0xDC00 && lo < 0xE000) cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                else cp = 0xFFFD;
            } else if (cp >= 0xD800 && cp < 0xE000) {
                cp = 0xFFFD; // a lone surrogate
            }
            put_utf8(out, cp);
            return true;
        }
        default: --m_pos; return fail("invalid escape in string");
        }
    }

    bool string(std::string& out) {
        ++m_pos; // "
        for (;;) {
            if (at_end()) return fail("unterminated string");
            char c = m_text[m_pos];
            if (c == '"') {
                ++m_pos;
                return true;
            }
            if (static_cast<unsigned char>(c) < 0x20) return fail("control character in string");
            if (c == '\\') {
                ++m_pos;
                if (!escape(out)) return false;
                continue;
            }
            out += c;
            ++m_pos;
        }
    }

    std::string_view m_text;
    size_t m_pos = 0;
    std::string m_error;
};

} // namespace

const Json* Json::find(std::string_view key) const {
    if (kind != Kind::Object) return nullptr;
    for (const auto& [k, v] : fields)
        if (k == key) return &v;
    return nullptr;
}

bool parse_json(std::string_view text, Json& out, std::string& error) { return Parser(text).parse(out, error); }

void write_json_string(std::string& out, std::string_view s) {
    out += '"';
    for (size_t i = 0; i < s.size(); ++i) {
        auto c = static_cast<unsigned char>(s[i]);
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '<': out += "\\u003c"; break; // never "</script>" or "<!--" inside the page
        default:
            if (c < 0x20) out += fmt::format("\\u{:04x}", c);
            else out += static_cast<char>(c);
        }
    }
    out += '"';
}

void write_json(std::string& out, const Json& v) {
    switch (v.kind) {
    case Json::Kind::Null: out += "null"; return;
    case Json::Kind::Bool: out += v.b ? "true" : "false"; return;
    case Json::Kind::Number: out += fmt::format("{}", v.num); return;
    case Json::Kind::String: write_json_string(out, v.str); return;
    case Json::Kind::Array:
        out += '[';
        for (size_t i = 0; i < v.items.size(); ++i) {
            if (i) out += ',';
            write_json(out, v.items[i]);
        }
        out += ']';
        return;
    case Json::Kind::Object:
        out += '{';
        for (size_t i = 0; i < v.fields.size(); ++i) {
            if (i) out += ',';
            write_json_string(out, v.fields[i].first);
            out += ':';
            write_json(out, v.fields[i].second);
        }
        out += '}';
        return;
    }
}

} // namespace bp::tool
