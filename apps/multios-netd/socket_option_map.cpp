#include "socket_option_map.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <optional>
#include <string_view>
#include <sys/socket.h>

namespace multios::net::netd {

namespace {

// Accepted for compatibility, no effect on the stack (echoed by getsockopt).
bool is_accepted_only(int level, int name) {
    switch (level) {
    case SOL_SOCKET:
        return name == SO_BROADCAST || name == SO_PRIORITY || name == SO_OOBINLINE ||
               name == SO_RCVLOWAT || name == SO_SNDLOWAT || name == SO_TIMESTAMP ||
               name == SO_DONTROUTE;
    case IPPROTO_TCP:
        return name == TCP_DEFER_ACCEPT || name == TCP_QUICKACK || name == TCP_FASTOPEN ||
               name == TCP_USER_TIMEOUT || name == TCP_NOTSENT_LOWAT || name == TCP_CONGESTION ||
               name == TCP_MAXSEG || name == TCP_WINDOW_CLAMP;
    case IPPROTO_IP:
        return name == IP_TOS || name == IP_RECVERR || name == IP_MTU_DISCOVER ||
               name == IP_BIND_ADDRESS_NO_PORT || name == IP_FREEBIND || name == IP_PKTINFO ||
               name == IP_RECVTOS;
    case IPPROTO_IPV6:
        return name == IPV6_TCLASS || name == IPV6_RECVERR || name == IPV6_MTU_DISCOVER ||
               name == IPV6_RECVPKTINFO;
    default:
        return false;
    }
}

bool read_int(std::span<const std::byte> v, int& out) {
    if (v.size() < sizeof(int))
        return false;
    std::memcpy(&out, v.data(), sizeof(int));
    return true;
}

int to_errno(const Result<void>& r) {
    return r ? 0 : r.error().value();
}

int set_keepalive_field(StackSocket& s, int name, int v) {
    if (v <= 0)
        return EINVAL;
    if (name == TCP_KEEPIDLE)
        s.keepalive.idle = std::chrono::seconds(v);
    else if (name == TCP_KEEPINTVL)
        s.keepalive.interval = std::chrono::seconds(v);
    else
        s.keepalive.count = static_cast<unsigned>(v);
    return to_errno(s.socket.set_keepalive_options(s.keepalive));
}

int set_mapped(StackSocket& s, int level, int name, std::span<const std::byte> value) {
    int v = 0;
    if (level == IPPROTO_TCP && name == TCP_CORK && s.type == SOCK_STREAM) {
        if (!read_int(value, v))
            return EINVAL;
        s.corked = v != 0;
        if (!s.corked)
            (void)s.flush_cork(); // a remainder goes when the socket has room (refresh)
        return 0;
    }
    if (level == SOL_SOCKET && name == SO_LINGER) {
        linger l{};
        if (value.size() < sizeof l)
            return EINVAL;
        std::memcpy(&l, value.data(), sizeof l);
        return to_errno(s.socket.set_linger(
            l.l_onoff != 0 ? std::optional(std::chrono::seconds(std::max(l.l_linger, 0)))
                           : std::nullopt));
    }
    if (!read_int(value, v))
        return EINVAL;
    const bool on = v != 0;
    if (level == SOL_SOCKET) {
        switch (name) {
        case SO_REUSEADDR:
            return to_errno(s.socket.set_reuse_address(on));
        case SO_REUSEPORT:
            return to_errno(s.socket.set_reuse_port(on));
        case SO_KEEPALIVE:
            return to_errno(s.socket.set_keepalive(on));
        case SO_RCVBUF:
            return to_errno(s.socket.set_receive_buffer(static_cast<std::size_t>(std::max(v, 0))));
        case SO_SNDBUF:
            return to_errno(s.socket.set_send_buffer(static_cast<std::size_t>(std::max(v, 0))));
        default:
            return ENOPROTOOPT;
        }
    }
    if (level == IPPROTO_TCP) {
        if (name == TCP_NODELAY)
            return to_errno(s.socket.set_nodelay(on));
        if (name == TCP_KEEPIDLE || name == TCP_KEEPINTVL || name == TCP_KEEPCNT)
            return set_keepalive_field(s, name, v);
        return ENOPROTOOPT;
    }
    if ((level == IPPROTO_IP && name == IP_TTL) ||
        (level == IPPROTO_IPV6 && name == IPV6_UNICAST_HOPS))
        return v < 0 ? 0 : to_errno(s.socket.set_ttl(v)); // -1: the route's default
    if (level == IPPROTO_IP && name == IP_HDRINCL)
        return to_errno(s.socket.set_header_included(on));
    if (level == IPPROTO_IPV6 && name == IPV6_V6ONLY)
        return to_errno(s.socket.set_v6only(on));
    return ENOPROTOOPT;
}

long put(std::span<std::byte> out, const void* v, std::size_t n) {
    const std::size_t k = std::min(out.size(), n);
    std::memcpy(out.data(), v, k);
    return static_cast<long>(k);
}

long put_int(std::span<std::byte> out, int v) {
    return put(out, &v, sizeof v);
}

std::uint8_t linux_tcp_state(std::string_view s) {
    static constexpr std::pair<std::string_view, std::uint8_t> kStates[] = {
        {"ESTABLISHED", 1}, {"SYN-SENT", 2},  {"SYN-RECEIVED", 3}, {"FIN-WAIT-1", 4},
        {"FIN-WAIT-2", 5},  {"TIME-WAIT", 6}, {"CLOSED", 7},       {"CLOSE-WAIT", 8},
        {"LAST-ACK", 9},    {"LISTEN", 10},   {"CLOSING", 11}};
    for (const auto& [name, v] : kStates)
        if (name == s)
            return v;
    return 7;
}

long get_tcp_info(StackSocket& s, std::span<std::byte> out) {
    auto st = s.socket.tcp_info();
    if (!st)
        return -st.error().value();
    tcp_info ti{};
    const std::uint32_t mss = std::max<std::uint32_t>(st->snd_mss, 1);
    ti.tcpi_state = linux_tcp_state(st->state);
    ti.tcpi_rto = static_cast<std::uint32_t>(st->rto.count());
    ti.tcpi_snd_mss = st->snd_mss;
    ti.tcpi_rcv_mss = st->rcv_mss;
    ti.tcpi_unacked = st->unacked;
    ti.tcpi_rtt = static_cast<std::uint32_t>(st->rtt.count());
    ti.tcpi_rttvar = static_cast<std::uint32_t>(st->rttvar.count());
    ti.tcpi_snd_cwnd = st->cwnd / mss;
    ti.tcpi_snd_ssthresh = st->ssthresh / mss;
    ti.tcpi_total_retrans = static_cast<std::uint32_t>(st->total_retrans);
    ti.tcpi_pmtu = st->snd_mss + 40;
    ti.tcpi_advmss = st->rcv_mss;
    ti.tcpi_reordering = 3;
    return put(out, &ti, sizeof ti);
}

// What getsockopt reports for a mapped option nobody set: Linux's defaults.
std::optional<int> default_value(int level, int name) {
    if (level == SOL_SOCKET &&
        (name == SO_REUSEADDR || name == SO_REUSEPORT || name == SO_KEEPALIVE))
        return 0;
    if (level == IPPROTO_TCP && name == TCP_NODELAY)
        return 0;
    if (level == IPPROTO_TCP && name == TCP_KEEPIDLE)
        return 7200;
    if (level == IPPROTO_TCP && name == TCP_KEEPINTVL)
        return 75;
    if (level == IPPROTO_TCP && name == TCP_KEEPCNT)
        return 9;
    if ((level == IPPROTO_IP && name == IP_TTL) ||
        (level == IPPROTO_IPV6 && name == IPV6_UNICAST_HOPS))
        return 64;
    if ((level == IPPROTO_IPV6 && name == IPV6_V6ONLY) ||
        (level == IPPROTO_IP && name == IP_HDRINCL))
        return 0;
    return std::nullopt;
}

long get_mapped(StackSocket& s, int level, int name, std::span<std::byte> out) {
    if (level == SOL_SOCKET) {
        switch (name) {
        case SO_ERROR:
            return put_int(out, s.socket.error().value());
        case SO_TYPE:
            return put_int(out, s.type);
        case SO_DOMAIN:
            return put_int(out, s.domain);
        case SO_RCVBUF:
            return put_int(out, static_cast<int>(s.socket.receive_buffer()));
        case SO_SNDBUF:
            return put_int(out, static_cast<int>(s.socket.send_buffer()));
        case SO_ACCEPTCONN: {
            auto st = s.socket.tcp_info();
            return put_int(out, st && st->state == "LISTEN" ? 1 : 0);
        }
        default:
            break;
        }
    }
    if (level == IPPROTO_TCP && name == TCP_INFO && s.type == SOCK_STREAM)
        return get_tcp_info(s, out);
    if (level == IPPROTO_TCP && name == TCP_MAXSEG && s.type == SOCK_STREAM) {
        auto st = s.socket.tcp_info();
        return put_int(out, st && st->snd_mss != 0 ? static_cast<int>(st->snd_mss) : 536);
    }
    if (level == IPPROTO_TCP && name == TCP_CONGESTION && s.type == SOCK_STREAM) {
        auto st = s.socket.tcp_info();
        std::string_view cc = st ? st->congestion : std::string_view("newreno");
        char name_buf[16] = {};
        std::memcpy(name_buf, cc.data(), std::min(cc.size(), sizeof name_buf - 1));
        return put(out, name_buf, sizeof name_buf);
    }
    return -ENOPROTOOPT;
}

} // namespace

int set_socket_option(StackSocket& s, int level, int name, std::span<const std::byte> value) {
    const int err = is_accepted_only(level, name) ? 0 : set_mapped(s, level, name, value);
    if (err == 0)
        s.options[{level, name}].assign(value.begin(), value.end());
    return err;
}

long get_socket_option(StackSocket& s, int level, int name, std::span<std::byte> out) {
    const long r = get_mapped(s, level, name, out);
    if (r != -ENOPROTOOPT)
        return r;
    const auto it = s.options.find({level, name});
    if (it != s.options.end())
        return put(out, it->second.data(), it->second.size());
    if (is_accepted_only(level, name))
        return put_int(out, 0);
    if (auto v = default_value(level, name))
        return put_int(out, *v);
    return -ENOPROTOOPT;
}

} // namespace multios::net::netd
