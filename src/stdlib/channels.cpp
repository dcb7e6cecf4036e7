// Channel builtins (docs/channels.md): thin wrappers over runtime/thread/channel.cpp. The checker
// (check/channels.cpp) types them; the call's result type carries the element type.
#include "runtime/thread/runtime.hpp"
#include "stdlib/support.hpp"

namespace bp::stdlib {

namespace {

thread::ChannelHandle* chan_arg(BuiltinArgs& a, uint32_t i) {
    return static_cast<thread::ChannelHandle*>(
        a.thread.vm.threading->handle_of(a.args[i], a.arg_types[i], thread::HandleKind::Channel));
}

} // namespace

Value bi_chan_new(BuiltinArgs& a) {
    int64_t cap = arg_int(a, 0);
    if (cap < 0) rt::raise(ErrorKind::ValueError, "channel capacity must be >= 0, got " + std::to_string(cap));
    const types::Type* elem = a.result_type->elem;
    return Value::from_obj(a.thread.vm.threading->new_channel(cap, elem->is_ref()));
}
Value bi_chan_send(BuiltinArgs& a) {
    thread::chan_send(a.thread, chan_arg(a, 0), a.args[1]);
    return Value::zero();
}
Value bi_chan_recv(BuiltinArgs& a) { return thread::chan_recv(a.thread, chan_arg(a, 0)); }
Value bi_chan_try_send(BuiltinArgs& a) {
    return Value::from_bool(thread::chan_try_send(a.thread, chan_arg(a, 0), a.args[1]));
}
Value bi_chan_try_recv(BuiltinArgs& a) {
    Value v = Value::zero();
    bool ok = thread::chan_try_recv(a.thread, chan_arg(a, 0), v);
    const types::Type* elem = a.result_type->items[1];
    // Not a safepoint between here and the return: v stays valid while the tuple is built.
    Tuple* tu = rt::new_tuple(a.thread, a.result_type);
    tu->items[0] = Value::from_bool(ok);
    tu->items[1] = ok ? v : rt::zero_of(a.thread, elem);
    return Value::from_obj(tu);
}
Value bi_chan_recv_ok(BuiltinArgs& a) {
    Value v = Value::zero();
    bool ok = thread::chan_recv_ok(a.thread, chan_arg(a, 0), v);
    Tuple* tu = rt::new_tuple(a.thread, a.result_type);
    tu->items[0] = Value::from_bool(ok);
    tu->items[1] = ok ? v : rt::zero_of(a.thread, a.result_type->items[1]);
    return Value::from_obj(tu);
}
// The select statement: (spec, timeout_ms, channel [, value]...); see FnCompiler::select_stmt.
Value bi_chan_select_(BuiltinArgs& a) {
    int64_t spec = a.args[0].i;
    std::vector<thread::SelectCase> cases;
    std::vector<const types::Type*> elems;
    for (uint32_t i = 2; i < a.nargs;) {
        bool is_send = (spec >> cases.size()) & 1;
        thread::SelectCase c{chan_arg(a, i), is_send, is_send ? a.args[i + 1] : Value::zero()};
        elems.push_back(a.arg_types[i]->elem);
        cases.push_back(c);
        i += is_send ? 2 : 1;
    }
    Value got = Value::zero();
    int64_t r = thread::chan_select(a.thread, cases, a.args[1].i, (spec >> 62) & 1, got);
    Tuple* tu = rt::new_tuple(a.thread, a.result_type);
    tu->items[0] = Value::from_int(r);
    bool received = r >= 0 && !cases[static_cast<size_t>(r)].is_send;
    // No safepoint between the receive and boxing: `got` stays valid.
    tu->items[1] = Value::from_obj(received ? rt::new_box(a.thread, elems[static_cast<size_t>(r)], got)
                                            : rt::new_box(a.thread, a.result_type->items[0], Value::zero()));
    return Value::from_obj(tu);
}
Value bi_scope_new(BuiltinArgs& a) { return Value::from_obj(a.thread.vm.threading->new_scope()); }
Value bi_scope_enter(BuiltinArgs&) { return Value::zero(); }
Value bi_scope_spawn(BuiltinArgs& a) {
    auto* s = static_cast<thread::ScopeHandle*>(
        a.thread.vm.threading->handle_of(a.args[0], a.arg_types[0], thread::HandleKind::Scope));
    auto* fn = static_cast<Closure*>(a.args[1].o);
    thread::ThreadHandle* h =
        a.thread.vm.threading->spawn(a.thread, fn, a.arg_types[1], a.args + 2, a.arg_types + 2, a.nargs - 2);
    {
        std::lock_guard<std::mutex> lk(s->mu);
        s->threads.push_back(h);
    }
    return Value::from_obj(h);
}
Value bi_scope_join_all(BuiltinArgs& a) {
    auto* s = static_cast<thread::ScopeHandle*>(
        a.thread.vm.threading->handle_of(a.args[0], a.arg_types[0], thread::HandleKind::Scope));
    a.thread.vm.threading->join_scope(a.thread, s);
    return Value::zero();
}
Value bi_chan_close(BuiltinArgs& a) {
    thread::chan_close(a.thread, chan_arg(a, 0));
    return Value::zero();
}
Value bi_chan_len(BuiltinArgs& a) { return Value::from_int(thread::chan_len(chan_arg(a, 0))); }
Value bi_chan_cap(BuiltinArgs& a) { return Value::from_int(chan_arg(a, 0)->cap); }

} // namespace bp::stdlib
