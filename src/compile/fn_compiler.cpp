// FnCompiler basics: instruction emission, labels, constants, registers, and the three kinds of
// function bodies (top-level def, lambda, "<module>" global initialiser).
#include "compile/fn_compiler.hpp"


namespace bp::compile {

using bytecode::Constant;

bool is_int_like(const types::Type* t) {
    switch (t->kind) {
    case types::Kind::Int: case types::Kind::Bool: case types::Kind::Ptr: return true;
    case types::Kind::Float: case types::Kind::Str: case types::Kind::Void: case types::Kind::Any:
    case types::Kind::Bytes: case types::Kind::Error: case types::Kind::Thread: case types::Kind::Mutex:
    case types::Kind::Condition: case types::Kind::Volatile: case types::Kind::Channel: case types::Kind::Scope: case types::Kind::Array: case types::Kind::Map:
    case types::Kind::Tuple: case types::Kind::Func: case types::Kind::Struct: case types::Kind::Sync:
        return false;
    }
    return false;
}

FnCompiler::FnCompiler(ProgramBuilder& pb, bytecode::FunctionProto& proto, const ast::Lambda* lambda)
    : m_pb(pb), m_proto(proto), m_lambda(lambda) {}

// ---- emission ----------------------------------------------------------------------------------

uint32_t FnCompiler::emit(Instr i) {
    m_proto.code.push_back(i);
    m_proto.spans.push_back(m_span);
    return pc() - 1;
}

void FnCompiler::emit_args(const std::vector<uint16_t>& regs) {
    for (size_t k = 0; k < regs.size(); k += 4) {
        uint16_t w[4] = {0, 0, 0, 0};
        for (size_t j = 0; j < 4 && k + j < regs.size(); ++j) w[j] = regs[k + j];
        Instr word;
        static_assert(sizeof(word) == sizeof(w));
        __builtin_memcpy(&word, w, sizeof(w));
        emit(word);
    }
}

// The index key of a constant: its kind, then its bytes.
static std::string const_key(const Constant& c) {
    std::string key(1, static_cast<char>(c.kind));
    auto append = [&key](const void* p, size_t n) { key.append(static_cast<const char*>(p), n); };
    switch (c.kind) {
    case Constant::Kind::Int: case Constant::Kind::Function: append(&c.i, sizeof c.i); break;
    case Constant::Kind::Float: append(&c.f, sizeof c.f); break; // by bits: 0.0 and -0.0 differ
    case Constant::Kind::Str: key += c.s; break;
    case Constant::Kind::Type: append(&c.type, sizeof c.type); break;
    }
    return key;
}

uint16_t FnCompiler::add_const(Constant c) {
    auto& ks = m_proto.consts;
    if (m_const_index.size() < ks.size()) // constants added before this compiler existed
        for (size_t i = 0; i < ks.size(); ++i) m_const_index.emplace(const_key(ks[i]), static_cast<uint16_t>(i));
    std::string key = const_key(c);
    if (auto it = m_const_index.find(key); it != m_const_index.end()) return it->second;
    if (ks.size() >= 0xFFFF)
        throw LimitError{m_span, "too many constants in function '" + m_proto.name + "' (the limit is 65535)"};
    ks.push_back(std::move(c));
    auto slot = static_cast<uint16_t>(ks.size() - 1);
    m_const_index.emplace(std::move(key), slot);
    return slot;
}

uint16_t FnCompiler::type_const(const types::Type* t) {
    Constant c{}; c.kind = Constant::Kind::Type;
    c.type = t;
    return add_const(std::move(c));
}

uint16_t FnCompiler::str_const(const std::string& s) {
    Constant c{}; c.kind = Constant::Kind::Str;
    c.s = s;
    return add_const(std::move(c));
}

// Where the jump lives is bytecode::set_jump_offset's business; only a compare-and-branch's 16 bits
// can overflow in practice.
void FnCompiler::patch(uint32_t site, uint32_t target) {
    int64_t off = static_cast<int64_t>(target) - static_cast<int64_t>(site);
    if (!bytecode::set_jump_offset(&m_proto.code[site], off))
        throw LimitError{m_proto.spans[site], "function '" + m_proto.name +
                                                  "' is too large: this branch spans more than 32767 instructions"};
}

void FnCompiler::jump_to(Label& l, uint32_t site) {
    if (l.target >= 0) patch(site, static_cast<uint32_t>(l.target));
    else l.sites.push_back(site);
}

void FnCompiler::bind(Label& l) {
    l.target = pc();
    for (uint32_t s : l.sites) patch(s, pc());
    l.sites.clear();
}

// ---- registers ---------------------------------------------------------------------------------

uint16_t FnCompiler::new_reg(bool ref) {
    if (m_proto.reg_is_ref.size() >= 0xFFF0)
        throw LimitError{m_span, "function '" + m_proto.name + "' needs too many registers (the limit is 65520)"};
    m_proto.reg_is_ref.push_back(ref ? 1 : 0);
    m_proto.nregs = static_cast<uint16_t>(m_proto.reg_is_ref.size());
    return static_cast<uint16_t>(m_proto.reg_is_ref.size() - 1);
}

uint16_t FnCompiler::temp(bool ref) {
    auto& fl = m_free[ref ? 1 : 0];
    uint16_t r;
    if (!fl.empty()) {
        r = fl.back();
        fl.pop_back();
    } else {
        r = new_reg(ref);
    }
    m_live_temps.push_back(r);
    return r;
}

void FnCompiler::release_temps(size_t mark) {
    while (m_live_temps.size() > mark) {
        uint16_t r = m_live_temps.back();
        m_live_temps.pop_back();
        m_free[m_proto.reg_is_ref[r]].push_back(r);
    }
}

uint16_t FnCompiler::local_reg(const ast::LocalVar* v) {
    auto it = m_locals.find(v);
    if (it != m_locals.end()) return it->second;
    uint16_t r = new_reg(v->captured || v->type->is_ref());
    m_locals.emplace(v, r);
    return r;
}

// Every execution of a declaration makes a fresh variable: a captured one gets a new Cell.
void FnCompiler::declare_local(const ast::LocalVar* v, uint16_t value_reg) {
    uint16_t r = local_reg(v);
    if (v->captured) emit(Instr::make(Op::MakeCell, r, value_reg, 0, v->type->is_ref() ? 1 : 0));
    else if (r != value_reg) emit(Instr::make(Op::Move, r, value_reg));
}

// ---- function bodies ---------------------------------------------------------------------------

void FnCompiler::compile_function(const ast::FuncDecl& fn) {
    m_span = fn.name_span;
    size_t np = fn.params.size();
    m_proto.nparams = static_cast<uint16_t>(np);
    // Parameters arrive in registers 0..n-1 (their value kind); captured ones move into cells.
    for (size_t i = 0; i < np; ++i) new_reg(fn.locals[i]->type->is_ref());
    for (size_t i = 0; i < np; ++i) {
        const ast::LocalVar* v = fn.locals[i].get();
        if (v->captured) declare_local(v, static_cast<uint16_t>(i));
        else m_locals.emplace(v, static_cast<uint16_t>(i));
    }
    block(fn.body);
    m_span = Span{fn.body.span.file, fn.body.span.end, fn.body.span.end};
    emit(Instr::make(Op::RetVoid));
}

void FnCompiler::compile_lambda(const ast::Lambda& lam) {
    m_span = lam.span;
    size_t np = lam.params.size();
    m_proto.nparams = static_cast<uint16_t>(np);
    m_proto.ncaptures = static_cast<uint16_t>(lam.captures.size());
    for (size_t i = 0; i < np; ++i) new_reg(lam.locals[i]->type->is_ref());
    for (size_t i = 0; i < np; ++i) {
        const ast::LocalVar* v = lam.locals[i].get();
        if (v->captured) declare_local(v, static_cast<uint16_t>(i));
        else m_locals.emplace(v, static_cast<uint16_t>(i));
    }
    m_span = lam.body->span;
    if (lam.body->type->kind == types::Kind::Void || !m_proto.returns_value) {
        expr_to(lam.body.get(), kNoReg);
        emit(Instr::make(Op::RetVoid));
    } else {
        uint16_t r = expr(lam.body.get());
        m_span = lam.body->span;
        emit(Instr::make(Op::Ret, r));
    }
}

void FnCompiler::compile_module_init(const std::vector<ast::GlobalDecl*>& globals) {
    for (const ast::GlobalDecl* g : globals) {
        size_t mark = temp_mark();
        m_span = g->span;
        uint16_t r = expr(g->init.get());
        m_span = g->span;
        emit(Instr::make(Op::InitGlobal, r, static_cast<uint16_t>(g->global_index)));
        release_temps(mark);
    }
    emit(Instr::make(Op::RetVoid));
}

} // namespace bp::compile
