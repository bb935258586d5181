// Learn-only input of neighbor frames another lcore received (issue 4, multi-core): every
// shard keeps its own ARP/NDP state, and this is how that state converges. The frame passes
// the same acceptance checks as on the normal path and reaches the interface's ArpCache or Ndp
// with Answer::No; whatever is not ARP or an unfragmented ND message (RFC 6980 forbids
// fragmented ND) is dropped as ReplicaNotNeighbor, whatever the receiving lcore made of it.
#include <multios/net/wire/arp.hpp>

#include "stack/stack_impl.hpp"

namespace multios::net {

void StackCore::Impl::receive_replica(IfIndex ifindex, std::span<const std::byte> frame,
                                      Instant now) {
    if (ifindex >= interfaces.size())
        return;
    Interface& iface = interfaces[ifindex];
    ++counters.replicas_rx;
    wire::EthernetFrame eth;
    const bool accepted = wire::parse_ethernet(frame, eth) == wire::ParseError::Ok &&
                          (eth.dst == iface.info.mac || eth.dst.is_multicast());
    if (accepted && eth.ethertype == wire::ethertype::kArp) {
        wire::ArpPacket arp;
        if (wire::parse_arp(eth.payload, arp) == wire::ParseError::Ok) {
            iface.arp->on_arp(arp, now, Answer::No);
            return;
        }
    } else if (accepted && eth.ethertype == wire::ethertype::kIpv6 &&
               replica_ndp_input(iface, eth.payload, now)) {
        return;
    }
    drops.add(DropReason::ReplicaNotNeighbor);
}

bool StackCore::Impl::replica_ndp_input(Interface& iface, std::span<const std::byte> data,
                                        Instant now) {
    wire::Ipv6Packet ip;
    if (wire::parse_ipv6(data, ip) != wire::ParseError::Ok || ip.src.is_multicast() ||
        !iface.info.accepts_v6(ip.dst))
        return false;
    wire::Ipv6ExtChain chain;
    if (wire::walk_ipv6_extensions(ip, chain) != wire::ParseError::Ok || chain.has_fragment ||
        chain.option_action != wire::Ipv6OptionAction::None ||
        chain.upper_protocol != wire::ipproto::kIcmpv6)
        return false;
    wire::IcmpMessage m;
    if (wire::parse_icmpv6(ip.payload.subspan(chain.upper_offset), ip.src, ip.dst, m) !=
            wire::ParseError::Ok ||
        !wire::icmpv6::is_neighbor_discovery(m.type))
        return false;
    iface.ndp->on_icmpv6(ip, m, now, Answer::No);
    return true;
}

} // namespace multios::net
