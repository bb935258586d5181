#include "shm/fd_passing.hpp"

#include <cerrno>
#include <cstring>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

namespace multios::net::shm {

namespace {

// Room for a few fds so that a peer attaching more than one does not make the kernel drop them
// silently into MSG_CTRUNC before we can close them.
constexpr std::size_t kMaxFdsAccepted = 8;

ssize_t sendmsg_retry(int sock, const msghdr* msg) {
    for (;;) {
        const ssize_t n = ::sendmsg(sock, msg, MSG_NOSIGNAL);
        if (n >= 0 || errno != EINTR)
            return n;
    }
}

Result<void> send_rest(int sock, const std::byte* p, std::size_t len) {
    while (len > 0) {
        const ssize_t n = ::send(sock, p, len, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return fail(errno);
        }
        p += n;
        len -= static_cast<std::size_t>(n);
    }
    return {};
}

// Collects every fd of every SCM_RIGHTS block; keeps the first, closes the others.
int take_first_fd(msghdr& msg) {
    int first = -1;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
            continue;
        const std::size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (std::size_t i = 0; i < n; ++i) {
            int fd;
            std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
            if (first < 0)
                first = fd;
            else
                ::close(fd);
        }
    }
    return first;
}

} // namespace

Result<void> send_fd(int sock, int fd, std::span<const std::byte> payload) {
    if (fd < 0 || payload.empty() || payload.size() > kMaxFdPayload)
        return fail(EINVAL);
    iovec iov{const_cast<std::byte*>(payload.data()), payload.size()};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &fd, sizeof fd);
    const ssize_t n = sendmsg_retry(sock, &msg);
    if (n < 0)
        return fail(errno);
    const auto sent = static_cast<std::size_t>(n);
    return send_rest(sock, payload.data() + sent, payload.size() - sent);
}

Result<int> recv_fd(int sock, std::span<std::byte> payload_out, std::size_t* payload_len) {
    if (payload_len != nullptr)
        *payload_len = 0;
    iovec iov{payload_out.data(), payload_out.size()};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxFdsAccepted)] = {};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t n;
    do {
        n = ::recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        return fail(errno);
    const int fd = take_first_fd(msg);
    const bool truncated = (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0;
    if (fd < 0 || truncated) {
        if (fd >= 0)
            ::close(fd);
        if (n == 0 && fd < 0)
            return fail(ECONNRESET);
        return fail((msg.msg_flags & MSG_TRUNC) != 0 ? EMSGSIZE : EBADMSG);
    }
    if (payload_len != nullptr)
        *payload_len = static_cast<std::size_t>(n);
    return fd;
}

} // namespace multios::net::shm
