// Data calls of <multios/net/client.h>: one copy each way between the caller's buffers and the
// segment's data area (the daemon hands that area to the stack socket directly).
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sys/sendfile.h>
#include <unistd.h>

#include <multios/net/client.h>

#include "blocking.hpp"
#include "client_state.hpp"
#include "netd/wire_addr.hpp"

using namespace multios::net;
using namespace multios::net::client;

namespace {

// A position in an iovec array.
struct IovCursor {
    const iovec* iov;
    int count;
    int index = 0;
    std::size_t offset = 0;

    std::size_t total() const {
        std::size_t t = 0;
        for (int i = 0; i < count; ++i)
            t += iov[i].iov_len;
        return t;
    }
    // Copies up to out.size() bytes from the cursor into `out` without moving it.
    std::size_t peek_into(std::span<std::byte> out) const {
        std::size_t n = 0;
        int i = index;
        std::size_t off = offset;
        while (n < out.size() && i < count) {
            const std::size_t k = std::min(out.size() - n, iov[i].iov_len - off);
            std::memcpy(out.data() + n, static_cast<const std::byte*>(iov[i].iov_base) + off, k);
            n += k;
            off += k;
            if (off == iov[i].iov_len) {
                ++i;
                off = 0;
            }
        }
        return n;
    }
    // Copies `in` into the iovecs at the cursor and moves it on; returns the bytes copied.
    std::size_t fill_from(std::span<const std::byte> in) {
        std::size_t n = 0;
        while (n < in.size() && index < count) {
            const std::size_t k = std::min(in.size() - n, iov[index].iov_len - offset);
            std::memcpy(static_cast<std::byte*>(iov[index].iov_base) + offset, in.data() + n, k);
            n += k;
            advance_one(k);
        }
        return n;
    }
    void advance(std::size_t n) {
        while (n > 0 && index < count) {
            const std::size_t k = std::min(n, iov[index].iov_len - offset);
            n -= k;
            advance_one(k);
        }
    }
    void advance_one(std::size_t k) {
        offset += k;
        if (offset == iov[index].iov_len) {
            ++index;
            offset = 0;
        }
    }
};

struct SendTarget {
    const sockaddr* to = nullptr;
    socklen_t tolen = 0;
};

// One Send request with the bytes at the cursor (a datagram must fit whole).
Result<netd::Completion> send_chunk(Connection& conn, const StackFd& s, const IovCursor& cur,
                                    std::size_t left, const netd::WireAddr& to) {
    Connection::Exchange ex(conn);
    if (s.state->type != SOCK_STREAM && left > ex.data().size())
        return fail(EMSGSIZE);
    const std::size_t n = cur.peek_into(ex.data().first(std::min(left, ex.data().size())));
    netd::Request req;
    req.op = static_cast<std::uint32_t>(netd::Op::Send);
    req.slot = s.slot;
    req.len = n;
    req.addr = to;
    return ex.submit(req);
}

ssize_t send_iov(int fd, const iovec* iov, int iovcnt, int flags, SendTarget target) {
    auto s = lookup(fd);
    if (!s)
        return fail_with(EBADF);
    if (iovcnt < 0 || (iovcnt > 0 && iov == nullptr))
        return fail_with(EINVAL);
    netd::WireAddr to;
    if (target.to != nullptr && s->state->type != SOCK_STREAM) {
        auto w = netd::wire_from_sockaddr(target.to, target.tolen);
        if (!w)
            return fail_with(w.error().value());
        to = *w;
    }
    Connection* conn = connection();
    if (conn == nullptr)
        return fail_with(ENETDOWN);
    IovCursor cur{iov, iovcnt};
    const std::size_t total = cur.total();
    const bool nonblocking = s->state->nonblocking.load() || (flags & MSG_DONTWAIT) != 0;
    const Deadline deadline = deadline_after(s->state->send_timeout_us.load());
    std::size_t sent = 0;
    do {
        auto c = send_chunk(*conn, *s, cur, total - sent, to);
        if (!c)
            return sent > 0 ? static_cast<ssize_t>(sent) : fail_with(c.error().value());
        if (c->result >= 0) {
            sent += static_cast<std::size_t>(c->result);
            cur.advance(static_cast<std::size_t>(c->result));
            if (s->state->type != SOCK_STREAM)
                break;
            continue;
        }
        if (sent > 0)
            break; // report what went; the error shows on the next call
        if (c->error != EAGAIN || nonblocking)
            return fail_with(c->error);
        if (!wait_ready(*conn, s->slot, POLLOUT, deadline))
            return fail_with(EAGAIN);
    } while (sent < total);
    return static_cast<ssize_t>(sent);
}

struct Received {
    std::size_t bytes;
    netd::WireAddr from;
};

// One receive into the iovecs (waiting while there is nothing, unless non-blocking).
Result<Received> recv_once(Connection& conn, const StackFd& s, IovCursor& cur, std::size_t room,
                           int flags, bool nonblocking, const Deadline& deadline) {
    for (;;) {
        {
            Connection::Exchange ex(conn);
            netd::Request req;
            req.op = static_cast<std::uint32_t>(netd::Op::Recv);
            req.slot = s.slot;
            req.len = std::min(room, ex.data().size());
            req.a = flags & MSG_PEEK;
            auto c = ex.submit(req);
            if (!c)
                return fail(c.error());
            if (c->result >= 0) {
                const std::size_t n =
                    cur.fill_from(ex.data().first(std::min<std::size_t>(c->len, room)));
                return Received{n, c->addr};
            }
            if (c->error != EAGAIN || nonblocking)
                return fail(c->error);
        }
        if (!wait_ready(conn, s.slot, POLLIN, deadline))
            return fail(EAGAIN);
    }
}

ssize_t recv_iov(int fd, const iovec* iov, int iovcnt, int flags, sockaddr* from,
                 socklen_t* fromlen) {
    auto s = lookup(fd);
    if (!s)
        return fail_with(EBADF);
    if (iovcnt < 0 || (iovcnt > 0 && iov == nullptr))
        return fail_with(EINVAL);
    Connection* conn = connection();
    if (conn == nullptr)
        return fail_with(ENETDOWN);
    IovCursor cur{iov, iovcnt};
    const std::size_t room = cur.total();
    const bool nonblocking = s->state->nonblocking.load() || (flags & MSG_DONTWAIT) != 0;
    const bool wait_all =
        (flags & MSG_WAITALL) != 0 && s->state->type == SOCK_STREAM && (flags & MSG_PEEK) == 0;
    const Deadline deadline = deadline_after(s->state->recv_timeout_us.load());
    std::size_t got = 0;
    netd::WireAddr source;
    do {
        auto r = recv_once(*conn, *s, cur, room - got, flags, nonblocking && got == 0, deadline);
        if (!r) {
            if (got > 0)
                break;
            return fail_with(r.error().value());
        }
        got += r->bytes;
        source = r->from;
        if (r->bytes == 0)
            break; // EOF (or an empty datagram)
    } while (wait_all && got < room);
    if (from != nullptr && fromlen != nullptr) {
        if (s->state->type == SOCK_STREAM)
            *fromlen = 0;
        else
            *fromlen = netd::sockaddr_from_wire(source, s->state->domain, from, *fromlen);
    }
    return static_cast<ssize_t>(got);
}

} // namespace

