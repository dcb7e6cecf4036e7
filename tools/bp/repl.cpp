// The interactive session (`bp` with no file, stdin a terminal).
//
// How state carries over. The VM runs one immutable compiled program, so each input is compiled
// together with the session into a fresh program and run in a fresh Vm:
//   <definitions entered so far: def, struct, enum, class, import, extern>
//   <per carried global: def __repl_keep_NAME() -> TYPE: return NAME>
//   <globals entered so far:     let NAME: TYPE = INITIALISER>
//   def main() -> void:
//       <the new input, when it is a statement>
// Definitions are kept as source. A REPL-level `let NAME: TYPE = EXPR` becomes a global.
//
// Globals keep their values by deep copy (repl_carry.hpp). The previous input's Vm is kept; after
// an input ran, every global whose value can be copied (anything but handles such as Thread or
// Mutex, lambdas written outside the definitions, closures capturing a reference) is marked
// `keep`. The next program is then run with a hook before its global initialisers: the kept
// values are copied out of the old Vm into the new one (types matched by structure, functions by
// index, one memo so shared objects stay shared and cycles stay cycles), and the initialiser of a
// kept global only reads its own value back (`__repl_keep_NAME()`, a function because an
// initialiser may not name its own global). So initialisers run once: `let c: Counter = new
// Counter()` runs __init__ once, and `c.bump()` in later inputs changes the same object. If a
// copy fails anyway, the input is compiled again without `keep` for that global (nothing ran yet).
//
// A global that cannot be copied falls back to a literal of its value when it has one (scalars,
// strings, containers, struct values: LiteralWriter), else its original initialiser, re-evaluated
// for every input. An expression statement whose value is not void is printed as print() would
// (§9 top-level form: strings unquoted). Errors (compile errors, tracebacks) are shown and the
// session goes on; a failed definition is dropped, and a failed statement leaves the definitions
// and the globals' values as they were when it stopped. An input whose global initialisers fail
// (a new `let` that raises) leaves the session as it was before that input.
// Line editing and history come from libedit, opened when the session starts (it is not linked, so
// running a file never loads it: base/lazy_library.hpp). Without libedit the session still works,
// reading plain lines, after saying why on stderr.
#include "frontend.hpp"
#include "repl_carry.hpp"

#include "base/lazy_library.hpp"

#include "runtime/rt.hpp"
#include "types/type.hpp"

#include <editline/readline.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace bp::tool {

