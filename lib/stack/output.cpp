// The bottom of the output path: route by family, resolve the next hop, write the frame.
#include <multios/net/wire/ethernet.hpp>

#include "stack/stack_impl.hpp"

namespace multios::net {

namespace {

/// RFC 1112 6.4: 01:00:5e + the low 23 bits of the group.
MacAddress ipv4_multicast_mac(const Ipv4Address& a) {
    return {
        {0x01, 0x00, 0x5e, static_cast<std::uint8_t>(a.bytes[1] & 0x7f), a.bytes[2], a.bytes[3]}};
}

} // namespace

std::optional<OutputPath> StackCore::Impl::choose_path(const IpAddress& dst,
                                                       std::optional<IfIndex> forced, Instant now) {
    if (interfaces.empty())
        return std::nullopt;
    if (forced && *forced < interfaces.size())
        return OutputPath{&interfaces[*forced], dst};
    if (dst.is_v4() && (dst.v4().is_broadcast() || dst.v4().is_multicast()))
        return OutputPath{&interfaces.front(), dst};
    // Link-local and multicast IPv6 without an interface: the first one (RFC 4007 zones are
    // not modelled yet).
    if (dst.is_v6() && (dst.v6().is_link_local() || dst.v6().is_multicast()))
        return OutputPath{&interfaces.front(), dst};
    if (const Route* r = routes.lookup(dst))
        return OutputPath{&interfaces[r->ifindex], r->gateway ? *r->gateway : dst};
    // RFC 4861 6.3.6: off-link IPv6 destinations go to a default router learned from RAs.
    if (dst.is_v6())
        for (auto& i : interfaces)
            if (auto router = i.ndp->default_router(now))
                return OutputPath{&i, IpAddress{*router}};
    return std::nullopt;
}

std::optional<std::pair<OutputPath, IpAddress>>
StackCore::Impl::path_and_source(const IpAddress& dst, Instant now) {
    const auto path = choose_path(dst, std::nullopt, now);
    if (!path)
        return std::nullopt;
    const InterfaceInfo& info = path->iface->info;
    if (dst.is_v4()) {
        if (const Ipv4Assignment* a = info.source_v4_for(dst.v4()))
            return std::pair{*path, IpAddress{a->address}};
    } else if (const Ipv6Assignment* a = info.source_v6_for(dst.v6())) {
        return std::pair{*path, IpAddress{a->address}};
    }
    return std::nullopt;
}

Result<void> StackCore::Impl::ip_output(const IpSendParams& p, std::size_t upper_len,
                                        UpperWriter write, Instant now) {
    return p.dst.is_v4() ? ipv4_output(p, upper_len, write, now)
                         : ipv6_output(p, upper_len, write, now);
}

std::optional<MacAddress> StackCore::Impl::resolve(Interface& iface, const IpAddress& next_hop,
                                                   Instant now) {
    if (next_hop.is_v4()) {
        const Ipv4Address a = next_hop.v4();
        if (a.is_broadcast() || iface.info.is_subnet_broadcast(a))
            return MacAddress::broadcast();
        if (a.is_multicast())
            return ipv4_multicast_mac(a);
        return iface.arp->lookup(a, now);
    }
    const Ipv6Address& a = next_hop.v6();
    if (a.is_multicast())
        return a.multicast_mac();
    return iface.ndp->lookup(a, now);
}

bool StackCore::Impl::link_output(Interface& iface, const IpAddress& next_hop,
                                  std::size_t packet_len, UpperWriter write_packet, Instant now) {
    const std::uint16_t type = next_hop.is_v4() ? wire::ethertype::kIpv4 : wire::ethertype::kIpv6;
    if (auto mac = resolve(iface, next_hop, now)) {
        const std::size_t len = wire::kEthernetHeaderLen + packet_len;
        auto frame = sink.begin_frame(iface.info.index, len);
        if (frame.size() < len) {
            if (!frame.empty())
                sink.abort_frame();
            drops.add(DropReason::TxNoBuffer);
            return false;
        }
        wire::emit_ethernet(frame, *mac, iface.info.mac, type);
        write_packet(frame.subspan(wire::kEthernetHeaderLen, packet_len));
        sink.commit_frame(len);
        ++counters.tx_frames;
        return true;
    }
    // Unresolved: the neighbor cache keeps a copy and sends it when the reply arrives.
    std::span<std::byte> pkt{packet_scratch.data(), packet_len};
    write_packet(pkt);
    if (next_hop.is_v4())
        return iface.arp->enqueue(next_hop.v4(), pkt, now);
    return iface.ndp->enqueue(next_hop.v6(), pkt, now);
}

} // namespace multios::net
