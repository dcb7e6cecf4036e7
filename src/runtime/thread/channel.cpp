// Channels and select (docs/channels.md). A channel is a mutex-guarded FIFO of values in a native
// handle (a collector root while the world is stopped); blocked threads wait on its condition
// variable in the collector-safe state. `select` registers one SelectWaiter on every channel it
// involves before its first scan, so no change between a scan and its wait is lost.
//
// Rules that keep the collector handshake deadlock-free: the channel's `mu` is taken only by
// running threads for short, non-allocating critical sections; a thread never leaves the safe
// state or raises while holding it (raising allocates, which may collect).
#include "runtime/rt.hpp"
#include "runtime/thread/runtime.hpp"
#include "runtime/thread/safepoint.hpp"
#include "runtime/thread/trace.hpp"

#include <algorithm>
#include <chrono>

namespace bp::thread {

namespace {

using Lock = std::unique_lock<std::mutex>;
using Clock = std::chrono::steady_clock;

// With ch->mu held: wakes blocked senders/receivers and every select waiting on the channel
// (except `self`).
void notify(ChannelHandle* ch, const SelectWaiter* self = nullptr) {
    ch->cv.notify_all();
    for (SelectWaiter* w : ch->waiters) {
        if (w == self) continue;
        std::lock_guard<std::mutex> g(w->mu);
        w->fired = true;
        w->cv.notify_one();
    }
}

// With ch->mu held, after a receiver started waiting: wakes the selects that could now hand an
// unbuffered send over (only those: receivers waking each other would spin).
void notify_senders(ChannelHandle* ch, const SelectWaiter* self = nullptr) {
    if (ch->cap > 0) return;
    for (SelectWaiter* w : ch->waiters) {
        if (w == self || std::find(w->sends.begin(), w->sends.end(), ch) == w->sends.end()) continue;
        std::lock_guard<std::mutex> g(w->mu);
        w->fired = true;
        w->cv.notify_one();
    }
}

// With lk (ch->mu) held: waits for a change of the channel, safe for the collector. Returns with
// lk held again and the thread running. `kind`: send or receive (for --trace).
void wait_change(VmThread& t, ChannelHandle* ch, Lock& lk, TraceKind kind) {
    t.waiting_for.store(ch, std::memory_order_relaxed);
    TraceScope trace(t, kind);
    enter_safe(t);
    ch->cv.wait(lk);
    lk.unlock();
    leave_safe(t);
    t.waiting_for.store(nullptr, std::memory_order_relaxed);
    lk.lock();
}

[[noreturn]] void closed_error(Lock& lk, const char* what) {
    lk.unlock();
    rt::raise(ErrorKind::ChannelClosedError, what);
}

bool can_send(const ChannelHandle* ch) {
    if (ch->cap > 0) return static_cast<int64_t>(ch->buf.size()) < ch->cap;
    return ch->recv_waiting > ch->buf.size(); // unbuffered: only into a waiting receiver's hands
}

Value take(ChannelHandle* ch, const SelectWaiter* self = nullptr) {
    Value v = ch->buf.front();
    ch->buf.pop_front();
    ++ch->received;
    notify(ch, self);
    return v;
}

void put(ChannelHandle* ch, Value v, const SelectWaiter* self = nullptr) {
    ch->buf.push_back(v);
    ++ch->sent;
    notify(ch, self);
}

} // namespace

void chan_send(VmThread& t, ChannelHandle* ch, Value v) {
    Lock lk(ch->mu);
    if (ch->closed) closed_error(lk, "send on closed channel");
    if (ch->cap > 0) {
        while (!ch->closed && static_cast<int64_t>(ch->buf.size()) >= ch->cap) wait_change(t, ch, lk, TraceKind::ChanSend);
        if (ch->closed) closed_error(lk, "send on closed channel");
        put(ch, v);
        return;
    }
    // Unbuffered: the value waits in buf (a root) until a receiver takes it.
    uint64_t ticket = ch->sent;
    put(ch, v);
    while (ch->received <= ticket && !ch->closed) wait_change(t, ch, lk, TraceKind::ChanSend);
    if (ch->received <= ticket) closed_error(lk, "send on closed channel"); // dropped by close
}

bool chan_try_send(VmThread&, ChannelHandle* ch, Value v) {
    Lock lk(ch->mu);
    if (ch->closed) closed_error(lk, "send on closed channel");
    if (!can_send(ch)) return false;
    put(ch, v);
    return true;
}

bool chan_recv_ok(VmThread& t, ChannelHandle* ch, Value& out) {
    Lock lk(ch->mu);
    while (ch->buf.empty() && !ch->closed) {
        ++ch->recv_waiting;
        notify_senders(ch); // an unbuffered select send may now proceed
        wait_change(t, ch, lk, TraceKind::ChanRecv);
        --ch->recv_waiting;
    }
    if (ch->buf.empty()) return false;
    out = take(ch);
    return true;
}

Value chan_recv(VmThread& t, ChannelHandle* ch) {
    Value v = Value::zero();
    if (!chan_recv_ok(t, ch, v)) rt::raise(ErrorKind::ChannelClosedError, "receive from closed channel");
    return v;
}

bool chan_try_recv(VmThread&, ChannelHandle* ch, Value& out) {
    Lock lk(ch->mu);
    if (ch->buf.empty()) return false;
    out = take(ch);
    return true;
}

void chan_close(VmThread&, ChannelHandle* ch) {
    Lock lk(ch->mu);
    if (ch->closed) closed_error(lk, "close of closed channel");
    ch->closed = true;
    if (ch->cap == 0) ch->buf.clear(); // blocked senders' values: they raise ChannelClosedError
    notify(ch);
}

int64_t chan_len(ChannelHandle* ch) {
    std::lock_guard<std::mutex> lk(ch->mu);
    return ch->cap > 0 ? static_cast<int64_t>(ch->buf.size()) : 0;
}

namespace {

// Registers / unregisters `w` on every distinct channel of the select.
void register_waiter(const std::vector<SelectCase>& cases, SelectWaiter* w, bool add) {
    for (size_t i = 0; i < cases.size(); ++i) {
        ChannelHandle* ch = cases[i].ch;
        bool seen = false;
        for (size_t j = 0; j < i; ++j) seen = seen || cases[j].ch == ch;
        if (seen) continue;
        std::lock_guard<std::mutex> lk(ch->mu);
        if (add) ch->waiters.push_back(w);
        else ch->waiters.erase(std::find(ch->waiters.begin(), ch->waiters.end(), w));
    }
}

// One non-blocking pass over the cases from `start`: the index of the case that ran, or -1.
// Raises ChannelClosedError for a send on a closed channel or a receive from a closed, drained one.
int64_t scan(const std::vector<SelectCase>& cases, size_t start, SelectWaiter* w, Value& out) {
    size_t n = cases.size();
    for (size_t k = 0; k < n; ++k) {
        size_t i = (start + k) % n;
        ChannelHandle* ch = cases[i].ch;
        Lock lk(ch->mu);
        if (cases[i].is_send) {
            if (ch->closed) closed_error(lk, "send on closed channel");
            if (!can_send(ch)) continue;
            put(ch, cases[i].value, w);
            return static_cast<int64_t>(i);
        }
        if (!ch->buf.empty()) {
            out = take(ch, w);
            return static_cast<int64_t>(i);
        }
        if (ch->closed) closed_error(lk, "receive from closed channel");
    }
    return -1;
}

// Counts the select as a waiting receiver on its receive channels (delta +1 / -1); on +1 wakes
// other selects there so an unbuffered send case can hand its value over.
void mark_receiving(const std::vector<SelectCase>& cases, SelectWaiter* w, int delta) {
    for (const SelectCase& c : cases) {
        if (c.is_send) continue;
        std::lock_guard<std::mutex> lk(c.ch->mu);
        c.ch->recv_waiting = static_cast<uint32_t>(static_cast<int64_t>(c.ch->recv_waiting) + delta);
        if (delta > 0) notify_senders(c.ch, w);
    }
}

struct Registration {
    const std::vector<SelectCase>& cases;
    SelectWaiter* w;
    Registration(const std::vector<SelectCase>& c, SelectWaiter* wt) : cases(c), w(wt) { register_waiter(cases, w, true); }
    ~Registration() { register_waiter(cases, w, false); }
    Registration(const Registration&) = delete;
    Registration& operator=(const Registration&) = delete;
};

} // namespace

int64_t chan_select(VmThread& t, const std::vector<SelectCase>& cases, int64_t timeout_ms, bool has_default,
                    Value& out) {
    // Fairness: scan from a pseudo-random case each time (clock bits mixed with the thread id).
    auto rnd = static_cast<uint64_t>(Clock::now().time_since_epoch().count()) * 0x9E3779B97F4A7C15ull + t.id;
    size_t start = cases.empty() ? 0 : static_cast<size_t>((rnd >> 32) % cases.size());
    if (cases.empty() && !has_default && timeout_ms < 0)
        rt::raise(ErrorKind::DeadlockError, "select with no cases blocks forever");
    SelectWaiter w;
    for (const SelectCase& c : cases)
        if (c.is_send) w.sends.push_back(c.ch);
    Registration reg(cases, &w);
    auto deadline = Clock::now() + std::chrono::milliseconds(std::max<int64_t>(timeout_ms, 0));
    for (;;) {
        int64_t r = scan(cases, start, &w, out);
        if (r >= 0) return r;
        if (has_default) return -1;
        mark_receiving(cases, &w, +1);
        bool timed_out = false;
        {
            std::unique_lock<std::mutex> lk(w.mu);
            t.waiting_for.store(cases.empty() ? nullptr : cases[0].ch, std::memory_order_relaxed);
            TraceScope trace(t, TraceKind::Select);
            enter_safe(t);
            if (timeout_ms < 0) {
                w.cv.wait(lk, [&] { return w.fired; });
            } else {
                timed_out = !w.cv.wait_until(lk, deadline, [&] { return w.fired; });
            }
            w.fired = false;
            lk.unlock();
            leave_safe(t);
            t.waiting_for.store(nullptr, std::memory_order_relaxed);
        }
        mark_receiving(cases, &w, -1);
        if (timed_out) {
            r = scan(cases, start, &w, out);
            return r >= 0 ? r : -2;
        }
        start = (start + 1) % std::max<size_t>(cases.size(), 1);
    }
}

} // namespace bp::thread
