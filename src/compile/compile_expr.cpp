// Expression code generation: typed opcodes chosen from the checker's static types.
#include "compile/fn_compiler.hpp"
#include "types/builtins.hpp"

#include <cstdio>
#include <cstdlib>
#include <optional>

namespace bp::compile {

using namespace bp::ast;
using bytecode::Constant;
using types::Kind;

namespace {
bool fits_i32(int64_t v) { return v >= INT32_MIN && v <= INT32_MAX; }
bool fits_i16(int64_t v) { return v >= -32768 && v <= 32767; }
bool is_void(const types::Type* t) { return !t || t->kind == Kind::Void; }
} // namespace

uint16_t FnCompiler::expr(const Expr* e) {
    if (e->kind == ExprKind::Name) {
        auto* n = static_cast<const Name*>(e);
        if (n->ref == NameRef::Local && !n->local->captured) return local_reg(n->local);
    }
    if (is_void(e->type)) {
        expr_to(e, kNoReg);
        return kNoReg;
    }
    uint16_t r = temp_for(e->type);
    expr_to(e, r);
    return r;
}

void FnCompiler::load_int(int64_t v, uint16_t dst) {
    if (fits_i32(v)) {
        emit(Instr::make_sbc(Op::LoadInt, dst, static_cast<int32_t>(v)));
    } else {
        Constant c{}; c.kind = Constant::Kind::Int;
        c.i = v;
        emit(Instr::make(Op::LoadConst, dst, add_const(std::move(c))));
    }
}

void FnCompiler::expr_to(const Expr* e, uint16_t dst) {
    Span saved = m_span;
    m_span = e->span;
    size_t mark = temp_mark();
    switch (e->kind) {
    case ExprKind::IntLit: if (dst != kNoReg) load_int(static_cast<const IntLit*>(e)->value, dst); break;
    case ExprKind::BoolLit: if (dst != kNoReg) load_int(static_cast<const BoolLit*>(e)->value ? 1 : 0, dst); break;
    case ExprKind::FloatLit:
        if (dst != kNoReg) {
            Constant c{}; c.kind = Constant::Kind::Float;
            c.f = static_cast<const FloatLit*>(e)->value;
            emit(Instr::make(Op::LoadConst, dst, add_const(std::move(c))));
        }
        break;
    case ExprKind::StrLit:
        if (dst != kNoReg) emit(Instr::make(Op::LoadConst, dst, str_const(static_cast<const StrLit*>(e)->value)));
        break;
    case ExprKind::FString: fstring_to(static_cast<const FString*>(e), dst); break;
    case ExprKind::Name: name_to(static_cast<const Name*>(e), dst); break;
    case ExprKind::Unary: unary_to(static_cast<const Unary*>(e), dst); break;
    case ExprKind::Binary: binary_to(static_cast<const Binary*>(e), dst); break;
    case ExprKind::Logical: logical_to(static_cast<const Logical*>(e), dst); break;
    case ExprKind::Call: call_to(static_cast<const Call*>(e), dst); break;
    case ExprKind::Index: index_to(static_cast<const Index*>(e), dst); break;
    case ExprKind::Field: field_to(static_cast<const Field*>(e), dst); break;
    case ExprKind::ArrayLit: {
        uint16_t d = dst == kNoReg ? temp(true) : dst;
        array_lit_to(static_cast<const ArrayLit*>(e)->items, e->type, d, e->span);
        break;
    }
    case ExprKind::MapLit: map_lit_to(static_cast<const MapLit*>(e), dst == kNoReg ? temp(true) : dst); break;
    case ExprKind::TupleLit: tuple_lit_to(static_cast<const TupleLit*>(e), dst == kNoReg ? temp(true) : dst); break;
    case ExprKind::StructLit: struct_lit_to(static_cast<const StructLit*>(e), dst == kNoReg ? temp(true) : dst); break;
    case ExprKind::Lambda: lambda_to(static_cast<const ast::Lambda*>(e), dst); break;
    case ExprKind::Cast: {
        auto* c = static_cast<const Cast*>(e);
        if (c->operand->type->kind == Kind::Any && e->type->kind != Kind::Any) {
            uint16_t src = expr(c->operand.get());
            m_span = e->span;
            uint16_t d = dst == kNoReg ? temp_for(e->type) : dst;
            emit(Instr::make(Op::Unbox, d, src, type_const(e->type)));
        } else {
            expr_to(c->operand.get(), dst);
        }
        break;
    }
    case ExprKind::Convert: convert_to(static_cast<const Convert*>(e), dst); break;
    case ExprKind::New: new_to(static_cast<const New*>(e), dst); break;
    case ExprKind::Super: break; // rewritten by the checker into method calls on self
    }
    release_temps(mark);
    m_span = saved;
}

// ---- names ---------------------------------------------------------------------------------------

// A register holding the Cell* of captured variable v (a local of this function or a capture).
uint16_t FnCompiler::capture_cell(const LocalVar* v) {
    auto it = m_locals.find(v);
    if (it != m_locals.end()) return it->second;
    if (m_lambda) {
        for (size_t i = 0; i < m_lambda->captures.size(); ++i) {
            if (m_lambda->captures[i] == v) {
                uint16_t r = temp(true);
                emit(Instr::make(Op::LoadCaptureCell, r, static_cast<uint16_t>(i)));
                return r;
            }
        }
    }
    return local_reg(v); // not reached for checked programs
}

void FnCompiler::name_to(const Name* n, uint16_t dst) {
    if (dst == kNoReg) return;
    switch (n->ref) {
    case NameRef::Local: {
        uint16_t r = local_reg(n->local);
        if (n->local->captured) emit(Instr::make(Op::GetCell, dst, r));
        else if (r != dst) emit(Instr::make(Op::Move, dst, r));
        return;
    }
    case NameRef::Capture: emit(Instr::make(Op::GetCapture, dst, static_cast<uint16_t>(n->index))); return;
    case NameRef::Global: emit(Instr::make(Op::GetGlobal, dst, static_cast<uint16_t>(n->index))); return;
    case NameRef::Function: {
        Constant c{}; c.kind = Constant::Kind::Function;
        c.i = n->index;
        emit(Instr::make(Op::LoadConst, dst, add_const(std::move(c))));
        return;
    }
    case NameRef::Unresolved: case NameRef::EnumType: case NameRef::Module: case NameRef::ErrorClass:
        emit(Instr::make(Op::LoadNull, dst));
        return;
    }
}

// ---- operators -------------------------------------------------------------------------------------

void FnCompiler::unary_to(const Unary* u, uint16_t dst) {
    uint16_t r = expr(u->operand.get());
    if (dst == kNoReg) return;
    m_span = u->span;
    switch (u->op) {
    case UnaryOp::Neg:
        emit(Instr::make(u->type->kind == Kind::Float ? Op::NegFloat : Op::NegInt, dst, r));
        return;
    case UnaryOp::BitNot: emit(Instr::make(Op::BitNot, dst, r)); return;
    case UnaryOp::Not: emit(Instr::make(Op::Not, dst, r)); return;
    }
}

void FnCompiler::binary_op(BinaryOp op, const types::Type* t, uint16_t dst, uint16_t l, uint16_t r, Span span) {
    m_span = span;
    bool f = t->kind == Kind::Float, s = t->kind == Kind::Str, i = is_int_like(t);
    Op o = Op::Nop;
    switch (op) {
    case BinaryOp::Add: o = f ? Op::AddFloat : s ? Op::ConcatStr : Op::AddInt; break;
    case BinaryOp::Sub: o = f ? Op::SubFloat : Op::SubInt; break;
    case BinaryOp::Mul: o = f ? Op::MulFloat : Op::MulInt; break;
    case BinaryOp::Div: o = f ? Op::DivFloat : Op::DivInt; break;
    case BinaryOp::Mod: o = f ? Op::ModFloat : Op::ModInt; break;
    case BinaryOp::BitAnd: o = Op::BitAnd; break;
    case BinaryOp::BitOr: o = Op::BitOr; break;
    case BinaryOp::BitXor: o = Op::BitXor; break;
    case BinaryOp::Shl: o = Op::Shl; break;
    case BinaryOp::Shr: o = Op::Shr; break;
    case BinaryOp::Gt: std::swap(l, r); [[fallthrough]];
    case BinaryOp::Lt: o = f ? Op::LtFloat : s ? Op::LtStr : Op::LtInt; break;
    case BinaryOp::Ge: std::swap(l, r); [[fallthrough]];
    case BinaryOp::Le: o = f ? Op::LeFloat : s ? Op::LeStr : Op::LeInt; break;
    case BinaryOp::Eq: case BinaryOp::Ne: {
        bool eq = op == BinaryOp::Eq;
        if (i) o = eq ? Op::EqInt : Op::NeInt;
        else if (f) o = eq ? Op::EqFloat : Op::NeFloat;
        else if (s) o = eq ? Op::EqStr : Op::NeStr;
        else {
            emit(Instr::make(Op::EqDeep, dst, l, r, eq ? 0 : 1));
            emit(Instr::make(Op::Nop, type_const(t)));
            return;
        }
        break;
    }
    }
    emit(Instr::make(o, dst, l, r));
}

// A left-deep chain (a + b + c + ..., 10,000 terms or more) is compiled along its spine without
// recursing: the running value lives in one accumulator register, each right operand in temporaries
// released after its operator, so a chain needs a handful of registers whatever its length. The
// last operator writes dst directly (dst may be a variable a right operand reads: it is written
// only after every operand was read).
void FnCompiler::binary_to(const Binary* b, uint16_t dst) {
    std::vector<const Binary*> spine{b}; // top first
    while (spine.back()->lhs->kind == ExprKind::Binary) spine.push_back(static_cast<const Binary*>(spine.back()->lhs.get()));
    uint16_t acc = expr(spine.back()->lhs.get()); // may be a variable's own register: never written
    uint16_t own = kNoReg;                          // the accumulator temporary, once there is one
    for (size_t i = spine.size(); i-- > 0;) {
        const Binary* n = spine[i];
        const types::Type* t = n->lhs->type;
        bool last = i == 0;
        size_t mark = temp_mark();
        uint16_t out = last ? dst : own;
        if (!last && (own == kNoReg || m_proto.reg_is_ref[own] != (n->type->is_ref() ? 1 : 0))) {
            out = own = temp_for(n->type); // kept live until the whole chain is done
            mark = temp_mark();
        }
        // x + k / x - k with a small literal: one instruction.
        if (std::optional<int16_t> k = add_immediate(n->op, t, n->rhs.get())) {
            if (out != kNoReg) {
                m_span = n->span;
                emit(Instr::make(Op::AddIntImm, out, acc, static_cast<uint16_t>(*k)));
            }
            acc = out;
            continue;
        }
        // x * k with a small literal, x % k with any literal but 0 (k is never negative: a literal
        // is unsigned, -k is a unary minus): one instruction, no divisor check.
        if ((n->op == BinaryOp::Mul || n->op == BinaryOp::Mod) && t->kind == Kind::Int &&
            n->rhs->kind == ExprKind::IntLit) {
            int64_t k = static_cast<const IntLit*>(n->rhs.get())->value;
            if (n->op == BinaryOp::Mul ? fits_i16(k) : k != 0 && k != -1) {
                if (out != kNoReg) {
                    m_span = n->span;
                    if (n->op == BinaryOp::Mul) {
                        emit(Instr::make(Op::MulIntImm, out, acc, static_cast<uint16_t>(static_cast<int16_t>(k))));
                    } else {
                        Constant c{}; c.kind = Constant::Kind::Int;
                        c.i = k;
                        emit(Instr::make(Op::ModIntK, out, acc, add_const(std::move(c))));
                    }
                }
                acc = out;
                continue;
            }
        }
        uint16_t r = expr(n->rhs.get());
        // Division and shifts may raise even when the result is unused.
        if (out == kNoReg) out = temp_for(n->type);
        binary_op(n->op, t, out, acc, r, n->span);
        release_temps(mark);
        acc = out;
    }
}

void FnCompiler::logical_to(const Logical* l, uint16_t dst) {
    // Compute into a fresh temporary: dst may be a variable read by the right operand.
    uint16_t t = temp(false);
    Label end;
    for (size_t i = 0; i + 1 < l->operands.size(); ++i) {
        expr_to(l->operands[i].get(), t);
        m_span = l->span;
        jump_to(end, emit(Instr::make(l->op == LogicalOp::And ? Op::JmpIfFalse : Op::JmpIfTrue, t)));
    }
    expr_to(l->operands.back().get(), t);
    bind(end);
    if (dst != kNoReg) emit(Instr::make(Op::Move, dst, t));
}

std::optional<int16_t> add_immediate(BinaryOp op, const types::Type* type, const Expr* rhs) {
    bool add_or_sub = op == BinaryOp::Add || op == BinaryOp::Sub;
    if (!add_or_sub || type->kind != Kind::Int || rhs->kind != ExprKind::IntLit) return std::nullopt;
    int64_t k = static_cast<const IntLit*>(rhs)->value;
    if (op == BinaryOp::Sub) k = wrapping_neg(k); // x - INT64_MIN: no immediate form
    if (!fits_i16(k)) return std::nullopt;
    return static_cast<int16_t>(k);
}

std::optional<int16_t> small_int_literal(const Expr* e) {
    std::optional<int64_t> v = int_literal_value(*e);
    if (!v || !fits_i16(*v)) return std::nullopt;
    return static_cast<int16_t>(*v);
}

// `l OP k` as a branch: `>` and `>=` become `<=` and `<` with the jump's sense flipped.
void FnCompiler::int_cmp_jump_const(ast::BinaryOp op, uint16_t l, int16_t k, bool jump_if, Label& target) {
    Op o = Op::JEqIntK;
    switch (op) {
    case BinaryOp::Eq: o = Op::JEqIntK; break;
    case BinaryOp::Ne: o = Op::JNeIntK; break;
    case BinaryOp::Lt: o = Op::JLtIntK; break;
    case BinaryOp::Le: o = Op::JLeIntK; break;
    case BinaryOp::Gt: o = Op::JLeIntK; jump_if = !jump_if; break;
    case BinaryOp::Ge: o = Op::JLtIntK; jump_if = !jump_if; break;
    case BinaryOp::Add: case BinaryOp::Sub: case BinaryOp::Mul: case BinaryOp::Div: case BinaryOp::Mod:
    case BinaryOp::BitAnd: case BinaryOp::BitOr: case BinaryOp::BitXor: case BinaryOp::Shl:
    case BinaryOp::Shr: break; // excluded by cond_jump's test
    }
    jump_to(target, emit(Instr::make(o, l, static_cast<uint16_t>(k), 0, jump_if ? 1 : 0)));
}

// Control-flow compilation of a bool expression: jump to target when its value == jump_if.
void FnCompiler::cond_jump(const Expr* e, bool jump_if, Label& target) {
    Span saved = m_span;
    size_t mark = temp_mark();
    m_span = e->span;
    if (e->kind == ExprKind::Unary && static_cast<const Unary*>(e)->op == UnaryOp::Not) {
        cond_jump(static_cast<const Unary*>(e)->operand.get(), !jump_if, target);
    } else if (e->kind == ExprKind::Logical) {
        auto* l = static_cast<const Logical*>(e);
        bool is_and = l->op == LogicalOp::And;
        if (is_and != jump_if) { // and/jump-if-false, or/jump-if-true: any operand decides
            for (const ExprPtr& x : l->operands) cond_jump(x.get(), jump_if, target);
        } else { // only the last operand decides; an earlier one can only skip the jump
            Label skip;
            for (size_t i = 0; i + 1 < l->operands.size(); ++i) cond_jump(l->operands[i].get(), !jump_if, skip);
            cond_jump(l->operands.back().get(), jump_if, target);
            bind(skip);
        }
    } else if (e->kind == ExprKind::BoolLit) {
        if (static_cast<const BoolLit*>(e)->value == jump_if) jump_to(target, emit(Instr::make(Op::Jmp)));
    } else if (e->kind == ExprKind::Binary && is_int_like(static_cast<const Binary*>(e)->lhs->type) &&
               static_cast<const Binary*>(e)->op >= BinaryOp::Eq) {
        auto* b = static_cast<const Binary*>(e);
        uint16_t l = expr(b->lhs.get());
        if (std::optional<int16_t> k = small_int_literal(b->rhs.get())) {
            m_span = e->span;
            int_cmp_jump_const(b->op, l, *k, jump_if, target);
            release_temps(mark);
            m_span = saved;
            return;
        }
        uint16_t r = expr(b->rhs.get());
        m_span = e->span;
        Op o = Op::JEqInt;
        switch (b->op) {
        case BinaryOp::Eq: o = Op::JEqInt; break;
        case BinaryOp::Ne: o = Op::JNeInt; break;
        case BinaryOp::Lt: o = Op::JLtInt; break;
        case BinaryOp::Le: o = Op::JLeInt; break;
        case BinaryOp::Gt: o = Op::JLtInt; std::swap(l, r); break;
        case BinaryOp::Ge: o = Op::JLeInt; std::swap(l, r); break;
        case BinaryOp::Add: case BinaryOp::Sub: case BinaryOp::Mul: case BinaryOp::Div: case BinaryOp::Mod:
        case BinaryOp::BitAnd: case BinaryOp::BitOr: case BinaryOp::BitXor: case BinaryOp::Shl:
        case BinaryOp::Shr: break; // excluded by the caller's test
        }
        jump_to(target, emit(Instr::make(o, l, r, 0, jump_if ? 1 : 0)));
    } else {
        uint16_t r = expr(e);
        m_span = e->span;
        jump_to(target, emit(Instr::make(jump_if ? Op::JmpIfTrue : Op::JmpIfFalse, r)));
    }
    release_temps(mark);
    m_span = saved;
}

// ---- f-strings ---------------------------------------------------------------------------------

void FnCompiler::fstring_to(const FString* f, uint16_t dst) {
    std::vector<uint16_t> parts;
    for (const FStringPart& p : f->parts) {
        if (!p.expr) {
            if (p.literal.empty()) continue;
            uint16_t r = temp(true);
            emit(Instr::make(Op::LoadConst, r, str_const(p.literal)));
            parts.push_back(r);
            continue;
        }
        uint16_t v = expr(p.expr.get());
        const types::Type* t = p.expr->type;
        m_span = p.expr->span;
        if (!p.spec.empty()) {
            uint16_t r = temp(true);
            emit(Instr::make(Op::FormatSpec, r, v, type_const(t)));
            emit(Instr::make(Op::Nop, str_const(p.spec)));
            parts.push_back(r);
        } else if (t->kind == Kind::Str) {
            parts.push_back(v);
        } else {
            uint16_t r = temp(true);
            emit(Instr::make(Op::ToStr, r, v, type_const(t)));
            parts.push_back(r);
        }
    }
    m_span = f->span;
    if (dst == kNoReg) return;
    if (parts.empty()) {
        emit(Instr::make(Op::LoadConst, dst, str_const("")));
    } else {
        emit(Instr::make(Op::ConcatN, dst, 0, static_cast<uint16_t>(parts.size())));
        emit_args(parts);
    }
}

// ---- calls -------------------------------------------------------------------------------------------

bool FnCompiler::builtin_special(const Call* c, uint16_t dst) {
    auto id = static_cast<Builtin>(c->builtin_id);
    auto id_n = static_cast<uint32_t>(c->builtin_id);
    if (id_n >= static_cast<uint32_t>(Builtin::Exception) &&
        id_n < static_cast<uint32_t>(Builtin::Exception) + kErrorKindCount && c->args.size() == 1) {
        uint16_t m = expr(c->args[0].get());
        m_span = c->span;
        uint16_t d = dst == kNoReg ? temp(true) : dst;
        emit(Instr::make(Op::NewError, d, m, 0, static_cast<uint8_t>(id_n - static_cast<uint32_t>(Builtin::Exception))));
        return true;
    }
    if ((id == Builtin::len_ || id == Builtin::array_len || id == Builtin::map_len) && c->args.size() == 1) {
        const types::Type* t = c->args[0]->type;
        Op o;
        if (t->kind == Kind::Str) o = Op::LenStr;
        else if (t->kind == Kind::Array) o = Op::LenArray;
        else if (t->kind == Kind::Map) o = Op::LenMap;
        else if (t->kind == Kind::Bytes) o = Op::LenBytes;
        else if (t->kind == Kind::Tuple) {
            expr_to(c->args[0].get(), kNoReg);
            if (dst != kNoReg) load_int(static_cast<int64_t>(t->items.size()), dst);
            return true;
        } else return false;
        uint16_t a = expr(c->args[0].get());
        if (dst != kNoReg) {
            m_span = c->span;
            emit(Instr::make(o, dst, a));
        }
        return true;
    }
    // Pure math that cannot raise: one instruction, not a call. An unused result computes only the
    // arguments.
    const size_t nargs = c->args.size();
    Op pure = Op::Nop;
    if (is_float_math(id_n) && nargs == 1) pure = Op::FloatMath; // fsqrt, sin, ... (types/float_math.def)
    else if (id == Builtin::abs_ && nargs == 1) pure = Op::AbsInt;
    else if (id == Builtin::min_ && nargs == 2) pure = Op::MinInt;
    else if (id == Builtin::max_ && nargs == 2) pure = Op::MaxInt;
    if (pure != Op::Nop) {
        uint16_t a = expr(c->args[0].get());
        // FloatMath's c names the function; min and max take a second register.
        uint16_t third = pure == Op::FloatMath ? static_cast<uint16_t>(id_n) : nargs == 2 ? expr(c->args[1].get()) : 0;
        if (dst != kNoReg) {
            m_span = c->span;
            emit(Instr::make(pure, dst, a, third));
        }
        return true;
    }
    // to_str(int): the ToStr opcode (the f-string path: digits straight into a new string), not a
    // builtin call. Same text as bi_to_str; cannot raise.
    if (id == Builtin::to_str && c->args.size() == 1 && c->args[0]->type->kind == Kind::Int) {
        uint16_t a = expr(c->args[0].get());
        if (dst != kNoReg) {
            m_span = c->span;
            emit(Instr::make(Op::ToStr, dst, a, type_const(c->args[0]->type)));
        }
        return true;
    }
    if (id == Builtin::map_has_key && c->args.size() == 2 && c->args[0]->type->kind == Kind::Map) {
        uint16_t m = expr(c->args[0].get());
        uint16_t k = expr(c->args[1].get());
        m_span = c->span;
        emit(Instr::make(Op::MapHasKey, dst == kNoReg ? temp_for(c->type) : dst, m, k));
        return true;
    }
    if ((id == Builtin::mutex_lock || id == Builtin::mutex_unlock) && c->args.size() == 1 &&
        c->args[0]->type->kind == Kind::Mutex) { // a ptr argument needs the builtin's registry check
        uint16_t m = expr(c->args[0].get());
        m_span = c->span;
        emit(Instr::make(id == Builtin::mutex_lock ? Op::MutexLock : Op::MutexUnlock, m));
        return true;
    }
    if (id == Builtin::array_push && c->args.size() == 2 && c->args[0]->type->kind == Kind::Array) {
        uint16_t a = expr(c->args[0].get());
        uint16_t v = expr(c->args[1].get());
        m_span = c->span;
        emit(Instr::make(Op::ArrayPush, a, v));
        return true;
    }
    return false;
}

void FnCompiler::call_to(const Call* c, uint16_t dst) {
    if (c->call_kind == CallKind::Builtin && builtin_special(c, dst)) return;
    if (c->call_kind == CallKind::Method) {
        method_call_to(c, dst);
        return;
    }
    uint16_t callee = 0;
    if (c->call_kind == CallKind::Value) callee = expr(c->callee.get());
    std::vector<uint16_t> args;
    for (const ExprPtr& a : c->args) args.push_back(expr(a.get()));
    m_span = c->span;
    bool is_void_result = is_void(c->type);
    uint16_t d = dst;
    if (d == kNoReg && !is_void_result) d = temp_for(c->type);
    uint8_t x = is_void_result ? 1 : 0;
    if (is_void_result) d = 0;
    auto n = static_cast<uint16_t>(args.size());
    switch (c->call_kind) {
    case CallKind::Builtin: {
        bytecode::BuiltinSite site;
        for (const ExprPtr& a : c->args) site.arg_types.push_back(a->type);
        site.result_type = c->type;
        m_proto.builtin_sites.push_back(std::move(site));
        emit(Instr::make(Op::CallBuiltin, d, static_cast<uint16_t>(c->builtin_id), n, x));
        emit(Instr::make(Op::Nop, static_cast<uint16_t>(m_proto.builtin_sites.size() - 1)));
        break;
    }
    case CallKind::Function: emit(Instr::make(Op::Call, d, static_cast<uint16_t>(c->function_index), n, x)); break;
    case CallKind::Value: emit(Instr::make(Op::CallValue, d, callee, n, x)); break;
    case CallKind::Unresolved: case CallKind::Method:
        std::fprintf(stderr, "bp: internal error: unresolved call\n");
        std::exit(70);
    }
    emit_args(args);
}

// o.m(args): the receiver is the first argument. Direct Call when the checker proved the target
// (struct methods, super calls, methods no subclass overrides), else one vtable load (CallMethod).
void FnCompiler::method_call_to(const Call* c, uint16_t dst) {
    auto* f = static_cast<const Field*>(c->callee.get());
    if (c->function_index == kNoFunction) return; // super() with no constructor above: nothing runs
    std::vector<uint16_t> args;
    args.push_back(expr(f->object.get()));
    for (const ExprPtr& a : c->args) args.push_back(expr(a.get()));
    m_span = c->span;
    bool is_void_result = is_void(c->type);
    uint16_t d = is_void_result ? 0 : dst == kNoReg ? temp_for(c->type) : dst;
    uint8_t x = is_void_result ? 1 : 0;
    auto n = static_cast<uint16_t>(args.size());
    if (c->virtual_call) emit(Instr::make(Op::CallMethod, d, static_cast<uint16_t>(c->method_slot), n, x));
    else emit(Instr::make(Op::Call, d, static_cast<uint16_t>(c->function_index), n, x));
    emit_args(args);
}

// new C(args): arguments first (left to right), then allocate, run __init__, check that every
// field without a zero value was assigned; the object is moved to dst last.
void FnCompiler::new_to(const New* n, uint16_t dst) {
    const types::StructInfo* info = n->type->info;
    std::vector<uint16_t> args{0};
    for (const ExprPtr& a : n->args) args.push_back(expr(a.get()));
    uint16_t obj = temp(true);
    args[0] = obj;
    m_span = n->span;
    emit(Instr::make(Op::NewObject, obj, type_const(n->type)));
    if (info->init_function >= 0) {
        emit(Instr::make(Op::Call, 0, static_cast<uint16_t>(info->init_function), static_cast<uint16_t>(args.size()), 1));
        emit_args(args);
    }
    if (!info->required_fields.empty()) emit(Instr::make(Op::CheckInit, obj));
    if (dst != kNoReg) emit(Instr::make(Op::Move, dst, obj));
}

// ---- indexing and fields ----------------------------------------------------------------------

int FnCompiler::tuple_index(const Expr* index, const types::Type* tuple_type) {
    int64_t k = int_literal_value(*index).value_or(0); // the checker accepted only such indexes
    if (k < 0) k += static_cast<int64_t>(tuple_type->items.size());
    return static_cast<int>(k);
}

void FnCompiler::index_to(const Index* ix, uint16_t dst) {
    const types::Type* t = ix->object->type;
    uint16_t o = expr(ix->object.get());
    if (t->kind == Kind::Tuple) {
        if (dst != kNoReg)
            emit(Instr::make(Op::GetTupleItem, dst, o, static_cast<uint16_t>(tuple_index(ix->index.get(), t))));
        return;
    }
    uint16_t i = expr(ix->index.get());
    m_span = ix->span;
    uint16_t d = dst == kNoReg ? temp_for(ix->type) : dst; // indexing may raise: always run it
    Op op = t->kind == Kind::Str ? Op::IndexStr : t->kind == Kind::Map ? Op::IndexMap
          : t->kind == Kind::Bytes ? Op::IndexBytes : Op::IndexArray;
    emit(Instr::make(op, d, o, i));
}

void FnCompiler::field_to(const Field* f, uint16_t dst) {
    if (f->ref == FieldRef::EnumMember) {
        if (dst != kNoReg) load_int(f->enum_value, dst);
        return;
    }
    uint16_t o = expr(f->object.get());
    if (dst == kNoReg) return;
    m_span = f->span;
    switch (f->ref) {
    case FieldRef::StructField: {
        // A class field without a zero value may still be unset (read inside __init__).
        const types::StructInfo* info = f->object->type->info;
        bool checked = info->is_class && !types::has_zero_value(info->fields()[f->field_index].type);
        emit(Instr::make(checked ? Op::GetFieldChecked : Op::GetField, dst, o, static_cast<uint16_t>(f->field_index)));
        return;
    }
    case FieldRef::ErrorKind: emit(Instr::make(Op::ErrorField, dst, o, 0)); return;
    case FieldRef::ErrorMessage: emit(Instr::make(Op::ErrorField, dst, o, 1)); return;
    case FieldRef::ErrorTraceback: emit(Instr::make(Op::ErrorField, dst, o, 2)); return;
    case FieldRef::EnumMember: case FieldRef::Unresolved: case FieldRef::ModuleMember: case FieldRef::Method:
        std::fprintf(stderr, "bp: this field access is not supported yet\n");
        std::exit(65);
    }
}

// ---- literals ----------------------------------------------------------------------------------------

void FnCompiler::array_lit_to(const std::vector<ExprPtr>& items, const types::Type* t, uint16_t dst, Span span) {
    constexpr size_t kInline = 32; // longer literals push element by element (bounded registers)
    if (items.size() <= kInline) {
        std::vector<uint16_t> regs;
        for (const ExprPtr& it : items) regs.push_back(expr(it.get()));
        m_span = span;
        emit(Instr::make(Op::NewArray, dst, type_const(t), static_cast<uint16_t>(regs.size())));
        emit_args(regs);
        return;
    }
    // Evaluate into a temporary so dst (maybe a variable read by an element) is written last.
    uint16_t arr = temp(true);
    m_span = span;
    emit(Instr::make(Op::NewArray, arr, type_const(t), 0));
    for (const ExprPtr& it : items) {
        size_t mark = temp_mark();
        uint16_t v = expr(it.get());
        m_span = span;
        emit(Instr::make(Op::ArrayPush, arr, v));
        release_temps(mark);
    }
    emit(Instr::make(Op::Move, dst, arr));
}

void FnCompiler::map_lit_to(const MapLit* m, uint16_t dst) {
    uint16_t map = m->entries.empty() ? dst : temp(true);
    emit(Instr::make(Op::NewMap, map, type_const(m->type)));
    for (const auto& [k, v] : m->entries) {
        size_t mark = temp_mark();
        uint16_t kr = expr(k.get());
        uint16_t vr = expr(v.get());
        m_span = m->span;
        emit(Instr::make(Op::SetIndexMap, map, kr, vr));
        release_temps(mark);
    }
    if (map != dst) emit(Instr::make(Op::Move, dst, map));
}

void FnCompiler::tuple_lit_to(const TupleLit* t, uint16_t dst) {
    if (t->type->kind == Kind::Array) {
        array_lit_to(t->items, t->type, dst, t->span);
        return;
    }
    std::vector<uint16_t> regs;
    for (const ExprPtr& it : t->items) regs.push_back(expr(it.get()));
    m_span = t->span;
    emit(Instr::make(Op::NewTuple, dst, type_const(t->type), static_cast<uint16_t>(regs.size())));
    emit_args(regs);
}

void FnCompiler::struct_lit_to(const StructLit* s, uint16_t dst) {
    std::vector<uint16_t> regs(s->fields.size(), 0);
    for (const StructLit::Init& f : s->fields) regs[f.field_index] = expr(f.value.get()); // source order
    m_span = s->span;
    emit(Instr::make(Op::NewInstance, dst, type_const(s->type), static_cast<uint16_t>(regs.size())));
    emit_args(regs);
}

void FnCompiler::lambda_to(const ast::Lambda* l, uint16_t dst) {
    uint32_t index = compile_lambda_proto(m_pb, *l, m_proto.file);
    if (dst == kNoReg) return;
    std::vector<uint16_t> cells;
    for (const LocalVar* v : l->captures) cells.push_back(capture_cell(v));
    m_span = l->span;
    emit(Instr::make(Op::MakeClosure, dst, static_cast<uint16_t>(index), static_cast<uint16_t>(cells.size())));
    emit_args(cells);
}

void FnCompiler::convert_to(const Convert* c, uint16_t dst) {
    switch (c->conv) {
    case ConvertKind::Upcast: expr_to(c->operand.get(), dst); return;
    case ConvertKind::HandleToPtr: {
        // The same word, through __handle_ptr: a handle that becomes an untraced ptr is never
        // collected (runtime/thread/handles.hpp).
        uint16_t v = expr(c->operand.get());
        if (dst == kNoReg) return;
        m_span = c->span;
        call_builtin_regs(static_cast<uint32_t>(bp::Builtin::handle_to_ptr), dst, {v}, {c->operand->type}, c->type);
        return;
    }
    case ConvertKind::Box: {
        if (is_void(c->operand->type)) {
            expr_to(c->operand.get(), kNoReg);
            if (dst != kNoReg) emit(Instr::make(Op::BoxEmpty, dst));
            return;
        }
        uint16_t v = expr(c->operand.get());
        if (dst == kNoReg) return;
        m_span = c->span;
        emit(Instr::make(Op::Box, dst, v, type_const(c->operand->type)));
        return;
    }
    case ConvertKind::Unbox: {
        uint16_t v = expr(c->operand.get());
        m_span = c->span;
        uint16_t d = dst == kNoReg ? temp_for(c->type) : dst;
        emit(Instr::make(Op::Unbox, d, v, type_const(c->type)));
        return;
    }
    case ConvertKind::ErrorToStr: {
        uint16_t v = expr(c->operand.get());
        if (dst != kNoReg) emit(Instr::make(Op::ErrorField, dst, v, 1));
        return;
    }
    }
}

} // namespace bp::compile
