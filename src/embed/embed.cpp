// The embedding API (include/bp/bp.hpp) over the compiler and the VM: one compiled program and one
// Vm per Runtime, with a main VmThread kept for the Runtime's life so calls share the heap and the
// globals. Mirrors tools/bp (frontend.cpp, execute.cpp) without printing anything itself.
#include "bp/bp.hpp"

#include "check/checker.hpp"
#include "compile/compiler.hpp"
#include "diag/diagnostics.hpp"
#include "parse/module_loader.hpp"
#include "runtime/rt.hpp"
#include "runtime/thread/runtime.hpp"
#include "runtime/thread/safepoint.hpp"
#include "types/builtins.hpp"
#include "types/native_module.hpp"
#include "stdlib/stdlib.hpp"
#include "vm/ffi.hpp"
#include "vm/interp.hpp"
#include "vm/traceback.hpp"

#include <cctype>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

namespace bp::embed {

namespace {

constexpr int kMisuse = 64, kCompile = 65, kNoInput = 66, kRuntime = 70;

Result failure(int status, std::string error) {
    Result r;
    r.status = status;
    r.error = std::move(error);
    return r;
}

bool is_identifier(const std::string& s) {
    if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
    for (char ch : s)
        if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '_')) return false;
    return true;
}

} // namespace

struct Runtime::Impl {
    Options options;
    // Declaration order matters: the Vm refers to the program, the program to sources and types.
    std::unique_ptr<SourceMap> sources;
    std::unique_ptr<types::TypeTable> types;
    std::vector<std::unique_ptr<ast::Module>> modules;
    std::unique_ptr<bytecode::Program> program;
    std::unique_ptr<Vm> machine;
    std::unique_ptr<VmThread> main_thread;
    uint32_t main_file = 0;
    // The native-module registry (types/native_module.hpp): the built-in `thread` module first,
    // then every add_module. The loader, the checker and (through the Program) the Vm use it;
    // the Vm runs the hooks (Vm::native_modules).
    types::NativeRegistry natives{check::thread_module()};

    ~Impl() { unload(); }

