// Statement code generation: assignments, control flow, loops, try/catch/finally.
#include "types/builtins.hpp"
#include "compile/fn_compiler.hpp"

namespace bp::compile {

using namespace bp::ast;
using types::Kind;

void FnCompiler::block(const Block& b) {
    for (const StmtPtr& s : b.stmts) stmt(s.get());
}

void FnCompiler::stmt(const Stmt* s) {
    Span saved = m_span;
    m_span = s->span;
    size_t mark = temp_mark();
    switch (s->kind) {
    case StmtKind::Let: let_stmt(static_cast<const Let*>(s)); break;
    case StmtKind::LetTuple: let_tuple(static_cast<const LetTuple*>(s)); break;
    case StmtKind::Assign: assign(static_cast<const Assign*>(s)); break;
    case StmtKind::TupleAssign: tuple_assign(static_cast<const TupleAssign*>(s)); break;
    case StmtKind::ExprStmt: expr_to(static_cast<const ExprStmt*>(s)->expr.get(), kNoReg); break;
    case StmtKind::If: if_stmt(static_cast<const If*>(s)); break;
    case StmtKind::While: while_stmt(static_cast<const While*>(s)); break;
    case StmtKind::ForRange: for_range(static_cast<const ForRange*>(s)); break;
    case StmtKind::ForEach: for_each(static_cast<const ForEach*>(s)); break;
    case StmtKind::Break: {
        LoopCtx* loop = m_loops.back();
        exit_through(loop->try_depth, [&] { jump_to(loop->break_label, emit(Instr::make(Op::Jmp))); });
        break;
    }
    case StmtKind::Continue: {
        LoopCtx* loop = m_loops.back();
        exit_through(loop->try_depth, [&] { jump_to(loop->continue_label, emit(Instr::make(Op::Jmp))); });
        break;
    }
    case StmtKind::Pass: break;
    case StmtKind::Return: return_stmt(static_cast<const Return*>(s)); break;
    case StmtKind::Match: match_stmt(static_cast<const Match*>(s)); break;
    case StmtKind::Try: try_stmt(static_cast<const Try*>(s)); break;
    case StmtKind::With: with_stmt(static_cast<const With*>(s)); break;
    case StmtKind::Select: select_stmt(static_cast<const Select*>(s)); break;
    case StmtKind::Throw: throw_stmt(static_cast<const Throw*>(s)); break;
    }
    release_temps(mark);
    m_span = saved;
}

// ---- variables and assignment ------------------------------------------------------------------

void FnCompiler::let_stmt(const Let* s) {
    const LocalVar* v = s->var;
    if (!v->captured) {
        expr_to(s->init.get(), local_reg(v));
        return;
    }
    uint16_t r = expr(s->init.get());
    m_span = s->span;
    declare_local(v, r);
}

void FnCompiler::let_tuple(const LetTuple* s) {
    std::vector<uint16_t> vals;
    if (s->init->kind == ExprKind::TupleLit && s->init->type->kind == Kind::Tuple) {
        for (const ExprPtr& it : static_cast<const TupleLit*>(s->init.get())->items) {
            uint16_t t = temp_for(it->type);
            expr_to(it.get(), t);
            vals.push_back(t);
        }
    } else {
        uint16_t tup = expr(s->init.get());
        m_span = s->span;
        for (size_t i = 0; i < s->vars.size(); ++i) {
            uint16_t t = temp_for(s->vars[i]->type);
            emit(Instr::make(Op::GetTupleItem, t, tup, static_cast<uint16_t>(i)));
            vals.push_back(t);
        }
    }
    m_span = s->span;
    for (size_t i = 0; i < s->vars.size(); ++i) declare_local(s->vars[i], vals[i]);
}

// Stores `value` into an lvalue: evaluates the target's object and index expressions now.
void FnCompiler::store_to(const Expr* target, uint16_t value) {
    m_span = target->span;
    switch (target->kind) {
    case ExprKind::Name: {
        auto* n = static_cast<const Name*>(target);
        if (n->ref == NameRef::Local) {
            uint16_t r = local_reg(n->local);
            if (n->local->captured) emit(Instr::make(Op::SetCell, r, value));
            else if (r != value) emit(Instr::make(Op::Move, r, value));
        } else if (n->ref == NameRef::Capture) {
            emit(Instr::make(Op::SetCapture, static_cast<uint16_t>(n->index), value));
        } else if (n->ref == NameRef::Global) {
            emit(Instr::make(Op::SetGlobal, value, static_cast<uint16_t>(n->index)));
        }
        return;
    }
    case ExprKind::Index: {
        auto* ix = static_cast<const Index*>(target);
        uint16_t o = expr(ix->object.get());
        uint16_t i = expr(ix->index.get());
        m_span = target->span;
        Kind ok = ix->object->type->kind;
        Op op = ok == Kind::Map ? Op::SetIndexMap : ok == Kind::Bytes ? Op::SetIndexBytes : Op::SetIndexArray;
        emit(Instr::make(op, o, i, value));
        return;
    }
    case ExprKind::Field: {
        auto* f = static_cast<const Field*>(target);
        uint16_t o = expr(f->object.get());
        m_span = target->span;
        emit(Instr::make(Op::SetField, o, static_cast<uint16_t>(f->field_index), value));
        return;
    }
    case ExprKind::IntLit: case ExprKind::FloatLit: case ExprKind::BoolLit: case ExprKind::StrLit:
    case ExprKind::FString: case ExprKind::Unary: case ExprKind::Binary: case ExprKind::Logical:
    case ExprKind::Call: case ExprKind::ArrayLit: case ExprKind::MapLit: case ExprKind::TupleLit:
    case ExprKind::StructLit: case ExprKind::Lambda: case ExprKind::Cast: case ExprKind::New:
    case ExprKind::Super: case ExprKind::Convert:
        return; // the checker allows only names, indexes and fields as targets
    }
}

void FnCompiler::assign(const Assign* s) {
    if (s->op != AssignOp::Set) {
        compound_assign(s);
        return;
    }
    const Expr* t = s->target.get();
    if (t->kind == ExprKind::Name) {
        auto* n = static_cast<const Name*>(t);
        if (n->ref == NameRef::Local && !n->local->captured) {
            expr_to(s->value.get(), local_reg(n->local));
            return;
        }
    }
    if (t->kind == ExprKind::Index && array_store_constant(static_cast<const Index*>(t), s->value.get())) return;
    uint16_t v = expr(s->value.get()); // right side first, then the target's parts
    store_to(t, v);
}

// `a[i] = k` for an array of ints or bools and a small int or bool literal k: SetIndexArrayK, the
// constant in the instruction. (A literal has no side effects, so evaluating it last is unseen.)
bool FnCompiler::array_store_constant(const Index* target, const Expr* value) {
    const types::Type* arr = target->object->type;
    if (arr->kind != Kind::Array || arr->elem->kind != value->type->kind) return false; // [any] boxes
    std::optional<int16_t> k;
    if (value->type->kind == Kind::Int) k = small_int_literal(value);
    else if (value->type->kind == Kind::Bool && value->kind == ExprKind::BoolLit)
        k = static_cast<const BoolLit*>(value)->value ? 1 : 0;
    if (!k) return false;
    uint16_t o = expr(target->object.get());
    uint16_t i = expr(target->index.get());
    m_span = target->span;
    emit(Instr::make(Op::SetIndexArrayK, o, i, static_cast<uint16_t>(*k)));
    return true;
}

namespace {
BinaryOp binary_of(AssignOp op) {
    switch (op) {
    case AssignOp::Add: return BinaryOp::Add;
    case AssignOp::Sub: return BinaryOp::Sub;
    case AssignOp::Mul: return BinaryOp::Mul;
    case AssignOp::Div: return BinaryOp::Div;
    case AssignOp::Mod: return BinaryOp::Mod;
    case AssignOp::BitAnd: return BinaryOp::BitAnd;
    case AssignOp::BitOr: return BinaryOp::BitOr;
    case AssignOp::BitXor: return BinaryOp::BitXor;
    case AssignOp::Shl: return BinaryOp::Shl;
    case AssignOp::Shr: return BinaryOp::Shr;
    case AssignOp::Set: break;
    }
    return BinaryOp::Add;
}
} // namespace

// a[k()] += v: the target's parts are evaluated once, then read, combined, written back.
void FnCompiler::compound_assign(const Assign* s) {
    const Expr* t = s->target.get();
    BinaryOp op = binary_of(s->op);
    const types::Type* ty = t->type;
    if (t->kind == ExprKind::Name) {
        auto* n = static_cast<const Name*>(t);
        if (n->ref == NameRef::Local && !n->local->captured) {
            uint16_t r = local_reg(n->local);
            if (std::optional<int16_t> k = add_immediate(op, ty, s->value.get())) {
                emit(Instr::make(Op::AddIntImm, r, r, static_cast<uint16_t>(*k)));
                return;
            }
            uint16_t v = expr(s->value.get());
            binary_op(op, ty, r, r, v, s->span);
            return;
        }
        uint16_t cur = temp_for(ty);
        name_to(n, cur);
        uint16_t v = expr(s->value.get());
        binary_op(op, ty, cur, cur, v, s->span);
        store_to(t, cur);
        return;
    }
    uint16_t cur = temp_for(ty);
    if (t->kind == ExprKind::Index) {
        auto* ix = static_cast<const Index*>(t);
        uint16_t o = expr(ix->object.get());
        uint16_t i = expr(ix->index.get());
        Kind ok = ix->object->type->kind;
        m_span = t->span;
        emit(Instr::make(ok == Kind::Map ? Op::IndexMap : ok == Kind::Bytes ? Op::IndexBytes : Op::IndexArray, cur, o, i));
        uint16_t v = expr(s->value.get());
        binary_op(op, ty, cur, cur, v, s->span);
        m_span = t->span;
        emit(Instr::make(ok == Kind::Map ? Op::SetIndexMap : ok == Kind::Bytes ? Op::SetIndexBytes : Op::SetIndexArray,
                         o, i, cur));
    } else if (t->kind == ExprKind::Field) {
        auto* f = static_cast<const Field*>(t);
        uint16_t o = expr(f->object.get());
        m_span = t->span;
        emit(Instr::make(Op::GetField, cur, o, static_cast<uint16_t>(f->field_index)));
        uint16_t v = expr(s->value.get());
        binary_op(op, ty, cur, cur, v, s->span);
        emit(Instr::make(Op::SetField, o, static_cast<uint16_t>(f->field_index), cur));
    }
}

// a, b = b, a: the whole right side is evaluated (into fresh temporaries) before any store.
void FnCompiler::tuple_assign(const TupleAssign* s) {
    std::vector<uint16_t> vals;
    if (s->value->kind == ExprKind::TupleLit) {
        for (const ExprPtr& it : static_cast<const TupleLit*>(s->value.get())->items) {
            uint16_t t = temp_for(it->type);
            expr_to(it.get(), t);
            vals.push_back(t);
        }
    } else {
        uint16_t tup = expr(s->value.get());
        const types::Type* tt = s->value->type;
        for (size_t i = 0; i < s->targets.size(); ++i) {
            uint16_t t = temp_for(tt->items[i]);
            emit(Instr::make(Op::GetTupleItem, t, tup, static_cast<uint16_t>(i)));
            vals.push_back(t);
        }
    }
    for (size_t i = 0; i < s->targets.size(); ++i) {
        size_t mark = temp_mark();
        store_to(s->targets[i].get(), vals[i]);
        release_temps(mark);
    }
}

// ---- control flow --------------------------------------------------------------------------------

void FnCompiler::if_stmt(const If* s) {
    Label end;
    for (size_t i = 0; i < s->branches.size(); ++i) {
        Label next;
        cond_jump(s->branches[i].first.get(), false, next);
        block(s->branches[i].second);
        bool last = i + 1 == s->branches.size() && !s->else_block;
        if (!last) jump_to(end, emit(Instr::make(Op::Jmp)));
        bind(next);
    }
    if (s->else_block) block(*s->else_block);
    bind(end);
}

void FnCompiler::loop_body(const Block& body, LoopCtx& loop) {
    loop.try_depth = m_tries.size();
    m_loops.push_back(&loop);
    block(body);
    m_loops.pop_back();
}

// Condition at the bottom: one conditional back-edge per iteration.
void FnCompiler::while_stmt(const While* s) {
    LoopCtx loop;
    Label top;
    jump_to(loop.continue_label, emit(Instr::make(Op::Jmp)));
    bind(top);
    loop_body(s->body, loop);
    bind(loop.continue_label);
    m_span = s->cond->span;
    cond_jump(s->cond.get(), true, top);
    bind(loop.break_label);
}

// Counter, stop, step and the loop variable live in four consecutive scalar registers
// (ForPrep/ForLoop): the loop instructions write the variable (a fresh copy of the counter in each
// iteration), so the body may assign it without disturbing the iteration. A captured variable
// gets a fresh Cell from R[base+3] in each iteration; a variable that already has a register
// (not a fresh local) is copied from it. A literal step of 1 (the usual range(n) / range(a, b))
// takes ForLoopInc: no step sign test and no overflow check.
void FnCompiler::for_range(const ForRange* s) {
    uint16_t base = new_reg(false);
    new_reg(false);
    new_reg(false);
    uint16_t var = new_reg(false);
    size_t n = s->args.size();
    if (n == 1) {
        load_int(0, base);
        expr_to(s->args[0].get(), base + 1);
    } else {
        expr_to(s->args[0].get(), base);
        expr_to(s->args[1].get(), base + 1);
    }
    bool step1 = n < 3 || (s->args[2]->kind == ExprKind::IntLit && static_cast<const IntLit*>(s->args[2].get())->value == 1);
    if (n == 3) expr_to(s->args[2].get(), base + 2);
    else load_int(1, base + 2);
    m_span = s->range_span;
    LoopCtx loop;
    jump_to(loop.break_label, emit(Instr::make_sbc(Op::ForPrep, base, 0)));
    uint32_t top = pc();
    if (!s->var->captured && !m_locals.count(s->var)) m_locals.emplace(s->var, var);
    else declare_local(s->var, var);
    loop_body(s->body, loop);
    bind(loop.continue_label);
    m_span = s->span;
    emit(Instr::make_sbc(step1 ? Op::ForLoopInc : Op::ForLoop, base, static_cast<int32_t>(top) - static_cast<int32_t>(pc())));
    bind(loop.break_label);
}

// for x in ch: x = chan_recv_ok(ch) until its flag is false (closed and drained).
void FnCompiler::for_each_channel(const ForEach* s) {
    uint16_t ch = new_reg(true);
    uint16_t item = new_reg(true);
    uint16_t ok = new_reg(false);
    expr_to(s->iterable.get(), ch);
    const LocalVar* v = s->var;
    uint16_t elem = v->captured ? new_reg(v->type->is_ref()) : local_reg(v);
    LoopCtx loop;
    uint32_t top = pc();
    m_span = s->span;
    call_builtin_regs(static_cast<uint32_t>(bp::Builtin::chan_recv_ok), item, {ch}, {s->iterable->type}, s->chan_item);
    emit(Instr::make(Op::GetTupleItem, ok, item, 0));
    jump_to(loop.break_label, emit(Instr::make(Op::JmpIfFalse, ok)));
    emit(Instr::make(Op::GetTupleItem, elem, item, 1));
    if (v->captured) declare_local(v, elem);
    loop_body(s->body, loop);
    bind(loop.continue_label);
    m_span = s->span;
    emit(Instr::make_sbc(Op::Jmp, 0, static_cast<int32_t>(top) - static_cast<int32_t>(pc())));
    bind(loop.break_label);
}

void FnCompiler::for_each(const ForEach* s) {
    if (s->chan_item) {
        for_each_channel(s);
        return;
    }
    const types::Type* t = s->iterable->type;
    uint16_t coll = new_reg(true);
    uint16_t len = new_reg(false);
    uint16_t idx = new_reg(false);
    expr_to(s->iterable.get(), coll);
    m_span = s->iterable->span;
    bool is_str = t->kind == Kind::Str;
    bool is_bytes = t->kind == Kind::Bytes;
    if (t->kind == Kind::Map) emit(Instr::make(Op::MapKeys, coll, coll));
    emit(Instr::make(is_str ? Op::LenStr : is_bytes ? Op::LenBytes : Op::LenArray, len, coll));
    load_int(-1, idx);
    const LocalVar* v = s->var;
    uint16_t elem = v->captured ? new_reg(v->type->is_ref()) : local_reg(v);
    // The test is at the bottom (one dispatch per element): enter at it, and it jumps back to the
    // body while elements are left.
    LoopCtx loop;
    m_span = s->span;
    jump_to(loop.continue_label, emit(Instr::make_sbc(Op::Jmp, 0, 0)));
    uint32_t top = pc();
    if (v->captured) declare_local(v, elem);
    loop_body(s->body, loop);
    bind(loop.continue_label);
    m_span = s->span;
    uint32_t site = emit(Instr::make(is_str ? Op::ForStr : is_bytes ? Op::ForBytes : Op::ForArray, elem, coll, idx));
    emit(Instr::make(Op::Nop, len));
    patch(site, top);
    bind(loop.break_label);
}

void FnCompiler::match_stmt(const Match* s) {
    uint16_t subj = temp_for(s->subject->type);
    expr_to(s->subject.get(), subj);
    std::vector<Label> arms(s->cases.size());
    const types::Type* t = s->subject->type;
    for (size_t i = 0; i < s->cases.size(); ++i) {
        size_t mark = temp_mark();
        const Expr* c = s->cases[i].first.get();
        uint16_t v = expr(c);
        m_span = c->span;
        if (is_int_like(t)) {
            jump_to(arms[i], emit(Instr::make(Op::JEqInt, subj, v, 0, 1)));
        } else {
            uint16_t b = temp(false);
            binary_op(BinaryOp::Eq, t, b, subj, v, c->span);
            jump_to(arms[i], emit(Instr::make(Op::JmpIfTrue, b)));
        }
        release_temps(mark);
    }
    Label end;
    if (s->default_block) block(*s->default_block);
    jump_to(end, emit(Instr::make(Op::Jmp)));
    for (size_t i = 0; i < s->cases.size(); ++i) {
        bind(arms[i]);
        block(s->cases[i].second);
        if (i + 1 < s->cases.size()) jump_to(end, emit(Instr::make(Op::Jmp)));
    }
    bind(end);
}

void FnCompiler::return_stmt(const Return* s) {
    if (!s->value) {
        exit_through(0, [&] { emit(Instr::make(Op::RetVoid)); });
        return;
    }
    if (s->value->type->kind == Kind::Void) { // `return f()` in a void function
        expr_to(s->value.get(), kNoReg);
        exit_through(0, [&] { emit(Instr::make(Op::RetVoid)); });
        return;
    }
    uint16_t r;
    if (m_tries.empty()) {
        r = expr(s->value.get());
    } else { // the value is computed before finally runs, which may assign the variable
        r = temp_for(s->value->type);
        expr_to(s->value.get(), r);
    }
    m_span = s->span;
    exit_through(0, [&] { emit(Instr::make(Op::Ret, r)); });
}

void FnCompiler::throw_stmt(const Throw* s) {
    if (!s->value) {
        emit(Instr::make(Op::Throw, m_catch_errs.empty() ? 0 : m_catch_errs.back()));
        return;
    }
    uint16_t v = expr(s->value.get());
    m_span = s->span;
    if (s->value->type->kind == Kind::Str) {
        uint16_t e = temp(true);
        emit(Instr::make(Op::NewError, e, v, 0, static_cast<uint8_t>(ErrorKind::Exception)));
        v = e;
    }
    emit(Instr::make(Op::Throw, v));
}

} // namespace bp::compile
