// The stack-level TCP API (StackCore::tcp_*): sans-IO sockets over the connection table and
// listeners. Every call into a connection is followed by tcp_after_call(), which frees the
// connection once it is reapable and no handle refers to it.
#include <algorithm>
#include <utility>
#include <vector>

#include "stack/stack_impl.hpp"

namespace multios::net {

namespace {

bool is_unspecified(const IpAddress& a) {
    return a.is_v4() ? a.v4().is_unspecified() : a.v6().is_unspecified();
}

/// RFC 1122 4.2.3.10 / RFC 9293 3.9.1.1: an active open to a broadcast or multicast address
/// (or to no address at all) is an error.
bool bad_remote(const IpAddress& a) {
    if (a.is_v4())
        return a.v4().is_unspecified() || a.v4().is_broadcast() || a.v4().is_multicast();
    return a.v6().is_unspecified() || a.v6().is_multicast();
}

/// States in which the send side is still open for new data.
bool can_send(tcp::TcpState s) {
    using tcp::TcpState;
    return s == TcpState::kSynSent || s == TcpState::kSynReceived || s == TcpState::kEstablished ||
           s == TcpState::kCloseWait;
}

} // namespace

bool StackCore::Impl::tcp_is_local_address(const IpAddress& a) const {
    return std::any_of(interfaces.begin(), interfaces.end(), [&](const Interface& i) {
        return a.is_v4() ? i.info.has_v4(a.v4()) : i.info.find_v6(a.v6()) != nullptr;
    });
}

std::optional<std::uint16_t> StackCore::Impl::tcp_ephemeral_port(const FourTuple& tuple) {
    // Issue 4: with several lcores, only ports whose tuple this shard owns, so that the
    // peer's segments are steered here (another shard would drop them as TcpNotOwner).
    std::optional<steer::LandsOnLcore> lands;
    if (const steer::FlowSteering* s = config.steering; s && s->lcore_count() > 1)
        lands.emplace(*s, config.lcore, tuple);
    // RFC 6056 3.3.4: a port not in use towards this remote (nor bound by a listener).
    return tcp_ports.choose(
        tuple,
        [&](std::uint16_t p) {
            if (lands && !(*lands)(p))
                return false;
            FourTuple t = tuple;
            t.local_port = p;
            return !tcp_table.find(t) && !tcp_listeners.port_in_use(tuple.local, p);
        },
        config.tcp.ephemeral_first, config.tcp.ephemeral_last);
}

Result<TcpListenerId> StackCore::tcp_listen(const IpAddress& local, std::uint16_t port,
                                            std::uint32_t backlog) {
    return tcp_listen(local, port, backlog, TcpListenOptions{});
}

Result<TcpListenerId> StackCore::tcp_listen(const IpAddress& local, std::uint16_t port,
                                            std::uint32_t backlog, const TcpListenOptions& o) {
    if (port == 0 || (o.hop_limit && *o.hop_limit == 0) || (o.v6only && local.is_v4()))
        return fail(EINVAL);
    Impl& im = *impl_;
    // The address must be one of ours (RFC 9293 3.9.1.2 "local socket").
    if (!is_unspecified(local) && !im.tcp_is_local_address(local))
        return fail(EADDRNOTAVAIL);
    // Linux clamps the backlog to somaxconn; ours is bounded by the connection table.
    const std::uint32_t b = std::clamp<std::uint32_t>(backlog, 1, im.config.tcp.max_connections);
    // Only listeners can conflict: connections on the port (TIME-WAIT ones included) never
    // do, which is Linux's SO_REUSEADDR behaviour, here always on. Demux keeps them apart:
    // a segment matching a connection's 4-tuple goes to it, the listener gets the rest.
    return im.tcp_listeners.open(local, port, b, o);
}

Result<std::pair<IpAddress, std::uint16_t>>
StackCore::tcp_listener_address(TcpListenerId id) const {
    const TcpListener* l = impl_->tcp_listeners.resolve(id);
    if (!l)
        return fail(EBADF);
    return std::pair{l->local, l->port};
}

void StackCore::tcp_close_listener(TcpListenerId id, Instant now) {
    Impl& im = *impl_;
    if (!im.tcp_listeners.resolve(id))
        return;
    // Connections not yet accepted die with the listener (reset, as Linux does).
    std::vector<TcpConnId> orphans;
    im.tcp_table.for_each([&](std::uint32_t i) {
        const TcpEntry& e = *im.tcp_table.at(i);
        if (e.listener == id &&
            (e.stage == TcpStage::kSynQueue || e.stage == TcpStage::kAcceptQueue))
            orphans.push_back(im.tcp_table.handle(i));
    });
    im.tcp_listeners.close(id);
    for (const TcpConnId h : orphans) {
        if (TcpEntry* e = im.tcp_table.resolve(h)) {
            e->stage = TcpStage::kActive; // Out of the (closed) listener's queues.
            e->conn.abort(now);
            im.tcp_after_call(*e, now);
        }
    }
}

Result<TcpConnId> StackCore::tcp_accept(TcpListenerId id) {
    Impl& im = *impl_;
    TcpListener* l = im.tcp_listeners.resolve(id);
    if (!l)
        return fail(EBADF);
    while (!l->accepted.empty()) {
        const TcpConnId h = l->accepted.front();
        l->accepted.pop_front();
        TcpEntry* e = im.tcp_table.resolve(h);
        if (!e)
            continue;
        e->stage = TcpStage::kAccepted;
        e->app_holds = true;
        // Data (or a FIN) that arrived before accept: report it like any later arrival.
        if (e->conn.readable() > 0 || e->conn.eof())
            im.tcp_entry_events(*e, tcp::tcpevent::kReadable);
        return h;
    }
    return fail(EAGAIN);
}

Result<TcpConnId> StackCore::tcp_connect(const IpAddress& remote, std::uint16_t port, Instant now) {
    return tcp_connect(remote, port, now, TcpOpenOptions{});
}

Result<TcpConnId> StackCore::tcp_connect(const IpAddress& remote, std::uint16_t port, Instant now,
                                         const TcpOpenOptions& o) {
    Impl& im = *impl_;
    if (port == 0 || bad_remote(remote) || (o.hop_limit && *o.hop_limit == 0))
        return fail(EINVAL);
    if (o.local && o.local->is_v4() != remote.is_v4())
        return fail(EAFNOSUPPORT);
    const bool bound = o.local && !is_unspecified(*o.local);
    if (bound && !im.tcp_is_local_address(*o.local))
        return fail(EADDRNOTAVAIL);
    if (im.tcp_table.full())
        return fail(ENOBUFS);
    const auto chosen = im.path_and_source(remote, now);
    if (!chosen)
        return fail(EHOSTUNREACH);
    const auto& [path, routed_source] = *chosen;
    // A bound source need not be on the outgoing interface (weak host model, RFC 1122 3.3.4.2).
    FourTuple tuple{bound ? *o.local : routed_source, remote, o.local_port, port};
    if (o.local_port != 0) {
        // bind() then connect(): only the exact 4-tuple conflicts. A TIME-WAIT connection on
        // it does too (no tcp_tw_reuse). Shard ownership is the caller's (TcpOpenOptions).
        if (im.tcp_table.find(tuple))
            return fail(EADDRINUSE);
    } else {
        const auto local_port = im.tcp_ephemeral_port(tuple);
        if (!local_port)
            return fail(EADDRNOTAVAIL);
        tuple.local_port = *local_port;
    }
    std::optional<IfIndex> forced;
    if (remote.is_v6() && remote.v6().is_link_local())
        forced = path.iface->info.index;
    TcpEntry& e = im.tcp_create(tuple, Impl::tcp_local_mss(path.iface->info.mtu, remote.is_v4()),
                                forced, o.config ? &*o.config : nullptr, o.hop_limit.value_or(0));
    e.stage = TcpStage::kActive;
    e.app_holds = true;
    const TcpConnId h = im.tcp_table.handle(e.index);
    ++im.tcp_counters.active_opens;
    e.conn.connect(im.tcp_isn.isn(tuple, now), now);
    im.tcp_after_call(e, now);
    return h;
}

Result<std::size_t> StackCore::tcp_send(TcpConnId c, std::span<const std::byte> data, Instant now) {
    Impl& im = *impl_;
    TcpEntry* e = im.tcp_table.resolve(c);
    if (!e || !e->app_holds)
        return fail(EBADF);
    if (e->shut_wr)
        return fail(EPIPE);
    if (e->conn.error())
        return fail(e->conn.error());
    if (!can_send(e->conn.state()))
        return fail(EPIPE);
    const std::size_t n = e->conn.send(data, now);
    im.tcp_after_call(*e, now);
    if (n == 0 && !data.empty())
        return fail(EAGAIN);
    return n;
}

Result<std::size_t> StackCore::tcp_recv(TcpConnId c, std::span<std::byte> out, Instant now) {
    Impl& im = *impl_;
    TcpEntry* e = im.tcp_table.resolve(c);
    if (!e || !e->app_holds)
        return fail(EBADF);
    const std::size_t n = e->conn.recv(out, now);
    im.tcp_after_call(*e, now);
    if (n > 0 || out.empty() || e->conn.eof())
        return n;
    if (e->conn.error())
        return fail(e->conn.error());
    // A connection closed without error and without data left (e.g. after our own FIN and
    // the peer's) reads as end of stream.
    if (e->conn.state() == tcp::TcpState::kClosed || e->conn.state() == tcp::TcpState::kTimeWait)
        return std::size_t{0};
    return fail(EAGAIN);
}

Result<void> StackCore::tcp_shutdown(TcpConnId c, Instant now) {
    Impl& im = *impl_;
    TcpEntry* e = im.tcp_table.resolve(c);
    if (!e || !e->app_holds)
        return fail(EBADF);
    if (e->conn.state() == tcp::TcpState::kClosed)
        return fail(ENOTCONN);
    if (!e->shut_wr) {
        e->shut_wr = true;
        e->conn.shutdown_send(now);
        im.tcp_after_call(*e, now);
    }
    return {};
}

void StackCore::tcp_close(TcpConnId c, Instant now) {
    Impl& im = *impl_;
    TcpEntry* e = im.tcp_table.resolve(c);
    if (!e || !e->app_holds)
        return;
    e->app_holds = false;
    e->shut_wr = true;
    e->pending_events = 0;
    e->conn.close(now);
    im.tcp_after_call(*e, now);
}

void StackCore::tcp_abort(TcpConnId c, Instant now) {
    Impl& im = *impl_;
    TcpEntry* e = im.tcp_table.resolve(c);
    if (!e || !e->app_holds)
        return;
    e->app_holds = false;
    e->pending_events = 0;
    e->conn.abort(now);
    im.tcp_after_call(*e, now);
}

void StackCore::tcp_reset_all(Instant now) {
    Impl& im = *impl_;
    // Collected first: freeing entries must not change the table under the walk.
    std::vector<std::uint32_t> live;
    im.tcp_table.for_each([&](std::uint32_t i) { live.push_back(i); });
    for (const std::uint32_t i : live) {
        TcpEntry* e = im.tcp_table.at(i);
        if (!e)
            continue;
        // TIME-WAIT has nothing left to say (its peer is done); everything else gets its RST.
        if (e->conn.state() != tcp::TcpState::kTimeWait)
            e->conn.abort(now);
        e->app_holds = false;
        e->pending_events = 0;
        im.tcp_after_call(*e, now); // frees what is reapable
    }
}

tcp::Connection* StackCore::tcp_connection(TcpConnId c) {
    TcpEntry* e = impl_->tcp_table.resolve(c);
    return e && e->app_holds ? &e->conn : nullptr;
}

Result<void> StackCore::tcp_set_hop_limit(TcpConnId c, std::uint8_t hop_limit) {
    TcpEntry* e = impl_->tcp_table.resolve(c);
    if (!e || !e->app_holds)
        return fail(EBADF);
    if (hop_limit == 0)
        return fail(EINVAL);
    e->hop_limit = hop_limit;
    return {};
}

Result<FourTuple> StackCore::tcp_tuple(TcpConnId c) const {
    const TcpEntry* e = impl_->tcp_table.resolve(c);
    if (!e || !e->app_holds)
        return fail(EBADF);
    return e->conn.tuple();
}

Result<tcp::TcpInfo> StackCore::tcp_info(TcpConnId c) const {
    const TcpEntry* e = impl_->tcp_table.resolve(c);
    if (!e || !e->app_holds)
        return fail(EBADF);
    return e->conn.info();
}

void StackCore::tcp_take_events(FunctionRef<void(TcpConnId, std::uint32_t)> conn_fn,
                                FunctionRef<void(TcpListenerId)> listener_fn) {
    Impl& im = *impl_;
    // Swap the lists out first: the callbacks may call tcp_* and queue new events, which are
    // then reported by the next call.
    std::vector<TcpConnId> ready;
    ready.swap(im.tcp_ready);
    std::vector<TcpListenerId> listeners;
    listeners.swap(im.tcp_ready_listeners);
    for (const TcpListenerId id : listeners) {
        TcpListener* l = im.tcp_listeners.resolve(id);
        if (!l)
            continue;
        l->reported = false;
        if (!l->accepted.empty())
            listener_fn(id);
    }
    for (const TcpConnId h : ready) {
        TcpEntry* e = im.tcp_table.resolve(h);
        if (!e || !e->in_ready)
            continue;
        e->in_ready = false;
        const std::uint32_t ev = std::exchange(e->pending_events, 0);
        if (e->app_holds && ev != 0)
            conn_fn(h, ev);
    }
    // Keep the capacity (no allocation per call once warmed up).
    if (im.tcp_ready.empty()) {
        ready.clear();
        im.tcp_ready.swap(ready);
    }
    if (im.tcp_ready_listeners.empty()) {
        listeners.clear();
        im.tcp_ready_listeners.swap(listeners);
    }
}

void StackCore::tcp_for_each(FunctionRef<void(TcpConnId, const tcp::Connection&)> fn) const {
    const Impl& im = *impl_;
    im.tcp_table.for_each(
        [&](std::uint32_t i) { fn(im.tcp_table.handle(i), im.tcp_table.at(i)->conn); });
}

std::size_t StackCore::tcp_connection_count() const {
    return impl_->tcp_table.size();
}

const TcpCounters& StackCore::tcp_counters() const {
    return impl_->tcp_counters;
}

} // namespace multios::net
