// JSON (LANGUAGE.md §10): json_stringify walks a value by its static type (BuiltinArgs::arg_types)
// and writes compact JSON; json_parse is a strict RFC 8259 recursive-descent parser building
// `any` boxes: objects as {str: any}, arrays as [any] (types pre-interned in the TypeTable:
// any_map_t / any_array_t), strings, ints (when the number has no fraction or exponent and fits),
// floats, bools, and the empty box for null.
//
// Both recurse on the native stack (1 GiB, see docs/architecture.md) with an explicit depth
// bound, so hostile nesting ends in an error, never a crash. No safepoint is reached inside a
// builtin, so the objects json_parse builds need no rooting while it runs.
#include "base/utf8.hpp"
#include "stdlib/support.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

namespace bp::stdlib {

namespace {

using types::Kind;
using types::Type;

constexpr int kMaxDepth = 10000;

// ---- json_stringify

class Writer {
public:
    std::string out;

    void value(Value v, const Type* t) {
        switch (t->kind) {
        case Kind::Int: out += std::to_string(v.i); return;
        case Kind::Bool: out += v.i ? "true" : "false"; return;
        case Kind::Float: return number(v.f);
        case Kind::Str: return string(static_cast<const String*>(not_null(v, t))->view());
        case Kind::Any: return box(static_cast<const Box*>(not_null(v, t)));
        case Kind::Array: return array(static_cast<const Array*>(not_null(v, t)), t);
        case Kind::Map: return map(static_cast<const Map*>(not_null(v, t)), t);
        case Kind::Tuple: return tuple(static_cast<const Tuple*>(not_null(v, t)), t);
        case Kind::Struct: return instance(static_cast<const Instance*>(not_null(v, t)));
        case Kind::Void: case Kind::Ptr: case Kind::Bytes: case Kind::Error: case Kind::Thread:
        case Kind::Mutex: case Kind::Condition: case Kind::Volatile: case Kind::Channel: case Kind::Scope: case Kind::Sync: case Kind::Func:
            rt::raise(ErrorKind::TypeError, "json_stringify: cannot serialise a value of type " + t->name());
        }
    }

private:
    std::vector<const Obj*> m_active; // containers being written (cycle detection)

    static const Obj* not_null(Value v, const Type* t) {
        if (!v.o) rt::raise(ErrorKind::TypeError, "json_stringify: uninitialised value of type " + t->name());
        return v.o;
    }

    // Enters a container: ValueError on a cycle, RecursionError past the depth bound.
    void enter(const Obj* o) {
        if (std::find(m_active.begin(), m_active.end(), o) != m_active.end())
            rt::raise(ErrorKind::ValueError, "json_stringify: cycle detected");
        if (m_active.size() >= kMaxDepth)
            rt::raise(ErrorKind::RecursionError, "maximum recursion depth exceeded in json_stringify");
        m_active.push_back(o);
    }
    void leave() { m_active.pop_back(); }

    void number(double d) {
        if (!std::isfinite(d))
            rt::raise(ErrorKind::ValueError, "json_stringify: cannot serialise non-finite float " + rt::format_float(d));
        out += rt::format_float(d);
    }

    void string(std::string_view s) {
        out += '"';
        for (char ch : s) {
            auto c = static_cast<unsigned char>(ch);
            switch (c) {
            case '"': out += "\\\""; continue;
            case '\\': out += "\\\\"; continue;
            case '\n': out += "\\n"; continue;
            case '\t': out += "\\t"; continue;
            case '\r': out += "\\r"; continue;
            case '\b': out += "\\b"; continue;
            case '\f': out += "\\f"; continue;
            }
            if (c < 0x20) out += fmt::format("\\u{:04x}", c);
            else out += ch;
        }
        out += '"';
    }

    void box(const Box* b) {
        if (!b->type || b->type->kind == Kind::Void) {
            out += "null";
            return;
        }
        value(b->value, b->type);
    }

    void array(const Array* a, const Type* t) {
        enter(a);
        out += '[';
        std::vector<Value> items = array_snapshot(a);
        for (size_t i = 0; i < items.size(); ++i) {
            if (i) out += ',';
            value(items[i], t->elem);
        }
        out += ']';
        leave();
    }

    void tuple(const Tuple* tu, const Type* t) {
        enter(tu);
        out += '[';
        for (size_t i = 0; i < t->items.size(); ++i) {
            if (i) out += ',';
            value(tu->items[i], t->items[i]);
        }
        out += ']';
        leave();
    }

