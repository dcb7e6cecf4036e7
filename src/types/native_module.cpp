// The native-module registry's helpers (types/native_module.hpp): lookups, host signatures and
// the generated declarations of a host module.
#include "types/native_module.hpp"

namespace bp::types {

namespace {

std::string trim(std::string s) {
    size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
    return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

bool is_native_type(const std::string& t, bool result) {
    return t == "int" || t == "float" || t == "bool" || t == "str" || t == "ptr" || (result && t == "void");
}

} // namespace

const NativeFunctionDecl* NativeModuleDecl::find(std::string_view function) const {
    for (const NativeFunctionDecl& f : functions)
        if (f.name == function) return &f;
    return nullptr;
}

bool NativeModuleDecl::has_host_functions() const {
    for (const NativeFunctionDecl& f : functions)
        if (f.builtin < 0) return true;
    return false;
}

const NativeModuleDecl* find_native_module(const NativeRegistry& registry, std::string_view name) {
    for (const NativeModuleDecl& m : registry)
        if (m.name == name) return &m;
    return nullptr;
}

bool parse_native_signature(const std::string& sig, std::vector<std::string>& params, std::string& ret) {
    size_t open = sig.find('('), close = sig.find(')'), arrow = sig.find("->");
    if (open == std::string::npos || close == std::string::npos || arrow == std::string::npos || close < open ||
        arrow < close || !trim(sig.substr(0, open)).empty())
        return false;
    std::string inner = trim(sig.substr(open + 1, close - open - 1));
    params.clear();
    while (!inner.empty()) {
        size_t comma = inner.find(',');
        params.push_back(trim(inner.substr(0, comma)));
        if (!is_native_type(params.back(), false)) return false;
        if (comma == std::string::npos) break;
        inner = inner.substr(comma + 1);
        if (trim(inner).empty()) return false;
    }
    ret = trim(sig.substr(arrow + 2));
    return is_native_type(ret, true);
}

std::string native_module_source(const NativeModuleDecl& m) {
    std::string out = "# native module '" + m.name + "' (generated from the native-module registry)\n";
    for (const NativeFunctionDecl& f : m.functions) {
        if (f.builtin >= 0) continue;
        std::vector<std::string> params;
        std::string ret;
        parse_native_signature(f.signature, params, ret);
        std::string decl, args;
        for (size_t i = 0; i < params.size(); ++i) {
            decl += (i ? ", a" : "a") + std::to_string(i) + ": " + params[i];
            args += (i ? ", a" : "a") + std::to_string(i);
        }
        out += "extern fn native_" + f.name + "(" + decl + ") -> " + ret + " from \"<native:" + m.name + ">\" as \"" +
               f.name + "\"\n";
        out += "export def " + f.name + "(" + decl + ") -> " + ret + ":\n    ";
        out += (ret == "void" ? "" : "return ") + std::string("native_") + f.name + "(" + args + ")\n";
    }
    return out;
}

} // namespace bp::types
