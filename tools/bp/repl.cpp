// The interactive session (`bp` with no file, stdin a terminal).
//
// How state carries over. The VM runs one immutable compiled program, so each input is compiled
// together with the session into a fresh program and run in a fresh Vm:
//   <definitions entered so far: def, struct, enum, class, import, extern>
//   <globals entered so far:     let NAME: TYPE = INITIALISER>
//   def main() -> void:
//       <the new input, when it is a statement>
// Definitions are kept as source. A REPL-level `let NAME: TYPE = EXPR` becomes a global. After each
// run the session reads every global back out of the Vm: an int, float, bool or str value is
// re-boxed as a literal, which becomes that global's initialiser from then on; so `let n: int = 1`,
// then `n += 1`, then `n` prints 2, and an initialiser with side effects (a print, a clock) ran
// once. Globals of other types (lists, maps, objects...) cannot be carried as source: their
// initialiser is re-evaluated for every input, so mutations of them do not survive an input (the
// banner says so; docs/repl.md). An expression statement whose value is not void is printed as
// print() would (§9 top-level form: strings unquoted). Errors (compile errors, tracebacks) are
// shown and the session goes on; a failed definition is dropped.
#include "frontend.hpp"

#include "runtime/rt.hpp"
#include "types/type.hpp"

#include <editline/readline.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace bp::tool {

namespace {

struct Global {
    std::string name, type, init;
};

struct Session {
    std::vector<std::string> items; // definitions, each a complete top-level source block
    std::vector<Global> globals;
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
    for (const Global& g : s.globals) out += "let " + g.name + ": " + g.type + " = " + g.init + "\n";
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

// The value as a literal of its type, or "" if it cannot be written as one.
std::string literal_of(Value v, const types::Type* t) {
    if (!t) return "";
    switch (t->kind) {
    case types::Kind::Int:
        return v.i == INT64_MIN ? "(-9223372036854775807 - 1)" : std::to_string(v.i);
    case types::Kind::Float:
        return std::isfinite(v.f) ? rt::format_float(v.f) : "";
    case types::Kind::Bool: return v.i ? "true" : "false";
    case types::Kind::Str:
        return v.o ? str_literal(static_cast<const String*>(static_cast<const void*>(v.o))->view()) : "";
    default: return "";
    }
}

// Reads the session's globals back out of a finished Vm (see the essay above).
void carry_globals(Session& s, Vm& machine) {
    const auto& infos = machine.program.globals;
    for (Global& g : s.globals) {
        for (size_t i = 0; i < infos.size() && i < machine.globals.size(); ++i) {
            if (infos[i].name != g.name || !machine.global_ready[i]) continue;
            std::string lit = literal_of(machine.globals[i], infos[i].type);
            if (!lit.empty()) g.init = lit;
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
bool run_input(const CliOptions& options, Session& s, const std::string& body, bool try_print) {
    std::unique_ptr<Compiled> c;
    if (try_print) c = compile_text(options, program_text(s, "print(" + body + ")"), true);
    if (!c) c = compile_text(options, program_text(s, body), false);
    if (!c) return false;
    execute_program(options, *c->program, [&](Vm& machine) { carry_globals(s, machine); });
    std::fflush(stdout);
    std::fflush(stderr);
    // The compiled program is referenced by nothing once its Vm is gone; `c` frees it here.
    return true;
}

int bracket_depth(const std::string& text) {
    int depth = 0;
    for (char ch : text) {
        if (ch == '(' || ch == '[' || ch == '{') ++depth;
        else if (ch == ')' || ch == ']' || ch == '}') --depth;
    }
    return depth;
}

// Reads one input: a line, or a block (first line ends with ':' or brackets are open) continued
// with "... " until a blank line. false at end of input.
bool read_input(std::string& out) {
    char* line = readline(">>> ");
    if (!line) return false;
    out = line;
    std::free(line);
    bool block = !trim(out).empty() && trim(out).back() == ':';
    while (block || bracket_depth(out) > 0) {
        char* more = readline("... ");
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
        if (!run_input(options, s, "", false)) s.items.pop_back();
        return;
    }
    Global g;
    if (parse_global(text, g)) {
        std::vector<Global> saved = s.globals;
        std::erase_if(s.globals, [&](const Global& old) { return old.name == g.name; }); // redefinition
        s.globals.push_back(g);
        if (!run_input(options, s, "", false)) s.globals = std::move(saved);
        return;
    }
    bool single = raw.find('\n') == std::string::npos && text.back() != ':';
    run_input(options, s, raw, single);
}

} // namespace

int run_repl(const CliOptions& options) {
    std::printf("BetterPython %s", version_text().substr(std::string("BetterPython (bp) ").size()).c_str());
    std::printf("Definitions and `let NAME: TYPE = VALUE` globals persist; end a block with a blank line;\n"
                "int/float/bool/str globals keep their values between inputs (see docs/repl.md). Ctrl-D quits.\n");
    std::fflush(stdout);
    using_history();
    std::string history_file;
    if (const char* home = std::getenv("HOME")) history_file = std::string(home) + "/.bp_history";
    if (!history_file.empty()) read_history(history_file.c_str());
    Session session;
    std::string input;
    while (read_input(input)) {
        if (!trim(input).empty()) add_history(input.c_str());
        handle(options, session, input);
    }
    std::printf("\n");
    if (!history_file.empty()) write_history(history_file.c_str());
    return 0;
}

} // namespace bp::tool
