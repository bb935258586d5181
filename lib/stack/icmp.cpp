// ICMPv4 (RFC 792, RFC 1122 3.2.2) and ICMPv6 (RFC 4443): echo, errors we send, errors we
// learn from (PMTU), and hand-off of Neighbor Discovery to the Ndp of the interface.
#include <algorithm>
#include <cstring>

#include <multios/net/wire/checksum.hpp>

#include "stack/stack_impl.hpp"

namespace multios::net {

namespace {

/// RFC 1812 4.3.2.7 / RFC 4443 2.4(e): never answer an ICMP error with an error.
bool is_icmp_error_v4(std::uint8_t type) {
    return type == wire::icmpv4::kDestUnreachable || type == wire::icmpv4::kTimeExceeded ||
           type == wire::icmpv4::kParamProblem || type == 4 /* source quench */ ||
           type == 5 /* redirect */;
}

/// The IPv4 packet quoted in an ICMP error: its destination must be the one that errored.
bool parse_quoted_v4(std::span<const std::byte> body, Ipv4Address& src, Ipv4Address& dst,
                     std::uint8_t& proto, std::span<const std::byte>& upper) {
    if (body.size() < wire::kIpv4MinHeaderLen)
        return false;
    const std::size_t ihl = (wire::load8(body.data()) & 0x0f) * 4u;
    if (ihl < wire::kIpv4MinHeaderLen || body.size() < ihl)
        return false;
    proto = wire::load8(body.data() + 9);
    std::memcpy(src.bytes.data(), body.data() + 12, 4);
    std::memcpy(dst.bytes.data(), body.data() + 16, 4);
    upper = body.subspan(ihl);
    return true;
}

/// The 4-tuple (ours as local) of a TCP segment we sent, from the first 4 bytes (the ports)
/// of its quoted header; RFC 792 / RFC 4443 guarantee at least 8 bytes are quoted.
/// The connection and sequence number a quoted TCP header of ours names (ICMP quotes at least
/// 8 bytes: ports and SEG.SEQ).
struct QuotedTcp {
    FourTuple tuple;
    std::uint32_t seq = 0;
};

std::optional<QuotedTcp> quoted_tcp(const IpAddress& src, const IpAddress& dst,
                                    std::span<const std::byte> upper) {
    if (upper.size() < 8)
        return std::nullopt;
    return QuotedTcp{
        FourTuple{src, dst, wire::load_be16(upper.data()), wire::load_be16(upper.data() + 2)},
        wire::load_be32(upper.data() + 4)};
}

} // namespace

void StackCore::Impl::icmpv4_input(const IpMeta& meta, std::span<const std::byte> data,
                                   Instant now) {
    wire::IcmpMessage m;
    if (auto e = wire::parse_icmpv4(data, m); e != wire::ParseError::Ok) {
        drops.add(e == wire::ParseError::BadChecksum ? DropReason::IcmpBadChecksum
                                                     : DropReason::IcmpTruncated);
        return;
    }
    switch (m.type) {
    case wire::icmpv4::kEchoRequest: {
        ++counters.icmp_echo_rx;
        // RFC 1122 3.2.2.6: echo to a broadcast address may be ignored; we do (smurf).
        if (meta.dst_is_multicast_or_broadcast) {
            drops.add(DropReason::IcmpUnhandled);
            return;
        }
        IpSendParams p;
        p.src = meta.dst;
        p.dst = meta.src;
        p.protocol = wire::ipproto::kIcmp;
        const auto body = m.body;
        const auto rest = m.rest;
        if (ip_output(
                p, data.size(),
                [&](std::span<std::byte> out) {
                    std::memcpy(out.data() + wire::kIcmpHeaderLen, body.data(), body.size());
                    wire::emit_icmpv4(out, wire::icmpv4::kEchoReply, 0, rest);
                },
                now))
            ++counters.icmp_echo_replies_tx;
        return;
    }
    case wire::icmpv4::kEchoReply:
        ping_reply_input(meta, m, now);
        return;
    case wire::icmpv4::kDestUnreachable:
    case wire::icmpv4::kTimeExceeded: {
        Ipv4Address quoted_src, quoted_dst;
        std::uint8_t proto = 0;
        std::span<const std::byte> upper;
        if (!parse_quoted_v4(m.body, quoted_src, quoted_dst, proto, upper)) {
            drops.add(DropReason::IcmpTruncated);
            return;
        }
        if (m.type == wire::icmpv4::kDestUnreachable && m.code == wire::icmpv4::kFragNeeded) {
            // RFC 1191: next-hop MTU in the low 16 bits; the cache enforces floors.
            pmtu.update(IpAddress{quoted_dst}, m.rest & 0xffff, now);
            // RFC 1191 6.3: the connection re-sizes its segments to the path's new MTU.
            const auto quoted = quoted_tcp(quoted_src, quoted_dst, upper);
            if (proto == wire::ipproto::kTcp && quoted)
                tcp_path_mtu(
                    quoted->tuple, quoted->seq,
                    pmtu.lookup(IpAddress{quoted_dst}, interfaces[meta.ifindex].info.mtu, now),
                    now);
        }
        if (proto == wire::ipproto::kIcmp)
            ping_error_input(meta, m);
        return;
    }
    default:
        drops.add(DropReason::IcmpUnhandled);
    }
}

void StackCore::Impl::icmpv6_input(const IpMeta& meta, const wire::Ipv6Packet& ip,
                                   std::span<const std::byte> data, Instant now) {
    wire::IcmpMessage m;
    if (auto e = wire::parse_icmpv6(data, ip.src, ip.dst, m); e != wire::ParseError::Ok) {
        drops.add(e == wire::ParseError::BadChecksum ? DropReason::IcmpBadChecksum
                                                     : DropReason::IcmpTruncated);
        return;
    }
    switch (m.type) {
    case wire::icmpv6::kRouterSolicitation:
    case wire::icmpv6::kRouterAdvertisement:
    case wire::icmpv6::kNeighborSolicitation:
    case wire::icmpv6::kNeighborAdvertisement:
    case wire::icmpv6::kRedirect:
        if (m.type == wire::icmpv6::kNeighborSolicitation)
            ++counters.ndp_ns_rx;
        if (m.type == wire::icmpv6::kRouterAdvertisement)
            ++counters.ndp_ra_rx;
        interfaces[meta.ifindex].ndp->on_icmpv6(ip, m, now);
        return;
    case mld::kQuery:
        interfaces[meta.ifindex].mld->on_query(ip, m, now);
        return;
    case mld::kReportV1:
    case mld::kDoneV1:
    case mld::kReportV2:
        return; // Other listeners' reports: only routers act on them.
    case wire::icmpv6::kEchoRequest: {
        ++counters.icmp6_echo_rx;
        IpSendParams p;
        p.dst = meta.src;
        p.protocol = wire::ipproto::kIcmpv6;
        if (ip.src.is_link_local())
            p.ifindex = meta.ifindex;
        // RFC 4443 4.2: the reply comes from the address the request was sent to; for a
        // multicast request, from a unicast address of the interface.
        if (!ip.dst.is_multicast()) {
            p.src = meta.dst;
        } else if (const auto* a = interfaces[meta.ifindex].info.source_v6_for(ip.src)) {
            p.src = a->address;
        } else {
            return;
        }
        const auto body = m.body;
        const auto rest = m.rest;
        const Ipv6Address s = p.src.v6();
        const Ipv6Address d = ip.src;
        if (ip_output(
                p, data.size(),
                [&](std::span<std::byte> out) {
                    std::memcpy(out.data() + wire::kIcmpHeaderLen, body.data(), body.size());
                    wire::emit_icmpv6(out, wire::icmpv6::kEchoReply, 0, rest, s, d);
                },
                now))
            ++counters.icmp6_echo_replies_tx;
        return;
    }
    case wire::icmpv6::kEchoReply:
        ping_reply_input(meta, m, now);
        return;
    case wire::icmpv6::kPacketTooBig:
        // RFC 8201 4: the quoted packet's destination gets the new MTU (floor 1280 in cache).
        if (m.body.size() >= wire::kIpv6HeaderLen) {
            Ipv6Address qsrc, qdst;
            std::memcpy(qsrc.bytes.data(), m.body.data() + 8, 16);
            std::memcpy(qdst.bytes.data(), m.body.data() + 24, 16);
            pmtu.update(IpAddress{qdst}, m.rest, now);
            // RFC 8201 5.2: tell the transport. Segments we send carry no extension headers,
            // so TCP follows the fixed header directly.
            const auto quoted = quoted_tcp(qsrc, qdst, m.body.subspan(wire::kIpv6HeaderLen));
            if (wire::load8(m.body.data() + 6) == wire::ipproto::kTcp && quoted)
                tcp_path_mtu(
                    quoted->tuple, quoted->seq,
                    std::max<std::uint32_t>(
                        1280, pmtu.lookup(IpAddress{qdst}, interfaces[meta.ifindex].info.mtu, now)),
                    now);
        }
        return;
    case wire::icmpv6::kDestUnreachable:
    case wire::icmpv6::kTimeExceeded:
    case wire::icmpv6::kParamProblem:
        if (m.body.size() >= wire::kIpv6HeaderLen + 8 &&
            wire::load8(m.body.data() + 6) == wire::ipproto::kIcmpv6)
            ping_error_input(meta, m);
        return;
    default:
        drops.add(DropReason::IcmpUnhandled);
    }
}

void StackCore::Impl::icmp_error(const IpMeta& meta, std::uint8_t type, std::uint8_t code,
                                 std::uint32_t rest, Instant now,
                                 const std::optional<IpAddress>& from) {
    // RFC 1122 3.2.2 / RFC 4443 2.4(e): no errors about multicast/broadcast destinations,
    // and (for v4) none about ICMP errors.
    if (meta.dst_is_multicast_or_broadcast)
        return;
    const bool v4 = meta.src.is_v4();
    if (v4 && meta.protocol == wire::ipproto::kIcmp && meta.quote.size() > 20) {
        const std::size_t ihl = (wire::load8(meta.quote.data()) & 0x0f) * 4u;
        if (meta.quote.size() > ihl && is_icmp_error_v4(wire::load8(meta.quote.data() + ihl)))
            return;
    }
    if (!icmp_limiter.take(now)) {
        drops.add(DropReason::IcmpRateLimited);
        return;
    }
    // RFC 1812 4.3.2.3: quote as much as fits in 576 bytes (v4); RFC 4443 2.4(c): 1280 (v6).
    const std::size_t limit = v4 ? 576 - 20 - 8 : 1280 - 40 - 8;
    const auto quote = meta.quote.first(std::min(limit, meta.quote.size()));
    IpSendParams p;
    p.src = from ? *from : meta.dst;
    p.dst = meta.src;
    p.protocol = v4 ? wire::ipproto::kIcmp : wire::ipproto::kIcmpv6;
    const std::size_t len = wire::kIcmpHeaderLen + quote.size();
    Result<void> r = ip_output(
        p, len,
        [&](std::span<std::byte> out) {
            std::memcpy(out.data() + wire::kIcmpHeaderLen, quote.data(), quote.size());
            if (v4)
                wire::emit_icmpv4(out, type, code, rest);
            else
                wire::emit_icmpv6(out, type, code, rest, p.src.v6(), meta.src.v6());
        },
        now);
    if (r) {
        if (v4)
            ++counters.icmp_errors_tx;
        else
            ++counters.icmp6_errors_tx;
    }
}

} // namespace multios::net
