// The file builtins (LANGUAGE.md §10 Files). Binary-safe (NULs kept, no newline translation).
// Builtins returning bool report any failure as false; those returning data raise IOError
// "<fn>: cannot open '<path>': <OS reason>" (or "cannot read"), since an empty result would be
// indistinguishable from an empty file. A path containing a NUL byte names no file (EINVAL).
#include "stdlib/support.hpp"

#include <cerrno>
#include <cstring>
#include <string>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace bp::stdlib {

namespace {

// A NUL-terminated copy of a path argument; false (errno = EINVAL) if it contains a NUL.
bool c_path(std::string_view p, std::string& out) {
    if (p.find('\0') != std::string_view::npos) {
        errno = EINVAL;
        return false;
    }
    out.assign(p);
    return true;
}

[[noreturn]] void raise_io(std::string_view fn, std::string_view what, std::string_view path, int err) {
    rt::raise(ErrorKind::IOError,
              std::string(fn) + ": " + std::string(what) + " '" + std::string(path) + "': " + std::strerror(err));
}

// Reads the whole file; raises IOError naming `fn`, the path and the OS reason.
std::string read_whole(std::string_view fn, std::string_view path) {
    std::string p;
    if (!c_path(path, p)) raise_io(fn, "cannot open", path, errno);
    int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) raise_io(fn, "cannot open", path, errno);
    std::string out;
    struct stat st{};
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
        rt::checked_size(0, static_cast<uint64_t>(st.st_size), 1);
        out.reserve(static_cast<size_t>(st.st_size));
    }
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            int err = errno;
            ::close(fd);
            raise_io(fn, "cannot read", path, err);
        }
        if (n == 0) break;
        out.append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
    return out;
}

bool write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
}

// Writes `data` to `path` opened with `flags` (O_TRUNC or O_APPEND); false on any failure.
bool write_file(std::string_view path, std::string_view data, int flags) {
    std::string p;
    if (!c_path(path, p)) return false;
    int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | flags, 0666);
    if (fd < 0) return false;
    bool ok = write_all(fd, data);
    return ::close(fd) == 0 && ok;
}


} // namespace

Value bi_file_read(BuiltinArgs& a) { return str_value(a, read_whole("file_read", arg_sv(a, 0))); }

Value bi_file_write(BuiltinArgs& a) { return Value::from_bool(write_file(arg_sv(a, 0), arg_sv(a, 1), O_TRUNC)); }

Value bi_file_append(BuiltinArgs& a) { return Value::from_bool(write_file(arg_sv(a, 0), arg_sv(a, 1), O_APPEND)); }

Value bi_file_exists(BuiltinArgs& a) {
    std::string p;
    struct stat st{};
    return Value::from_bool(c_path(arg_sv(a, 0), p) && ::stat(p.c_str(), &st) == 0);
}

Value bi_file_delete(BuiltinArgs& a) {
    std::string p;
    return Value::from_bool(c_path(arg_sv(a, 0), p) && ::unlink(p.c_str()) == 0);
}

// -1 when missing or not a regular file (a directory has no meaningful size).
Value bi_file_size(BuiltinArgs& a) {
    std::string p;
    struct stat st{};
    if (!c_path(arg_sv(a, 0), p) || ::stat(p.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return Value::from_int(-1);
    return Value::from_int(static_cast<int64_t>(st.st_size));
}

Value bi_file_copy(BuiltinArgs& a) {
    std::string data;
    try {
        data = read_whole("file_copy", arg_sv(a, 0));
    } catch (const rt::Raise& r) {
        if (r.kind != ErrorKind::IOError) throw;
        return Value::from_bool(false);
    }
    return Value::from_bool(write_file(arg_sv(a, 1), data, O_TRUNC));
}

Value bi_file_read_bytes(BuiltinArgs& a) { return bytes_result(a, read_whole("file_read_bytes", arg_sv(a, 0))); }

Value bi_file_write_bytes(BuiltinArgs& a) {
    return Value::from_bool(write_file(arg_sv(a, 0), bytes_of_arg(a, 1), O_TRUNC));
}

} // namespace bp::stdlib
