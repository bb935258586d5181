// Socket options: stored on the socket and applied when its protocol object opens; those a
// live TCP connection can change (TCP_NODELAY, SO_KEEPALIVE and its timers, IP_TTL) are also
// sent to the owning lcore.
#include <multios/net/socket.hpp>

#include "api/socket_internal.hpp"
#include "api/socket_wait.hpp"

namespace multios::net {

using namespace sockstate;

namespace {

// Runs `change` on the options under the socket's lock.
template <class F>
Result<void> update(const std::shared_ptr<Socket::Core>& core, F change) {
    if (!core)
        return fail(EBADF);
    if ((core->load_state() & kClosed) != 0)
        return fail(EBADF);
    std::lock_guard lock(core->app_mutex);
    change(core->options);
    return {};
}

// Applies `fn` to the live TCP connection, if there is one; no-op otherwise.
Result<void> on_connection(Socket::Core& s,
                           const std::function<void(StackCore&, TcpConnId, Instant)>& fn) {
    if (s.type != SocketType::Stream || (s.load_state() & (kConnected | kConnecting)) == 0 ||
        !s.engine)
        return {};
    return s.engine->call(s.lcore, [&s, &fn](api::ApiShard& shard, Instant now) {
        if (!s.detached)
            fn(shard.stack(), s.conn, now);
    });
}

} // namespace

Result<void> Socket::set_nonblocking(bool on) {
    return update(core_, [on](SocketOptions& o) { o.nonblocking = on; });
}

bool Socket::nonblocking() const {
    if (!core_)
        return false;
    std::lock_guard lock(core_->app_mutex);
    return core_->options.nonblocking;
}

Result<void> Socket::set_receive_timeout(std::chrono::milliseconds timeout) {
    if (timeout.count() < 0)
        return fail(EDOM);
    return update(core_, [timeout](SocketOptions& o) { o.rcvtimeo = timeout; });
}

Result<void> Socket::set_send_timeout(std::chrono::milliseconds timeout) {
    if (timeout.count() < 0)
        return fail(EDOM);
    return update(core_, [timeout](SocketOptions& o) { o.sndtimeo = timeout; });
}

Result<void> Socket::set_reuse_address(bool on) {
    return update(core_, [on](SocketOptions& o) { o.reuse_address = on; });
}

Result<void> Socket::set_reuse_port(bool on) {
    return update(core_, [on](SocketOptions& o) { o.reuse_port = on; });
}

Result<void> Socket::set_keepalive(bool on) {
    if (auto r = update(core_, [on](SocketOptions& o) { o.keepalive = on; }); !r)
        return r;
    return on_connection(*core_, [on](StackCore& st, TcpConnId c, Instant now) {
        if (tcp::Connection* conn = st.tcp_connection(c))
            conn->set_keepalive(on, now);
    });
}

Result<void> Socket::set_keepalive_options(const KeepaliveOptions& k) {
    if (k.idle.count() < 1 || k.interval.count() < 1 || k.count < 1 || k.count > 127)
        return fail(EINVAL);
    if (auto r = update(core_, [&k](SocketOptions& o) { o.keepalive_options = k; }); !r)
        return r;
    return on_connection(*core_, [k](StackCore& st, TcpConnId c, Instant now) {
        if (tcp::Connection* conn = st.tcp_connection(c))
            conn->set_keepalive_params(k.idle, k.interval, k.count, now);
    });
}

Result<void> Socket::set_linger(std::optional<std::chrono::seconds> linger) {
    if (linger && linger->count() < 0)
        return fail(EINVAL);
    return update(core_, [linger](SocketOptions& o) { o.linger = linger; });
}

Result<void> Socket::set_receive_buffer(std::size_t bytes) {
    if (bytes < 4096 || bytes > (std::size_t{1} << 30))
        return fail(EINVAL);
    return update(core_, [bytes](SocketOptions& o) { o.rcvbuf = bytes; });
}

Result<void> Socket::set_send_buffer(std::size_t bytes) {
    if (bytes < 4096 || bytes > (std::size_t{1} << 30))
        return fail(EINVAL);
    return update(core_, [bytes](SocketOptions& o) { o.sndbuf = bytes; });
}

std::size_t Socket::receive_buffer() const {
    if (!core_)
        return 0;
    std::lock_guard lock(core_->app_mutex);
    return core_->options.rx_ring();
}

std::size_t Socket::send_buffer() const {
    if (!core_)
        return 0;
    std::lock_guard lock(core_->app_mutex);
    return core_->options.tx_ring();
}

Result<void> Socket::set_nodelay(bool on) {
    if (core_ && core_->type != SocketType::Stream)
        return fail(EOPNOTSUPP);
    if (auto r = update(core_, [on](SocketOptions& o) { o.nodelay = on; }); !r)
        return r;
    return on_connection(*core_, [on](StackCore& st, TcpConnId c, Instant) {
        if (tcp::Connection* conn = st.tcp_connection(c))
            conn->set_nodelay(on);
    });
}

Result<void> Socket::set_ttl(int ttl) {
    if (ttl < 1 || ttl > 255)
        return fail(EINVAL);
    const auto hops = static_cast<std::uint8_t>(ttl);
    if (auto r = update(core_, [hops](SocketOptions& o) { o.ttl = hops; }); !r)
        return r;
    Core& s = *core_;
    if (s.type == SocketType::Stream)
        return on_connection(s, [hops](StackCore& st, TcpConnId c, Instant) {
            (void)st.tcp_set_hop_limit(c, hops);
        });
    if (s.datagram_ids.empty())
        return {};
    return s.engine->call_all([&s, hops](api::ApiShard& shard, Instant) {
        if (shard.lcore() < s.datagram_ids.size())
            (void)shard.stack().udp_set_hop_limit(s.datagram_ids[shard.lcore()], hops);
    });
}

Result<void> Socket::set_v6only(bool on) {
    if (core_ && core_->bound)
        return fail(EINVAL);
    return update(core_, [on](SocketOptions& o) { o.v6only = on; });
}

Result<void> Socket::set_header_included(bool on) {
    if (core_ && (core_->type != SocketType::Raw || core_->family != AddressFamily::IPv4))
        return fail(ENOPROTOOPT);
    return update(core_, [on](SocketOptions& o) { o.header_included = on; });
}

Result<TcpStats> Socket::tcp_info() const {
    if (!core_)
        return fail(EBADF);
    Core& s = *core_;
    if (s.type != SocketType::Stream)
        return fail(EOPNOTSUPP);
    if ((s.load_state() & (kConnected | kConnecting)) == 0 || !s.engine)
        return fail(ENOTCONN);
    std::optional<tcp::TcpInfo> info;
    auto r = s.engine->call(s.lcore, [&](api::ApiShard& shard, Instant) {
        if (s.detached)
            return;
        if (const tcp::Connection* c = shard.stack().tcp_connection(s.conn))
            info = c->info();
    });
    if (!r)
        return fail(r.error());
    if (!info)
        return fail(ENOTCONN);
    using std::chrono::duration_cast;
    using us = std::chrono::microseconds;
    TcpStats t;
    t.state = tcp::to_string(info->state);
    t.congestion = info->congestion;
    t.snd_mss = info->snd_mss;
    t.rcv_mss = info->rcv_mss;
    t.cwnd = info->cwnd;
    t.ssthresh = info->ssthresh;
    t.rtt = duration_cast<us>(info->srtt);
    t.rttvar = duration_cast<us>(info->rttvar);
    t.rto = duration_cast<us>(info->rto);
    t.min_rtt = duration_cast<us>(info->min_rtt);
    t.snd_wnd = info->snd_wnd;
    t.rcv_wnd = info->rcv_wnd;
    t.bytes_sent = info->bytes_sent;
    t.bytes_retrans = info->bytes_retrans;
    t.bytes_acked = info->bytes_acked;
    t.bytes_received = info->bytes_received;
    t.segs_out = info->segs_out;
    t.segs_in = info->segs_in;
    t.data_segs_out = info->data_segs_out;
    t.data_segs_in = info->data_segs_in;
    t.total_retrans = info->total_retrans;
    t.unacked = info->unacked;
    return t;
}

} // namespace multios::net
