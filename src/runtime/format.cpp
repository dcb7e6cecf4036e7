// Printing (LANGUAGE.md §9): the text of every value, at top level (print, to_str, f-strings) and
// inside containers (quoted strings, <Kind: message> errors), plus the shortest round-trip float.
//
// The printer walks containers recursively on the native stack, so it bounds the depth (deep
// nesting raises RecursionError instead of overflowing the C++ stack) and keeps the containers
// being printed on a stack of its own: meeting one of them again prints `...` (a cycle).
// Reads follow the lock-free reader protocol of object.hpp (acquire-load storage, then length,
// clamp to the storage's capacity), so printing a container another thread mutates never crashes.
#include "bytecode/program.hpp"
#include "runtime/native_stack.hpp"
#include "runtime/rt.hpp"
#include "runtime/thread/handles.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <string>
#include <unordered_set>

namespace bp::rt {

namespace {

using types::Kind;
using types::Type;

// Deeper nesting than this raises RecursionError (each level costs a few hundred bytes of C++ stack).
constexpr size_t kMaxPrintDepth = 10000;

// Lays out the digits d1 d2 ... dn with value d1.d2...dn * 10^exp in the §9 form.
std::string layout_float(std::string_view digits, int exp) {
    std::string out;
    if (exp < -4 || exp > 15) {
        out += digits[0];
        if (digits.size() > 1) {
            out += '.';
            out += digits.substr(1);
        }
        out += exp < 0 ? "e-" : "e+";
        int mag = exp < 0 ? -exp : exp;
        if (mag < 10) out += '0';
        out += std::to_string(mag);
        return out;
    }
    if (exp < 0) {
        out = "0.";
        out.append(static_cast<size_t>(-exp - 1), '0');
        out += digits;
        return out;
    }
    size_t int_len = static_cast<size_t>(exp) + 1;
    if (digits.size() <= int_len) {
        out = digits;
        out.append(int_len - digits.size(), '0');
        return out + ".0";
    }
    out = digits.substr(0, int_len);
    out += '.';
    out += digits.substr(int_len);
    return out;
}

void append_escaped_byte(std::string& out, unsigned char c, bool escape_high) {
    switch (c) {
    case '\\': out += "\\\\"; return;
    case '"': out += "\\\""; return;
    case '\n': out += "\\n"; return;
    case '\t': out += "\\t"; return;
    case '\r': out += "\\r"; return;
    }
    if (c < 0x20 || c == 0x7F || (escape_high && c >= 0x80))
        out += fmt::format("\\x{:02x}", c);
    else
        out += static_cast<char>(c);
}

// A consistent-enough view of an array's elements without taking its lock.
struct ArrayView {
    const Value* slots = nullptr;
    int64_t len = 0;
};
ArrayView view_array(const Array* a) {
    Storage* s = a->storage.load(std::memory_order_acquire);
    int64_t n = a->len.load(std::memory_order_acquire);
    if (!s) return {};
    if (n > static_cast<int64_t>(s->capacity)) n = static_cast<int64_t>(s->capacity);
    return {s->slots, n < 0 ? 0 : n};
}

class Printer {
public:
    std::string out;

    void value(Value v, const Type* t, bool top) {
        switch (t->kind) {
        case Kind::Int: out += fmt::format_int(v.i).c_str(); return;
        case Kind::Float: out += format_float(v.f); return;
        case Kind::Bool: out += v.i ? "true" : "false"; return;
        case Kind::Void: out += "void"; return;
        case Kind::Ptr: out += "<ptr>"; return;
        case Kind::Str: case Kind::Any: case Kind::Bytes: case Kind::Error: case Kind::Thread:
        case Kind::Mutex: case Kind::Condition: case Kind::Volatile: case Kind::Channel: case Kind::Scope: case Kind::Sync: case Kind::Array: case Kind::Map:
        case Kind::Tuple: case Kind::Func: case Kind::Struct:
            if (!v.o) {
                out += "<uninitialised>"; // only a class field read before __init__ set it
                return;
            }
            reference(v.o, t, top);
            return;
        }
    }

private:
    std::unordered_set<const Obj*> m_active; // containers being printed (the current path)

    void reference(const Obj* o, const Type* t, bool top) {
        switch (t->kind) {
        case Kind::Str: string(static_cast<const String*>(o)->view(), top); return;
        case Kind::Any: box(static_cast<const Box*>(o), top); return;
        case Kind::Bytes: bytes(static_cast<const Bytes*>(o)); return;
        case Kind::Error: error(static_cast<const ErrorObj*>(o), top); return;
        case Kind::Thread:
            out += "<Thread " + std::to_string(static_cast<const thread::ThreadHandle*>(o)->id) + ">";
            return;
        case Kind::Mutex: out += "<Mutex>"; return;
        case Kind::Condition: out += "<Condition>"; return;
        case Kind::Volatile: out += "<Volatile>"; return;
        case Kind::Sync: out += std::string("<") + types::sync_kind_name(t->sync) + ">"; return;
        case Kind::Channel: out += "<Channel>"; return;
        case Kind::Scope: out += "<Scope>"; return;
        case Kind::Func: function(static_cast<const Closure*>(o)); return;
        case Kind::Array: case Kind::Map: case Kind::Tuple: case Kind::Struct: container(o, t); return;
        case Kind::Int: case Kind::Float: case Kind::Bool: case Kind::Void: case Kind::Ptr: return;
        }
    }

