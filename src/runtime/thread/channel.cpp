// Channels and select (docs/channels.md). A channel is a mutex-guarded FIFO of values in a native
// handle (a collector root while the world is stopped); blocked threads wait on its condition
// variable in the collector-safe state. `select` registers one SelectWaiter on every channel it
// involves before its first scan, so no change between a scan and its wait is lost.
//
// The select protocol (docs/channels.md "select protocol"): a select completes through exactly one
// decision, SelectWaiter::decided, taken under the waiter's mutex. It decides itself for receive
// cases, buffered sends, default and timeout; an unbuffered send case either commits its value to
// a receiver blocked in recv (such receivers never give up) or posts an offer that a receiver
// decides for it when taking the value. So a reported send was delivered, and a select that chose
// another case sent nothing (its offers are stale, then withdrawn).
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

constexpr int64_t kFailed = -3; // a select that raises (closed channel) decides this first

// With ch->mu held: wakes blocked senders/receivers and every select waiting on the channel
// (except `self`).
void notify(ChannelHandle* ch, const SelectWaiter* self = nullptr) {
    ch->version.fetch_add(1, std::memory_order_release);
    ch->cv.notify_all();
    for (SelectWaiter* w : ch->waiters) {
        if (w == self) continue;
        std::lock_guard<std::mutex> g(w->mu);
        w->fired = true;
        bump_locked(w->version);
        w->cv.notify_one();
    }
}

// Spinning before parking (unbuffered channels only). A blocked sender or receiver parks on the
// channel's condition variable, and a wake-up from the kernel costs tens of microseconds on a VM
// (an unbuffered ping-pong paid two per round trip), while a peer running on another core usually
// answers within a microsecond. So, as cond_wait does, a wait on an unbuffered channel first
// releases `mu` and watches `version` (bumped under mu by every change) for up to kSpinBudget
// (spin_for, toolkit.hpp: 25 us, about what parking and being woken costs: spinning as long as
// blocking would cost never loses more than 2x), and parks only if nothing changed.
//
// Why only unbuffered: a rendezvous is a hand-off to a thread that is about to act (the sender
// waits for its value to be taken by a receiver that was woken for it; a receiver usually waits
// for the next message of a conversation). A buffered channel that is full or empty waits for a
// whole batch: parking lets the other side fill or drain the buffer without ping-ponging `mu` and
// its cache line with a spinner that wakes at every single value (a first, unrestricted spin
// slowed bench/threads/chanthru.bp from 0.25 s to 0.35 s).
//
// Adaptive, in the spirit of glibc's adaptive mutexes, because spinning only pays while the peer
// is running: on a machine with more runnable threads than cores the peer is often descheduled
// for milliseconds, and every spin then burns its whole budget (kSpinBudget, about the cost of a
// park and wake-up) of a core that the peer, or anyone, could use. A spin that saw no change is a
// miss; after kSpinMisses misses in a row the channel's waits park at once and only every
// 2^spin_backoff-th wait spins again to find out whether hand-offs became fast, the interval
// doubling with every probe that misses (up to 2^kSpinMaxBackoff waits) and halving with every
// spin that saw the change (so a lucky hit on a busy machine does not bring back a spin at every
// wait; from the longest interval, eight hits in about 500 waits do). So a busy, oversubscribed
// machine pays about one budget per 256 waits,
// and a channel whose peer is slow (a consumer that waits long for each value) likewise; two
// threads on idle cores spin at every wait. Single-core machines never spin (spinning_helps).
// Why not toolkit.hpp's SpinGauge: its failing sites still probe every 8th wait, and with a 25 us
// budget that measured clearly worse on the oversubscribed 2-core machine (chanpp 2.2-2.7 s
// against 1.1-1.8 s without spinning; 1.4-1.6 s against 1.4-1.6 s with this back-off); and the
// state here is guarded by mu anyway, so it needs no atomics.
//
// Correctness: spinning changes only when the caller re-checks its condition. The spin runs without
// `mu` and in the safe state (it touches no heap object and holds no lock, so the collector and
// every other thread proceed); after it, the caller's loop re-checks under `mu` as after any
// wake-up. A spinning receiver stays counted in recv_waiting, and like a parked one it never gives
// up, which is all the select protocol assumes of it. The spinning thread is not registered in the
// wait-for graph (it can still see a change by itself): it registers when it parks, and the
// global-deadlock check runs then, so a deadlock is still reported, never a spinning thread.
constexpr std::chrono::microseconds kSpinBudget{25};
constexpr uint8_t kSpinMisses = 2;
constexpr uint8_t kSpinMaxBackoff = 8;