namespace {

struct Global {
    std::string name, type, init;
    bool fresh = true; // defined by the current input: nothing to carry into it yet
    bool keep = false; // carried by deep copy (repl_carry.hpp): its initialiser reads it back
};

struct Session {
    std::vector<std::string> items; // definitions, each a complete top-level source block
    std::vector<Global> globals;
    // The previous input's program and Vm, kept to carry values out of (repl_carry.hpp); the Vm
    // is declared last so it is destroyed first.
    std::unique_ptr<Compiled> prev_compiled;
    uint32_t prev_prefix = 0; // length of the definitions part of its source
    std::unique_ptr<Vm> prev_vm;
};

std::string trim(const std::string& s) {
    size_t b = s.find_first_not_of(" \t\r\n"), e = s.find_last_not_of(" \t\r\n");
    return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

bool starts_with_word(const std::string& s, const char* word) {
    std::string w(word);
    return s.compare(0, w.size(), w) == 0 && (s.size() == w.size() || s[w.size()] == ' ' || s[w.size()] == '\t');
}

bool is_definition(const std::string& text) {
    for (const char* w : {"def", "struct", "enum", "class", "import", "extern", "export"})
        if (starts_with_word(text, w)) return true;
    return !text.empty() && text[0] == '@';
}

// `let NAME: TYPE = EXPR` on one line: true with the parts.
bool parse_global(const std::string& text, Global& g) {
    if (!starts_with_word(text, "let") || text.find('\n') != std::string::npos) return false;
    size_t colon = text.find(':'), eq = text.find('=');
    if (colon == std::string::npos || eq == std::string::npos || eq < colon) return false;
    g.name = trim(text.substr(3, colon - 3));
    g.type = trim(text.substr(colon + 1, eq - colon - 1));
    g.init = trim(text.substr(eq + 1));
    return !g.name.empty() && !g.type.empty() && !g.init.empty();
}

std::string indent(const std::string& body) {
    std::string out = "    ";
    for (char ch : body) {
        out += ch;
        if (ch == '\n') out += "    ";
    }
    return out;
}

std::string program_text(const Session& s, const std::string& body) {
    std::string out;
    for (const std::string& item : s.items) out += item + "\n\n";
    // A carried global is copied in before the initialisers run (carry_in); its initialiser just
    // reads that value back, through a function because an initialiser may not name its own
    // global. These functions follow the definitions, so the definitions keep their indexes.
    for (const Global& g : s.globals)
        if (g.keep) out += "def __repl_keep_" + g.name + "() -> " + g.type + ":\n    return " + g.name + "\n\n";
    for (const Global& g : s.globals)
        out += "let " + g.name + ": " + g.type + " = " + (g.keep ? "__repl_keep_" + g.name + "()" : g.init) + "\n";
    out += "\ndef main() -> void:\n" + indent(body.empty() ? "pass" : body) + "\n";
    return out;
}

std::string str_literal(std::string_view v) {
    std::string out = "\"";
    for (char ch : v) {
        auto u = static_cast<unsigned char>(ch);
        if (ch == '"' || ch == '\\') out += std::string("\\") + ch;
        else if (ch == '\n') out += "\\n";
        else if (ch == '\t') out += "\\t";
        else if (ch == '\r') out += "\\r";
        else if (u < 0x20 || u == 0x7F) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", u);
            out += buf;
        } else out += ch;
    }
    return out + "\"";
}

// Writes values back as BetterPython source (see the essay above). Scalars, strings, arrays,
// maps, tuples, struct values, `any` boxes of those, and top-level functions have a literal form;
// class instances, lambdas, bytes and handles do not. Depth and size are bounded (a cyclic
// structure through `any` has no literal either).
class LiteralWriter {
public:
    explicit LiteralWriter(const std::vector<std::unique_ptr<bytecode::FunctionProto>>& functions)
        : m_functions(functions) {}