    void map(const Map* m, const Type* t) {
        enter(m);
        out += '{';
        int64_t pos = 0;
        Value k, v;
        bool first = true;
        while (rt::map_next(m, &pos, &k, &v)) {
            if (!first) out += ',';
            first = false;
            if (t->key->kind == Kind::Str) string(static_cast<const String*>(k.o)->view());
            else string(rt::to_display(k, t->key, true)); // non-str keys as their §9 text
            out += ':';
            value(v, t->elem);
        }
        out += '}';
        leave();
    }

    // Fields in declaration order (inherited first), by the instance's own (dynamic) type.
    void instance(const Instance* inst) {
        enter(inst);
        out += '{';
        const auto& fields = inst->type->info->fields();
        for (size_t i = 0; i < fields.size(); ++i) {
            if (i) out += ',';
            string(fields[i].name);
            out += ':';
            value(slot_load(&inst->fields[i]), fields[i].type);
        }
        out += '}';
        leave();
    }
};

// ---- json_parse

class Parser {
public:
    Parser(BuiltinArgs& a, std::string_view s) : m_a(a), m_s(s), m_types(*a.thread.vm.program.types) {}

    Box* document() {
        Box* b = value(0);
        skip_ws();
        if (m_pos != m_s.size()) fail("unexpected trailing characters");
        return b;
    }

private:
    BuiltinArgs& m_a;
    std::string_view m_s;
    const types::TypeTable& m_types;
    size_t m_pos = 0;

    [[noreturn]] void fail(std::string_view what) const { fail_at(what, m_pos); }
    [[noreturn]] void fail_at(std::string_view what, size_t at) const {
        size_t line = 1, col = 1;
        for (size_t i = 0; i < at && i < m_s.size(); ++i) {
            if (m_s[i] == '\n') {
                ++line;
                col = 1;
            } else {
                ++col;
            }
        }
        rt::raise(ErrorKind::ValueError, fmt::format("json_parse: {} at offset {} (line {}:{})", what, at, line, col));
    }

    bool at_end() const { return m_pos >= m_s.size(); }
    char peek() const { return m_s[m_pos]; }

