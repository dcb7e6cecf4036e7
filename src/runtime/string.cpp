// Strings: immutable byte strings with a lazily cached hash.
//
// Appending in place. `s = s + t` in a loop copied all of s at every step: building an n-byte string
// a piece at a time took O(n^2) (CPython avoids it for a local whose reference count is one; we
// have no reference counts). A concatenation whose result is long (kAppendMin bytes or more) puts
// its bytes in an *append buffer* with room to spare, a raw Storage, and returns a small string
// that names the buffer and its length (kStringInBuffer). The next `r + u` finds r's bytes ending
// exactly where the buffer's used part ends: it claims the room for u with one compare-and-swap on
// the used count, copies only u, and returns another small string naming the same buffer. So a
// chain of appends copies each byte a constant number of times on average. An f-string
// (`f"{s}{x},"`, rt::concat_n) appends to its first part the same way.
// - Immutability: a string's bytes are the buffer's first `len`, which nobody writes again; an
//   append writes only past the used count, which it claimed. An older string of the buffer (a
//   shorter prefix) finds the used count past its end, and copies, as does the loser of two threads
//   appending to the same string at once.
// - Threading: the claim is a compare-and-swap (acq_rel), the bytes are written before the new
//   string exists, and the new string reaches other threads as any new object does.
// - GC: a buffer string references its buffer (the marker traces it, gc/mark.cpp); nothing else
//   does. The buffer pointer is written once, before the string is published, so no barrier is
//   needed. A buffer is freed when its last string is.
// - Cost: up to 2x the bytes for a long concatenation's result, and a 32-byte string per append.
#include "runtime/rt.hpp"
#include "gc/allocate.hpp"
#include "vm/vm.hpp"

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstring>

