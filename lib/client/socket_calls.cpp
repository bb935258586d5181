// The control calls of <multios/net/client.h>: socket, bind, listen, accept4, connect,
// shutdown, close, names and options, one request each (blocking ones wait on readiness).
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/time.h>
#include <unistd.h>

#include <multios/net/client.h>

#include "blocking.hpp"
#include "client_state.hpp"
#include "netd/wire_addr.hpp"

using namespace multios::net;
using namespace multios::net::client;

namespace {

constexpr int kTypeFlags = SOCK_NONBLOCK | SOCK_CLOEXEC;

// One request on an existing stack fd; EBADF when fd is not one.
Result<netd::Completion> simple(int fd, netd::Op op, netd::Request req = {}) {
    auto s = lookup(fd);
    if (!s)
        return fail(EBADF);
    Connection* conn = connection();
    if (conn == nullptr)
        return fail(ENETDOWN);
    req.op = static_cast<std::uint32_t>(op);
    req.slot = s->slot;
    return Connection::Exchange(*conn).submit(req);
}

// The completion's result as a libc return value.
long result_of(const Result<netd::Completion>& c) {
    if (!c)
        return fail_with(c.error().value());
    return c->result < 0 ? fail_with(c->error) : static_cast<long>(c->result);
}

// Takes the eventfd of a new socket in `slot`: a stack fd from now on.
int adopt_fd(Connection& conn, int fd, std::uint32_t slot, int domain, int type, int flags) {
    if ((flags & SOCK_CLOEXEC) == 0)
        ::fcntl(fd, F_SETFD, 0);
    if (!register_new(fd, slot, domain, type, (flags & SOCK_NONBLOCK) != 0)) {
        ::close(fd);
        netd::Request req;
        req.op = static_cast<std::uint32_t>(netd::Op::Close);
        req.slot = slot;
        (void)Connection::Exchange(conn).submit(req);
        return static_cast<int>(fail_with(EMFILE));
    }
    return fd;
}

timeval to_timeval(std::int64_t us) {
    return timeval{static_cast<time_t>(us / 1000000), static_cast<suseconds_t>(us % 1000000)};
}

std::optional<std::int64_t> from_timeval(const void* value, socklen_t len) {
    timeval tv{};
    if (value == nullptr || len < static_cast<socklen_t>(sizeof tv))
        return std::nullopt;
    std::memcpy(&tv, value, sizeof tv);
    if (tv.tv_sec < 0 || tv.tv_usec < 0 || tv.tv_usec >= 1000000)
        return std::nullopt;
    return std::int64_t{tv.tv_sec} * 1000000 + tv.tv_usec;
}

int name_call(int fd, netd::Op op, sockaddr* addr, socklen_t* len) {
    auto s = lookup(fd);
    if (!s)
        return static_cast<int>(fail_with(EBADF));
    if (addr == nullptr || len == nullptr)
        return static_cast<int>(fail_with(EFAULT));
    auto c = simple(fd, op);
    if (result_of(c) < 0)
        return -1;
    *len = netd::sockaddr_from_wire(c->addr, s->state->domain, addr, *len);
    return 0;
}

} // namespace

