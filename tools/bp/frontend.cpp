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

#include <cstdlib>

#include <cstdio>
#include <string_view>

namespace bp::tool {

namespace {

void write_stderr(std::string_view text) { std::fwrite(text.data(), 1, text.size(), stderr); }
void write_stdout(std::string_view text) { std::fwrite(text.data(), 1, text.size(), stdout); }

int report(const diag::Diagnostics& diags) {
    write_stderr(diags.render());
    return kExitCompile;
}

int dump_tokens(const Compiled& c, uint32_t file) {
    diag::Diagnostics diags(c.sources);
    lex::Reporter reporter(diags);
    std::string_view text = c.sources.file(file).text();
    std::vector<lex::Token> tokens = lex::tokenize(text, file, reporter);
    write_stdout(lex::dump_tokens(text, tokens));
    return diags.has_errors() ? report(diags) : 0;
}

} // namespace

int compile_source(const CliOptions& options, Compiled& out) {
    std::string text, error;
    if (!read_source_file(options.path, text, error)) {
        write_stderr("bp: " + error + "\n");
        return kExitNoInput;
    }
    uint32_t file = out.sources.add(options.path, std::move(text));
    if (options.dump == Dump::Tokens) return dump_tokens(out, file);

    diag::Diagnostics diags(out.sources);
    if (options.dump == Dump::Ast) {
        out.modules.push_back(std::make_unique<ast::Module>(parse::parse_file(out.sources, file, diags)));
        if (diags.has_errors()) return report(diags);
        write_stdout(parse::dump_module(*out.modules.back()));
        return 0;
    }
    std::vector<std::string> search = parse::module_search_dirs(std::getenv("BETTERPYTHON_PATH"));
    out.modules = parse::load_program(out.sources, file, search, diags);
    if (diags.has_errors()) return report(diags);

    check::CheckedProgram checked;
    std::vector<ast::Module*> modules;
    for (auto& m : out.modules) modules.push_back(m.get());
    if (!check::check_program(modules, out.types, diags, checked) || diags.has_errors()) return report(diags);

    out.program = compile::compile_program(checked, out.sources, out.types);
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
