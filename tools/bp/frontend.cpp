// Driving the front end: each stage runs only if the previous one reported no error, so one
// mistake is reported once (not again as a type error on a half-parsed tree).
#include "frontend.hpp"

#include "bytecode/disasm.hpp"
#include "check/checker.hpp"
#include "compile/compiler.hpp"
#include "lex/lexer.hpp"
#include "parse/ast_dump.hpp"
#include "parse/module_loader.hpp"
#include "parse/parser.hpp"

#include <algorithm>
#include <cstdlib>

#include <cstdio>
#include <string_view>

namespace bp::tool {

namespace {

void write_stderr(std::string_view text) { std::fwrite(text.data(), 1, text.size(), stderr); }
void write_stdout(std::string_view text) { std::fwrite(text.data(), 1, text.size(), stdout); }

std::string json_string(std::string_view text) {
    std::string out = "\"";
    for (char ch : text) {
        auto u = static_cast<unsigned char>(ch);
        switch (ch) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\t': out += "\\t"; break;
        case '\r': out += "\\r"; break;
        default:
            if (u < 0x20) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", u);
                out += buf;
            } else {
                out += ch;
            }
        }
    }
    return out + "\"";
}

const char* severity_name(diag::Severity s) {
    switch (s) {
    case diag::Severity::Error: return "error";
    case diag::Severity::Warning: return "warning";
    case diag::Severity::Note: return "note";
    }
    return "error";
}

} // namespace

// One JSON array for editors: [{file, line, col, end_line, end_col, severity, message, notes}],
// lines and columns 1-based as in the text form, the end exclusive.
std::string diagnostics_json(const SourceMap& sources, const diag::Diagnostics& diags) {
    std::string out = "[";
    bool first = true;
    for (const diag::Diagnostic& d : diags.all()) {
        const SourceFile& f = sources.file(d.span.file);
        LineCol b = f.line_col(d.span.begin), e = f.line_col(std::max(d.span.end, d.span.begin));
        out += first ? "\n  {" : ",\n  {";
        first = false;
        out += "\"file\": " + json_string(f.path()) + ", \"line\": " + std::to_string(b.line) +
               ", \"col\": " + std::to_string(b.col) + ", \"end_line\": " + std::to_string(e.line) +
               ", \"end_col\": " + std::to_string(e.col) + ", \"severity\": \"" + severity_name(d.severity) +
               "\", \"message\": " + json_string(d.message) + ", \"notes\": [";
        for (size_t i = 0; i < d.notes.size(); ++i) out += (i ? ", " : "") + json_string(d.notes[i]);
        out += "]}";
    }
    return out + (first ? "]\n" : "\n]\n");
}

namespace {

int report(const CliOptions& options, const SourceMap& sources, const diag::Diagnostics& diags) {
    if (options.quiet_diagnostics) return kExitCompile;
    if (options.json_diagnostics) write_stdout(diagnostics_json(sources, diags));
    else write_stderr(diags.render());
    return kExitCompile;
}

int dump_tokens(const CliOptions& options, const Compiled& c, uint32_t file) {
    diag::Diagnostics diags(c.sources);
    lex::Reporter reporter(diags);
    std::string_view text = c.sources.file(file).text();
    std::vector<lex::Token> tokens = lex::tokenize(text, file, reporter);
    write_stdout(lex::dump_tokens(text, tokens));
    return diags.has_errors() ? report(options, c.sources, diags) : 0;
}

} // namespace

int compile_source(const CliOptions& options, Compiled& out) {
    std::string text, error;
    bool ok = true;
    switch (options.source) {
    case SourceKind::File: ok = read_source_file(options.path, text, error); break;
    case SourceKind::Stdin: case SourceKind::Interactive: ok = read_stdin(text, error); break;
    case SourceKind::Code: text = options.code; break;
    }
    if (!ok) {
        write_stderr("bp: " + error + "\n");
        return kExitNoInput;
    }
    uint32_t file = out.sources.add(options.path, std::move(text));
    return compile_file(options, out, file);
}

int compile_file(const CliOptions& options, Compiled& out, uint32_t file) {
    if (options.dump == Dump::Tokens) return dump_tokens(options, out, file);

    diag::Diagnostics diags(out.sources);
    if (options.dump == Dump::Ast) {
        out.modules.push_back(std::make_unique<ast::Module>(parse::parse_file(out.sources, file, diags)));
        if (diags.has_errors()) return report(options, out.sources, diags);
        write_stdout(parse::dump_module(*out.modules.back()));
        return 0;
    }
    std::vector<std::string> search = parse::module_search_dirs(std::getenv("BETTERPYTHON_PATH"));
    out.modules = parse::load_program(out.sources, file, search, diags);
    if (diags.has_errors()) return report(options, out.sources, diags);

    check::CheckedProgram checked;
    std::vector<ast::Module*> modules;
    for (auto& m : out.modules) modules.push_back(m.get());
    if (!check::check_program(modules, out.types, diags, checked) || diags.has_errors()) return report(options, out.sources, diags);
    if (options.check_only) {
        if (options.json_diagnostics) write_stdout(diagnostics_json(out.sources, diags));
        return 0;
    }

    out.program = compile::compile_program(checked, out.sources, out.types, diags);
    if (!out.program) return report(options, out.sources, diags); // a limit of the bytecode format
    if (!out.program->sources) out.program->sources = &out.sources;
    if (!out.program->types) out.program->types = &out.types;
    if (options.dump == Dump::Disasm) {
        write_stdout(bytecode::disassemble(*out.program));
        out.program.reset();
        return 0;
    }
    return 0;
}

} // namespace bp::tool
