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

Result<int> UnixListener::accept_connection() const {
    const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (c < 0)
        return fail(errno);
    return c;
}

UnixListener::HelloState UnixListener::read_hello(int fd, Hello& out) {
    Hello h;
    const ssize_t peeked = ::recv(fd, &h, sizeof h, MSG_PEEK | MSG_DONTWAIT);
    if (peeked < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return HelloState::NotYet;
    if (peeked > 0 && peeked < static_cast<ssize_t>(sizeof h))
        return HelloState::NotYet;
    if (peeked <= 0 || ::recv(fd, &h, sizeof h, MSG_DONTWAIT) != static_cast<ssize_t>(sizeof h))
        return HelloState::Refused;
    if (h.magic != kHelloMagic || h.version != kProtocolVersion) {
        // Tell a client of another version why (no fd attached: it reports the status).
        const Welcome w{kHelloMagic, kProtocolVersion, EPROTO, 0};
        (void)::send(fd, &w, sizeof w, MSG_NOSIGNAL | MSG_DONTWAIT);
        return HelloState::Refused;
    }
    out = h;
    return HelloState::Ready;
}

} // namespace multios::net::netd
