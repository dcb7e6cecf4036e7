// Parser for builtins.def signature strings, e.g. "([T], int, T) -> void", "({K: V}) -> [K]".
#include "check/builtin_sig.hpp"

#include <cassert>
#include <cctype>
#include <string>

namespace bp::check {

using types::Kind;
using types::Type;

namespace {

// A named leaf: a type variable, B, a concrete type or a handle; nullptr if unknown.
std::unique_ptr<SigType> named_sig_type(const std::string& n, types::TypeTable& types) {
    auto t = std::make_unique<SigType>();
    auto concrete = [&](const Type* ty) {
        t->type = ty;
        return std::move(t);
    };
    if (n == "T" || n == "K" || n == "V") {
        t->tag = SigType::Tag::Var;
        t->var = n == "T" ? 0 : n == "K" ? 1 : 2;
        return t;
    }
    if (n == "B") {
        t->tag = SigType::Tag::Bytes;
        return t;
    }
    if (n == "int") return concrete(types.int_t());
    if (n == "float") return concrete(types.float_t());
    if (n == "bool") return concrete(types.bool_t());
    if (n == "str") return concrete(types.str_t());
    if (n == "void") return concrete(types.void_t());
    if (n == "any") return concrete(types.any_t());
    if (n == "ptr") return concrete(types.ptr_t());
    if (n == "bytes") return concrete(types.bytes_t());
    if (n == "Error") return concrete(types.error_t());
    Kind hk = n == "Thread" ? Kind::Thread : n == "Mutex" ? Kind::Mutex : n == "Condition" ? Kind::Condition
            : n == "Volatile" ? Kind::Volatile : n == "Scope" ? Kind::Scope : Kind::Void;
    if (hk == Kind::Void) {
        for (uint8_t k = 0; k < types::kSyncKindCount; ++k)
            if (n == types::sync_kind_name(static_cast<types::SyncKind>(k))) {
                t->tag = SigType::Tag::Handle;
                t->type = types.sync_handle(static_cast<types::SyncKind>(k));
                return t;
            }
        return nullptr;
    }
    t->tag = SigType::Tag::Handle;
    t->type = types.handle(hk);
    return t;
}

// A small recursive-descent parser over one signature text.
class Parser {
public:
    Parser(std::string_view text, types::TypeTable& types) : m_text(text), m_types(types) {}

    bool parse(Signature& out) {
        if (m_text == "special") {
            out.special = true;
            return true;
        }
        if (!eat("(")) return false;
        if (eat("...")) {
            out.variadic = true;
        } else if (!peek(")")) {
            do {
                auto t = parse_type();
                if (!t) return false;
                out.params.push_back(std::move(t));
            } while (eat(","));
        }
        if (!eat(")") || !eat("->")) return false;
        out.ret = parse_type();
        skip_ws();
        return out.ret && m_pos == m_text.size();
    }

private:
    void skip_ws() {
        while (m_pos < m_text.size() && m_text[m_pos] == ' ') ++m_pos;
    }
    bool peek(std::string_view s) {
        skip_ws();
        return m_text.substr(m_pos, s.size()) == s;
    }
    bool eat(std::string_view s) {
        if (!peek(s)) return false;
        m_pos += s.size();
        return true;
    }
    std::string ident() {
        skip_ws();
        size_t start = m_pos;
        while (m_pos < m_text.size() &&
               (std::isalnum(static_cast<unsigned char>(m_text[m_pos])) || m_text[m_pos] == '_'))
            ++m_pos;
        return std::string(m_text.substr(start, m_pos - start));
    }
    std::unique_ptr<SigType> parse_type() {
        if (eat("[")) {
            auto t = std::make_unique<SigType>();
            t->tag = SigType::Tag::Array;
            t->a = parse_type();
            return t->a && eat("]") ? std::move(t) : nullptr;
        }
        if (eat("{")) {
            auto t = std::make_unique<SigType>();
            t->tag = SigType::Tag::Map;
            t->a = parse_type();
            if (!t->a || !eat(":")) return nullptr;
            t->b = parse_type();
            return t->b && eat("}") ? std::move(t) : nullptr;
        }
        return named_sig_type(ident(), m_types);
    }

    std::string_view m_text;
    size_t m_pos = 0;
    types::TypeTable& m_types;
};
} // namespace

Signature parse_builtin_signature(uint32_t id, types::TypeTable& types) {
    Signature sig;
    Parser p(kBuiltins[id].signature, types);
    if (!p.parse(sig)) {
        assert(false && "malformed signature in builtins.def");
        sig = Signature{};
        sig.special = true;
    }
    return sig;
}

const Type* substitute(const SigType& s, const SigBindings& b, types::TypeTable& types, bool want_bytes) {
    switch (s.tag) {
    case SigType::Tag::Concrete: return s.type;
    case SigType::Tag::Handle: return s.type;
    case SigType::Tag::Var: return b[s.var];
    case SigType::Tag::Bytes: return want_bytes ? types.bytes_t() : types.array_of(types.int_t());
    case SigType::Tag::Array: {
        const Type* e = substitute(*s.a, b, types, false);
        return e ? types.array_of(e) : nullptr;
    }
    case SigType::Tag::Map: {
        const Type* k = substitute(*s.a, b, types, false);
        const Type* v = substitute(*s.b, b, types, false);
        return k && v ? types.map_of(k, v) : nullptr;
    }
    }
    return nullptr;
}

bool bind_sig(const SigType& s, const Type* actual, SigBindings& b) {
    switch (s.tag) {
    case SigType::Tag::Concrete: return true;
    case SigType::Tag::Handle: return true;
    case SigType::Tag::Bytes: return true;
    case SigType::Tag::Var:
        if (actual->kind == Kind::Void) return false;
        if (!b[s.var]) b[s.var] = actual;
        return true;
    case SigType::Tag::Array:
        return actual->kind == Kind::Array && bind_sig(*s.a, actual->elem, b);
    case SigType::Tag::Map:
        return actual->kind == Kind::Map && bind_sig(*s.a, actual->key, b) && bind_sig(*s.b, actual->elem, b);
    }
    return false;
}

} // namespace bp::check
