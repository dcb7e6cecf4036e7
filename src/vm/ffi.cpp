// The FFI call path: lazy dlopen/dlsym, libffi call interfaces, argument and result conversion.
// See vm/ffi.hpp for the contract and the threading rules.
#include "vm/ffi.hpp"

#include "runtime/thread/safepoint.hpp"

#include "base/lazy_library.hpp"
#include "runtime/rt.hpp"
#include "vm/vm.hpp"

#include <dlfcn.h>
#include <ffi.h>

namespace bp::vm {

namespace {

// libffi itself is opened at the first extern call, not at start-up (base/lazy_library.hpp): the
// two functions and the five type descriptors used here come from dlsym. ffi.h spells some type
// names as macros (ffi_type_sint is ffi_type_sint32 here), so the names given to dlsym are the
// macros' expansions.
#define BP_FFI_NAME(x) BP_FFI_NAME_(x)
#define BP_FFI_NAME_(x) #x

struct FfiApi {
    decltype(&ffi_prep_cif) prep_cif = nullptr;
    decltype(&ffi_call) call = nullptr;
    ffi_type* sint64 = nullptr;
    ffi_type* dbl = nullptr;
    ffi_type* sint = nullptr;
    ffi_type* pointer = nullptr;
    ffi_type* void_ = nullptr;
    std::string error; // empty: everything was found
};

FfiApi load_libffi() {
    static base::LazyLibrary lib(BP_LIBFFI_SONAME, "libffi");
    FfiApi f;
    std::string& e = f.error;
    (void)(lib.bind("ffi_prep_cif", f.prep_cif, e) && lib.bind("ffi_call", f.call, e) &&
           lib.bind(BP_FFI_NAME(ffi_type_sint64), f.sint64, e) && lib.bind(BP_FFI_NAME(ffi_type_double), f.dbl, e) &&
           lib.bind(BP_FFI_NAME(ffi_type_sint), f.sint, e) && lib.bind(BP_FFI_NAME(ffi_type_pointer), f.pointer, e) &&
           lib.bind(BP_FFI_NAME(ffi_type_void), f.void_, e));
    return f;
}

// Loaded by the first extern call of the process (a function-local static: thread-safe, once).
const FfiApi& libffi() {
    static const FfiApi api = load_libffi();
    return api;
}

ffi_type* ffi_type_of(const FfiApi& api, const types::Type* t) {
    types::Kind k = t ? t->kind : types::Kind::Void;
    if (k == types::Kind::Int) return api.sint64;
    if (k == types::Kind::Float) return api.dbl;
    if (k == types::Kind::Bool) return api.sint;
    if (k == types::Kind::Str || k == types::Kind::Ptr) return api.pointer;
    return api.void_; // void (the checker rejects every other type)
}

// One argument in the form libffi reads it.
union CArg {
    int64_t i;
    double f;
    int b;
    void* p;
};

// The C result as a BetterPython value (a str result is copied into a new string).
Value convert_result(VmThread& t, const types::Type* ret, ffi_arg word, double f, void* p) {
    types::Kind k = ret ? ret->kind : types::Kind::Void;
    Value v = Value::zero();
    if (k == types::Kind::Int) v.i = static_cast<int64_t>(word);
    else if (k == types::Kind::Float) v.f = f;
    else if (k == types::Kind::Bool) v.i = static_cast<int>(word) != 0 ? 1 : 0;
    else if (k == types::Kind::Ptr) v.p = p;
    else if (k == types::Kind::Str) {
        const char* s = static_cast<const char*>(p);
        v = Value::from_obj(rt::new_string(t, s ? std::string_view(s) : std::string_view()));
    }
    return v;
}

} // namespace

struct Ffi::Entry {
    std::once_flag once;
    void* fn = nullptr;
    decltype(&ffi_call) call = nullptr; // libffi's, once resolved
    std::string error; // set if the library or the symbol could not be loaded
    ffi_cif cif{};
    std::vector<ffi_type*> arg_types;
};

Ffi::Ffi(const bytecode::Program& program) : m_program(program) {
    for (size_t i = 0; i < program.externs.size(); ++i) m_entries.push_back(std::make_unique<Entry>());
}

Ffi::~Ffi() = default; // libraries stay loaded (see ffi.hpp)

void* Ffi::open_library(const std::string& name, std::string& error) {
    std::lock_guard<std::mutex> lock(m_mu);
    auto it = m_libraries.find(name);
    if (it != m_libraries.end()) return it->second;
    void* handle = ::dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        const char* why = ::dlerror();
        error = "cannot load library '" + name + "': " + (why ? why : "unknown error");
        return nullptr;
    }
    m_libraries.emplace(name, handle);
    return handle;
}

