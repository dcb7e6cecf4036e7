// Shared libraries loaded on first use (dlopen), so that a program which never hashes, never calls
// an `extern fn` and never opens the REPL does not pay for libcrypto, libffi or libedit at start-up.
//
// The essay: a library linked the ordinary way is mapped and relocated by the dynamic loader before
// main, whether or not it is used; libcrypto alone is linked with BIND_NOW and costs ~4,200 symbol
// look-ups (about two thirds of an empty program's instructions). A LazyLibrary is instead opened
// the first time one of its symbols is needed, once per process: the first caller runs dlopen under
// std::call_once, every other caller (on any thread) waits for it and then reads the outcome, which
// never changes afterwards. A failure (the library is not installed, a symbol is missing) is kept
// too, so every later use reports the same clear message instead of retrying.
//
// The soname comes from the build (CMake reads it from the library it found: BP_*_SONAME), never
// from a name written here, so the library loaded is the one the headers were compiled against.
//
// Threading: m_once orders the single load before every read of m_handle and m_error; after that
// both are immutable. dlsym is thread-safe.
#pragma once
#include <mutex>
#include <string>

namespace bp::base {

class LazyLibrary {
public:
    // `soname`: what dlopen is given; `what`: the library's purpose, for messages ("OpenSSL libcrypto").
    LazyLibrary(const char* soname, const char* what) : m_soname(soname), m_what(what) {}
    LazyLibrary(const LazyLibrary&) = delete;
    LazyLibrary& operator=(const LazyLibrary&) = delete;

    // Opens the library on the first call; false (and `error` says why) if it cannot be loaded.
    bool load(std::string& error);

    // The symbol's address, loading the library first; nullptr (and `error`) if either fails.
    void* symbol(const char* name, std::string& error);

    // Stores the symbol `name` into the function (or data) pointer `out`; false (and `error`) if
    // it cannot. Meant to be chained with && over a table of pointers.
    template <class Ptr>
    bool bind(const char* name, Ptr& out, std::string& error) {
        void* p = symbol(name, error);
        out = reinterpret_cast<Ptr>(p); // POSIX: dlsym's result converts to a function pointer
        return p != nullptr;
    }

    const char* soname() const { return m_soname; }

private:
    const char* m_soname;
    const char* m_what;
    std::once_flag m_once;
    void* m_handle = nullptr; // never closed: the library's code may be running on another thread
    std::string m_error;
};

} // namespace bp::base