    void skip_ws() {
        while (!at_end() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r')) ++m_pos;
    }

    Box* box(const Type* t, Value v) { return rt::new_box(m_a.thread, t, v); }

    Box* value(int depth) {
        if (depth > kMaxDepth) fail("nesting too deep");
        skip_ws();
        if (at_end()) fail("unexpected end of input");
        char c = peek();
        switch (c) {
        case '{': return object(depth);
        case '[': return array(depth);
        case '"': return box(m_types.str_t(), Value::from_obj(rt::new_string(m_a.thread, string())));
        case 't': return literal("true", box(m_types.bool_t(), Value::from_bool(true)));
        case 'f': return literal("false", box(m_types.bool_t(), Value::from_bool(false)));
        case 'n': return literal("null", box(m_types.void_t(), Value::zero()));
        default: break;
        }
        if (c == '-' || (c >= '0' && c <= '9')) return number();
        fail(unexpected());
    }

    std::string unexpected() const {
        auto c = static_cast<unsigned char>(peek());
        if (c >= 0x20 && c < 0x7F) return fmt::format("unexpected character '{}'", static_cast<char>(c));
        return fmt::format("unexpected byte 0x{:02x}", c);
    }

    Box* literal(std::string_view word, Box* b) {
        if (m_s.substr(m_pos, word.size()) != word) fail(unexpected());
        m_pos += word.size();
        return b;
    }

    Box* object(int depth) {
        Map* m = rt::new_map(m_a.thread, m_types.any_map_t());
        ++m_pos; // {
        skip_ws();
        if (!at_end() && peek() == '}') {
            ++m_pos;
            return box(m_types.any_map_t(), Value::from_obj(m));
        }
        for (;;) {
            skip_ws();
            if (at_end()) fail("unexpected end of input");
            if (peek() != '"') fail("expected a string key");
            String* key = rt::new_string(m_a.thread, string());
            skip_ws();
            if (at_end() || peek() != ':') fail(at_end() ? "unexpected end of input" : "expected ':'");
            ++m_pos;
            Box* v = value(depth + 1);
            rt::map_set(m_a.thread, m, Value::from_obj(key), Value::from_obj(v));
            skip_ws();
            if (at_end()) fail("unexpected end of input");
            if (peek() == ',') {
                ++m_pos;
                continue;
            }
            if (peek() == '}') {
                ++m_pos;
                return box(m_types.any_map_t(), Value::from_obj(m));
            }
            fail("expected ',' or '}'");
        }
    }

    Box* array(int depth) {
        Array* arr = rt::new_array(m_a.thread, m_types.any_array_t());
        ++m_pos; // [
        skip_ws();
        if (!at_end() && peek() == ']') {
            ++m_pos;
            return box(m_types.any_array_t(), Value::from_obj(arr));
        }
        for (;;) {
            rt::array_push(m_a.thread, arr, Value::from_obj(value(depth + 1)));
            skip_ws();
            if (at_end()) fail("unexpected end of input");
            if (peek() == ',') {
                ++m_pos;
                continue;
            }
            if (peek() == ']') {
                ++m_pos;
                return box(m_types.any_array_t(), Value::from_obj(arr));
            }
            fail("expected ',' or ']'");
        }
    }

    size_t digits() {
        size_t start = m_pos;
        while (!at_end() && peek() >= '0' && peek() <= '9') ++m_pos;
        return m_pos - start;
    }

    Box* number() {
        size_t start = m_pos;
        bool is_float = false;
        if (peek() == '-') ++m_pos;
        if (at_end() || peek() < '0' || peek() > '9') fail(at_end() ? "unexpected end of input" : "invalid number");
        if (peek() == '0') ++m_pos;
        else digits();
        if (!at_end() && peek() == '.') {
            ++m_pos;
            is_float = true;
            if (digits() == 0) fail("invalid number");
        }
        if (!at_end() && (peek() == 'e' || peek() == 'E')) {
            ++m_pos;
            is_float = true;
            if (!at_end() && (peek() == '+' || peek() == '-')) ++m_pos;
            if (digits() == 0) fail("invalid number");
        }
        std::string text(m_s.substr(start, m_pos - start));
        if (!is_float) {
            errno = 0;
            char* end = nullptr;
            long long v = std::strtoll(text.c_str(), &end, 10);
            if (errno != ERANGE) return box(m_types.int_t(), Value::from_int(v));
        }
        Value f;
        f.f = std::strtod(text.c_str(), nullptr);
        return box(m_types.float_t(), f);
    }

    int hex4() {
        if (m_s.size() - m_pos < 4) fail_at("invalid \\u escape", m_pos);
        int v = 0;
        for (int k = 0; k < 4; ++k) {
            char c = m_s[m_pos + static_cast<size_t>(k)];
            int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
            if (d < 0) fail_at("invalid \\u escape", m_pos);
            v = v * 16 + d;
        }
        m_pos += 4;
        return v;
    }


    // \uXXXX (a surrogate pair becomes one code point; a lone surrogate is an error).
    void unicode_escape(std::string& out) {
        size_t at = m_pos - 2; // the backslash
        uint32_t cp = static_cast<uint32_t>(hex4());
        if (cp >= 0xDC00 && cp <= 0xDFFF) fail_at("lone surrogate in \\u escape", at);
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (m_s.substr(m_pos, 2) != "\\u") fail_at("lone surrogate in \\u escape", at);
            m_pos += 2;
            auto lo = static_cast<uint32_t>(hex4());
            if (lo < 0xDC00 || lo > 0xDFFF) fail_at("lone surrogate in \\u escape", at);
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        }
        append_utf8(out, cp);
    }

    // A string token (the opening quote at m_pos); bytes >= 0x80 are kept as they are.
    std::string string() {
        std::string out;
        ++m_pos; // "
        for (;;) {
            if (at_end()) fail("unterminated string");
            char c = m_s[m_pos++];
            if (c == '"') return out;
            if (static_cast<unsigned char>(c) < 0x20) fail_at("control character in string", m_pos - 1);
            if (c != '\\') {
                out += c;
                continue;
            }
            if (at_end()) fail("unterminated string");
            char e = m_s[m_pos++];
            switch (e) {
            case '"': out += '"'; break;
            case '\\': out += '\\'; break;
            case '/': out += '/'; break;
            case 'b': out += '\b'; break;
            case 'f': out += '\f'; break;
            case 'n': out += '\n'; break;
            case 'r': out += '\r'; break;
            case 't': out += '\t'; break;
            case 'u': unicode_escape(out); break;
            default: fail_at("invalid escape", m_pos - 2);
            }
        }
    }
};

} // namespace

Value bi_json_stringify(BuiltinArgs& a) {
    Writer w;
    w.value(a.args[0], a.arg_types[0]);
    return str_value(a, w.out);
}

Value bi_json_parse(BuiltinArgs& a) {
    Parser p(a, arg_sv(a, 0));
    return Value::from_obj(p.document());
}

} // namespace bp::stdlib