extern "C" {

ssize_t mnet_send(int fd, const void* buf, size_t len, int flags) {
    const iovec v{const_cast<void*>(buf), len};
    return send_iov(fd, &v, 1, flags, {});
}

ssize_t mnet_sendto(int fd, const void* buf, size_t len, int flags, const struct sockaddr* to,
                    socklen_t tolen) {
    const iovec v{const_cast<void*>(buf), len};
    return send_iov(fd, &v, 1, flags, {to, tolen});
}

ssize_t mnet_sendmsg(int fd, const struct msghdr* msg, int flags) {
    if (msg == nullptr)
        return fail_with(EFAULT);
    return send_iov(fd, msg->msg_iov, static_cast<int>(msg->msg_iovlen), flags,
                    {static_cast<const sockaddr*>(msg->msg_name), msg->msg_namelen});
}

ssize_t mnet_writev(int fd, const struct iovec* iov, int iovcnt) {
    return send_iov(fd, iov, iovcnt, 0, {});
}

ssize_t mnet_recv(int fd, void* buf, size_t len, int flags) {
    const iovec v{buf, len};
    return recv_iov(fd, &v, 1, flags, nullptr, nullptr);
}

ssize_t mnet_recvfrom(int fd, void* buf, size_t len, int flags, struct sockaddr* from,
                      socklen_t* fromlen) {
    const iovec v{buf, len};
    return recv_iov(fd, &v, 1, flags, from, fromlen);
}

ssize_t mnet_recvmsg(int fd, struct msghdr* msg, int flags) {
    if (msg == nullptr)
        return fail_with(EFAULT);
    socklen_t namelen = msg->msg_namelen;
    const ssize_t n =
        recv_iov(fd, msg->msg_iov, static_cast<int>(msg->msg_iovlen), flags,
                 static_cast<sockaddr*>(msg->msg_name), msg->msg_name ? &namelen : nullptr);
    if (n >= 0) {
        msg->msg_namelen = msg->msg_name ? namelen : 0;
        msg->msg_controllen = 0;
        msg->msg_flags = 0;
    }
    return n;
}

ssize_t mnet_readv(int fd, const struct iovec* iov, int iovcnt) {
    return recv_iov(fd, iov, iovcnt, 0, nullptr, nullptr);
}

ssize_t mnet_sendfile(int out_fd, int in_fd, off_t* offset, size_t count) {
    auto s = lookup(out_fd);
    if (!s)
        return fail_with(EBADF);
    Connection* conn = connection();
    if (conn == nullptr)
        return fail_with(ENETDOWN);
    off_t pos = offset != nullptr ? *offset : ::lseek(in_fd, 0, SEEK_CUR);
    if (pos < 0)
        return -1;
    const bool nonblocking = s->state->nonblocking.load();
    const Deadline deadline = deadline_after(s->state->send_timeout_us.load());
    std::size_t sent = 0;
    while (sent < count) {
        Result<netd::Completion> c = fail(EIO);
        {
            Connection::Exchange ex(*conn);
            const std::size_t want = std::min(count - sent, ex.data().size());
            const ssize_t n = ::pread(in_fd, ex.data().data(), want, pos);
            if (n <= 0) {
                if (n < 0 && sent == 0)
                    return -1;
                break;
            }
            netd::Request req;
            req.op = static_cast<std::uint32_t>(netd::Op::Send);
            req.slot = s->slot;
            req.len = static_cast<std::uint64_t>(n);
            c = ex.submit(req);
        }
        if (c && c->result >= 0) {
            if (c->result == 0)
                break;
            sent += static_cast<std::size_t>(c->result);
            pos += static_cast<off_t>(c->result);
            continue;
        }
        if (sent > 0)
            break;
        if (!c)
            return fail_with(c.error().value());
        if (c->error != EAGAIN || nonblocking)
            return fail_with(c->error);
        if (!wait_ready(*conn, s->slot, POLLOUT, deadline))
            return fail_with(EAGAIN);
    }
    if (offset != nullptr)
        *offset = pos;
    else
        ::lseek(in_fd, pos, SEEK_SET);
    return static_cast<ssize_t>(sent);
}

} // extern "C"
