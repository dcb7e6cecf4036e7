// Smoke test: every .bp script under tests/ goes through parse + check without crashing
// (bad input must give diagnostics, never a crash).
#include "check_helper.hpp"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

namespace fs = std::filesystem;

TEST(CheckSmoke, AllScriptsCheckWithoutCrashing) {
    fs::path root = fs::path(__FILE__).parent_path().parent_path().parent_path();
    size_t n = 0;
    for (auto& entry : fs::recursive_directory_iterator(root)) {
        if (entry.path().extension() != ".bp") continue;
        std::ifstream in(entry.path(), std::ios::binary);
        std::stringstream ss;
        ss << in.rdbuf();
        auto c = bp::check::test::run_check(ss.str());
        if (std::getenv("BP_SMOKE_VERBOSE") && c->diags->has_errors())
            std::cout << "== " << entry.path().string() << "\n" << c->dump();
        ++n;
    }
    SUCCEED() << n << " scripts";
}

// Robustness: each script with one line removed (broken indentation, missing declarations,
// dangling references) must still check without crashing.
TEST(CheckSmoke, ScriptsWithALineRemoved) {
    fs::path root = fs::path(__FILE__).parent_path().parent_path().parent_path();
    size_t n = 0;
    for (auto& entry : fs::recursive_directory_iterator(root)) {
        if (entry.path().extension() != ".bp") continue;
        std::ifstream in(entry.path(), std::ios::binary);
        std::vector<std::string> lines;
        for (std::string l; std::getline(in, l);) lines.push_back(l);
        if (lines.size() > 60) continue;
        for (size_t drop = 0; drop < lines.size(); ++drop) {
            std::string text;
            for (size_t i = 0; i < lines.size(); ++i)
                if (i != drop) text += lines[i] + "\n";
            auto c = bp::check::test::run_check(text);
            ++n;
        }
    }
    SUCCEED() << n << " variants";
}
