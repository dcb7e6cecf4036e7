// The import graph loader: a depth-first walk over `import` declarations. A module is identified
// by the canonical path of its file, so one file imported under two routes is loaded once. A
// module still on the walk's stack that is imported again closes a cycle, reported at the import
// with the whole path ("import cycle: a -> b -> a"). Post-order is initialisation order.
#include "parse/module_loader.hpp"
#include "types/native_module.hpp"

#include "parse/parser.hpp"

#include <sys/stat.h>

#include <climits>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <unordered_map>

namespace bp::parse {

namespace {

bool is_regular_file(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string canonical(const std::string& path) {
    char buf[PATH_MAX];
    return ::realpath(path.c_str(), buf) ? std::string(buf) : path;
}

std::string dir_of(const std::string& path) {
    size_t slash = path.rfind('/');
    return slash == std::string::npos ? std::string() : path.substr(0, slash + 1);
}

std::string stem_of(const std::string& path) {
    std::string base = path.substr(path.rfind('/') == std::string::npos ? 0 : path.rfind('/') + 1);
    if (base.size() > 3 && base.compare(base.size() - 3, 3, ".bp") == 0) base.resize(base.size() - 3);
    return base;
}

std::string join(const std::string& dir, const std::string& file) {
    if (dir.empty()) return file;
    return dir.back() == '/' ? dir + file : dir + "/" + file;
}

class Loader {
public:
    Loader(SourceMap& sources, const std::vector<std::string>& dirs, diag::Diagnostics& diags,
           const types::NativeRegistry* natives)
        : m_sources(sources), m_dirs(dirs), m_diags(diags), m_natives(natives) {}

    void load_main(uint32_t file) {
        const std::string& path = m_sources.file(file).path();
        visit(file, canonical(path), stem_of(path));
    }

    std::vector<std::unique_ptr<ast::Module>> take() { return std::move(m_order); }

private:
    // Parses `file` and its imports (post-order into m_order); returns the module.
    ast::Module* visit(uint32_t file, const std::string& key, const std::string& name) {
        auto mod = std::make_unique<ast::Module>(parse_file(m_sources, file, m_diags));
        mod->name = name;
        ast::Module* m = mod.get();
        m_state[key] = State{m, true};
        m_stack.push_back(name);
        for (auto& d : m->decls)
            if (d->kind == ast::DeclKind::Import) link_import(static_cast<ast::ImportDecl&>(*d), file);
        m_stack.pop_back();
        m_state[key].on_stack = false;
        m_order.push_back(std::move(mod));
        return m;
    }

    void link_import(ast::ImportDecl& imp, uint32_t from_file) {
        if (imp.module.empty()) return;
        if (!m_natives && imp.module == "thread") return; // the default registry: thread alone
        if (const types::NativeModuleDecl* native = m_natives ? types::find_native_module(*m_natives, imp.module) : nullptr) {
            if (native->has_host_functions()) link_native(imp, *native);
            return; // builtin-backed (thread): bound by the checker from the registry entry
        }
        std::vector<std::string> searched;
        std::string path = find(imp.module, dir_of(m_sources.file(from_file).path()), searched);
        if (path.empty()) {
            std::vector<std::string> notes;
            for (const std::string& d : searched) notes.push_back("note: searched " + d);
            m_diags.error(imp.span, "module '" + imp.module + "' not found", std::move(notes));
            return;
        }
        std::string key = canonical(path);
        auto it = m_state.find(key);
        if (it != m_state.end()) {
            if (it->second.on_stack) report_cycle(imp, it->second.module->name);
            else imp.target = it->second.module;
            return;
        }
        std::ifstream in(path, std::ios::binary);
        std::stringstream text;
        if (in.is_open()) text << in.rdbuf();
        if (!in.is_open() || in.bad()) {
            m_diags.error(imp.span, "cannot read module '" + imp.module + "' (" + path + ")");
            return;
        }
        uint32_t file = m_sources.add(path, text.str());
        imp.target = visit(file, key, imp.module);
    }

    // A host native module: its generated declarations, parsed once as the file "<native:NAME>".
    void link_native(ast::ImportDecl& imp, const types::NativeModuleDecl& native) {
        std::string key = "<native:" + native.name + ">";
        auto it = m_state.find(key);
        if (it != m_state.end()) {
            imp.target = it->second.module;
            return;
        }
        uint32_t file = m_sources.add(key, types::native_module_source(native));
        imp.target = visit(file, key, imp.module);
    }

    std::string find(const std::string& name, const std::string& own_dir,
                     std::vector<std::string>& searched) {
        std::string file = name + ".bp";
        std::string candidate = join(own_dir, file);
        searched.push_back(own_dir.empty() ? "." : own_dir);
        if (is_regular_file(candidate)) return candidate;
        for (const std::string& d : m_dirs) {
            searched.push_back(d);
            candidate = join(d, file);
            if (is_regular_file(candidate)) return candidate;
        }
        return {};
    }

    void report_cycle(const ast::ImportDecl& imp, const std::string& target) {
        size_t first = m_stack.size();
        while (first > 0 && m_stack[first - 1] != target) --first;
        std::string chain;
        for (size_t i = first == 0 ? 0 : first - 1; i < m_stack.size(); ++i) chain += m_stack[i] + " -> ";
        m_diags.error(imp.span, "import cycle: " + chain + target);
    }

    struct State {
        ast::Module* module = nullptr;
        bool on_stack = false;
    };
    SourceMap& m_sources;
    const std::vector<std::string>& m_dirs;
    diag::Diagnostics& m_diags;
    const types::NativeRegistry* m_natives;
    std::unordered_map<std::string, State> m_state; // canonical path -> module
    std::vector<std::string> m_stack;               // module names on the current import path
    std::vector<std::unique_ptr<ast::Module>> m_order;
};

} // namespace

std::vector<std::string> module_search_dirs(const char* betterpython_path) {
    std::vector<std::string> dirs;
    if (betterpython_path) {
        std::string all(betterpython_path);
        size_t start = 0;
        while (start <= all.size()) {
            size_t colon = all.find(':', start);
            if (colon == std::string::npos) colon = all.size();
            if (colon > start) dirs.push_back(all.substr(start, colon - start));
            start = colon + 1;
        }
    }
    for (const char* d :
         {"/usr/local/lib/betterpython/stdlib", "/usr/lib/betterpython/stdlib", "./stdlib", "./packages"})
        dirs.emplace_back(d);
    return dirs;
}

std::vector<std::unique_ptr<ast::Module>> load_program(SourceMap& sources, uint32_t main_file,
                                                       const std::vector<std::string>& search_dirs,
                                                       diag::Diagnostics& diags,
                                                       const types::NativeRegistry* natives) {
    Loader loader(sources, search_dirs, diags, natives);
    loader.load_main(main_file);
    return loader.take();
}

} // namespace bp::parse