// With ch->mu held: whether this wait spins first.
bool may_spin(ChannelHandle* ch) {
    if (ch->cap != 0 || !spinning_helps()) return false;
    if (ch->spin_backoff == 0) return true;
    if (++ch->spin_skips < (1u << ch->spin_backoff)) return false;
    ch->spin_skips = 0;
    return true;
}

// With ch->mu held: the outcome of a spin.
void spun(ChannelHandle* ch, bool moved) {
    if (moved) {
        ch->spin_misses = 0;
        if (ch->spin_backoff > 0) --ch->spin_backoff;
        ch->spin_skips = 0;
        return;
    }
    if (ch->spin_misses < kSpinMisses) ++ch->spin_misses;
    if (ch->spin_misses >= kSpinMisses && ch->spin_backoff < kSpinMaxBackoff) ++ch->spin_backoff;
}

// With lk (ch->mu) held: waits for a change of the channel, safe for the collector. Returns with
// lk held again and the thread running; the caller re-checks its condition (a return without a
// change is possible, like a spurious wake-up). `kind`: send or receive (for --trace).
// Registered in the wait graph with the channel's version: if every thread ends up waiting and
// no channel it waits on has changed since, that is a global deadlock (a channel nobody sends on).
void wait_change(VmThread& t, ChannelHandle* ch, Lock& lk, TraceKind kind) {
    uint32_t seen = ch->version.load(std::memory_order_relaxed); // relaxed: we hold mu
    TraceScope trace(t, kind);
    t.waiting_for.store(ch, std::memory_order_relaxed);
    if (may_spin(ch)) {
        lk.unlock();
        bool moved;
        {
            SafeRegion safe(t);
            moved = spin_for([&] { return ch->version.load(std::memory_order_acquire) != seen; }, kSpinBudget);
        }
        lk.lock();
        spun(ch, moved);
        if (moved || ch->version.load(std::memory_order_relaxed) != seen) {
            t.waiting_for.store(nullptr, std::memory_order_relaxed);
            return;
        }
    }
    WaitGraph& graph = t.vm.threading->graph();
    graph.begin_wait(t, ch, seen);
    enter_safe(t);
    ch->cv.wait(lk);
    lk.unlock();
    leave_safe(t);
    t.waiting_for.store(nullptr, std::memory_order_relaxed);
    graph.end_wait(t);
    lk.lock();
}

[[noreturn]] void closed_error(Lock& lk, const char* what) {
    lk.unlock();
    rt::raise(ErrorKind::ChannelClosedError, what);
}

// The select's commit point: makes `w` choose `c` unless it already chose (nullptr: a plain
// sender or receiver, which always may). Called with a channel's mu held.
bool decide(SelectWaiter* w, int64_t c) {
    if (!w) return true;
    std::lock_guard<std::mutex> g(w->mu);
    if (w->decided != kSelectOpen) return false;
    w->decided = c;
    return true;
}

int64_t decided_of(SelectWaiter* w) {
    std::lock_guard<std::mutex> g(w->mu);
    return w->decided;
}

size_t committed(const ChannelHandle* ch) {
    size_t n = 0;
    for (const ChanEntry& e : ch->buf) n += e.offer ? 0 : 1;
    return n;
}

