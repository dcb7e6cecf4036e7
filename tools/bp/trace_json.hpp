// A small JSON reader and writer for `bp trace-view` (the trace files --trace writes, and Chrome
// trace-event files from elsewhere). Not for BetterPython values: the json builtins live in stdlib.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bp::tool {

struct Json {
    enum class Kind { Null, Bool, Number, String, Array, Object };
    Kind kind = Kind::Null;
    bool b = false;
    double num = 0;
    std::string str;
    std::vector<Json> items;                          // Array
    std::vector<std::pair<std::string, Json>> fields; // Object, in file order

    const Json* find(std::string_view key) const; // an Object's field, or nullptr
    bool is_number() const { return kind == Kind::Number; }
    bool is_string() const { return kind == Kind::String; }
};

// Parses `text` (one JSON value, nesting at most 256 deep). On failure returns false with
// `error` = "line L, column C: <what>".
bool parse_json(std::string_view text, Json& out, std::string& error);

// Compact JSON; '<' is written as \u003c so the text can sit inside an HTML <script>.
void write_json(std::string& out, const Json& v);
void write_json_string(std::string& out, std::string_view s);

} // namespace bp::tool