    void unload() {
        if (machine && main_thread && !machine->threading->finish(*main_thread)) {
            // Detached threads still run. `bp` would end the process here (§11.5); a host goes on,
            // so the Vm must outlive them: wait, collector-safe, until every thread has exited.
            thread::SafeRegion safe(*main_thread);
            while (machine->threading->any_alive()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        main_thread.reset(); // ~Vm then runs on_thread_end(0) and on_unload
        machine.reset();
        program.reset();
        modules.clear();
        types.reset();
        sources.reset();
    }

    // The escaped exception as a traceback; the thread is ready for the next call afterwards.
    std::string uncaught() {
        std::string text = main_thread->pending_error ? vm::format_traceback(*machine, main_thread->pending_error)
                                                      : "Exception: uncaught exception\n";
        main_thread->pending_error = nullptr;
        return text;
    }

    Result load(std::string name, std::string text) {
        unload();
        sources = std::make_unique<SourceMap>();
        types = std::make_unique<types::TypeTable>();
        main_file = sources->add(std::move(name), std::move(text));
        diag::Diagnostics diags(*sources);
        std::vector<std::string> search = parse::module_search_dirs(std::getenv("BETTERPYTHON_PATH"));
        modules = parse::load_program(*sources, main_file, search, diags, &natives);
        if (diags.has_errors()) return failure(kCompile, diags.render());
        check::CheckedProgram checked;
        std::vector<ast::Module*> raw;
        for (auto& m : modules) raw.push_back(m.get());
        if (!check::check_program(raw, *types, diags, checked, &natives) || diags.has_errors())
            return failure(kCompile, diags.render());
        program = compile::compile_program(checked, *sources, *types, diags);
        if (!program) return failure(kCompile, diags.render()); // a limit of the bytecode format
        if (!program->sources) program->sources = sources.get();
        if (!program->types) program->types = types.get();
        return start();
    }

    Result start() {
        VmOptions vo;
        if (options.max_heap) vo.max_heap = options.max_heap;
        if (options.max_threads) vo.max_threads = options.max_threads;
        machine = std::make_unique<Vm>(*program, vo); // installs the native modules' functions and hooks
        main_thread = std::make_unique<VmThread>(*machine, 0);
        try {
            machine->start(*main_thread); // runs on_load and on_thread_start(0)
        } catch (const rt::Raise& r) {
            return failure(kRuntime, std::string(error_name(r.kind)) + ": " + r.message + "\n");
        }
        stdlib::register_builtins(*machine);
        bp::Value out = bp::Value::zero();
        for (uint32_t init : program->module_inits)
            if (!vm::run_function(*main_thread, init, &out)) return failure(kRuntime, uncaught());
        return {};
    }

    const bytecode::FunctionProto* find(const std::string& name) const {
        for (const auto& f : program->functions)
            if (f->name == name && f->file == main_file) return f.get();
        return nullptr;
    }
};

bool Runtime::add_module(NativeModule module, std::string* error) {
    auto fail = [&](std::string why) {
        if (error) *error = std::move(why);
        return false;
    };
    if (!is_identifier(module.name)) return fail("invalid module name '" + module.name + "'");
    if (types::find_native_module(m_impl->natives, module.name))
        return fail("module '" + module.name + "' is already registered");
    types::NativeModuleDecl decl;
    decl.name = module.name;
    for (const NativeFunction& f : module.functions) {
        std::vector<std::string> params;
        std::string ret;
        if (!is_identifier(f.name)) return fail("invalid function name '" + f.name + "'");
        if (!f.fn) return fail(f.name + ": null function pointer");
        if (!types::parse_native_signature(f.signature, params, ret))
            return fail(f.name + ": invalid signature '" + f.signature +
                        "' (expected like \"(int, str) -> float\"; types int float bool str ptr, result also void)");
        if (decl.find(f.name)) return fail(f.name + ": defined twice");
        decl.functions.push_back(types::NativeFunctionDecl{f.name, -1, f.signature, f.fn});
    }
    decl.on_load = std::move(module.on_load);
    decl.on_unload = std::move(module.on_unload);
    decl.on_thread_start = std::move(module.on_thread_start);
    decl.on_thread_end = std::move(module.on_thread_end);
    m_impl->natives.push_back(std::move(decl));
    return true;
}

std::vector<ModuleInfo> Runtime::modules() const {
    std::vector<ModuleInfo> out;
    for (const types::NativeModuleDecl& m : m_impl->natives) {
        ModuleInfo info;
        info.name = m.name;
        info.built_in = !m.has_host_functions();
        for (const types::NativeFunctionDecl& f : m.functions)
            info.functions.push_back(
                {f.name, f.builtin >= 0 ? "builtin " + std::string(kBuiltins[f.builtin].name) : f.signature});
        out.push_back(std::move(info));
    }
    return out;
}

Runtime::Runtime(Options options) : m_impl(std::make_unique<Impl>()) { m_impl->options = options; }
Runtime::~Runtime() = default;

Result Runtime::load_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return failure(kNoInput, "cannot open '" + path + "'\n");
    std::ostringstream text;
    text << in.rdbuf();
    return m_impl->load(path, text.str());
}

Result Runtime::load_string(const std::string& code, const std::string& name) { return m_impl->load(name, code); }

Result Runtime::run_main(const std::vector<std::string>& args) {
    Impl& m = *m_impl;
    if (!m.machine) return failure(kMisuse, "no program loaded\n");
    m.machine->argv = args;
    bp::Value out = bp::Value::zero();
    if (!vm::run_function(*m.main_thread, m.program->entry_function, &out)) return failure(kRuntime, m.uncaught());
    Result r;
    if (m.program->entry_returns_int) r.value = static_cast<int64_t>(out.i);
    return r;
}

namespace {

// Converts a host value to a BetterPython value of type `t`; false if the kinds differ.
bool to_vm(VmThread& t, const Value& v, const types::Type* type, bp::Value& out) {
    switch (type->kind) {
    case types::Kind::Int:
        if (!std::holds_alternative<int64_t>(v)) return false;
        out.i = std::get<int64_t>(v);
        return true;
    case types::Kind::Float:
        if (!std::holds_alternative<double>(v)) return false;
        out = bp::Value::from_float(std::get<double>(v));
        return true;
    case types::Kind::Bool:
        if (!std::holds_alternative<bool>(v)) return false;
        out = bp::Value::from_bool(std::get<bool>(v));
        return true;
    case types::Kind::Str:
        if (!std::holds_alternative<std::string>(v)) return false;
        out.o = rt::new_string(t, std::get<std::string>(v)); // allocation never collects
        return true;
    default: return false;
    }
}

bool from_vm(bp::Value v, const types::Type* type, Value& out) {
    if (!type) return false;
    switch (type->kind) {
    case types::Kind::Void: out = std::monostate{}; return true;
    case types::Kind::Int: out = static_cast<int64_t>(v.i); return true;
    case types::Kind::Float: out = v.f; return true;
    case types::Kind::Bool: out = v.as_bool(); return true;
    case types::Kind::Str:
        out = std::string(static_cast<const String*>(static_cast<const void*>(v.o))->view());
        return true;
    default: return false;
    }
}

} // namespace

Result Runtime::call(const std::string& function, const std::vector<Value>& args) {
    Impl& m = *m_impl;
    if (!m.machine) return failure(kMisuse, "no program loaded\n");
    const bytecode::FunctionProto* f = m.find(function);
    if (!f || !f->type) return failure(kMisuse, "no function '" + function + "' in the main file\n");
    const std::vector<const types::Type*>& params = f->type->items;
    if (params.size() != args.size())
        return failure(kMisuse, function + "() takes " + std::to_string(params.size()) + " argument(s), got " +
                                    std::to_string(args.size()) + "\n");
    std::vector<bp::Value> vm_args(args.size(), bp::Value::zero());
    for (size_t i = 0; i < args.size(); ++i)
        if (!to_vm(*m.main_thread, args[i], params[i], vm_args[i]))
            return failure(kMisuse, function + "(): argument " + std::to_string(i + 1) + " has the wrong type\n");
    Closure* closure = m.machine->function_values[f->index];
    bp::Value out = bp::Value::zero();
    if (!vm::run_closure(*m.main_thread, closure, vm_args.data(), static_cast<uint32_t>(vm_args.size()), &out))
        return failure(kRuntime, m.uncaught());
    Result r;
    if (!from_vm(out, f->type->ret, r.value))
        return failure(kMisuse, function + "(): result type is not int, float, bool, str or void\n");
    return r;
}

} // namespace bp::embed
