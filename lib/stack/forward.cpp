// IP forwarding between a node's interfaces (StackConfig::forwarding): RFC 1812 for IPv4
// (TTL, fragmentation in transit, ICMP errors from the router), RFC 8200 / RFC 4443 for IPv6
// (hop limit, Packet Too Big, never fragmenting). Static routes only; the routing issue adds
// dynamic protocols on the same RoutingTable. No redirects are sent.
#include <algorithm>
#include <array>
#include <cstring>

#include <multios/net/wire/checksum.hpp>

#include "stack/stack_impl.hpp"

namespace multios::net {

namespace {

/// RFC 4443 3.1 code 2: the source's scope (link-local) ends at this router.
constexpr std::uint8_t kBeyondScopeOfSource = 2;

/// RFC 1812 5.3.7 / RFC 3927 7: addresses a router never forwards from or to.
bool is_martian_v4(const Ipv4Address& a) {
    const bool this_network = a.bytes[0] == 0;
    const bool link_local = a.bytes[0] == 169 && a.bytes[1] == 254;
    const bool class_e = a.bytes[0] >= 240;
    return this_network || a.is_loopback() || link_local || class_e;
}

/// Rewrites the TTL of the IPv4 header at `header` and recomputes its checksum.
void set_ttl_v4(std::span<std::byte> header, std::uint8_t ttl) {
    wire::store8(header.data() + 8, ttl);
    wire::store_be16(header.data() + 10, 0);
    wire::store_be16(header.data() + 10, wire::internet_checksum(header));
}

/// RFC 791 3.1: the header of every fragment after the first keeps only the options whose
/// "copied" flag (0x80) is set. Writes that header into `out` and returns its length (a
/// multiple of 4, at least 20).
std::size_t later_fragment_header(std::span<const std::byte> header,
                                  std::array<std::byte, 60>& out) {
    std::memcpy(out.data(), header.data(), wire::kIpv4MinHeaderLen);
    std::size_t len = wire::kIpv4MinHeaderLen;
    const auto options = header.subspan(wire::kIpv4MinHeaderLen);
    for (std::size_t i = 0; i < options.size();) {
        const std::uint8_t type = wire::load8(options.data() + i);
        if (type == 0)
            break; // End of option list.
        if (type == 1) {
            ++i; // NOP: not copied.
            continue;
        }
        // parse_ipv4 validated every option's length against the header.
        const std::size_t olen = wire::load8(options.data() + i + 1);
        if (type & 0x80) {
            std::memcpy(out.data() + len, options.data() + i, olen);
            len += olen;
        }
        i += olen;
    }
    while (len % 4 != 0)
        out[len++] = std::byte{0}; // Pad with End of Option List.
    wire::store8(out.data(), static_cast<std::uint8_t>(0x40 | len / 4));
    return len;
}

} // namespace

bool StackCore::Impl::is_local_v4(const Ipv4Address& a) const {
    return std::any_of(interfaces.begin(), interfaces.end(),
                       [&](const Interface& i) { return i.info.has_v4(a); });
}

bool StackCore::Impl::is_local_v6(const Ipv6Address& a) const {
    return std::any_of(interfaces.begin(), interfaces.end(),
                       [&](const Interface& i) { return i.info.find_v6(a) != nullptr; });
}

void StackCore::Impl::forward_error(const IpMeta& meta, std::uint8_t type, std::uint8_t code,
                                    std::uint32_t rest, Instant now) {
    // RFC 1812 4.3.2.4: the router's own address on the way back to the source.
    const auto back = path_and_source(meta.src, now);
    if (!back)
        return;
    icmp_error(meta, type, code, rest, now, back->second);
}

void StackCore::Impl::ipv4_forward(const Interface& in, const wire::Ipv4Packet& ip,
                                   std::span<const std::byte> data, Instant now) {
    const std::size_t hl = ip.header.size();
    const std::size_t len = hl + ip.payload.size();
    // RFC 1812 4.3.2.7: no ICMP error about a fragment other than the first.
    IpMeta meta{in.info.index,       ip.src,         ip.dst, ip.ttl, ip.protocol,
                ip.frag_offset != 0, data.first(len)};
    if (ip.src.is_unspecified() || is_martian_v4(ip.src) || is_martian_v4(ip.dst) ||
        ip.dst.is_multicast() || ip.dst.is_broadcast()) {
        drops.add(DropReason::Ipv4BadAddress);
        return;
    }
    // RFC 1812 5.3.1: a datagram whose TTL would reach zero is discarded and reported.
    if (ip.ttl <= 1) {
        drops.add(DropReason::Ipv4TtlExceeded);
        forward_error(meta, wire::icmpv4::kTimeExceeded, wire::icmpv4::kTtlExceeded, 0, now);
        return;
    }
    const auto path = choose_path(IpAddress{ip.dst}, std::nullopt, now);
    if (!path) {
        drops.add(DropReason::Ipv4NoRoute);
        forward_error(meta, wire::icmpv4::kDestUnreachable, wire::icmpv4::kNetUnreachable, 0, now);
        return;
    }
    // RFC 2644: directed broadcasts are not forwarded by default.
    if (path->iface->info.is_subnet_broadcast(ip.dst)) {
        drops.add(DropReason::Ipv4NotForUs);
        return;
    }
    const std::uint8_t ttl = static_cast<std::uint8_t>(ip.ttl - 1);
    const std::uint32_t mtu = path->iface->info.mtu;
    if (len <= mtu) {
        ++counters.ipv4_forwarded;
        link_output(
            *path->iface, path->next_hop, len,
            [&](std::span<std::byte> pkt) {
                std::memcpy(pkt.data(), data.data(), len);
                set_ttl_v4(pkt.first(hl), ttl);
            },
            now);
        return;
    }
    if (ip.dont_fragment) {
        // RFC 1191 4: the next-hop MTU in the low 16 bits of the unused word.
        drops.add(DropReason::Ipv4FragNeeded);
        forward_error(meta, wire::icmpv4::kDestUnreachable, wire::icmpv4::kFragNeeded, mtu & 0xffff,
                      now);
        return;
    }
    ipv4_forward_fragments(*path, ip, ttl, now);
}

void StackCore::Impl::ipv4_forward_fragments(const OutputPath& path, const wire::Ipv4Packet& ip,
                                             std::uint8_t ttl, Instant now) {
    std::array<std::byte, 60> later{};
    const std::size_t later_len = later_fragment_header(ip.header, later);
    FragmentSpec spec;
    spec.payload_len = ip.payload.size();
    spec.mtu = path.iface->info.mtu;
    spec.header_len = ip.header.size();
    spec.later_header_len = later_len;
    spec.base_offset = ip.frag_offset;
    spec.base_more = ip.more_fragments;
    FragmentPlanner plan(spec);
    if (!plan.valid()) {
        drops.add(DropReason::TxTooBig);
        return;
    }
    bool first = true;
    for (FragmentPiece piece; plan.next(piece); first = false) {
        const std::span<const std::byte> header =
            first ? ip.header : std::span<const std::byte>{later.data(), later_len};
        const std::size_t total = header.size() + piece.length;
        ++counters.frags_tx;
        link_output(
            *path.iface, path.next_hop, total,
            [&](std::span<std::byte> pkt) {
                std::memcpy(pkt.data(), header.data(), header.size());
                std::memcpy(pkt.data() + header.size(),
                            ip.payload.data() + (piece.offset - ip.frag_offset), piece.length);
                wire::store_be16(pkt.data() + 2, static_cast<std::uint16_t>(total));
                wire::store_be16(pkt.data() + 6, static_cast<std::uint16_t>(
                                                     (piece.more ? 0x2000 : 0) | piece.offset / 8));
                set_ttl_v4(pkt.first(header.size()), ttl);
            },
            now);
    }
    ++counters.ipv4_forwarded;
}

void StackCore::Impl::ipv6_forward(const Interface& in, const wire::Ipv6Packet& ip,
                                   std::span<const std::byte> data, Instant now) {
    const std::size_t len = wire::kIpv6HeaderLen + ip.payload.size();
    IpMeta meta{in.info.index,  ip.src, ip.dst,         ip.hop_limit,
                ip.next_header, false,  data.first(len)};
    // RFC 4291 2.5.6 / 2.7: link-local and multicast destinations stay on their link.
    if (ip.src.is_unspecified() || ip.src.is_loopback() || ip.dst.is_loopback() ||
        ip.dst.is_multicast() || ip.dst.is_link_local() || ip.dst.is_unspecified()) {
        drops.add(DropReason::Ipv6BadAddress);
        return;
    }
    // RFC 8200 3: the hop limit is decremented by each forwarding node; at zero the packet is
    // discarded and reported (RFC 4443 3.3).
    if (ip.hop_limit <= 1) {
        drops.add(DropReason::Ipv6HopLimitExceeded);
        forward_error(meta, wire::icmpv6::kTimeExceeded, wire::icmpv6::kHopLimitExceeded, 0, now);
        return;
    }
    if (ip.src.is_link_local()) {
        drops.add(DropReason::Ipv6BadAddress);
        forward_error(meta, wire::icmpv6::kDestUnreachable, kBeyondScopeOfSource, 0, now);
        return;
    }
    const auto path = choose_path(IpAddress{ip.dst}, std::nullopt, now);
    if (!path) {
        drops.add(DropReason::Ipv6NoRoute);
        forward_error(meta, wire::icmpv6::kDestUnreachable, wire::icmpv6::kNoRoute, 0, now);
        return;
    }
    // RFC 8200 5: routers never fragment; the source learns the MTU from Packet Too Big.
    const std::uint32_t mtu = path->iface->info.mtu;
    if (len > mtu) {
        drops.add(DropReason::Ipv6PacketTooBig);
        forward_error(meta, wire::icmpv6::kPacketTooBig, 0, mtu, now);
        return;
    }
    ++counters.ipv6_forwarded;
    const std::uint8_t hops = static_cast<std::uint8_t>(ip.hop_limit - 1);
    link_output(
        *path->iface, path->next_hop, len,
        [&](std::span<std::byte> pkt) {
            std::memcpy(pkt.data(), data.data(), len);
            wire::store8(pkt.data() + 7, hops);
        },
        now);
}

} // namespace multios::net
