// The operations of ClientSession: each Request becomes one non-blocking Socket call whose
// outcome goes back as a Completion (errno semantics of the Berkeley call it stands for).
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <sys/socket.h>

#include "client_session.hpp"
#include "netd/wire_addr.hpp"
#include "shm/fd_passing.hpp"
#include "socket_option_map.hpp"

namespace multios::net::netd {

namespace {

Completion ok(std::int64_t v) {
    Completion c;
    c.result = v;
    return c;
}

Completion err(int e) {
    Completion c;
    c.result = -1;
    c.error = e;
    return c;
}

Completion err(std::error_code ec) {
    return err(ec.value() != 0 ? ec.value() : EIO);
}

Completion from(const Result<void>& r) {
    return r ? ok(0) : err(r.error());
}

std::optional<SocketType> socket_type(int type, int protocol) {
    switch (type) {
    case SOCK_STREAM:
        return protocol == 0 || protocol == IPPROTO_TCP ? std::optional(SocketType::Stream)
                                                        : std::nullopt;
    case SOCK_DGRAM:
        return protocol == 0 || protocol == IPPROTO_UDP ? std::optional(SocketType::Datagram)
                                                        : std::nullopt;
    case SOCK_RAW:
        return protocol > 0 && protocol < 256 ? std::optional(SocketType::Raw) : std::nullopt;
    default:
        return std::nullopt;
    }
}

} // namespace

Completion ClientSession::handle(const Request& req) {
    const auto op = static_cast<Op>(req.op);
    if (op == Op::Socket)
        return op_socket(req);
    if (op == Op::ForkPrepare)
        return op_fork_prepare();
    if (req.slot >= slots_.size() || !slots_[req.slot])
        return err(EBADF);
    StackSocket& s = *slots_[req.slot];
    switch (op) {
    case Op::Bind: {
        auto a = socket_address_from_wire(req.addr);
        return a ? from(s.socket.bind(*a)) : err(a.error());
    }
    case Op::Listen: {
        auto r = s.socket.listen(std::clamp(req.a, 1, 65535));
        registry_.refresh(s);
        return from(r);
    }
    case Op::Accept:
        return op_accept(req, s);
    case Op::Connect:
        return op_connect(req, s);
    case Op::Send:
        return op_send(req, s);
    case Op::Recv:
        return op_recv(req, s);
    case Op::Shutdown: {
        const ShutdownHow how = req.a == SHUT_RD   ? ShutdownHow::Read
                                : req.a == SHUT_WR ? ShutdownHow::Write
                                                   : ShutdownHow::Both;
        if (req.a != SHUT_RD && req.a != SHUT_WR && req.a != SHUT_RDWR)
            return err(EINVAL);
        if (how != ShutdownHow::Read) {
            std::lock_guard lock(s.mutex);
            s.corked = false;
            (void)s.flush_cork();
        }
        auto r = s.socket.shutdown(how);
        registry_.refresh(s);
        return from(r);
    }
    case Op::Close:
        return op_close(req);
    case Op::LocalName:
        return op_name(s, false);
    case Op::PeerName:
        return op_name(s, true);
    case Op::SetOption:
        return op_set_option(req, s);
    case Op::GetOption:
        return op_get_option(req, s);
    case Op::BytesReadable:
        return op_bytes_readable(s);
    default:
        return err(ENOSYS);
    }
}

Completion ClientSession::op_socket(const Request& req) {
    if (req.a != AF_INET && req.a != AF_INET6)
        return err(EAFNOSUPPORT);
    const auto type = socket_type(req.b, req.c);
    if (!type)
        return err(req.b == SOCK_STREAM || req.b == SOCK_DGRAM || req.b == SOCK_RAW
                       ? EPROTONOSUPPORT
                       : ESOCKTNOSUPPORT);
    const AddressFamily family = req.a == AF_INET ? AddressFamily::IPv4 : AddressFamily::IPv6;
    Socket sock(registry_.stack(), *type, family, *type == SocketType::Raw ? req.c : 0);
    auto adopted = registry_.adopt(std::move(sock), req.a, req.b);
    if (!adopted)
        return err(adopted.error());
    auto slot = install(*adopted);
    if (!slot)
        return err(slot.error());
    Completion c = ok(*slot);
    c.flags = kEventFdFollows;
    return c;
}

Result<std::uint32_t> ClientSession::install(const std::shared_ptr<StackSocket>& sock) {
    registry_.retain(*sock);
    std::uint32_t slot = 0;
    while (slot < slots_.size() && slots_[slot])
        ++slot;
    if (slot >= view_.readiness.size()) {
        registry_.release(sock);
        return fail(EMFILE);
    }
    if (slot == slots_.size())
        slots_.emplace_back();
    slots_[slot] = sock;
    registry_.subscribe(*sock, this, slot);
    const std::uint32_t payload = slot;
    auto sent = shm::send_fd(unix_fd_, sock->eventfd,
                             {reinterpret_cast<const std::byte*>(&payload), sizeof payload});
    if (!sent) {
        registry_.unsubscribe(*sock, this, slot);
        registry_.release(sock);
        slots_[slot].reset();
        return fail(sent.error());
    }
    return slot;
}

Completion ClientSession::op_accept(const Request&, StackSocket& s) {
    auto r = s.socket.accept();
    registry_.refresh(s);
    if (!r)
        return err(r.error());
    auto adopted = registry_.adopt(std::move(r->first), s.domain, SOCK_STREAM);
    if (!adopted)
        return err(adopted.error());
    auto slot = install(*adopted);
    if (!slot)
        return err(slot.error());
    Completion c = ok(*slot);
    c.flags = kEventFdFollows;
    c.addr = wire_from_socket_address(r->second);
    return c;
}

Completion ClientSession::op_connect(const Request& req, StackSocket& s) {
    auto a = socket_address_from_wire(req.addr);
    if (!a)
        return err(a.error());
    if (s.domain == AF_INET && !a->is_v4())
        return err(EAFNOSUPPORT);
    auto r = s.socket.connect(*a);
    registry_.refresh(s);
    return from(r);
}

Completion ClientSession::op_send(const Request& req, StackSocket& s) {
    if (req.len > data().size())
        return err(EINVAL);
    const std::span<const std::byte> bytes = data().first(static_cast<std::size_t>(req.len));
    Result<std::size_t> r = fail(EIO);
    if (req.addr.family != 0) {
        auto to = socket_address_from_wire(req.addr);
        if (!to)
            return err(to.error());
        r = s.socket.send_to(bytes, *to);
    } else {
        std::lock_guard lock(s.mutex);
        if (s.corked && s.type == SOCK_STREAM && s.cork.size() + bytes.size() <= kCorkLimit) {
            s.cork.insert(s.cork.end(), bytes.begin(), bytes.end());
            r = bytes.size();
        } else if (!s.flush_cork()) {
            r = fail(EAGAIN); // the held-back bytes go first
        } else {
            r = s.socket.send(bytes);
        }
    }
    registry_.refresh(s);
    return r ? ok(static_cast<std::int64_t>(*r)) : err(r.error());
}

namespace {

// The stack has no peek: for MSG_PEEK and FIONREAD the daemon reads ahead into the stash and
// hands those bytes out first on the next receive. Under s.mutex.
// Stream: tops the stash up to `limit` bytes with whatever the socket holds now (so a peek or
// FIONREAD sees data that arrived after an earlier one). An error only when nothing is held.
std::optional<std::error_code> top_up_stream_stash(StackSocket& s, std::size_t limit) {
    if (s.stash_off > 0) {
        s.stash.erase(s.stash.begin(), s.stash.begin() + static_cast<std::ptrdiff_t>(s.stash_off));
        s.stash_off = 0;
    }
    const std::size_t have = s.stash.size();
    if (have >= limit)
        return std::nullopt;
    s.stash.resize(limit);
    auto r = s.socket.recv(std::span<std::byte>(s.stash).subspan(have));
    s.stash.resize(have + (r ? *r : 0));
    s.stashed = !s.stash.empty();
    return r || have > 0 ? std::nullopt : std::optional(r.error());
}

// Datagram: the next datagram into the (empty) stash, with its source.
std::optional<std::error_code> fill_datagram_stash(StackSocket& s) {
    s.stash_off = 0;
    s.stash.resize(65536);
    auto r = s.socket.recv_from(s.stash);
    s.stash.resize(r ? r->first : 0);
    s.stashed = r.has_value();
    if (!r)
        return r.error();
    s.stash_from = r->second;
    return std::nullopt;
}

// Reads ahead for a peek or FIONREAD.
std::optional<std::error_code> fill_stash(StackSocket& s, std::size_t stream_limit) {
    if (s.type == SOCK_STREAM)
        return top_up_stream_stash(s, stream_limit);
    return s.stashed ? std::nullopt : fill_datagram_stash(s);
}

// Hands out up to `room` stashed bytes into `out`; consumes them unless peeking.
Completion take_stash(StackSocket& s, std::span<std::byte> out, bool peek) {
    const std::size_t n = std::min(out.size(), s.stash.size() - s.stash_off);
    std::memcpy(out.data(), s.stash.data() + s.stash_off, n);
    Completion c = ok(static_cast<std::int64_t>(n));
    c.len = n;
    if (s.type != SOCK_STREAM)
        c.addr = wire_from_socket_address(s.stash_from);
    if (!peek) {
        s.stash_off = s.type == SOCK_STREAM ? s.stash_off + n : s.stash.size();
        if (s.stash_off >= s.stash.size()) {
            s.stash.clear();
            s.stash_off = 0;
            s.stashed = false;
        }
    }
    return c;
}

Completion receive_now(StackSocket& s, std::span<std::byte> out) {
    if (s.type == SOCK_STREAM) {
        auto r = s.socket.recv(out);
        Completion c = r ? ok(static_cast<std::int64_t>(*r)) : err(r.error());
        c.len = r ? *r : 0;
        return c;
    }
    auto r = s.socket.recv_from(out);
    if (!r)
        return err(r.error());
    Completion c = ok(static_cast<std::int64_t>(r->first));
    c.len = r->first;
    c.addr = wire_from_socket_address(r->second);
    return c;
}

} // namespace

Completion ClientSession::op_recv(const Request& req, StackSocket& s) {
    const auto out =
        data().first(static_cast<std::size_t>(std::min<std::uint64_t>(req.len, data().size())));
    const bool peek = (req.a & MSG_PEEK) != 0;
    Completion c;
    {
        std::lock_guard lock(s.mutex);
        if (peek) {
            if (auto e = fill_stash(s, data().size()))
                c = err(*e);
        }
        if (s.stashed)
            c = take_stash(s, out, peek);
        else if (!peek)
            c = receive_now(s, out);
    }
    registry_.refresh(s);
    return c;
}

Completion ClientSession::op_close(const Request& req) {
    auto sock = std::move(slots_[req.slot]);
    registry_.unsubscribe(*sock, this, req.slot);
    view_.readiness[req.slot].store(0, std::memory_order_release);
    registry_.release(sock);
    return ok(0);
}

Completion ClientSession::op_fork_prepare() {
    Completion c = ok(0);
    c.token = forks_.put(slots_);
    return c;
}

Completion ClientSession::op_set_option(const Request& req, StackSocket& s) {
    if (req.len > data().size())
        return err(EINVAL);
    std::lock_guard lock(s.mutex);
    const int e =
        set_socket_option(s, req.a, req.b, data().first(static_cast<std::size_t>(req.len)));
    return e == 0 ? ok(0) : err(e);
}

Completion ClientSession::op_get_option(const Request& req, StackSocket& s) {
    const std::size_t room =
        static_cast<std::size_t>(std::min<std::uint64_t>(req.len, data().size()));
    std::lock_guard lock(s.mutex);
    const long n = get_socket_option(s, req.a, req.b, data().first(room));
    if (n < 0)
        return err(static_cast<int>(-n));
    Completion c = ok(0);
    c.len = static_cast<std::uint64_t>(n);
    return c;
}

Completion ClientSession::op_bytes_readable(StackSocket& s) {
    std::int64_t n = 0;
    {
        std::lock_guard lock(s.mutex);
        if (s.type != SOCK_RAW)
            (void)fill_stash(s, data().size());
        if (s.stashed)
            n = static_cast<std::int64_t>(s.stash.size() - s.stash_off);
    }
    registry_.refresh(s);
    return ok(n);
}

Completion ClientSession::op_name(StackSocket& s, bool peer) {
    auto a = peer ? s.socket.peer_address() : s.socket.local_address();
    if (!a)
        return err(a.error());
    Completion c = ok(0);
    c.addr = wire_from_socket_address(*a);
    return c;
}

} // namespace multios::net::netd
