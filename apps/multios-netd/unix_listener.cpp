#include "unix_listener.hpp"

#include <cerrno>
#include <cstring>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace multios::net::netd {

namespace {

sockaddr_un unix_address(const std::string& path) {
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::memcpy(a.sun_path, path.data(), std::min(path.size(), sizeof a.sun_path - 1));
    return a;
}

// True when something accepts connections on `path` now.
bool someone_listens(const std::string& path) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    const sockaddr_un a = unix_address(path);
    const bool live = ::connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0;
    ::close(fd);
    return live;
}

} // namespace

Result<UnixListener> UnixListener::open(const std::string& path) {
    if (path.empty() || path.size() >= sizeof(sockaddr_un::sun_path))
        return fail(ENAMETOOLONG);
    if (someone_listens(path))
        return fail(EADDRINUSE);
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0) {
        if (!S_ISSOCK(st.st_mode))
            return fail(EEXIST); // never delete a file that is not a socket
        ::unlink(path.c_str());
    }
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return fail(errno);
    const sockaddr_un a = unix_address(path);
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0 ||
        ::chmod(path.c_str(), 0666) != 0 || ::listen(fd, 128) != 0) {
        const int e = errno;
        ::close(fd);
        return fail(e);
    }
    return UnixListener(fd, path);
}

UnixListener::~UnixListener() {
    if (fd_ < 0)
        return;
    ::close(fd_);
    ::unlink(path_.c_str());
}

Result<std::pair<int, Hello>> UnixListener::accept_client() const {
    const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0)
        return fail(errno);
    const timeval limit{2, 0};
    ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    Hello h;
    const ssize_t n = ::recv(c, &h, sizeof h, MSG_WAITALL);
    if (n != static_cast<ssize_t>(sizeof h) || h.magic != kHelloMagic ||
        h.version != kProtocolVersion) {
        // Tell a client of another version why (no fd attached: it reports the status).
        const Welcome w{kHelloMagic, kProtocolVersion, EPROTO, 0};
        (void)::send(c, &w, sizeof w, MSG_NOSIGNAL | MSG_DONTWAIT);
        ::close(c);
        return fail(EPROTO);
    }
    const timeval none{0, 0};
    ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &none, sizeof none);
    return std::pair{c, h};
}

} // namespace multios::net::netd