// A send that completes now: room in the buffer, or (unbuffered) a receiver blocked in recv that
// no committed value is already promised to. Such receivers never give up, so the value will be
// delivered (a select blocked on receive is reached through offers instead).
bool can_send(const ChannelHandle* ch) {
    if (ch->cap > 0) return static_cast<int64_t>(ch->buf.size()) < ch->cap;
    return ch->recv_waiting > committed(ch);
}

// A committed value: at the back of a buffered channel, before the offers of an unbuffered one.
void put(ChannelHandle* ch, Value v, bool* taken, const SelectWaiter* self = nullptr) {
    auto at = ch->buf.end();
    if (ch->cap == 0) at = std::find_if(ch->buf.begin(), ch->buf.end(), [](const ChanEntry& e) { return e.offer; });
    ch->buf.insert(at, ChanEntry{v, nullptr, 0, taken});
    ++ch->sent;
    notify(ch, self);
}

enum class Took { Value, None, SelfDecided };

// Takes the first value `self` (nullptr: a plain receiver; else a select receiving as case
// `self_case`) may receive: committed values first, then other selects' offers. Taking an offer
// decides both selects at once (both waiter mutexes held); an offer whose select already decided
// otherwise is stale and dropped; the select's own offers are skipped. SelfDecided: `self` was
// decided by someone taking one of its offers, so it must not receive.
Took take_live(ChannelHandle* ch, SelectWaiter* self, int64_t self_case, Value& out) {
    for (size_t i = 0; i < ch->buf.size();) {
        ChanEntry e = ch->buf[i];
        if (self && e.offer == self) {
            ++i;
            continue;
        }
        if (!e.offer) {
            if (!decide(self, self_case)) return Took::SelfDecided;
        } else {
            Lock lo(e.offer->mu, std::defer_lock);
            Lock ls;
            if (self) {
                ls = Lock(self->mu, std::defer_lock);
                std::lock(lo, ls);
            } else {
                lo.lock();
            }
            if (self && self->decided != kSelectOpen) return Took::SelfDecided;
            if (e.offer->decided != kSelectOpen) { // stale
                ch->buf.erase(ch->buf.begin() + static_cast<std::ptrdiff_t>(i));
                continue;
            }
            e.offer->decided = e.offer_case;
            if (self) self->decided = self_case;
        }
        if (e.taken) *e.taken = true;
        out = e.v;
        ch->buf.erase(ch->buf.begin() + static_cast<std::ptrdiff_t>(i));
        ++ch->received;
        notify(ch, self); // also wakes the select whose offer was taken
        return Took::Value;
    }
    return Took::None;
}

} // namespace

void chan_send(VmThread& t, ChannelHandle* ch, Value v) {
    Lock lk(ch->mu);
    if (ch->closed) closed_error(lk, "send on closed channel");
    if (ch->cap > 0) {
        while (!ch->closed && static_cast<int64_t>(ch->buf.size()) >= ch->cap) wait_change(t, ch, lk, TraceKind::ChanSend);
        if (ch->closed) closed_error(lk, "send on closed channel");
        put(ch, v, nullptr);
        return;
    }
    // Unbuffered: the value waits in buf (a root) until a receiver takes it (and sets `taken`).
    bool taken = false;
    put(ch, v, &taken);
    while (!taken && !ch->closed) wait_change(t, ch, lk, TraceKind::ChanSend);
    if (!taken) closed_error(lk, "send on closed channel"); // dropped by close
}

bool chan_try_send(VmThread&, ChannelHandle* ch, Value v) {
    Lock lk(ch->mu);
    if (ch->closed) closed_error(lk, "send on closed channel");
    if (!can_send(ch)) return false;
    put(ch, v, nullptr);
    return true;
}

