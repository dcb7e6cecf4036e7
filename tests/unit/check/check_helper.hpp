// Test helper: parse + check a source string, collect the messages.
#pragma once
#include "check/checker.hpp"
#include "parse/parser.hpp"
#include "types/builtins.hpp"
#include "types/errors.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace bp::check::test {

struct Checked {
    SourceMap sources;
    std::unique_ptr<diag::Diagnostics> diags;
    types::TypeTable types;
    ast::Module module;
    CheckedProgram program;
    bool ok = false;
    bool parse_ok = false;

    std::vector<std::string> messages() const {
        std::vector<std::string> out;
        for (auto& d : diags->all()) out.push_back(d.message);
        return out;
    }
    bool has(const std::string& m) const {
        for (auto& d : diags->all())
            if (d.message == m) return true;
        return false;
    }
    std::string dump() const { return diags->render(); }
};

inline std::unique_ptr<Checked> run_check(const std::string& text) {
    auto c = std::make_unique<Checked>();
    uint32_t f = c->sources.add("t.bp", text);
    c->diags = std::make_unique<diag::Diagnostics>(c->sources);
    c->module = parse::parse_file(c->sources, f, *c->diags);
    c->parse_ok = !c->diags->has_errors();
    c->ok = check_program({&c->module}, c->types, *c->diags, c->program);
    return c;
}

} // namespace bp::check::test

#define EXPECT_CHECK_OK(src)                                                                       \
    do {                                                                                           \
        auto c_ = ::bp::check::test::run_check(src);                                              \
        EXPECT_TRUE(c_->ok) << c_->dump();                                                         \
    } while (0)

#define EXPECT_CHECK_ERROR(src, msg)                                                               \
    do {                                                                                           \
        auto c_ = ::bp::check::test::run_check(src);                                              \
        EXPECT_TRUE(c_->parse_ok) << c_->dump();                                                   \
        EXPECT_TRUE(c_->has(msg)) << "expected: " << (msg) << "\ngot:\n" << c_->dump();            \
    } while (0)
