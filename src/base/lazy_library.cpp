// LazyLibrary: dlopen once, on first use (lazy_library.hpp).
#include "base/lazy_library.hpp"

#include <dlfcn.h>

namespace bp::base {

bool LazyLibrary::load(std::string& error) {
    std::call_once(m_once, [this] {
        // RTLD_LOCAL: its symbols stay out of the global namespace (an `extern fn` library must not
        // bind to them by accident). RTLD_NOW: a broken install fails here, not in the middle of a call.
        m_handle = dlopen(m_soname, RTLD_NOW | RTLD_LOCAL);
        if (!m_handle) {
            const char* why = dlerror();
            m_error = std::string("cannot load ") + m_what + " (" + m_soname + "): " + (why ? why : "unknown error");
        }
    });
    if (m_handle) return true;
    error = m_error;
    return false;
}

void* LazyLibrary::symbol(const char* name, std::string& error) {
    if (!load(error)) return nullptr;
    void* p = dlsym(m_handle, name);
    if (!p) error = std::string(m_what) + " (" + m_soname + ") has no symbol " + name;
    return p;
}

} // namespace bp::base
