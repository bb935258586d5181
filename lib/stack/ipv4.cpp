// IPv4 input (RFC 791, RFC 1122 3.2.1) and output with fragmentation (RFC 791 3.2).
#include <algorithm>
#include <cstring>

#include <multios/net/wire/checksum.hpp>

#include "stack/stack_impl.hpp"

namespace multios::net {

namespace {

DropReason ipv4_drop_reason(wire::ParseError e) {
    using wire::ParseError;
    switch (e) {
    case ParseError::BadVersion:
        return DropReason::Ipv4BadVersion;
    case ParseError::BadHeaderLength:
        return DropReason::Ipv4BadHeaderLen;
    case ParseError::BadLength:
        return DropReason::Ipv4BadLength;
    case ParseError::BadChecksum:
        return DropReason::Ipv4BadChecksum;
    case ParseError::BadOption:
        return DropReason::Ipv4BadOption;
    case ParseError::SourceRoute:
        return DropReason::Ipv4SourceRoute;
    case ParseError::BadAddress:
        return DropReason::Ipv4BadAddress;
    case ParseError::BadFragment:
        return DropReason::FragBad;
    default:
        return DropReason::Ipv4Truncated;
    }
}

constexpr Ipv4Address kAllHosts{{224, 0, 0, 1}};

} // namespace

void StackCore::Impl::ipv4_input(Interface& iface, std::span<const std::byte> data, Instant now) {
    wire::Ipv4Packet ip;
    if (auto e = wire::parse_ipv4(data, ip); e != wire::ParseError::Ok) {
        drops.add(ipv4_drop_reason(e));
        return;
    }
    ++counters.ipv4_rx;
    const bool group =
        ip.dst.is_broadcast() || ip.dst.is_multicast() || iface.info.is_subnet_broadcast(ip.dst);
    if (!iface.info.accepts_v4(ip.dst) && ip.dst != kAllHosts) {
        // A router owns every address of every interface (weak host, RFC 1122 3.3.4.2).
        if (!config.forwarding) {
            drops.add(DropReason::Ipv4NotForUs);
            return;
        }
        if (!is_local_v4(ip.dst)) {
            ipv4_forward(iface, ip, data, now);
            return;
        }
    }
    IpMeta meta{iface.info.index,
                ip.src,
                ip.dst,
                ip.ttl,
                ip.protocol,
                group,
                data.first(ip.header.size() + ip.payload.size())};
    if (!ip.is_fragment()) {
        deliver(meta, ip.payload, now);
        return;
    }
    ++counters.frags_rx;
    const FragmentKey key = FragmentKey::v4(ip.src, ip.dst, ip.id, ip.protocol);
    const auto leading = data.first(std::min<std::size_t>(meta.quote.size(), 64));
    if (reassembler.add(key, ip.frag_offset, ip.more_fragments, ip.payload, leading, now,
                        ip.header.size()) != ReassemblyStatus::Complete)
        return;
    ++counters.reassembled;
    const auto whole = reassembler.assembled();
    // ICMP errors about the datagram quote its header as if it had arrived whole.
    std::array<std::byte, 60 + 8> quote{};
    const std::size_t hl = ip.header.size();
    std::memcpy(quote.data(), ip.header.data(), hl);
    const std::size_t body = std::min<std::size_t>(8, whole.size());
    std::memcpy(quote.data() + hl, whole.data(), body);
    wire::store_be16(quote.data() + 2,
                     static_cast<std::uint16_t>(std::min<std::size_t>(hl + whole.size(), 65535)));
    wire::store_be16(quote.data() + 6, 0);
    wire::store_be16(quote.data() + 10, 0);
    wire::store_be16(quote.data() + 10, wire::internet_checksum({quote.data(), hl}));
    meta.quote = {quote.data(), hl + body};
    if (hand_off_if_foreign(iface, wire::ethertype::kIpv4, {quote.data(), hl}, whole))
        return;
    deliver(meta, whole, now);
}

void StackCore::Impl::deliver(const IpMeta& meta, std::span<const std::byte> upper, Instant now) {
    // raw(7): raw sockets get a copy (header included) before the protocol handles it; the
    // quote starts with the (rebuilt, when reassembled) header.
    const std::size_t ihl = (std::to_integer<std::uint8_t>(meta.quote[0]) & 0x0fu) * 4u;
    const bool raw_taken = raw_input_v4(meta, meta.quote.first(ihl), upper);
    switch (meta.protocol) {
    case wire::ipproto::kIcmp:
        icmpv4_input(meta, upper, now);
        return;
    case wire::ipproto::kUdp:
        udp_input(meta, upper, now);
        return;
    case wire::ipproto::kTcp:
        tcp_input(meta, upper, now);
        return;
    default:
        if (raw_taken)
            return; // A raw socket handles this protocol: not unreachable.
        drops.add(DropReason::Ipv4UnknownProto);
        icmp_error(meta, wire::icmpv4::kDestUnreachable, wire::icmpv4::kProtoUnreachable, 0, now);
    }
}

Result<void> StackCore::Impl::ipv4_output(const IpSendParams& p, std::size_t upper_len,
                                          UpperWriter write, Instant now) {
    const Ipv4Address dst = p.dst.v4();
    const auto path = p.path ? p.path : choose_path(p.dst, p.ifindex, now);
    if (!path) {
        drops.add(DropReason::Ipv4NoRoute);
        return fail(EHOSTUNREACH);
    }
    Interface* iface = path->iface;
    const IpAddress& next_hop = path->next_hop;
    Ipv4Address src = p.src.is_v4() ? p.src.v4() : Ipv4Address{};
    if (src.is_unspecified()) {
        const Ipv4Assignment* a = iface->info.source_v4_for(dst);
        if (!a)
            return fail(EADDRNOTAVAIL);
        src = a->address;
    }
    const std::size_t total = wire::kIpv4MinHeaderLen + upper_len;
    if (total > wire::kIpv4MaxDatagram)
        return fail(EMSGSIZE);
    const std::uint32_t mtu = pmtu.lookup(p.dst, iface->info.mtu, now);
    if (total > mtu && p.dont_fragment) {
        drops.add(DropReason::Ipv4FragNeeded);
        return fail(EMSGSIZE);
    }
    wire::Ipv4HeaderFields h;
    h.ttl = p.ttl ? p.ttl : config.default_ttl;
    h.protocol = p.protocol;
    h.src = src;
    h.dst = dst;
    h.dont_fragment = p.dont_fragment;
    h.id = frag_ids.next_v4(src, dst, p.protocol);

    if (total <= mtu) {
        h.total_len = static_cast<std::uint16_t>(total);
        ++counters.ipv4_tx;
        const bool sent = link_output(
            *iface, next_hop, total,
            [&](std::span<std::byte> pkt) {
                wire::emit_ipv4(pkt, h);
                write(pkt.subspan(wire::kIpv4MinHeaderLen));
            },
            now);
        return sent ? Result<void>{} : fail(ENOBUFS);
    }
    write(std::span<std::byte>{scratch.data(), upper_len});
    FragmentPlanner plan({upper_len, mtu, wire::kIpv4MinHeaderLen});
    bool ok = plan.valid();
    for (FragmentPiece piece; plan.next(piece);) {
        h.more_fragments = piece.more;
        h.frag_offset = piece.offset;
        h.total_len = static_cast<std::uint16_t>(wire::kIpv4MinHeaderLen + piece.length);
        ++counters.frags_tx;
        ok = link_output(
                 *iface, next_hop, h.total_len,
                 [&](std::span<std::byte> pkt) {
                     wire::emit_ipv4(pkt, h);
                     std::memcpy(pkt.data() + wire::kIpv4MinHeaderLen,
                                 scratch.data() + piece.offset, piece.length);
                 },
                 now) &&
             ok;
    }
    ++counters.ipv4_tx;
    return ok ? Result<void>{} : fail(ENOBUFS);
}

} // namespace multios::net
