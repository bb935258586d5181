// TCP output: wraps a segment a connection (or the stateless RST / SYN-cookie paths) wants to
// send in IP through ip_output, so fragmentation rules, PMTU and neighbour resolution stay in
// one place. The header, options (wire::emit_tcp_*) and checksum are written straight into the
// outgoing frame.
#include <cstring>

#include <multios/net/wire/tcp.hpp>

#include "stack/stack_impl.hpp"

namespace multios::net {

namespace {

constexpr std::uint16_t kIpv4TcpHeaders = 20 + 20;
constexpr std::uint16_t kIpv6TcpHeaders = 40 + 20;

void copy_payload(std::span<std::byte> out, const tcp::ByteSlices& p) {
    if (!p.first.empty())
        std::memcpy(out.data(), p.first.data(), p.first.size());
    if (!p.second.empty())
        std::memcpy(out.data() + p.first.size(), p.second.data(), p.second.size());
}

} // namespace

std::uint16_t StackCore::Impl::tcp_local_mss(std::uint16_t mtu, bool v4) {
    // RFC 9293 3.7.1: MSS = MTU - fixed IP header - fixed TCP header (RFC 6691: no options).
    const std::uint16_t headers = v4 ? kIpv4TcpHeaders : kIpv6TcpHeaders;
    const std::uint16_t floor = v4 ? 536 : 1220; // RFC 9293 3.7.1 / RFC 8200 5 minimum MTU
    return mtu > headers + floor ? static_cast<std::uint16_t>(mtu - headers) : floor;
}

bool StackCore::Impl::tcp_emit(const FourTuple& tuple, std::optional<IfIndex> ifindex,
                               const tcp::OutgoingSegment& seg, Instant now,
                               std::uint8_t hop_limit) {
    wire::TcpHeaderFields h;
    h.src_port = tuple.local_port;
    h.dst_port = tuple.remote_port;
    h.seq = seg.seq;
    h.ack = seg.ack;
    h.flags = seg.flags;
    h.window = seg.window;
    h.urgent = seg.urgent;
    h.options = seg.options;
    const std::size_t header_len = wire::tcp_header_length(h.options);
    IpSendParams p;
    p.src = tuple.local;
    p.dst = tuple.remote;
    p.protocol = wire::ipproto::kTcp;
    p.ttl = hop_limit; // IPv4 TTL or IPv6 hop limit; 0: the stack default
    // RFC 1191 / RFC 9293 3.7.2: path MTU discovery, segments are sized to the path.
    p.dont_fragment = tuple.remote.is_v4();
    p.ifindex = ifindex;
    const bool v4 = tuple.remote.is_v4();
    const Result<void> r = ip_output(
        p, header_len + seg.payload.size(),
        [&](std::span<std::byte> out) {
            copy_payload(out.subspan(header_len), seg.payload);
            if (v4)
                wire::emit_tcp_v4(out, h, tuple.local.v4(), tuple.remote.v4());
            else
                wire::emit_tcp_v6(out, h, tuple.local.v6(), tuple.remote.v6());
        },
        now);
    if (!r)
        return false;
    ++tcp_counters.segs_out;
    if (seg.flags & wire::tcpflag::kRst)
        ++tcp_counters.resets_sent;
    return true;
}

} // namespace multios::net