    void string(std::string_view s, bool top) {
        if (top) {
            out += s;
            return;
        }
        out += '"';
        for (char c : s) append_escaped_byte(out, static_cast<unsigned char>(c), false);
        out += '"';
    }

    void box(const Box* b, bool top) {
        if (!b->type || b->type->kind == Kind::Void) {
            out += "void";
            return;
        }
        value(b->value, b->type, top);
    }

    void bytes(const Bytes* b) {
        Storage* s = b->storage.load(std::memory_order_acquire);
        int64_t n = b->len.load(std::memory_order_acquire);
        if (!s) n = 0;
        else if (static_cast<uint64_t>(n) > s->capacity * sizeof(Value)) n = static_cast<int64_t>(s->capacity * sizeof(Value));
        const auto* data = s ? reinterpret_cast<const unsigned char*>(s->slots) : nullptr;
        out += "b\"";
        for (int64_t i = 0; i < n; ++i) append_escaped_byte(out, data[i], true);
        out += '"';
    }

    void error(const ErrorObj* e, bool top) {
        std::string_view msg = e->message ? e->message->view() : std::string_view();
        if (top) {
            out += msg;
            return;
        }
        out += '<';
        out += error_name(e->error_kind);
        out += ": ";
        out += msg;
        out += '>';
    }

    void function(const Closure* c) {
        const std::string& name = c->proto->name;
        if (name == "<lambda>") out += name;
        else out += fmt::format("<fn {}>", name);
    }

    void container(const Obj* o, const Type* t) {
        if (m_active.count(o)) {
            out += "...";
            return;
        }
        if (m_active.size() >= kMaxPrintDepth)
            raise(ErrorKind::RecursionError, "maximum nesting depth exceeded while printing");
        check_native_stack("maximum nesting depth exceeded while printing");
        m_active.insert(o);
        switch (t->kind) {
        case Kind::Array: array(static_cast<const Array*>(o), t); break;
        case Kind::Map: map(static_cast<const Map*>(o), t); break;
        case Kind::Tuple: tuple(static_cast<const Tuple*>(o), t); break;
        case Kind::Struct: instance(static_cast<const Instance*>(o)); break;
        case Kind::Int: case Kind::Float: case Kind::Bool: case Kind::Str: case Kind::Void: case Kind::Any:
        case Kind::Ptr: case Kind::Bytes: case Kind::Error: case Kind::Thread: case Kind::Mutex:
        case Kind::Condition: case Kind::Volatile: case Kind::Channel: case Kind::Scope: case Kind::Sync: case Kind::Func: break;
        }
        m_active.erase(o);
    }

    void array(const Array* a, const Type* t) {
        ArrayView v = view_array(a);
        out += '[';
        for (int64_t i = 0; i < v.len; ++i) {
            if (i) out += ", ";
            value(slot_load(&v.slots[i]), t->elem, false);
        }
        out += ']';
    }

    void map(const Map* m, const Type* t) {
        out += '{';
        int64_t pos = 0;
        Value key, val;
        for (bool first = true; map_next(m, &pos, &key, &val); first = false) {
            if (!first) out += ", ";
            value(key, t->key, false);
            out += ": ";
            value(val, t->elem, false);
        }
        out += '}';
    }

    void tuple(const Tuple* tu, const Type* t) {
        out += '(';
        for (size_t i = 0; i < t->items.size(); ++i) {
            if (i) out += ", ";
            value(slot_load(&tu->items[i]), t->items[i], false);
        }
        out += ')';
    }

    void instance(const Instance* in) {
        const types::StructInfo* info = in->type->info;
        out += info->name;
        out += '{';
        for (size_t i = 0; i < info->fields().size(); ++i) {
            if (i) out += ", ";
            out += info->fields()[i].name;
            out += ": ";
            value(slot_load(&in->fields[i]), info->fields()[i].type, false);
        }
        out += '}';
    }
};

} // namespace

std::string format_float(double d) {
    if (std::isnan(d)) return "nan";
    if (std::isinf(d)) return d < 0 ? "-inf" : "inf";
    // Shortest round-trip digits in scientific form: [-]d[.ddd]e±XX.
    char buf[64];
    auto res = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
    std::string_view sci(buf, static_cast<size_t>(res.ptr - buf));
    std::string sign;
    if (sci[0] == '-') {
        sign = "-";
        sci.remove_prefix(1);
    }
    size_t e = sci.find('e');
    std::string digits(sci.substr(0, e));
    if (digits.size() > 1) digits.erase(1, 1); // drop the '.'
    int exp = std::stoi(std::string(sci.substr(e + 1)));
    return sign + layout_float(digits, exp);
}

std::string to_display(Value v, const types::Type* type, bool top_level) {
    Printer p;
    p.value(v, type, top_level);
    return std::move(p.out);
}

} // namespace bp::rt