extern "C" {

int mnet_attach(void) {
    return connection() != nullptr ? 0 : -1;
}

int mnet_is_socket(int fd) {
    return lookup(fd).has_value() ? 1 : 0;
}

int mnet_socket(int domain, int type, int protocol) {
    if (domain != AF_INET && domain != AF_INET6)
        return static_cast<int>(fail_with(EAFNOSUPPORT));
    const int base = type & ~kTypeFlags;
    Connection* conn = connection();
    if (conn == nullptr)
        return -1;
    netd::Request req;
    req.op = static_cast<std::uint32_t>(netd::Op::Socket);
    req.a = domain;
    req.b = base;
    req.c = protocol;
    int fd = -1;
    auto c = Connection::Exchange(*conn).submit(req, &fd);
    if (result_of(c) < 0)
        return -1;
    if (fd < 0)
        return static_cast<int>(fail_with(EPROTO));
    return adopt_fd(*conn, fd, static_cast<std::uint32_t>(c->result), domain, base,
                    type & kTypeFlags);
}

int mnet_bind(int fd, const struct sockaddr* addr, socklen_t len) {
    auto w = netd::wire_from_sockaddr(addr, len);
    if (!w)
        return static_cast<int>(fail_with(w.error().value()));
    netd::Request req;
    req.addr = *w;
    return static_cast<int>(result_of(simple(fd, netd::Op::Bind, req)));
}

int mnet_listen(int fd, int backlog) {
    netd::Request req;
    req.a = backlog <= 0 ? 128 : backlog;
    return static_cast<int>(result_of(simple(fd, netd::Op::Listen, req)));
}

int mnet_accept4(int fd, struct sockaddr* addr, socklen_t* len, int flags) {
    auto s = lookup(fd);
    if (!s)
        return static_cast<int>(fail_with(EBADF));
    if ((flags & ~kTypeFlags) != 0)
        return static_cast<int>(fail_with(EINVAL));
    Connection* conn = connection();
    if (conn == nullptr)
        return static_cast<int>(fail_with(ENETDOWN));
    const Deadline deadline = deadline_after(s->state->recv_timeout_us.load());
    for (;;) {
        netd::Request req;
        req.op = static_cast<std::uint32_t>(netd::Op::Accept);
        req.slot = s->slot;
        int newfd = -1;
        auto c = Connection::Exchange(*conn).submit(req, &newfd);
        if (!c)
            return static_cast<int>(fail_with(c.error().value()));
        if (c->result >= 0) {
            if (newfd < 0)
                return static_cast<int>(fail_with(EPROTO));
            if (addr != nullptr && len != nullptr)
                *len = netd::sockaddr_from_wire(c->addr, s->state->domain, addr, *len);
            return adopt_fd(*conn, newfd, static_cast<std::uint32_t>(c->result), s->state->domain,
                            SOCK_STREAM, flags);
        }
        if (c->error != EAGAIN || s->state->nonblocking.load())
            return static_cast<int>(fail_with(c->error));
        if (!wait_ready(*conn, s->slot, POLLIN, deadline))
            return static_cast<int>(fail_with(EAGAIN));
    }
}

int mnet_connect(int fd, const struct sockaddr* addr, socklen_t len) {
    auto s = lookup(fd);
    if (!s)
        return static_cast<int>(fail_with(EBADF));
    auto w = netd::wire_from_sockaddr(addr, len);
    if (!w)
        return static_cast<int>(fail_with(w.error().value()));
    netd::Request req;
    req.addr = *w;
    auto c = simple(fd, netd::Op::Connect, req);
    if (!c || c->result >= 0 || c->error != EINPROGRESS || s->state->nonblocking.load())
        return static_cast<int>(result_of(c));
    Connection* conn = connection();
    if (!wait_ready(*conn, s->slot, POLLOUT, deadline_after(s->state->send_timeout_us.load())))
        return static_cast<int>(fail_with(EINPROGRESS)); // as Linux does when SO_SNDTIMEO expires
    int err = 0;
    socklen_t elen = sizeof err;
    if (mnet_getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) != 0)
        return -1;
    return err == 0 ? 0 : static_cast<int>(fail_with(err));
}

int mnet_shutdown(int fd, int how) {
    netd::Request req;
    req.a = how;
    return static_cast<int>(result_of(simple(fd, netd::Op::Shutdown, req)));
}

int mnet_forget(int fd) {
    auto s = lookup(fd);
    if (!s)
        return static_cast<int>(fail_with(EBADF));
    if (auto last = unregister(fd)) {
        if (Connection* conn = current_connection()) {
            netd::Request req;
            req.op = static_cast<std::uint32_t>(netd::Op::Close);
            req.slot = *last;
            (void)Connection::Exchange(*conn).submit(req);
        }
    }
    return 0;
}

int mnet_close(int fd) {
    if (mnet_forget(fd) != 0)
        return -1;
    return ::close(fd);
}

int mnet_dup_register(int oldfd, int newfd) {
    auto s = lookup(oldfd);
    if (!s)
        return static_cast<int>(fail_with(EBADF));
    if (newfd == oldfd)
        return newfd;
    if (lookup(newfd))
        (void)mnet_forget(newfd);
    register_alias(newfd, s->slot);
    return newfd;
}

