// The import graph loader: search directories, initialisation order, cycles, missing modules.
#include "parse/module_loader.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

namespace bp::parse {
namespace {

class LoaderTest : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/bp_loader_XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        m_dir = tmpl;
    }
    void TearDown() override { std::system(("rm -rf '" + m_dir + "'").c_str()); }
    std::string write(const std::string& name, const std::string& text) {
        std::string path = m_dir + "/" + name;
        std::ofstream(path) << text;
        return path;
    }
    // Loads `main` and returns the module names in order ("!" + message on the first error).
    std::string load(const std::string& main, std::vector<std::string> dirs = {}) {
        std::ifstream in(m_dir + "/" + main);
        std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        uint32_t file = m_sources.add(m_dir + "/" + main, text);
        diag::Diagnostics diags(m_sources);
        auto modules = load_program(m_sources, file, dirs, diags);
        if (diags.has_errors()) return "!" + diags.all().front().message;
        std::string out;
        for (auto& m : modules) out += m->name + " ";
        return out;
    }
    std::string m_dir;
    SourceMap m_sources;
};

TEST(ModuleSearchDirs, PathEntriesThenDefaults) {
    auto dirs = module_search_dirs("a::b");
    ASSERT_EQ(dirs.size(), 6u);
    EXPECT_EQ(dirs[0], "a");
    EXPECT_EQ(dirs[1], "b");
    EXPECT_EQ(dirs[2], "/usr/local/lib/betterpython/stdlib");
    EXPECT_EQ(dirs[5], "./packages");
    EXPECT_EQ(module_search_dirs(nullptr).size(), 4u);
    EXPECT_EQ(module_search_dirs("").size(), 4u);
}

TEST_F(LoaderTest, DependenciesFirstMainLast) {
    write("main.bp", "import b\nimport a\ndef main() -> void:\n    pass\n");
    write("a.bp", "import c\n");
    write("b.bp", "import c\nimport thread\n");
    write("c.bp", "");
    EXPECT_EQ(load("main.bp"), "c b a main ");
}

TEST_F(LoaderTest, CycleAndMissing) {
    write("main.bp", "import a\n");
    write("a.bp", "import b\n");
    write("b.bp", "import a\n");
    EXPECT_EQ(load("main.bp"), "!import cycle: a -> b -> a");
    write("m2.bp", "import zz\n");
    EXPECT_EQ(load("m2.bp"), "!module 'zz' not found");
}

TEST_F(LoaderTest, SearchDirectory) {
    ::mkdir((m_dir + "/lib").c_str(), 0755);
    write("lib/util.bp", "");
    write("main.bp", "import util\n");
    EXPECT_EQ(load("main.bp", {m_dir + "/lib"}), "util main ");
}

} // namespace
} // namespace bp::parse