bool chan_recv_ok(VmThread& t, ChannelHandle* ch, Value& out) {
    Lock lk(ch->mu);
    for (;;) {
        if (take_live(ch, nullptr, 0, out) == Took::Value) return true;
        if (ch->closed) return false;
        ++ch->recv_waiting;
        wait_change(t, ch, lk, TraceKind::ChanRecv);
        --ch->recv_waiting;
    }
}

Value chan_recv(VmThread& t, ChannelHandle* ch) {
    Value v = Value::zero();
    if (!chan_recv_ok(t, ch, v)) rt::raise(ErrorKind::ChannelClosedError, "receive from closed channel");
    return v;
}

bool chan_try_recv(VmThread&, ChannelHandle* ch, Value& out) {
    Lock lk(ch->mu);
    return take_live(ch, nullptr, 0, out) == Took::Value;
}

// Values already promised to receivers stay (they drain as on a buffered channel); blocked plain
// senders' values are dropped (they raise) and offers withdrawn (their selects rescan and raise).
void chan_close(VmThread&, ChannelHandle* ch) {
    Lock lk(ch->mu);
    if (ch->closed) closed_error(lk, "close of closed channel");
    ch->closed = true;
    if (ch->cap == 0)
        ch->buf.erase(std::remove_if(ch->buf.begin(), ch->buf.end(), [](const ChanEntry& e) { return e.offer || e.taken; }),
                      ch->buf.end());
    notify(ch);
}

int64_t chan_len(ChannelHandle* ch) {
    std::lock_guard<std::mutex> lk(ch->mu);
    return ch->cap > 0 ? static_cast<int64_t>(ch->buf.size()) : 0;
}

namespace {

// Registers / unregisters `w` on every distinct channel of the select; unregistering also
// withdraws its offers (after which no other thread can reach `w`).
void register_waiter(const std::vector<SelectCase>& cases, SelectWaiter* w, bool add) {
    for (size_t i = 0; i < cases.size(); ++i) {
        ChannelHandle* ch = cases[i].ch;
        bool seen = false;
        for (size_t j = 0; j < i; ++j) seen = seen || cases[j].ch == ch;
        if (seen) continue;
        std::lock_guard<std::mutex> lk(ch->mu);
        if (add) {
            ch->waiters.push_back(w);
            continue;
        }
        ch->waiters.erase(std::find(ch->waiters.begin(), ch->waiters.end(), w));
        ch->buf.erase(std::remove_if(ch->buf.begin(), ch->buf.end(), [&](const ChanEntry& e) { return e.offer == w; }),
                      ch->buf.end());
    }
}

bool has_offer(const ChannelHandle* ch, const SelectWaiter* w, int64_t c) {
    for (const ChanEntry& e : ch->buf)
        if (e.offer == w && e.offer_case == c) return true;
    return false;
}

// Raises for a closed channel unless `w` was already decided (then returns that case).
int64_t closed_case(Lock& lk, SelectWaiter* w, const char* what) {
    if (!decide(w, kFailed)) return decided_of(w);
    closed_error(lk, what);
}

// One pass over the cases from `start`: the index of the case that completed, or -1 (then offers
// are posted for unbuffered send cases if `offer`). Raises ChannelClosedError for a send on a
// closed channel or a receive from a closed, drained one.
int64_t scan(const std::vector<SelectCase>& cases, size_t start, SelectWaiter* w, Value& out, bool offer) {
    size_t n = cases.size();
    for (size_t k = 0; k < n; ++k) {
        size_t i = (start + k) % n;
        auto ci = static_cast<int64_t>(i);
        ChannelHandle* ch = cases[i].ch;
        Lock lk(ch->mu);
        if (cases[i].is_send) {
            if (ch->closed) return closed_case(lk, w, "send on closed channel");
            if (can_send(ch)) {
                if (!decide(w, ci)) return decided_of(w);
                put(ch, cases[i].value, nullptr, w);
                return ci;
            }
            if (ch->cap == 0 && offer && !has_offer(ch, w, ci)) {
                ch->buf.push_back(ChanEntry{cases[i].value, w, ci, nullptr});
                notify(ch, w);
            }
            continue;
        }
        Took r = take_live(ch, w, ci, out);
        if (r == Took::Value) return ci;
        if (r == Took::SelfDecided) return decided_of(w);
        if (ch->closed) return closed_case(lk, w, "receive from closed channel");
    }
    int64_t d = decided_of(w); // an offer taken during the pass
    return d >= 0 ? d : -1;
}

struct Registration {
    const std::vector<SelectCase>& cases;
    SelectWaiter* w;
    Registration(const std::vector<SelectCase>& c, SelectWaiter* wt) : cases(c), w(wt) { register_waiter(cases, w, true); }
    ~Registration() { register_waiter(cases, w, false); }
    Registration(const Registration&) = delete;
    Registration& operator=(const Registration&) = delete;
};

// The select chooses -1 (default) or -2 (timeout) unless an offer was taken first.
int64_t settle(SelectWaiter* w, int64_t c) {
    std::lock_guard<std::mutex> g(w->mu);
    if (w->decided == kSelectOpen) w->decided = c;
    return w->decided;
}

} // namespace

