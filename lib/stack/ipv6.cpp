// IPv6 input with the extension-header chain (RFC 8200 4), fragment reassembly (RFC 8200 4.5,
// RFC 5722, RFC 7112) and output with the fragment header.
#include <algorithm>
#include <cstring>

#include "stack/stack_impl.hpp"

namespace multios::net {

namespace {

DropReason ipv6_drop_reason(wire::ParseError e) {
    using wire::ParseError;
    switch (e) {
    case ParseError::BadVersion:
        return DropReason::Ipv6BadVersion;
    case ParseError::BadLength:
        return DropReason::Ipv6BadLength;
    case ParseError::TooManyHeaders:
        return DropReason::Ipv6TooManyExtHeaders;
    case ParseError::SourceRoute:
    case ParseError::Unsupported:
        return DropReason::Ipv6RoutingHeader;
    case ParseError::BadFragment:
        return DropReason::FragBad;
    case ParseError::BadAddress:
        return DropReason::Ipv6BadAddress;
    case ParseError::Truncated:
        return DropReason::Ipv6Truncated;
    default:
        return DropReason::Ipv6BadExtHeader;
    }
}

/// Bytes an upper-layer header needs in the first fragment (RFC 7112: the whole header chain
/// up to and including the upper-layer header must be in the first fragment).
std::size_t upper_header_min(std::uint8_t proto) {
    switch (proto) {
    case wire::ipproto::kTcp:
        return 20;
    case wire::ipproto::kUdp:
    case wire::ipproto::kIcmpv6:
        return 8;
    default:
        return 0;
    }
}

} // namespace

void StackCore::Impl::ipv6_input(Interface& iface, std::span<const std::byte> data, Instant now) {
    wire::Ipv6Packet ip;
    if (auto e = wire::parse_ipv6(data, ip); e != wire::ParseError::Ok) {
        drops.add(ipv6_drop_reason(e));
        return;
    }
    ++counters.ipv6_rx;
    if (ip.src.is_multicast()) {
        drops.add(DropReason::Ipv6BadAddress);
        return;
    }
    if (!iface.info.accepts_v6(ip.dst)) {
        if (!config.forwarding) {
            drops.add(DropReason::Ipv6NotForUs);
            return;
        }
        if (!is_local_v6(ip.dst)) {
            ipv6_forward(iface, ip, data, now);
            return;
        }
    }
    IpMeta meta{iface.info.index,
                ip.src,
                ip.dst,
                ip.hop_limit,
                0,
                ip.dst.is_multicast(),
                data.first(wire::kIpv6HeaderLen + ip.payload.size())};
    wire::Ipv6ExtChain chain;
    if (auto e = wire::walk_ipv6_extensions(ip, chain); e != wire::ParseError::Ok) {
        drops.add(ipv6_drop_reason(e));
        return;
    }
    if (chain.option_action != wire::Ipv6OptionAction::None) {
        drops.add(DropReason::Ipv6BadOption);
        const bool icmp = chain.option_action == wire::Ipv6OptionAction::DiscardIcmp ||
                          (chain.option_action == wire::Ipv6OptionAction::DiscardIcmpUnicast &&
                           !ip.dst.is_multicast());
        if (icmp) {
            IpMeta m = meta;
            m.dst_is_multicast_or_broadcast = false; // RFC 8200 4.2 asks for the error.
            icmp_error(m, wire::icmpv6::kParamProblem, wire::icmpv6::kUnrecognizedOption,
                       static_cast<std::uint32_t>(chain.problem_pointer), now);
        }
        return;
    }
    if (!chain.has_fragment) {
        meta.protocol = chain.upper_protocol;
        ipv6_deliver(meta, chain.upper_protocol, ip.payload.subspan(chain.upper_offset), now);
        return;
    }
    ++counters.frags_rx;
    const std::size_t frag_data_at =
        chain.fragment_offset_in_payload + wire::kIpv6FragmentHeaderLen;
    const auto frag_data = ip.payload.subspan(frag_data_at);
    if (chain.fragment.offset == 0) {
        // RFC 7112 5: a first fragment without the whole upper-layer header is dropped.
        const std::size_t need = chain.upper_offset + upper_header_min(chain.upper_protocol);
        if (ip.payload.size() < need) {
            drops.add(DropReason::FragTinyFirst);
            return;
        }
    }
    const FragmentKey key = FragmentKey::v6(ip.src, ip.dst, chain.fragment.id);
    const auto leading = data.first(std::min<std::size_t>(meta.quote.size(), 64));
    if (reassembler.add(key, chain.fragment.offset, chain.fragment.more_fragments, frag_data,
                        leading, now,
                        chain.fragment_offset_in_payload) != ReassemblyStatus::Complete)
        return;
    ++counters.reassembled;
    const auto whole = reassembler.assembled();
    // Headers after the fragment header belong to the reassembled payload: walk them again.
    wire::Ipv6Packet inner = ip;
    inner.next_header = chain.fragment.next_header;
    inner.payload = whole;
    wire::Ipv6ExtChain rest;
    if (auto e = wire::walk_ipv6_extensions(inner, rest);
        e != wire::ParseError::Ok || rest.has_fragment) {
        drops.add(e == wire::ParseError::Ok ? DropReason::FragBad : ipv6_drop_reason(e));
        return;
    }
    // The datagram as if it had arrived whole (the extension headers before the fragment
    // header are left out: nothing after reassembly reads them).
    std::array<std::byte, wire::kIpv6HeaderLen> whole_header{};
    std::memcpy(whole_header.data(), data.data(), wire::kIpv6HeaderLen);
    wire::store_be16(whole_header.data() + 4, static_cast<std::uint16_t>(whole.size()));
    whole_header[6] = static_cast<std::byte>(chain.fragment.next_header);
    if (whole.size() <= 0xffff &&
        hand_off_if_foreign(iface, wire::ethertype::kIpv6, whole_header, whole))
        return;
    meta.protocol = rest.upper_protocol;
    meta.quote = data.first(std::min<std::size_t>(data.size(), wire::kIpv6HeaderLen + 8));
    ipv6_deliver(meta, rest.upper_protocol, whole.subspan(rest.upper_offset), now);
}

void StackCore::Impl::ipv6_deliver(const IpMeta& meta, std::uint8_t next_header,
                                   std::span<const std::byte> data, Instant now) {
    // raw(7): raw sockets get a copy of the payload before the protocol handles it.
    const bool raw_taken =
        next_header != wire::ipproto::kNoNext && raw_input_v6(meta, next_header, data);
    switch (next_header) {
    case wire::ipproto::kIcmpv6: {
        wire::Ipv6Packet ip;
        ip.src = meta.src.v6();
        ip.dst = meta.dst.v6();
        ip.hop_limit = meta.ttl;
        icmpv6_input(meta, ip, data, now);
        return;
    }
    case wire::ipproto::kUdp:
        udp_input(meta, data, now);
        return;
    case wire::ipproto::kTcp:
        tcp_input(meta, data, now);
        return;
    case wire::ipproto::kNoNext:
        return;
    default:
        if (raw_taken)
            return; // A raw socket handles this protocol: no parameter problem.
        drops.add(DropReason::Ipv6UnknownProto);
        // RFC 8200 4: pointer to the unrecognised Next Header field; we point at the
        // upper-layer boundary, which is where the value was found.
        icmp_error(meta, wire::icmpv6::kParamProblem, wire::icmpv6::kUnrecognizedNextHeader,
                   static_cast<std::uint32_t>(wire::kIpv6HeaderLen), now);
    }
}

Result<void> StackCore::Impl::ipv6_output(const IpSendParams& p, std::size_t upper_len,
                                          UpperWriter write, Instant now) {
    const Ipv6Address& dst = p.dst.v6();
    const auto path = p.path ? p.path : choose_path(p.dst, p.ifindex, now);
    if (!path) {
        drops.add(DropReason::Ipv6NoRoute);
        return fail(ENETUNREACH);
    }
    Interface* iface = path->iface;
    const IpAddress& next_hop = path->next_hop;
    Ipv6Address src = p.src.is_v6() ? p.src.v6() : Ipv6Address{};
    if (src.is_unspecified()) {
        const Ipv6Assignment* a = iface->info.source_v6_for(dst);
        if (!a)
            return fail(EADDRNOTAVAIL);
        src = a->address;
    }
    if (upper_len > 65535)
        return fail(EMSGSIZE);
    wire::Ipv6HeaderFields h;
    h.hop_limit = p.ttl ? p.ttl : config.default_ttl;
    h.src = src;
    h.dst = dst;
    const std::uint32_t mtu =
        std::max<std::uint32_t>(1280, pmtu.lookup(p.dst, iface->info.mtu, now));
    if (wire::kIpv6HeaderLen + upper_len <= mtu) {
        h.next_header = p.protocol;
        h.payload_len = static_cast<std::uint16_t>(upper_len);
        ++counters.ipv6_tx;
        const bool sent = link_output(
            *iface, next_hop, wire::kIpv6HeaderLen + upper_len,
            [&](std::span<std::byte> pkt) {
                wire::emit_ipv6(pkt, h);
                write(pkt.subspan(wire::kIpv6HeaderLen));
            },
            now);
        return sent ? Result<void>{} : fail(ENOBUFS);
    }
    if (p.dont_fragment)
        return fail(EMSGSIZE);
    // RFC 8200 4.5: only the source fragments; each fragment carries a fragment header and a
    // multiple of 8 bytes except the last.
    write(std::span<std::byte>{scratch.data(), upper_len});
    constexpr std::size_t kHeaders = wire::kIpv6HeaderLen + wire::kIpv6FragmentHeaderLen;
    wire::Ipv6FragmentHeader fh;
    fh.next_header = p.protocol;
    fh.id = frag_ids.next_v6(src, dst);
    h.next_header = wire::ipproto::kFragment;
    FragmentPlanner plan({upper_len, mtu, kHeaders});
    bool ok = plan.valid();
    for (FragmentPiece piece; plan.next(piece);) {
        fh.offset = piece.offset;
        fh.more_fragments = piece.more;
        h.payload_len = static_cast<std::uint16_t>(wire::kIpv6FragmentHeaderLen + piece.length);
        ++counters.frags_tx;
        ok =
            link_output(
                *iface, next_hop, kHeaders + piece.length,
                [&](std::span<std::byte> pkt) {
                    wire::emit_ipv6(pkt, h);
                    wire::emit_ipv6_fragment(pkt.subspan(wire::kIpv6HeaderLen), fh);
                    std::memcpy(pkt.data() + kHeaders, scratch.data() + piece.offset, piece.length);
                },
                now) &&
            ok;
    }
    ++counters.ipv6_tx;
    return ok ? Result<void>{} : fail(ENOBUFS);
}

} // namespace multios::net
