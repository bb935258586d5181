// Software steering of received frames: see frame_classifier.hpp for the rules and the RFCs.
// Every read is preceded by a length check against the span it reads from; a check that fails
// makes the frame Local, where the receiving lcore's stack drops it with its normal counters.
#include "steer/frame_classifier.hpp"

#include <multios/net/address.hpp>
#include <multios/net/wire/arp.hpp>
#include <multios/net/wire/bytes.hpp>
#include <multios/net/wire/ethernet.hpp>
#include <multios/net/wire/icmp.hpp>
#include <multios/net/wire/ipv4.hpp>
#include <multios/net/wire/ipv6.hpp>

#include "steer/rss_input.hpp"

namespace multios::net::steer {
namespace {

using wire::Bytes;

/// Extension headers walked before giving up (RFC 8200 4.1 recommends a chain short enough to
/// fit the first fragment; real traffic carries one or two). Longer chains are Local, and the
/// receiving lcore's stack applies its own limit.
constexpr unsigned kMaxIpv6ExtHeaders = 8;

/// Bytes of the TCP or UDP header that a flow hash needs: source and destination port.
constexpr std::size_t kPortBytes = 4;

/// Offset of the echo identifier in an ICMP/ICMPv6 echo message (RFC 792, RFC 4443 4.1).
constexpr std::size_t kEchoIdOffset = 4;

constexpr FrameDecision local() {
    return {};
}
constexpr FrameDecision replicate() {
    return {FrameRoute::Replicate, 0};
}

/// The lcore a NIC would deliver this RSS input to.
FrameDecision owner_of(const FlowSteering& steering, const RssInput& input) {
    return {FrameRoute::Owner, steering.owner_of_hash(steering.table().hash(input.view()))};
}

Ipv4Address load_v4(const std::byte* p) {
    Ipv4Address a;
    for (std::size_t i = 0; i < a.bytes.size(); ++i)
        a.bytes[i] = wire::load8(p + i);
    return a;
}

Ipv6Address load_v6(const std::byte* p) {
    Ipv6Address a;
    for (std::size_t i = 0; i < a.bytes.size(); ++i)
        a.bytes[i] = wire::load8(p + i);
    return a;
}

bool is_tcp_or_udp(std::uint8_t protocol) {
    return protocol == wire::ipproto::kTcp || protocol == wire::ipproto::kUdp;
}

/// Echo replies go back to the lcore whose ping client sent the request: that client picks
/// identifiers congruent to its lcore index modulo the lcore count, so `id % count` finds it
/// without any shared state. `icmp` must hold at least the 8-byte ICMP header.
FrameDecision echo_reply_owner(const FlowSteering& steering, Bytes icmp) {
    const std::uint16_t id = wire::load_be16(icmp.data() + kEchoIdOffset);
    return {FrameRoute::Owner, static_cast<std::uint16_t>(id % steering.lcore_count())};
}

// ---- IPv4 ----

/// The owner of the flow an ICMP error is about, from the quoted IPv4 header + 8 bytes
/// (RFC 792; RFC 1122 3.2.2 allows more). The quote is a packet this host sent, so its source is
/// the local end and its destination the remote end; with the symmetric key the hash of the
/// quoted tuple as it appears equals the hash of the flow's received direction, i.e. its owner.
FrameDecision quoted_v4_owner(const FlowSteering& steering, Bytes quote) {
    // Without a whole fixed header there are no addresses to hash: nothing to steer by.
    if (quote.size() < wire::kIpv4MinHeaderLen)
        return local();
    const std::uint8_t vihl = wire::load8(quote.data());
    const std::size_t ihl = static_cast<std::size_t>(vihl & 0x0f) * 4;
    if ((vihl >> 4) != 4 || ihl < wire::kIpv4MinHeaderLen)
        return local();
    const Ipv4Address src = load_v4(quote.data() + 12);
    const Ipv4Address dst = load_v4(quote.data() + 16);
    const std::uint8_t protocol = wire::load8(quote.data() + 9);
    // A later fragment (offset != 0) carries no transport header: the bytes after the quoted
    // IPv4 header are data, not ports (RFC 791 3.2).
    const bool later_fragment = (wire::load_be16(quote.data() + 6) & 0x1fff) != 0;
    if (is_tcp_or_udp(protocol) && !later_fragment && quote.size() >= ihl + kPortBytes) {
        const Bytes ports = quote.subspan(ihl);
        return owner_of(steering, rss_input_v4(src, dst, wire::load_be16(ports.data()),
                                               wire::load_be16(ports.data() + 2)));
    }
    // An error about one of our pings goes where its reply would have gone: the ping client's
    // lcore (echo_reply_owner), so that it can report "unreachable" or "TTL exceeded".
    if (protocol == wire::ipproto::kIcmp && !later_fragment &&
        quote.size() >= ihl + wire::kIcmpHeaderLen &&
        wire::load8(quote.data() + ihl) == wire::icmpv4::kEchoRequest)
        return echo_reply_owner(steering, quote.subspan(ihl));
    // Quote cut short or not TCP/UDP: the addresses still pick a deterministic lcore.
    return owner_of(steering, rss_input_v4(src, dst));
}

FrameDecision classify_icmpv4(const FlowSteering& steering, Bytes icmp) {
    if (icmp.size() < wire::kIcmpHeaderLen)
        return local();
    switch (wire::load8(icmp.data())) {
    case wire::icmpv4::kEchoReply:
        return echo_reply_owner(steering, icmp);
    // RFC 792: Destination Unreachable, Time Exceeded and Parameter Problem quote "the internet
    // header + 64 bits of the original data datagram" after their 8-byte header.
    case wire::icmpv4::kDestUnreachable:
    case wire::icmpv4::kTimeExceeded:
    case wire::icmpv4::kParamProblem:
        return quoted_v4_owner(steering, icmp.subspan(wire::kIcmpHeaderLen));
    default:
        // Echo requests (answered statelessly by whichever lcore got them) and anything else.
        return local();
    }
}

FrameDecision classify_ipv4(const FlowSteering& steering, Bytes packet) {
    // RFC 791 3.1: version 4, IHL >= 5 words, header and total length inside what arrived.
    if (packet.size() < wire::kIpv4MinHeaderLen)
        return local();
    const std::uint8_t vihl = wire::load8(packet.data());
    const std::size_t ihl = static_cast<std::size_t>(vihl & 0x0f) * 4;
    const std::size_t total_len = wire::load_be16(packet.data() + 2);
    if ((vihl >> 4) != 4 || ihl < wire::kIpv4MinHeaderLen || total_len < ihl ||
        total_len > packet.size())
        return local();
    const Ipv4Address src = load_v4(packet.data() + 12);
    const Ipv4Address dst = load_v4(packet.data() + 16);
    // Multicast and limited broadcast (RFC 1112, RFC 919) belong to no single flow.
    if (dst.is_multicast() || dst.is_broadcast())
        return local();
    // RFC 791 3.2: a fragment has MF set or a non-zero offset. Only the first one carries ports,
    // so NICs hash every fragment by addresses alone; doing the same makes all fragments of a
    // datagram meet on one lcore, where they are reassembled.
    const std::uint16_t flags_offset = wire::load_be16(packet.data() + 6);
    const bool more_fragments = (flags_offset & 0x2000) != 0;
    if (more_fragments || (flags_offset & 0x1fff) != 0)
        return owner_of(steering, rss_input_v4(src, dst));
    // Link padding after total_len is not part of the datagram.
    const Bytes payload = packet.subspan(ihl, total_len - ihl);
    const std::uint8_t protocol = wire::load8(packet.data() + 9);
    if (is_tcp_or_udp(protocol)) {
        // TCP and UDP both start with source port, destination port: the 4-tuple hash, with the
        // packet's source and destination as on the wire (the received direction).
        if (payload.size() < kPortBytes)
            return local();
        return owner_of(steering, rss_input_v4(src, dst, wire::load_be16(payload.data()),
                                               wire::load_be16(payload.data() + 2)));
    }
    if (protocol == wire::ipproto::kIcmp)
        return classify_icmpv4(steering, payload);
    return local();
}

// ---- IPv6 ----

/// The owner of the flow an ICMPv6 error is about (RFC 4443 3: the invoking packet "as much as
/// possible" without exceeding the minimum MTU). Ports are read only directly after the quoted
/// fixed header; a quote with extension headers falls back to the address hash.
FrameDecision quoted_v6_owner(const FlowSteering& steering, Bytes quote) {
    // The addresses end at byte 40: without the whole fixed header there is nothing to steer by.
    if (quote.size() < wire::kIpv6HeaderLen || (wire::load8(quote.data()) >> 4) != 6)
        return local();
    const Ipv6Address src = load_v6(quote.data() + 8);
    const Ipv6Address dst = load_v6(quote.data() + 24);
    const std::uint8_t next_header = wire::load8(quote.data() + 6);
    if (is_tcp_or_udp(next_header) && quote.size() >= wire::kIpv6HeaderLen + kPortBytes) {
        const Bytes ports = quote.subspan(wire::kIpv6HeaderLen);
        return owner_of(steering, rss_input_v6(src, dst, wire::load_be16(ports.data()),
                                               wire::load_be16(ports.data() + 2)));
    }
    // About one of our pings: to the ping client's lcore, as for IPv4.
    if (next_header == wire::ipproto::kIcmpv6 &&
        quote.size() >= wire::kIpv6HeaderLen + wire::kIcmpHeaderLen &&
        wire::load8(quote.data() + wire::kIpv6HeaderLen) == wire::icmpv6::kEchoRequest)
        return echo_reply_owner(steering, quote.subspan(wire::kIpv6HeaderLen));
    return owner_of(steering, rss_input_v6(src, dst));
}

FrameDecision classify_icmpv6(const FlowSteering& steering, Bytes icmp) {
    switch (wire::load8(icmp.data())) {
    case wire::icmpv6::kEchoReply:
        return echo_reply_owner(steering, icmp);
    // RFC 4443 3.1-3.4: Destination Unreachable, Packet Too Big, Time Exceeded and Parameter
    // Problem quote the invoking packet after their 8-byte header.
    case wire::icmpv6::kDestUnreachable:
    case wire::icmpv6::kPacketTooBig:
    case wire::icmpv6::kTimeExceeded:
    case wire::icmpv6::kParamProblem:
        return quoted_v6_owner(steering, icmp.subspan(wire::kIcmpHeaderLen));
    default:
        // Echo requests, MLD and the rest: no flow.
        return local();
    }
}

/// Where the extension-header walk stopped.
struct Ipv6Upper {
    enum class Kind : std::uint8_t { Malformed, Fragment, Protocol } kind = Kind::Malformed;
    std::uint8_t protocol = 0; ///< Kind::Protocol: the upper-layer protocol number.
    Bytes data;                ///< Kind::Protocol: the upper-layer header and payload.
};

/// RFC 8200 4: walks hop-by-hop (0), routing (43) and destination options (60) headers, each
/// (Hdr Ext Len + 1) * 8 bytes long, stopping at a fragment header (44) or at the first other
/// protocol number; at most kMaxIpv6ExtHeaders of them, each checked to lie inside `payload`.
Ipv6Upper walk_ipv6(std::uint8_t next_header, Bytes payload) {
    for (unsigned i = 0; i <= kMaxIpv6ExtHeaders; ++i) {
        switch (next_header) {
        case wire::ipproto::kHopByHop:
        case wire::ipproto::kRouting:
        case wire::ipproto::kDestOpts: {
            if (i == kMaxIpv6ExtHeaders || payload.size() < 2)
                return {};
            const std::size_t len = (std::size_t{wire::load8(payload.data() + 1)} + 1) * 8;
            if (payload.size() < len)
                return {};
            next_header = wire::load8(payload.data());
            payload = payload.subspan(len);
            break;
        }
        case wire::ipproto::kFragment:
            if (payload.size() < wire::kIpv6FragmentHeaderLen)
                return {};
            return {Ipv6Upper::Kind::Fragment, next_header, {}};
        default:
            return {Ipv6Upper::Kind::Protocol, next_header, payload};
        }
    }
    return {};
}

FrameDecision classify_ipv6(const FlowSteering& steering, Bytes packet) {
    // RFC 8200 3: version 6, 40-byte header, payload length inside what arrived. A payload
    // length of 0 (jumbogram, RFC 2675) leaves no upper-layer bytes and ends up Local.
    if (packet.size() < wire::kIpv6HeaderLen || (wire::load8(packet.data()) >> 4) != 6)
        return local();
    const std::size_t payload_len = wire::load_be16(packet.data() + 4);
    if (payload_len > packet.size() - wire::kIpv6HeaderLen)
        return local();
    const Ipv6Address src = load_v6(packet.data() + 8);
    const Ipv6Address dst = load_v6(packet.data() + 24);
    const Ipv6Upper upper = walk_ipv6(wire::load8(packet.data() + 6),
                                      packet.subspan(wire::kIpv6HeaderLen, payload_len));
    if (upper.kind == Ipv6Upper::Kind::Malformed)
        return local();
    const bool icmpv6 = upper.kind == Ipv6Upper::Kind::Protocol &&
                        upper.protocol == wire::ipproto::kIcmpv6 &&
                        upper.data.size() >= wire::kIcmpHeaderLen;
    // Neighbor discovery is sent to multicast and unicast alike and every lcore's neighbor
    // cache needs what it teaches.
    if (icmpv6 && wire::icmpv6::is_neighbor_discovery(wire::load8(upper.data.data())))
        return replicate();
    // Multicast (RFC 4291 2.7) belongs to no single flow.
    if (dst.is_multicast())
        return local();
    switch (upper.kind) {
    case Ipv6Upper::Kind::Fragment:
        // RFC 8200 4.5: only the first fragment carries the upper-layer header; every fragment,
        // the first included, goes by the address hash so that all of them meet for reassembly.
        return owner_of(steering, rss_input_v6(src, dst));
    case Ipv6Upper::Kind::Protocol:
        if (is_tcp_or_udp(upper.protocol)) {
            if (upper.data.size() < kPortBytes)
                return local();
            return owner_of(steering, rss_input_v6(src, dst, wire::load_be16(upper.data.data()),
                                                   wire::load_be16(upper.data.data() + 2)));
        }
        return icmpv6 ? classify_icmpv6(steering, upper.data) : local();
    case Ipv6Upper::Kind::Malformed:
        break;
    }
    return local();
}

} // namespace

FrameDecision classify_frame(const FlowSteering& steering, std::span<const std::byte> frame) {
    if (frame.size() < wire::kEthernetHeaderLen)
        return local();
    std::size_t offset = wire::kEthernetHeaderLen;
    std::uint16_t ethertype = wire::load_be16(frame.data() + 12);
    // IEEE 802.1Q / 802.1ad: skip up to two tags (TPID, TCI, then the next ethertype); a third
    // tag is Local, as parse_ethernet rejects it (HARDENING row 21: bounded VLAN depth).
    for (unsigned tags = 0; tags < wire::kMaxVlanTags; ++tags) {
        if (ethertype != wire::ethertype::kVlan && ethertype != wire::ethertype::kQinQ)
            break;
        if (frame.size() < offset + wire::kVlanTagLen)
            return local();
        ethertype = wire::load_be16(frame.data() + offset + 2);
        offset += wire::kVlanTagLen;
    }
    const Bytes l3 = frame.subspan(offset);
    switch (ethertype) {
    case wire::ethertype::kArp:
        // RFC 826: every lcore keeps its own ARP cache, so each learns from every ARP packet;
        // the receiving lcore also answers requests.
        return l3.size() >= wire::kArpLen ? replicate() : local();
    case wire::ethertype::kIpv4:
        return classify_ipv4(steering, l3);
    case wire::ethertype::kIpv6:
        return classify_ipv6(steering, l3);
    default:
        // Unknown ethertypes, a third VLAN tag and 802.3 length fields: the local stack drops
        // them and counts them.
        return local();
    }
}

} // namespace multios::net::steer