int64_t chan_select(VmThread& t, const std::vector<SelectCase>& cases, int64_t timeout_ms, bool has_default,
                    Value& out) {
    // Fairness: scan from a pseudo-random case each time (clock bits mixed with the thread id).
    auto rnd = static_cast<uint64_t>(Clock::now().time_since_epoch().count()) * 0x9E3779B97F4A7C15ull + t.id;
    size_t start = cases.empty() ? 0 : static_cast<size_t>((rnd >> 32) % cases.size());
    if (cases.empty() && !has_default && timeout_ms < 0)
        rt::raise(ErrorKind::DeadlockError, "select with no cases blocks forever");
    SelectWaiter w;
    Registration reg(cases, &w);
    auto deadline = Clock::now() + std::chrono::milliseconds(std::max<int64_t>(timeout_ms, 0));
    for (;;) {
        int64_t r = scan(cases, start, &w, out, !has_default);
        if (r >= 0) return r;
        if (has_default) return settle(&w, -1);
        bool timed_out = false;
        int64_t d = kSelectOpen;
        {
            std::unique_lock<std::mutex> lk(w.mu);
            // An untimed select with nothing pending joins the wait-for graph (deadlock.hpp): not
            // fired since the scan (w.mu held) means no channel of it changed since, and every
            // later change bumps w.version; so "version unchanged" proves it still cannot go on.
            // It has no owner: never refused, only part of global deadlocks. Registered and
            // unregistered under w.mu (lock order: w.mu, then the graph's).
            WaitGraph& graph = t.vm.threading->graph();
            bool registered = false;
            if (timeout_ms < 0 && !w.fired && w.decided == kSelectOpen) {
                uint32_t seq = w.version.load(std::memory_order_relaxed);
                graph.begin_wait(t, WaitOn{WaitOp::Select, cases[0].ch, &w.version, seq});
                registered = true;
            }
            t.waiting_for.store(cases.empty() ? nullptr : cases[0].ch, std::memory_order_relaxed);
            TraceScope trace(t, TraceKind::Select);
            enter_safe(t);
            auto woken = [&] { return w.fired || w.decided != kSelectOpen; };
            if (timeout_ms < 0) w.cv.wait(lk, woken);
            else timed_out = !w.cv.wait_until(lk, deadline, woken);
            if (registered) graph.end_wait(t);
            w.fired = false;
            d = w.decided;
            lk.unlock();
            leave_safe(t);
            t.waiting_for.store(nullptr, std::memory_order_relaxed);
        }
        if (d != kSelectOpen) return d; // a receiver took one of our offers: that send is done
        if (timed_out) {
            r = scan(cases, start, &w, out, false);
            return r >= 0 ? r : settle(&w, -2);
        }
        start = (start + 1) % std::max<size_t>(cases.size(), 1);
    }
}

} // namespace bp::thread
