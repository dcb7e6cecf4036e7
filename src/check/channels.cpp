// Checking channel calls (docs/channels.md): the chan_X builtins (whose element type T the
// signature language cannot express), their module spelling thread.chan_X, and the method form
// ch.send(v) / ch.recv() / ..., which is rewritten into the builtin call with the channel first.
#include "check/checker_impl.hpp"

#include <string_view>
#include <utility>

namespace bp::check {

namespace {

// ch.<method> -> builtin name.
const char* method_builtin(std::string_view m) {
    static const std::pair<std::string_view, const char*> kMap[] = {
        {"send", "chan_send"}, {"recv", "chan_recv"},   {"try_send", "chan_try_send"}, {"try_recv", "chan_try_recv"},
        {"close", "chan_close"}, {"len", "chan_len"}, {"cap", "chan_cap"},
        {"recv_ok", "chan_recv_ok"}, {"spawn", "scope_spawn"}};
    for (const auto& [k, v] : kMap)
        if (k == m) return v;
    return nullptr;
}

} // namespace

bool is_chan_builtin(uint32_t id) {
    auto b = static_cast<Builtin>(id);
    return b == Builtin::chan_new || b == Builtin::chan_send || b == Builtin::chan_recv ||
           b == Builtin::chan_try_send || b == Builtin::chan_try_recv || b == Builtin::chan_close ||
           b == Builtin::chan_len || b == Builtin::chan_cap || b == Builtin::chan_recv_ok ||
           b == Builtin::chan_select_;
}

const char* chan_module_name(std::string_view name) {
    static constexpr std::string_view kNames[] = {"chan_new", "chan_send", "chan_recv", "chan_try_send",
                                                  "chan_try_recv", "chan_close", "chan_len", "chan_cap", "chan_recv_ok"};
    for (std::string_view n : kNames)
        if (n == name) return n.data();
    return nullptr;
}

// `first_checked`: args[0] (the channel) was already checked (method form).
const Type* Checker::check_chan_builtin(ast::Call& c, uint32_t id, const Type* expected, bool first_checked) {
    const std::string name(kBuiltins[id].name);
    auto b = static_cast<Builtin>(id);
    if (b == Builtin::chan_select_) {
        error(c.span, "'" + name + "' is internal to the select statement");
        for (auto& a : c.args) check_expr(a);
        return nullptr;
    }
    size_t want = b == Builtin::chan_send || b == Builtin::chan_try_send ? 2 : 1;
    size_t shown = first_checked ? 1 : 0; // the receiver of a method call is not an argument
    if (c.args.size() != want) {
        error(c.span, "'" + name + "' takes " + std::to_string(want - shown) + " argument(s), " +
                          std::to_string(c.args.size() - shown) + " given");
        for (size_t i = shown; i < c.args.size(); ++i) check_expr(c.args[i]);
        return nullptr;
    }
    if (b == Builtin::chan_new) {
        check_to(c.args[0], m_types.int_t(), CoerceCtx::Argument, "argument 1 of 'chan_new'");
        if (expected && expected->kind == Kind::Channel) return expected;
        error(c.span, "cannot infer the element type of the channel: declare it, as in "
                      "'let ch: Channel[int] = chan_new(0)'");
        return nullptr;
    }
    const Type* ch = first_checked ? c.args[0]->type : check_expr(c.args[0]);
    if (ch && ch->kind != Kind::Channel) {
        error(c.args[0]->span, "argument 1 of '" + name + "': expected a channel, found " + ch->name());
        ch = nullptr;
    }
    if (want == 2) {
        if (ch) check_to(c.args[1], ch->elem, CoerceCtx::Argument, "the value sent");
        else check_expr(c.args[1]);
    }
    if (b == Builtin::chan_send || b == Builtin::chan_close) return m_types.void_t();
    if (b == Builtin::chan_try_send) return m_types.bool_t();
    if (b == Builtin::chan_len || b == Builtin::chan_cap) return m_types.int_t();
    if (b == Builtin::chan_recv) return ch ? ch->elem : nullptr;
    return ch ? m_types.tuple_of({m_types.bool_t(), ch->elem}) : nullptr; // chan_try_recv, chan_recv_ok
}

// ch.m(args): rewritten into chan_m(ch, args) (the receiver `ch` was checked by the caller).
const Type* Checker::check_chan_method(ast::Call& c, const Type* expected) {
    auto& f = static_cast<ast::Field&>(*c.callee);
    const char* flat = method_builtin(f.name);
    bool scope = f.object->type->kind == Kind::Scope;
    if (flat && scope != (std::string_view(flat) == "scope_spawn")) flat = nullptr;
    if (!rewrite_method_as_builtin(c, flat)) return nullptr;
    const Type* ret = scope ? check_thread_special(c, c.builtin_id) : check_chan_builtin(c, c.builtin_id, expected, true);
    if (ret) type_rewritten_callee(c, ret);
    else c.callee->type = nullptr;
    return ret;
}

bool Checker::rewrite_method_as_builtin(ast::Call& c, const char* flat) {
    auto& f = static_cast<ast::Field&>(*c.callee);
    int32_t id = flat ? find_builtin(flat) : -1;
    if (id < 0) {
        error(f.name_span, "type " + f.object->type->name() + " has no method '" + f.name + "'");
        for (auto& a : c.args) check_expr(a);
        return false;
    }
    Span name_span = f.name_span;
    c.args.insert(c.args.begin(), std::move(f.object));
    c.callee = std::make_unique<ast::Name>(name_span, flat);
    c.call_kind = ast::CallKind::Builtin;
    c.builtin_id = static_cast<uint32_t>(id);
    return true;
}

void Checker::type_rewritten_callee(ast::Call& c, const Type* ret) {
    std::vector<const Type*> arg_types;
    for (auto& a : c.args) arg_types.push_back(a->type ? a->type : m_types.void_t());
    c.callee->type = m_types.func_of(arg_types, ret);
}

// select: every channel must be a Channel[T]; a send's value converts to T; a recv binding has
// type T in its case body; the timeout is an int (milliseconds).
void Checker::check_select(ast::Select& s) {
    for (ast::SelectCase& c : s.cases) {
        const Type* ch = nullptr;
        if (c.chan) {
            ch = check_expr(c.chan);
            if (ch && ch->kind != Kind::Channel) {
                error(c.chan->span, "select needs a channel, found " + ch->name());
                ch = nullptr;
            }
        }
        if (c.op == ast::SelectCase::Op::Send) {
            if (ch) check_to(c.value, ch->elem, CoerceCtx::Argument, "the value sent");
            else check_expr(c.value);
        } else if (c.op == ast::SelectCase::Op::Timeout) {
            check_to(c.value, m_types.int_t(), CoerceCtx::Argument, "the timeout");
        }
        push_scope();
        if (!c.var.empty()) c.local = declare_local(c.var, c.var_span, ch ? ch->elem : nullptr);
        check_block(c.body);
        pop_scope();
    }
    if (s.default_block) {
        push_scope();
        check_block(*s.default_block);
        pop_scope();
    }
    s.result_type = m_types.tuple_of({m_types.int_t(), m_types.any_t()});
}

} // namespace bp::check
