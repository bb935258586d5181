// Socket calls of TCP stream sockets: bind, listen, accept, connect, send, recv, shutdown.
#include <multios/net/socket.hpp>

#include <random>

#include "api/socket_internal.hpp"
#include "api/socket_wait.hpp"

namespace multios::net {

using namespace sockstate;
using api::deadline_after;
using api::wait_until;

namespace {

std::span<const std::byte> as_bytes(std::string_view text) {
    return {reinterpret_cast<const std::byte*>(text.data()), text.size()};
}

bool same_family(const Socket::Core& s, const SocketAddress& a) {
    return s.type != SocketType::Raw || a.is_v4() == (s.family == AddressFamily::IPv4);
}

// Ports tried for bind/listen with port 0 (the kernel picks from its ephemeral range too).
std::uint16_t random_ephemeral_port() {
    static thread_local std::mt19937 gen{std::random_device{}()};
    return static_cast<std::uint16_t>(std::uniform_int_distribution<unsigned>(49152, 65535)(gen));
}

} // namespace

namespace api {

void make_stream_rings(Socket::Core& s) {
    s.rx = std::make_unique<ByteRing>(s.options.rx_ring());
    s.tx = std::make_unique<ByteRing>(s.options.tx_ring());
}

tcp::TcpConfig tcp_config_for(const SocketOptions& o, const tcp::TcpConfig& defaults) {
    tcp::TcpConfig c = defaults;
    if (o.rcvbuf) {
        c.receive_buffer = *o.rcvbuf;
        c.initial_receive_window = std::min(c.initial_receive_window, c.receive_buffer);
    }
    if (o.sndbuf)
        c.send_buffer = *o.sndbuf;
    if (o.nodelay)
        c.nodelay = true;
    if (o.keepalive) {
        c.keepalive = true;
        c.keepalive_idle = o.keepalive_options.idle;
        c.keepalive_interval = o.keepalive_options.interval;
        c.keepalive_probes = o.keepalive_options.count;
    }
    return c;
}

Result<void> release_socket(Socket::Core& s, int linger) {
    NetworkStack::Engine& e = *s.engine;
    if ((s.load_state() & kListening) != 0) {
        auto r = e.call_all([&s](ApiShard& shard, Instant now) {
            if (shard.lcore() < s.listeners.size())
                shard.detach_listener(s.listeners[shard.lcore()], now);
        });
        // Connections accepted but never taken are reset, as a kernel does at close().
        for (Socket::Core* c = s.accepted.take_all(); c != nullptr;) {
            Socket::Core* next = c->accept_next;
            c->close_linger = 0;
            c->set_state(kClosed | kClosing);
            c->in_accept_queue.store(false);
            e.schedule(*c);
            c = next;
        }
        for (auto& c : s.app_accepted) {
            c->close_linger = 0;
            c->set_state(kClosed | kClosing);
            e.schedule(*c);
        }
        s.app_accepted.clear();
        return r;
    }
    if (s.type != SocketType::Stream) {
        if (s.datagram_ids.empty())
            return {};
        return e.call_all([&s](ApiShard& shard, Instant) {
            if (shard.lcore() < s.datagram_ids.size())
                shard.detach_datagram(s, s.datagram_ids[shard.lcore()]);
        });
    }
    if ((s.load_state() & (kConnected | kConnecting)) == 0)
        return {};
    s.set_state(kClosing);
    e.schedule(s);
    if (linger <= 0)
        return {};
    // SO_LINGER > 0: wait for the data to be acknowledged (kSentAll) or the time to run out.
    auto done = wait_until(s, deadline_after(std::chrono::seconds(linger)),
                           [&s] { return (s.load_state() & kGone) != 0; });
    if (!done || (s.load_state() & kSentAll) == 0)
        return fail(EWOULDBLOCK);
    return {};
}

} // namespace api

Result<void> Socket::bind(const SocketAddress& local) {
    auto usable = api::usable_core(core_);
    if (!usable)
        return fail(usable.error());
    Core& s = **usable;
    if (!same_family(s, local))
        return fail(EAFNOSUPPORT);
    {
        std::lock_guard lock(s.app_mutex);
        if (s.bound || (s.load_state() & (kConnected | kConnecting | kListening)) != 0)
            return fail(EINVAL);
        s.local = local;
        s.family = local.is_v4() ? AddressFamily::IPv4 : AddressFamily::IPv6;
        s.bound = true;
    }
    if (s.type == SocketType::Stream)
        return {}; // the port is claimed by listen() or connect()
    auto r = api::open_datagram(s, local);
    if (!r) {
        std::lock_guard lock(s.app_mutex);
        s.bound = false;
    }
    return r;
}

Result<void> Socket::listen(int backlog) {
    auto usable = api::usable_core(core_);
    if (!usable)
        return fail(usable.error());
    Core& s = **usable;
    if (s.type != SocketType::Stream)
        return fail(EOPNOTSUPP);
    std::lock_guard lock(s.app_mutex);
    const std::uint32_t st = s.load_state();
    if ((st & kListening) != 0)
        return {};
    if ((st & (kConnected | kConnecting)) != 0)
        return fail(EINVAL);
    if (!s.bound)
        s.local = SocketAddress::any_v6(0);
    s.backlog = static_cast<std::uint32_t>(std::clamp(backlog, 1, 65535));
    s.accept_options = s.options;
    s.listeners.assign(s.engine->lcores(), 0);
    TcpListenOptions lo;
    lo.config = api::tcp_config_for(s.options, s.engine->tcp.connection);
    lo.hop_limit = s.options.ttl;
    lo.v6only = s.options.v6only;
    lo.reuse_port = s.options.reuse_port;
    const bool pick_port = s.local.port == 0;
    for (int attempt = 0; attempt < (pick_port ? 32 : 1); ++attempt) {
        if (pick_port)
            s.local.port = random_ephemeral_port();
        int error = 0;
        std::vector<bool> opened(s.listeners.size(), false);
        auto r = s.engine->call_all([&](api::ApiShard& shard, Instant) {
            if (error != 0)
                return;
            auto l = shard.stack().tcp_listen(s.local.address, s.local.port, s.backlog, lo);
            if (!l) {
                error = l.error().value();
                return;
            }
            s.listeners[shard.lcore()] = *l;
            opened[shard.lcore()] = true;
            shard.attach_listener(s, *l);
        });
        if (!r)
            return r;
        if (error == 0) {
            s.set_state(kListening);
            return {};
        }
        (void)s.engine->call_all([&](api::ApiShard& shard, Instant now) {
            if (opened[shard.lcore()])
                shard.detach_listener(s.listeners[shard.lcore()], now);
        });
        if (error != EADDRINUSE || !pick_port)
            return fail(error);
    }
    return fail(EADDRINUSE);
}

Result<std::pair<Socket, SocketAddress>> Socket::accept() {
    auto usable = api::usable_core(core_);
    if (!usable)
        return fail(usable.error());
    Core& s = **usable;
    if ((s.load_state() & kListening) == 0)
        return fail(EINVAL);
    std::lock_guard lock(s.recv_mutex);
    auto take = [&s] {
        if (s.app_accepted.empty()) {
            for (Core* c = s.accepted.take_all(); c != nullptr; c = c->accept_next) {
                s.app_accepted.push_back(c->shared_from_this());
                c->in_accept_queue.store(false);
            }
        }
        return !s.app_accepted.empty();
    };
    if (!take()) {
        if (s.options.nonblocking)
            return fail(EAGAIN);
        if (auto r = wait_until(s, deadline_after(s.options.rcvtimeo), take); !r)
            return fail(r.error());
    }
    auto c = std::move(s.app_accepted.front());
    s.app_accepted.erase(s.app_accepted.begin());
    s.accept_count.fetch_sub(1, std::memory_order_acq_rel);
    const SocketAddress peer = c->peer;
    return std::pair<Socket, SocketAddress>(Socket(std::move(c)), peer);
}

Result<void> Socket::connect(const SocketAddress& remote) {
    auto usable = api::usable_core(core_);
    if (!usable)
        return fail(usable.error());
    Core& s = **usable;
    if (!same_family(s, remote))
        return fail(EAFNOSUPPORT);
    if (s.type != SocketType::Stream) {
        std::lock_guard lock(s.app_mutex);
        s.peer = remote;
        s.connected_peer = true;
        return {};
    }
    {
        std::lock_guard lock(s.app_mutex);
        const std::uint32_t st = s.load_state();
        if ((st & kConnected) != 0)
            return fail(EISCONN);
        if ((st & kConnecting) != 0)
            return fail(s.options.nonblocking ? EALREADY : EINPROGRESS);
        if ((st & (kListening | kGone)) != 0)
            return fail(EINVAL);
        if (s.bound && s.local.is_v4() != remote.is_v4() &&
            !(s.local.address.is_v6() && s.local.address.v6().is_unspecified()))
            return fail(EAFNOSUPPORT);
        s.family = remote.is_v4() ? AddressFamily::IPv4 : AddressFamily::IPv6;
        s.peer = remote;
        api::make_stream_rings(s);
        s.lcore = s.engine->pick_lcore();
        TcpOpenOptions oo;
        oo.config = api::tcp_config_for(s.options, s.engine->tcp.connection);
        oo.hop_limit = s.options.ttl;
        if (s.bound) {
            const bool any = s.local.address.is_v4() ? s.local.address.v4().is_unspecified()
                                                     : s.local.address.v6().is_unspecified();
            if (!any)
                oo.local = s.local.address;
            oo.local_port = s.local.port;
        }
        int error = 0;
        auto self = core_;
        auto r = s.engine->call(s.lcore, [&](api::ApiShard& shard, Instant now) {
            auto c = shard.stack().tcp_connect(remote.address, remote.port, now, oo);
            if (!c) {
                error = c.error().value();
                return;
            }
            if (const tcp::Connection* conn = shard.stack().tcp_connection(*c)) {
                const auto& t = conn->tuple();
                s.local = SocketAddress{t.local, t.local_port};
            }
            s.set_state(kConnecting);
            shard.attach_connection(s, *c);
            shard.adopt(self);
        });
        if (!r)
            return r;
        if (error != 0)
            return fail(error);
    }
    if (s.options.nonblocking)
        return fail(EINPROGRESS);
    auto r = wait_until(s, deadline_after(s.options.sndtimeo),
                        [&s] { return (s.load_state() & kConnecting) == 0; });
    if (!r)
        return fail(r.error().value() == EAGAIN ? EINPROGRESS : r.error().value());
    if ((s.load_state() & kConnected) != 0)
        return {};
    s.pending_error.store(0);
    const int e = s.fatal_error.load();
    return fail(e != 0 ? e : ECONNREFUSED);
}

Result<std::size_t> Socket::send(std::string_view text) {
    return send(as_bytes(text));
}

namespace {

// Why a stream socket cannot send now, or 0 when it can.
int stream_send_error(const Socket::Core& s) {
    const std::uint32_t st = s.load_state();
    if (const int e = s.fatal_error.load(); e != 0)
        return e;
    if ((st & kShutWrite) != 0 || (st & kGone) != 0)
        return EPIPE;
    if ((st & (kConnected | kConnecting)) == 0)
        return ENOTCONN;
    return 0;
}

} // namespace

Result<std::size_t> Socket::send(std::span<const std::byte> data) {
    auto usable = api::usable_core(core_);
    if (!usable)
        return fail(usable.error());
    Core& s = **usable;
    if (s.type != SocketType::Stream) {
        if (!s.connected_peer)
            return fail(EDESTADDRREQ);
        return send_to(data, s.peer);
    }
    std::lock_guard lock(s.send_mutex);
    const api::Deadline deadline = deadline_after(s.options.sndtimeo);
    std::size_t done = 0;
    for (;;) {
        if (const int e = stream_send_error(s); e != 0)
            return done != 0 ? Result<std::size_t>(done) : Result<std::size_t>(fail(e));
        if ((s.load_state() & kConnected) != 0) {
            const std::size_t n = s.tx->write(data.subspan(done));
            if (n != 0) {
                done += n;
                s.engine->schedule(s);
            }
            if (done == data.size())
                return done;
        }
        if (s.options.nonblocking)
            return done != 0 ? Result<std::size_t>(done) : Result<std::size_t>(fail(EAGAIN));
        auto r = wait_until(s, deadline, [&s] {
            return stream_send_error(s) != 0 ||
                   ((s.load_state() & kConnected) != 0 && s.tx->writable() != 0);
        });
        if (!r)
            return done != 0 ? Result<std::size_t>(done) : Result<std::size_t>(fail(r.error()));
    }
}

Result<std::size_t> Socket::recv(std::span<std::byte> buffer) {
    auto usable = api::usable_core(core_);
    if (!usable)
        return fail(usable.error());
    Core& s = **usable;
    if (s.type != SocketType::Stream) {
        auto r = recv_from(buffer);
        if (!r)
            return fail(r.error());
        return r->first;
    }
    std::lock_guard lock(s.recv_mutex);
    if ((s.load_state() & (kConnected | kConnecting | kGone)) == 0)
        return fail(ENOTCONN);
    Result<std::size_t> out = fail(EAGAIN);
    auto attempt = [&]() -> bool {
        const std::uint32_t st = s.load_state(); // before reading: data precedes the flags
        if ((st & kShutRead) != 0) {
            out = std::size_t{0};
            return true;
        }
        if (s.rx && s.rx->readable() != 0) {
            out = s.rx->read(buffer);
            // The lcore stopped pulling because the ring was full: there is room again.
            if ((s.load_state() & kRxBlocked) != 0) {
                s.clear_state(kRxBlocked);
                s.engine->schedule(s);
            }
            return true;
        }
        if (const int e = s.fatal_error.load(); e != 0) {
            out = fail(e);
            return true;
        }
        if ((st & (kPeerClosed | kGone)) != 0) {
            out = std::size_t{0};
            return true;
        }
        return false;
    };
    if (buffer.empty())
        return std::size_t{0};
    if (attempt())
        return out;
    if (s.options.nonblocking)
        return fail(EAGAIN);
    if (auto r = wait_until(s, deadline_after(s.options.rcvtimeo), attempt); !r)
        return fail(r.error());
    return out;
}

Result<void> Socket::shutdown(ShutdownHow how) {
    auto usable = api::usable_core(core_);
    if (!usable)
        return fail(usable.error());
    Core& s = **usable;
    if (s.type == SocketType::Stream && (s.load_state() & (kConnected | kConnecting)) == 0)
        return fail(ENOTCONN);
    if (how != ShutdownHow::Write)
        s.set_state(kShutRead);
    if (how != ShutdownHow::Read && s.type == SocketType::Stream) {
        s.set_state(kShutWrite);
        s.engine->schedule(s);
    }
    s.changed.signal();
    return {};
}

} // namespace multios::net