    // The value as a literal of its type; false (and `out` unusable) if it has none.
    bool write(Value v, const types::Type* t, std::string& out, int depth = 0) {
        if (!t || depth > kMaxDepth || out.size() > kMaxSize) return false;
        switch (t->kind) {
        case types::Kind::Int: out += v.i == INT64_MIN ? "(-9223372036854775807 - 1)" : std::to_string(v.i); return true;
        case types::Kind::Float:
            if (!std::isfinite(v.f)) return false;
            out += rt::format_float(v.f);
            return true;
        case types::Kind::Bool: out += v.i ? "true" : "false"; return true;
        case types::Kind::Str:
            if (!v.o) return false;
            out += str_literal(static_cast<const String*>(static_cast<const void*>(v.o))->view());
            return true;
        case types::Kind::Array: return v.o && write_array(static_cast<const Array*>(static_cast<const void*>(v.o)), t, out, depth);
        case types::Kind::Map: return v.o && write_map(static_cast<const Map*>(static_cast<const void*>(v.o)), t, out, depth);
        case types::Kind::Tuple: {
            if (!v.o) return false;
            const auto* tup = static_cast<const Tuple*>(static_cast<const void*>(v.o));
            out += "(";
            for (size_t i = 0; i < t->items.size(); ++i) {
                if (i) out += ", ";
                if (!write(tup->items[i], t->items[i], out, depth + 1)) return false;
            }
            out += ")";
            return true;
        }
        case types::Kind::Struct: {
            if (!v.o) return false;
            const auto* inst = static_cast<const Instance*>(static_cast<const void*>(v.o));
            const types::StructInfo* info = inst->type->info;
            if (!info || info->is_class) return false; // built by `new` (its __init__), never a literal
            out += info->name + "{";
            for (size_t i = 0; i < info->fields().size(); ++i) {
                out += (i ? ", " : "") + info->fields()[i].name + ": ";
                if (!write(inst->fields[i], info->fields()[i].type, out, depth + 1)) return false;
            }
            out += "}";
            return true;
        }
        case types::Kind::Any: {
            if (!v.o) return false;
            const auto* box = static_cast<const Box*>(static_cast<const void*>(v.o));
            if (!box->type || box->type->kind == types::Kind::Void || box->type->kind == types::Kind::Any) return false;
            return write(box->value, box->type, out, depth + 1);
        }
        case types::Kind::Func: { // a top-level function: its name (the definition persists)
            if (!v.o) return false;
            const auto* c = static_cast<const Closure*>(static_cast<const void*>(v.o));
            if (c->ncaptures != 0 || c->proto->index >= m_functions.size() ||
                m_functions[c->proto->index].get() != c->proto || !is_plain_name(c->proto->name))
                return false;
            out += c->proto->name;
            return true;
        }
        case types::Kind::Void: case types::Kind::Ptr: case types::Kind::Bytes: case types::Kind::Error:
        case types::Kind::Thread: case types::Kind::Mutex: case types::Kind::Condition: case types::Kind::Volatile:
        case types::Kind::Sync: case types::Kind::Channel: case types::Kind::Scope:
            return false;
        }
        return false;
    }

private:
    static constexpr int kMaxDepth = 64;
    static constexpr size_t kMaxSize = 1 << 20;

    static bool is_plain_name(const std::string& name) {
        if (name.empty() || name[0] == '<') return false;
        for (char ch : name)
            if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '_')) return false;
        return true;
    }

    bool write_array(const Array* a, const types::Type* t, std::string& out, int depth) {
        out += "[";
        for (int64_t i = 0, n = rt::array_len(a); i < n; ++i) {
            if (i) out += ", ";
            if (!write(rt::array_get(a, i), t->elem, out, depth + 1)) return false;
        }
        out += "]";
        return true;
    }

    bool write_map(const Map* m, const types::Type* t, std::string& out, int depth) {
        out += "{";
        int64_t pos = 0;
        Value k = Value::zero(), v = Value::zero();
        for (bool first = true; rt::map_next(m, &pos, &k, &v); first = false) {
            if (!first) out += ", ";
            if (!write(k, t->key, out, depth + 1)) return false;
            out += ": ";
            if (!write(v, t->elem, out, depth + 1)) return false;
        }
        out += "}";
        return true;
    }

    const std::vector<std::unique_ptr<bytecode::FunctionProto>>& m_functions;
};

// Reads the session's globals back out of a finished Vm (see the essay above): whether each can
// be deep-copied into the next Vm, and its literal (the initialiser used when it cannot be).
void carry_globals(Session& s, Vm& machine, uint32_t prefix_end) {
    const auto& infos = machine.program.globals;
    LiteralWriter writer(machine.program.functions);
    for (Global& g : s.globals) {
        for (size_t i = 0; i < infos.size() && i < machine.globals.size(); ++i) {
            if (infos[i].name != g.name || !machine.global_ready[i]) continue;
            std::string lit;
            if (writer.write(machine.globals[i], infos[i].type, lit)) g.init = lit;
            g.keep = can_carry(machine, static_cast<uint32_t>(i), prefix_end);
        }
    }
}

// Compiles `text`; with `quiet`, compile errors are not shown (probing whether an expression can
// be printed).
std::unique_ptr<Compiled> compile_text(const CliOptions& options, const std::string& text, bool quiet) {
    auto c = std::make_unique<Compiled>();
    uint32_t file = c->sources.add("<repl>", text);
    CliOptions probe = options;
    probe.quiet_diagnostics = quiet;
    int code = compile_file(probe, *c, file);
    if (code != 0 || !c->program) return nullptr;
    return c;
}