// Runs once per extern (std::call_once). dlerror's state is per thread, so reading it right after
// the failing call is safe even with other threads loading.
void Ffi::add_native(const std::string& library, const std::string& symbol, void* fn) {
    m_native[library + "\n" + symbol] = fn;
}

void Ffi::resolve(const bytecode::ExternInfo& info, Entry& e) {
    void* sym = nullptr;
    if (auto it = m_native.find(info.library + "\n" + info.symbol); it != m_native.end()) {
        sym = it->second;
    } else {
        void* lib = open_library(info.library, e.error);
        if (!lib) return;
        ::dlerror();
        sym = ::dlsym(lib, info.symbol.c_str());
    }
    if (!sym) {
        const char* why = ::dlerror();
        e.error = "cannot find symbol '" + info.symbol + "' in library '" + info.library + "' (" +
                  (why ? why : "null symbol") + ")";
        return;
    }
    const FfiApi& api = libffi();
    if (!api.error.empty()) {
        e.error = "cannot call '" + info.symbol + "': " + api.error;
        return;
    }
    for (const types::Type* p : info.params) e.arg_types.push_back(ffi_type_of(api, p));
    auto n = static_cast<unsigned>(e.arg_types.size());
    if (api.prep_cif(&e.cif, FFI_DEFAULT_ABI, n, ffi_type_of(api, info.ret), e.arg_types.data()) != FFI_OK) {
        e.error = "cannot prepare a call to '" + info.symbol + "'";
        return;
    }
    e.call = api.call;
    e.fn = sym;
}

Value Ffi::call(VmThread& t, uint32_t index, const Value* args, uint32_t nargs) {
    const bytecode::ExternInfo& info = m_program.externs.at(index);
    Entry& e = *m_entries.at(index);
    std::call_once(e.once, [&] { resolve(info, e); });
    if (!e.fn) throw rt::Raise{ErrorKind::IOError, e.error};

    // Up to 8 arguments live on the stack (the common case: no allocation per call).
    CArg small_args[8];
    void* small_ptrs[8];
    std::unique_ptr<CArg[]> big_args;
    std::unique_ptr<void*[]> big_ptrs;
    CArg* cargs = small_args;
    void** ptrs = small_ptrs;
    if (nargs > 8) {
        big_args.reset(new CArg[nargs]);
        big_ptrs.reset(new void*[nargs]);
        cargs = big_args.get();
        ptrs = big_ptrs.get();
    }
    std::vector<std::string> strings; // NUL-terminated copies, alive during the call
    for (uint32_t k = 0; k < nargs; ++k)
        if (info.params[k]->kind == types::Kind::Str) strings.reserve(nargs); // no reallocation below
    for (uint32_t k = 0; k < nargs; ++k) {
        types::Kind kind = info.params[k]->kind;
        if (kind == types::Kind::Float) {
            cargs[k].f = args[k].f;
        } else if (kind == types::Kind::Bool) {
            cargs[k].b = args[k].i != 0;
        } else if (kind == types::Kind::Str) {
            strings.emplace_back(static_cast<const String*>(args[k].p)->view());
            cargs[k].p = strings.back().data();
        } else if (kind == types::Kind::Ptr) {
            cargs[k].p = args[k].p;
        } else {
            cargs[k].i = args[k].i; // int
        }
        ptrs[k] = &cargs[k];
    }
    union {
        ffi_arg word; // libffi widens small integer results to a full ffi_arg
        int64_t i;
        double f;
        void* p;
    } result{};
    {
        // Foreign code touches no heap object (arguments were copied out, the result is converted
        // after the region ends), so the collector need not wait for it (LANGUAGE.md §11.4).
        thread::SafeRegion safe(t);
        e.call(&e.cif, FFI_FN(e.fn), &result, ptrs);
    }
    return convert_result(t, info.ret, result.word, result.f, result.p);
}

} // namespace bp::vm