int mnet_getsockopt(int fd, int level, int name, void* value, socklen_t* len) {
    auto s = lookup(fd);
    if (!s)
        return static_cast<int>(fail_with(EBADF));
    if (value == nullptr || len == nullptr)
        return static_cast<int>(fail_with(EFAULT));
    if (level == SOL_SOCKET && (name == SO_RCVTIMEO || name == SO_SNDTIMEO)) {
        const timeval tv = to_timeval(name == SO_RCVTIMEO ? s->state->recv_timeout_us.load()
                                                          : s->state->send_timeout_us.load());
        std::memcpy(value, &tv, std::min<std::size_t>(*len, sizeof tv));
        *len = std::min<socklen_t>(*len, sizeof tv);
        return 0;
    }
    if (level == SOL_SOCKET && name == SO_PROTOCOL) {
        const int p = s->state->type == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP;
        std::memcpy(value, &p, std::min<std::size_t>(*len, sizeof p));
        *len = std::min<socklen_t>(*len, sizeof p);
        return 0;
    }
    Connection* conn = connection();
    if (conn == nullptr)
        return static_cast<int>(fail_with(ENETDOWN));
    netd::Request req;
    req.op = static_cast<std::uint32_t>(netd::Op::GetOption);
    req.slot = s->slot;
    req.a = level;
    req.b = name;
    req.len = *len;
    Connection::Exchange ex(*conn);
    auto c = ex.submit(req);
    if (result_of(c) < 0)
        return -1;
    const std::size_t n = std::min<std::size_t>(c->len, *len);
    std::memcpy(value, ex.data().data(), n);
    *len = static_cast<socklen_t>(n);
    return 0;
}

int mnet_setsockopt(int fd, int level, int name, const void* value, socklen_t len) {
    auto s = lookup(fd);
    if (!s)
        return static_cast<int>(fail_with(EBADF));
    if (level == SOL_SOCKET && (name == SO_RCVTIMEO || name == SO_SNDTIMEO)) {
        const auto us = from_timeval(value, len);
        if (!us)
            return static_cast<int>(fail_with(value == nullptr ? EFAULT
                                              : len < static_cast<socklen_t>(sizeof(timeval))
                                                  ? EINVAL
                                                  : EDOM));
        (name == SO_RCVTIMEO ? s->state->recv_timeout_us : s->state->send_timeout_us) = *us;
        return 0;
    }
    if (value == nullptr && len > 0)
        return static_cast<int>(fail_with(EFAULT));
    Connection* conn = connection();
    if (conn == nullptr)
        return static_cast<int>(fail_with(ENETDOWN));
    Connection::Exchange ex(*conn);
    if (len > ex.data().size())
        return static_cast<int>(fail_with(EINVAL));
    if (len > 0)
        std::memcpy(ex.data().data(), value, len);
    netd::Request req;
    req.op = static_cast<std::uint32_t>(netd::Op::SetOption);
    req.slot = s->slot;
    req.a = level;
    req.b = name;
    req.len = len;
    return static_cast<int>(result_of(ex.submit(req)));
}

int mnet_getsockname(int fd, struct sockaddr* addr, socklen_t* len) {
    return name_call(fd, netd::Op::LocalName, addr, len);
}

int mnet_getpeername(int fd, struct sockaddr* addr, socklen_t* len) {
    return name_call(fd, netd::Op::PeerName, addr, len);
}

int mnet_set_nonblocking(int fd, int on) {
    auto s = lookup(fd);
    if (!s)
        return static_cast<int>(fail_with(EBADF));
    s->state->nonblocking = on != 0;
    return 0;
}

int mnet_nonblocking(int fd) {
    auto s = lookup(fd);
    if (!s)
        return static_cast<int>(fail_with(EBADF));
    return s->state->nonblocking.load() ? 1 : 0;
}

int mnet_bytes_readable(int fd, int* out) {
    if (out == nullptr)
        return static_cast<int>(fail_with(EFAULT));
    const long n = result_of(simple(fd, netd::Op::BytesReadable));
    if (n < 0)
        return -1;
    *out = static_cast<int>(n);
    return 0;
}

} // extern "C"
