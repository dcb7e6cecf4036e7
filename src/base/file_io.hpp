// Writing files whole or not at all.
#pragma once
#include <string>

namespace bp::base {

// Writes `text` to `path` through a temporary file beside it, renamed over `path`: a reader sees the
// old file or the new one, never half of one. On failure the temporary is removed, `path` is left
// as it was, and `error` gets the OS reason.
bool write_file_atomically(const std::string& path, const std::string& text, std::string& error);

} // namespace bp::base
