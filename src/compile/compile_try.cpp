// try / catch / finally, and exits (return, break, continue) that leave try statements.
//
// Layout of `try: B catch K as e: C finally: F`:
//     B                      catch region (handler H) and finally region (handler HF)
//     Jmp FIN
//   H: JmpIfErrKind E, K -> C1 ... ; Throw E        (finally region still covers this)
//   C1: e = E; C; Jmp FIN
//   FIN: F                   normal completion
//     Jmp END
//   HF: F; Throw E           exception path: run finally, re-raise (the trace is kept)
//   END:
// A return/break/continue inside B or C runs F inline first (see exit_through).
#include "compile/fn_compiler.hpp"
#include "types/builtins.hpp"

namespace bp::compile {

using namespace bp::ast;

void FnCompiler::open_region(Region& r) {
    r.open_start = pc();
    r.open = true;
}

void FnCompiler::close_region(Region& r) {
    if (!r.open) return;
    if (pc() > r.open_start) r.ranges.emplace_back(r.open_start, pc());
    r.open = false;
}

void FnCompiler::commit_region(const Region& r, uint32_t handler) {
    for (auto [start, end] : r.ranges)
        m_proto.handlers.push_back(bytecode::Handler{start, end, handler, r.error_reg});
}

// Runs the finally blocks of every try being left (innermost first), then emits the jump. While
// the finally code of a try runs, that try's regions (and inner ones) are suspended, so an
// exception there goes to the enclosing handlers.
void FnCompiler::exit_through(size_t try_depth, const std::function<void()>& final_jump) {
    std::vector<Region*> suspended;
    for (size_t i = m_tries.size(); i > try_depth; --i) {
        TryCtx* t = m_tries[i - 1];
        for (Region* r : {&t->catch_region, &t->finally_region}) {
            if (r->open) {
                close_region(*r);
                suspended.push_back(r);
            }
        }
        if (t->finally_block) {
            size_t mark = temp_mark();
            block(*t->finally_block);
            release_temps(mark);
        }
        if (t->finally_code) t->finally_code();
    }
    final_jump();
    for (Region* r : suspended) open_region(*r);
}

void FnCompiler::catch_clauses(const Try* s, TryCtx& ctx, uint16_t err, Label& done) {
    for (const Catch& c : s->catches) {
        Label body, next;
        bool catch_all = c.error_kinds.empty();
        for (uint32_t k : c.error_kinds)
            if (k == static_cast<uint32_t>(ErrorKind::Exception)) catch_all = true;
        m_span = c.span;
        if (!catch_all) {
            for (uint32_t k : c.error_kinds)
                jump_to(body, emit(Instr::make_sbc(Op::JmpIfErrKind, err, 0, static_cast<uint8_t>(k))));
            jump_to(next, emit(Instr::make(Op::Jmp)));
        }
        bind(body);
        if (c.var) declare_local(c.var, err);
        m_catch_errs.push_back(err);
        block(c.body);
        m_catch_errs.pop_back();
        jump_to(done, emit(Instr::make(Op::Jmp)));
        bind(next);
        if (catch_all) return;
    }
    m_span = s->span;
    emit(Instr::make(Op::Throw, err)); // no clause matched: propagate (finally region covers this)
    (void)ctx;
}

void FnCompiler::try_stmt(const Try* s) {
    TryCtx ctx;
    ctx.has_catch = !s->catches.empty();
    ctx.finally_block = s->finally_block.get();
    uint16_t err = new_reg(true);
    ctx.catch_region.error_reg = err;
    ctx.finally_region.error_reg = err;
    if (ctx.finally_block) open_region(ctx.finally_region);
    if (ctx.has_catch) open_region(ctx.catch_region);

    m_tries.push_back(&ctx);
    block(s->body);
    close_region(ctx.catch_region);
    Label fin;
    m_span = s->span;
    jump_to(fin, emit(Instr::make(Op::Jmp)));
    uint32_t catch_handler = pc();
    if (ctx.has_catch) catch_clauses(s, ctx, err, fin);
    close_region(ctx.finally_region);
    m_tries.pop_back();

    if (ctx.has_catch) commit_region(ctx.catch_region, catch_handler);
    bind(fin);
    if (!ctx.finally_block) return;
    block(*ctx.finally_block);
    Label end;
    m_span = s->span;
    jump_to(end, emit(Instr::make(Op::Jmp)));
    commit_region(ctx.finally_region, pc());
    block(*ctx.finally_block);
    m_span = s->span;
    emit(Instr::make(Op::Throw, err));
    bind(end);
}

// with S: B  ==  enter(S); try: B finally: exit(S), with S evaluated once into a register (the
// exit builtin is chosen by the checker from S's static type).
void FnCompiler::with_stmt(const With* s) {
    const types::Type* st = s->subject->type;
    uint16_t subj = new_reg(st->is_ref());
    expr_to(s->subject.get(), subj);
    m_span = s->span;
    // A Mutex locks and unlocks through the inline opcodes (runtime/thread/mutex_fast.hpp).
    bool mutex = st->kind == types::Kind::Mutex && s->enter_builtin == static_cast<uint32_t>(Builtin::mutex_lock) &&
                 s->exit_builtin == static_cast<uint32_t>(Builtin::mutex_unlock);
    const types::Type* void_t = nullptr; // void results: no destination register
    if (mutex) emit(Instr::make(Op::MutexLock, subj));
    else call_builtin_regs(s->enter_builtin, kNoReg, {subj}, {st}, void_t);
    if (s->var) declare_local(s->var, subj);
    auto exit_code = [this, s, subj, st, mutex] {
        m_span = s->span;
        if (mutex) emit(Instr::make(Op::MutexUnlock, subj));
        else call_builtin_regs(s->exit_builtin, kNoReg, {subj}, {st}, nullptr);
    };
    TryCtx ctx;
    ctx.finally_code = exit_code;
    uint16_t err = new_reg(true);
    ctx.finally_region.error_reg = err;
    open_region(ctx.finally_region);
    m_tries.push_back(&ctx);
    block(s->body);
    close_region(ctx.finally_region);
    m_tries.pop_back();
    exit_code();
    Label end;
    jump_to(end, emit(Instr::make(Op::Jmp)));
    commit_region(ctx.finally_region, pc());
    exit_code();
    m_span = s->span;
    emit(Instr::make(Op::Throw, err));
    bind(end);
}

void FnCompiler::call_builtin_regs(uint32_t id, uint16_t dst, const std::vector<uint16_t>& args,
                                   std::vector<const types::Type*> arg_types, const types::Type* result_type) {
    bytecode::BuiltinSite site;
    site.arg_types = std::move(arg_types);
    site.result_type = result_type;
    m_proto.builtin_sites.push_back(std::move(site));
    uint8_t x = dst == kNoReg ? 1 : 0;
    emit(Instr::make(Op::CallBuiltin, dst == kNoReg ? 0 : dst, static_cast<uint16_t>(id),
                     static_cast<uint16_t>(args.size()), x));
    emit(Instr::make(Op::Nop, static_cast<uint16_t>(m_proto.builtin_sites.size() - 1)));
    emit_args(args);
}

// select: one call of the chan_select builtin with (spec, timeout, channel [, value]...) where bit
// i of spec says channel case i is a send and bit 62 that there is a default; it returns
// (case index | -1 default | -2 timeout, the received value boxed). Then a jump table on the index.
void FnCompiler::select_stmt(const Select* s) {
    size_t mark = temp_mark();
    int64_t spec = s->default_block ? int64_t{1} << 62 : 0;
    std::vector<uint16_t> args{temp(false), temp(false)};
    std::vector<const types::Type*> arg_types{nullptr, nullptr};
    const types::Type* int_t = s->result_type->items[0];
    arg_types[0] = arg_types[1] = int_t;
    const Expr* timeout = nullptr;
    std::vector<int64_t> case_of_chan; // channel case number -> select case index
    int64_t nchan = 0;
    for (size_t i = 0; i < s->cases.size(); ++i) {
        const SelectCase& c = s->cases[i];
        if (c.op == SelectCase::Op::Timeout) {
            timeout = c.value.get();
            continue;
        }
        if (c.op == SelectCase::Op::Send) spec |= int64_t{1} << nchan;
        uint16_t r = temp(true);
        expr_to(c.chan.get(), r);
        args.push_back(r);
        arg_types.push_back(c.chan->type);
        if (c.op == SelectCase::Op::Send) {
            uint16_t v = temp(c.value->type->is_ref());
            expr_to(c.value.get(), v);
            args.push_back(v);
            arg_types.push_back(c.value->type);
        }
        case_of_chan.push_back(static_cast<int64_t>(i));
        ++nchan;
    }
    load_int(spec, args[0]);
    if (timeout) expr_to(timeout, args[1]);
    else load_int(-1, args[1]);
    uint16_t res = temp(true);
    m_span = s->span;
    call_builtin_regs(static_cast<uint32_t>(bp::Builtin::chan_select_), res, args, arg_types, s->result_type);
    uint16_t idx = temp(false);
    emit(Instr::make(Op::GetTupleItem, idx, res, 0));
    std::vector<Label> arms(s->cases.size());
    Label dflt, end;
    uint16_t k = temp(false);
    for (size_t ci = 0; ci < case_of_chan.size(); ++ci) {
        load_int(static_cast<int64_t>(ci), k);
        jump_to(arms[static_cast<size_t>(case_of_chan[ci])], emit(Instr::make(Op::JEqInt, idx, k, 0, 1)));
    }
    for (size_t i = 0; i < s->cases.size(); ++i) {
        if (s->cases[i].op != SelectCase::Op::Timeout) continue;
        load_int(-2, k);
        jump_to(arms[i], emit(Instr::make(Op::JEqInt, idx, k, 0, 1)));
    }
    jump_to(dflt, emit(Instr::make(Op::Jmp)));
    for (size_t i = 0; i < s->cases.size(); ++i) {
        const SelectCase& c = s->cases[i];
        bind(arms[i]);
        if (c.local) {
            uint16_t boxed = temp(true);
            emit(Instr::make(Op::GetTupleItem, boxed, res, 1));
            uint16_t v = c.local->captured ? new_reg(c.local->type->is_ref()) : local_reg(c.local);
            emit(Instr::make(Op::Unbox, v, boxed, type_const(c.local->type)));
            if (c.local->captured) declare_local(c.local, v);
        }
        block(c.body);
        jump_to(end, emit(Instr::make(Op::Jmp)));
    }
    bind(dflt);
    if (s->default_block) block(*s->default_block);
    bind(end);
    release_temps(mark);
}

} // namespace bp::compile
