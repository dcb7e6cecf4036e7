// Strings: immutable byte strings with a lazily cached hash.
#include "runtime/rt.hpp"
#include "gc/allocate.hpp"
#include "vm/vm.hpp"

#include <algorithm>
#include <cstddef>
#include <cstring>

namespace bp::rt {

namespace {
// String is not standard-layout (Obj's fields are in the base), but GCC and Clang lay it out
// predictably; offsetof is the honest way to find where the bytes start.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winvalid-offsetof"
constexpr size_t kStringData = offsetof(String, data);
#pragma GCC diagnostic pop
} // namespace

String* alloc_string(VmThread& t, uint64_t len) {
    size_t size = checked_size(kStringData + 1, len, 1);
    // Only the header is zeroed: callers write all `len` bytes at once (allocation never collects,
    // so nobody sees the bytes before that).
    auto* s = static_cast<String*>(t.vm.heap.allocate_prefix_zeroed(t, ObjKind::String, size, kStringData));
    s->len = len;
    s->data[len] = '\0';
    return s;
}

String* new_string(VmThread& t, std::string_view sv) {
    String* s = alloc_string(t, sv.size());
    if (!sv.empty()) std::memcpy(s->data, sv.data(), sv.size());
    return s;
}

String* concat(VmThread& t, const String* a, const String* b) {
    String* s = alloc_string(t, a->len + b->len);
    std::memcpy(s->data, a->data, a->len);
    std::memcpy(s->data + a->len, b->data, b->len);
    return s;
}

String* string_at(VmThread& t, const String* s, int64_t i) {
    int64_t j = normalize_index(i, static_cast<int64_t>(s->len));
    return new_string(t, std::string_view(s->data + j, 1));
}

// FNV-1a, finalised with a multiply-xorshift so that short keys spread over the low bits the
// map index uses. Never 0 (0 means "not computed") and never kDeletedHash.
uint64_t string_hash(const String* s) {
    uint64_t h = s->hash.load(std::memory_order_relaxed); // relaxed: racing threads store the same value
    if (h) return h;
    h = 1469598103934665603ull;
    for (uint64_t i = 0; i < s->len; ++i) {
        h ^= static_cast<unsigned char>(s->data[i]);
        h *= 1099511628211ull;
    }
    h ^= h >> 32;
    h *= 0xd6e8feb86659fd93ull;
    h ^= h >> 32;
    if (h == 0 || h == kDeletedHash) h = 1;
    const_cast<String*>(s)->hash.store(h, std::memory_order_relaxed);
    return h;
}

bool string_equal(const String* a, const String* b) {
    if (a == b) return true;
    if (a->len != b->len) return false;
    uint64_t ha = a->hash.load(std::memory_order_relaxed), hb = b->hash.load(std::memory_order_relaxed);
    if (ha && hb && ha != hb) return false;
    return std::memcmp(a->data, b->data, a->len) == 0;
}

int string_compare(const String* a, const String* b) {
    uint64_t n = std::min(a->len, b->len);
    int c = n ? std::memcmp(a->data, b->data, n) : 0;
    if (c) return c < 0 ? -1 : 1;
    if (a->len == b->len) return 0;
    return a->len < b->len ? -1 : 1;
}

} // namespace bp::rt