// Runs one input against the session; true if it compiled (the session keeps a definition then).
// The length of the definitions part of program_text (identical in every later program).
uint32_t prefix_length(const Session& s) {
    size_t n = 0;
    for (const std::string& item : s.items) n += item.size() + 2;
    return static_cast<uint32_t>(n);
}

// Before the initialisers: the previous Vm's `keep` globals are deep-copied into the new one
// (repl_carry.hpp). False if one could not be: it is then no longer `keep` (the input is compiled
// again with its literal or original initialiser; nothing has run yet).
bool carry_in(Session& s, Vm& to, VmThread& t) {
    auto index = [](const Vm& m, const std::string& name) -> int64_t {
        for (size_t i = 0; i < m.program.globals.size(); ++i)
            if (m.program.globals[i].name == name) return static_cast<int64_t>(i);
        return -1;
    };
    std::vector<std::pair<uint32_t, uint32_t>> pairs;
    std::vector<Global*> kept;
    for (Global& g : s.globals) {
        if (!g.keep) continue;
        int64_t f = s.prev_vm ? index(*s.prev_vm, g.name) : -1, n = index(to, g.name);
        if (f < 0 || n < 0) {
            g.keep = false;
            return false;
        }
        pairs.emplace_back(static_cast<uint32_t>(f), static_cast<uint32_t>(n));
        kept.push_back(&g);
    }
    if (pairs.empty()) return true;
    std::vector<bool> carried = carry_values(*s.prev_vm, to, t, pairs, s.prev_prefix);
    bool all = true;
    for (size_t i = 0; i < kept.size(); ++i)
        if (!carried[i]) kept[i]->keep = all = false;
    return all;
}

// Runs one input against the session: Ran, or why not (a definition or a global is kept only
// when its input ran).
enum class Outcome { NotCompiled, InitFailed, Ran };

Outcome run_input(const CliOptions& options, Session& s, const std::string& body, bool try_print) {
    std::unique_ptr<Compiled> c;
    std::unique_ptr<Vm> machine;
    bool initialised = false;
    for (int attempt = 0; attempt < 2 && !initialised; ++attempt) { // a second one if a copy failed
        c.reset();
        if (try_print) c = compile_text(options, program_text(s, "print(" + body + ")"), true);
        if (!c) c = compile_text(options, program_text(s, body), false);
        if (!c) return Outcome::NotCompiled;
        bool carried = false;
        execute_program(
            options, *c->program,
            [&](Vm& to, VmThread& t) {
                carried = carry_in(s, to, t);
                return carried;
            },
            machine);
        initialised = carried && machine && std::all_of(machine->global_ready.begin(), machine->global_ready.end(),
                                                        [](uint8_t r) { return r != 0; });
        if (!carried) machine.reset();
    }
    std::fflush(stdout);
    std::fflush(stderr);
    if (!initialised) { // an initialiser failed: the previous state stays the session's
        machine.reset();
        return Outcome::InitFailed;
    }
    std::vector<Global> before = s.globals;
    carry_globals(s, *machine, prefix_length(s));
    // A carried literal the checker does not accept (a struct of an imported module, say) must not
    // break the session: the initialisers are then kept as they were.
    bool changed = false;
    for (size_t i = 0; i < before.size(); ++i) changed = changed || before[i].init != s.globals[i].init;
    if (changed && !compile_text(options, program_text(s, ""), true)) {
        for (size_t i = 0; i < before.size(); ++i) s.globals[i].init = before[i].init;
    }
    for (Global& g : s.globals) g.fresh = false;
    s.prev_vm = std::move(machine); // the old Vm goes before the program it runs
    s.prev_compiled = std::move(c);
    s.prev_prefix = prefix_length(s);
    return Outcome::Ran;
}

int bracket_depth(const std::string& text) {
    int depth = 0;
    for (char ch : text) {
        if (ch == '(' || ch == '[' || ch == '{') ++depth;
        else if (ch == ')' || ch == ']' || ch == '}') --depth;
    }
    return depth;
}

