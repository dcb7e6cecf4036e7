// Reading the source file with POSIX calls, so an unreadable file is reported with the OS reason
// (missing, a directory, no permission...) rather than as an empty program.
#include "cli.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace bp::tool {

namespace {

std::string os_error(const std::string& path, int err) {
    return "cannot open '" + path + "': " + std::strerror(err);
}

bool read_all(int fd, std::string& text) {
    char buf[1 << 16];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n == 0) return true;
        if (n < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        text.append(buf, static_cast<size_t>(n));
    }
}

} // namespace

bool read_source_file(const std::string& path, std::string& text, std::string& error) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        error = os_error(path, errno);
        return false;
    }
    struct stat st {};
    if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        ::close(fd);
        error = os_error(path, EISDIR);
        return false;
    }
    text.clear();
    bool ok = read_all(fd, text);
    int err = errno;
    ::close(fd);
    if (!ok) error = os_error(path, err);
    return ok;
}

bool read_stdin(std::string& text, std::string& error) {
    text.clear();
    if (read_all(0, text)) return true;
    error = std::string("cannot read stdin: ") + std::strerror(errno);
    return false;
}

} // namespace bp::tool