namespace bp::rt {

namespace {
// String is not standard-layout (Obj's fields are in the base), but GCC and Clang lay it out
// predictably; offsetof is the honest way to find where the bytes start.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winvalid-offsetof"
constexpr size_t kStringData = offsetof(String, inline_data);
#pragma GCC diagnostic pop

// Concatenations shorter than this stay inline (one object, no slack).
constexpr uint64_t kAppendMin = 256;

std::atomic_ref<uint64_t> buffer_used(Storage* b) { return std::atomic_ref<uint64_t>(b->slots[0].u); }
uint64_t buffer_room(const Storage* b) { return (b->capacity - 1) * sizeof(Value); } // bytes
char* buffer_bytes(Storage* b) { return reinterpret_cast<char*>(b->slots + 1); }

// A string of the first `len` bytes of buffer b.
String* buffer_string(VmThread& t, Storage* b, uint64_t len) {
    auto* s = static_cast<String*>(t.vm.heap.allocate(t, ObjKind::String, kStringData + sizeof(Storage*)));
    s->len = len;
    s->flags = kStringInBuffer;
    std::memcpy(s->inline_data, &b, sizeof b);
    return s;
}
} // namespace

String* alloc_string(VmThread& t, uint64_t len) {
    size_t size = checked_size(kStringData + 1, len, 1);
    // Only the header is zeroed: callers write all `len` bytes at once (allocation never collects,
    // so nobody sees the bytes before that).
    auto* s = static_cast<String*>(t.vm.heap.allocate_prefix_zeroed(t, ObjKind::String, size, kStringData));
    s->len = len;
    s->inline_data[len] = '\0';
    return s;
}

String* new_string(VmThread& t, std::string_view sv) {
    if (sv.size() == 1)
        if (String* shared = t.vm.byte_string(sv[0])) return shared;
    String* s = alloc_string(t, sv.size());
    if (!sv.empty()) std::memcpy(s->inline_data, sv.data(), sv.size());
    return s;
}

namespace {
// The long case of concat and concat_n (total >= kAppendMin): extend the first part's buffer in
// place, or start a new one. Inline, so that concat_long's two parts unroll.
[[gnu::always_inline]] inline String* append_parts(VmThread& t, const String* const* parts, uint32_t count,
                                                   uint64_t total) {
    const String* a = parts[0];
    const uint64_t n = a->len;
    auto copy_rest = [&](char* to) { // the other parts may be prefixes of a's buffer: below n
        for (uint32_t k = 1; k < count; ++k) {
            std::memcpy(to, parts[k]->chars(), parts[k]->len);
            to += parts[k]->len;
        }
    };
    if (a->in_buffer()) { // room after a's bytes that no longer string claimed yet?
        Storage* buf = a->buffer();
        if (total == n) return buffer_string(t, buf, n); // nothing to claim or copy
        uint64_t expected = n;
        if (total <= buffer_room(buf) &&
            buffer_used(buf).compare_exchange_strong(expected, total, std::memory_order_acq_rel)) {
            copy_rest(buffer_bytes(buf) + n);
            return buffer_string(t, buf, total);
        }
    }
    // A new buffer, half as big again as the result (twice, when a's own buffer ran out: a loop).
    uint64_t room = a->in_buffer() ? 2 * total : total + total / 2;
    Storage* buf = new_storage(t, 1 + (room + sizeof(Value) - 1) / sizeof(Value), 0); // raw words
    std::memcpy(buffer_bytes(buf), a->chars(), n);
    copy_rest(buffer_bytes(buf) + n);
    buffer_used(buf).store(total, std::memory_order_relaxed);
    return buffer_string(t, buf, total);
}

// Out of line: concat's short path keeps no frame.
[[gnu::noinline]] String* concat_long(VmThread& t, const String* a, const String* b, uint64_t total) {
    const String* parts[2] = {a, b};
    return append_parts(t, parts, 2, total);
}
} // namespace

String* concat(VmThread& t, const String* a, const String* b) {
    const uint64_t n = a->len, m = b->len;
    const uint64_t total = n + m; // no overflow: both are object sizes
    if (total >= kAppendMin) return concat_long(t, a, b, total);
    // Short: both are inline (a buffer string is at least kAppendMin long), and so is the result.
    String* s = alloc_string(t, total);
    std::memcpy(s->inline_data, a->inline_data, n);
    std::memcpy(s->inline_data + n, b->inline_data, m);
    return s;
}

String* concat_n(VmThread& t, const String* const* parts, uint32_t count) {
    if (count == 0) return alloc_string(t, 0);
    uint64_t total = 0;
    for (uint32_t k = 0; k < count; ++k) total += parts[k]->len; // no overflow: < 2^16 object sizes
    if (total >= kAppendMin) return append_parts(t, parts, count, total);
    String* s = alloc_string(t, total); // short: every part is inline, as in concat
    char* to = s->inline_data;
    for (uint32_t k = 0; k < count; ++k) {
        std::memcpy(to, parts[k]->inline_data, parts[k]->len);
        to += parts[k]->len;
    }
    return s;
}

String* string_at(VmThread& t, const String* s, int64_t i) {
    int64_t j = normalize_index(i, static_cast<int64_t>(s->len));
    return new_string(t, std::string_view(s->chars() + j, 1));
}

// FNV-1a, finalised with a multiply-xorshift so that short keys spread over the low bits the
// map index uses. Never 0 (0 means "not computed") and never kDeletedHash.
uint64_t string_hash(const String* s) {
    uint64_t h = s->hash.load(std::memory_order_relaxed); // relaxed: racing threads store the same value
    if (h) return h;
    h = 1469598103934665603ull;
    const char* d = s->chars();
    for (uint64_t i = 0; i < s->len; ++i) {
        h ^= static_cast<unsigned char>(d[i]);
        h *= 1099511628211ull;
    }
    h ^= h >> 32;
    h *= 0xd6e8feb86659fd93ull;
    h ^= h >> 32;
    if (h == 0 || h == kDeletedHash) h = 1;
    const_cast<String*>(s)->hash.store(h, std::memory_order_relaxed);
    return h;
}

bool string_bytes_equal(const String* a, const String* b) {
    uint64_t ha = a->hash.load(std::memory_order_relaxed), hb = b->hash.load(std::memory_order_relaxed);
    if (ha && hb && ha != hb) return false;
    return std::memcmp(a->chars(), b->chars(), a->len) == 0;
}

int string_compare(const String* a, const String* b) {
    uint64_t n = std::min(a->len, b->len);
    int c = n ? std::memcmp(a->chars(), b->chars(), n) : 0;
    if (c) return c < 0 ? -1 : 1;
    if (a->len == b->len) return 0;
    return a->len < b->len ? -1 : 1;
}

} // namespace bp::rt