// libedit's readline interface, or plain lines when it cannot be loaded.
struct LineEditor {
    decltype(&::readline) readline = nullptr;
    decltype(&::using_history) using_history = nullptr;
    decltype(&::read_history) read_history = nullptr;
    decltype(&::add_history) add_history = nullptr;
    decltype(&::write_history) write_history = nullptr;

    bool load() {
        static base::LazyLibrary lib(BP_LIBEDIT_SONAME, "libedit");
        std::string error;
        if (lib.bind("readline", readline, error) && lib.bind("using_history", using_history, error) &&
            lib.bind("read_history", read_history, error) && lib.bind("add_history", add_history, error) &&
            lib.bind("write_history", write_history, error))
            return true;
        readline = nullptr;
        std::fprintf(stderr, "bp: no line editing or history: %s\n", error.c_str());
        return false;
    }

    // A malloc'ed line without its newline (as readline gives it), or nullptr at end of input.
    char* read_line(const char* prompt) {
        if (readline) return readline(prompt);
        std::fputs(prompt, stdout);
        std::fflush(stdout);
        std::string line;
        int c;
        while ((c = std::getchar()) != EOF && c != '\n') line += static_cast<char>(c);
        if (c == EOF && line.empty()) return nullptr;
        return strdup(line.c_str());
    }
};

// Reads one input: a line, or a block (first line ends with ':' or brackets are open) continued
// with "... " until a blank line. false at end of input.
bool read_input(LineEditor& editor, std::string& out) {
    char* line = editor.read_line(">>> ");
    if (!line) return false;
    out = line;
    std::free(line);
    bool block = !trim(out).empty() && trim(out).back() == ':';
    while (block || bracket_depth(out) > 0) {
        char* more = editor.read_line("... ");
        if (!more) break;
        std::string m = more;
        std::free(more);
        if (trim(m).empty()) {
            if (bracket_depth(out) <= 0) break;
            continue;
        }
        out += "\n" + m;
        if (!block && bracket_depth(out) <= 0) break;
    }
    return true;
}

void handle(const CliOptions& options, Session& s, const std::string& raw) {
    std::string text = trim(raw);
    if (text.empty() || text[0] == '#') return;
    if (is_definition(text)) {
        s.items.push_back(raw);
        if (run_input(options, s, "", false) == Outcome::NotCompiled) s.items.pop_back();
        return;
    }
    Global g;
    if (parse_global(text, g)) {
        std::vector<Global> saved = s.globals;
        std::erase_if(s.globals, [&](const Global& old) { return old.name == g.name; }); // redefinition
        s.globals.push_back(g);
        if (run_input(options, s, "", false) != Outcome::Ran) s.globals = std::move(saved);
        return;
    }
    bool single = raw.find('\n') == std::string::npos && text.back() != ':';
    run_input(options, s, raw, single);
}

} // namespace

int run_repl(const CliOptions& options) {
    std::printf("BetterPython %s", version_text().substr(std::string("BetterPython (bp) ").size()).c_str());
    std::printf("Definitions and `let NAME: TYPE = VALUE` globals persist; end a block with a blank line;\n"
                "globals keep their values between inputs (see docs/cli.md). Ctrl-D quits.\n");
    std::fflush(stdout);
    LineEditor editor;
    bool editing = editor.load();
    std::string history_file;
    if (const char* home = std::getenv("HOME"); home && editing) history_file = std::string(home) + "/.bp_history";
    if (editing) editor.using_history();
    if (!history_file.empty()) editor.read_history(history_file.c_str());
    Session session;
    std::string input;
    while (read_input(editor, input)) {
        if (editing && !trim(input).empty()) editor.add_history(input.c_str());
        handle(options, session, input);
    }
    std::printf("\n");
    if (!history_file.empty()) editor.write_history(history_file.c_str());
    return 0;
}

} // namespace bp::tool
