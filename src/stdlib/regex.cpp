// The regex builtins (LANGUAGE.md §10 Regex) on RE2: POSIX extended syntax, leftmost-longest
// matching, linear time in the input whatever the pattern (no catastrophic backtracking).
// As POSIX regexec without REG_NEWLINE, `^` and `$` match only at the ends of the subject and `.`
// matches a newline. Strings are byte strings, so patterns and subjects are read as Latin-1: one
// character per byte, `.` matches any single byte, offsets are byte offsets, invalid UTF-8 is
// just bytes.
//
// Compiled patterns are cached per Vm (Vm::regex_cache): a map from pattern text to a shared RE2,
// guarded by a mutex held only for the lookup/insert, never while matching. RE2 objects are
// thread-safe for matching, and the shared_ptr keeps one alive while in use even if the cache is
// flushed meanwhile. The cache is bounded: past kMaxEntries it is emptied (patterns in programs
// are few; a program generating endless distinct patterns just recompiles).
#include "stdlib/support.hpp"

#include <re2/re2.h>

#include <mutex>
#include <string>
#include <unordered_map>

namespace bp::stdlib {

namespace {

constexpr size_t kMaxEntries = 512;

// Threading: `m_mu` guards `m_map`; the RE2 objects are immutable once built.
class RegexCache {
public:
    std::shared_ptr<const re2::RE2> find(const std::string& pat) {
        std::lock_guard<std::mutex> lock(m_mu);
        auto it = m_map.find(pat);
        return it == m_map.end() ? nullptr : it->second;
    }
    void insert(const std::string& pat, std::shared_ptr<const re2::RE2> re) {
        std::lock_guard<std::mutex> lock(m_mu);
        if (m_map.size() >= kMaxEntries) m_map.clear();
        m_map.emplace(pat, std::move(re));
    }

private:
    std::mutex m_mu;
    std::unordered_map<std::string, std::shared_ptr<const re2::RE2>> m_map;
};

// The compiled pattern of argument 0, or ValueError "<fn>: invalid pattern '<pat>': <reason>".
std::shared_ptr<const re2::RE2> compile(BuiltinArgs& a, std::string_view fn) {
    auto* cache = static_cast<RegexCache*>(a.thread.vm.regex_cache.get());
    std::string pat(arg_sv(a, 0));
    if (cache)
        if (auto hit = cache->find(pat)) return hit;
    re2::RE2::Options opts;
    opts.set_posix_syntax(true);
    opts.set_longest_match(true);
    opts.set_log_errors(false);
    opts.set_one_line(true); // POSIX without REG_NEWLINE: ^ and $ only at the ends of the text
    opts.set_dot_nl(true);   // ... and `.` matches a newline too
    opts.set_encoding(re2::RE2::Options::EncodingLatin1);
    auto re = std::make_shared<const re2::RE2>(pat, opts);
    if (!re->ok())
        rt::raise(ErrorKind::ValueError, std::string(fn) + ": invalid pattern '" + pat + "': " + re->error());
    if (cache) cache->insert(pat, re);
    return re;
}

// Leftmost-longest match in s starting at byte `pos` (anchors still refer to the whole string).
bool match_at(const re2::RE2& re, std::string_view s, size_t pos, size_t* start, size_t* end) {
    re2::StringPiece text(s.data(), s.size()), m;
    if (!re.Match(text, pos, s.size(), re2::RE2::UNANCHORED, &m, 1)) return false;
    *start = static_cast<size_t>(m.data() - s.data());
    *end = *start + m.size();
    return true;
}

// Calls f(start, end) for every non-overlapping match, left to right. After an empty match the
// scan moves one byte on (that byte belongs to the text between matches), so it always ends.
template <class F>
void for_each_match(const re2::RE2& re, std::string_view s, F f) {
    size_t pos = 0, start = 0, end = 0;
    while (pos <= s.size() && match_at(re, s, pos, &start, &end)) {
        f(start, end);
        pos = end > start ? end : end + 1;
    }
}

} // namespace

std::shared_ptr<void> new_regex_cache() { return std::make_shared<RegexCache>(); }

Value bi_regex_match(BuiltinArgs& a) {
    auto re = compile(a, "regex_match");
    size_t start = 0, end = 0;
    return Value::from_bool(match_at(*re, arg_sv(a, 1), 0, &start, &end));
}

Value bi_regex_search(BuiltinArgs& a) {
    auto re = compile(a, "regex_search");
    size_t start = 0, end = 0;
    if (!match_at(*re, arg_sv(a, 1), 0, &start, &end)) return Value::from_int(-1);
    return Value::from_int(static_cast<int64_t>(start));
}

Value bi_regex_replace(BuiltinArgs& a) {
    auto re = compile(a, "regex_replace");
    std::string_view repl = arg_sv(a, 1), s = arg_sv(a, 2);
    std::string out;
    size_t copied = 0; // s[0, copied) is already in out
    for_each_match(*re, s, [&](size_t start, size_t end) {
        out.append(s.substr(copied, start - copied));
        out.append(repl);
        copied = end;
        if (end == start && end < s.size()) { // the byte after an empty match is kept
            out += s[end];
            copied = end + 1;
        }
    });
    out.append(s.substr(std::min(copied, s.size())));
    return str_value(a, out);
}

Value bi_regex_split(BuiltinArgs& a) {
    auto re = compile(a, "regex_split");
    std::string_view s = arg_sv(a, 1);
    std::vector<std::string_view> parts;
    size_t last = 0;
    for_each_match(*re, s, [&](size_t start, size_t end) {
        parts.push_back(s.substr(last, start - last));
        last = end;
    });
    parts.push_back(s.substr(last));
    return Value::from_obj(new_str_array(a, a.result_type, parts));
}

Value bi_regex_find_all(BuiltinArgs& a) {
    auto re = compile(a, "regex_find_all");
    std::string_view s = arg_sv(a, 1);
    std::vector<std::string_view> parts;
    for_each_match(*re, s, [&](size_t start, size_t end) { parts.push_back(s.substr(start, end - start)); });
    return Value::from_obj(new_str_array(a, a.result_type, parts));
}

} // namespace bp::stdlib
