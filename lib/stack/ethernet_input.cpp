// Ethernet demultiplexing: the first thing every received frame meets.
#include <multios/net/wire/arp.hpp>

#include "stack/stack_impl.hpp"

namespace multios::net {

namespace {

DropReason ethernet_drop_reason(wire::ParseError e) {
    return e == wire::ParseError::TooManyHeaders ? DropReason::EthTooManyVlans
                                                 : DropReason::EthTruncated;
}

} // namespace

void StackCore::Impl::receive(IfIndex ifindex, std::span<const std::byte> frame, Instant now) {
    if (ifindex >= interfaces.size())
        return;
    Interface& iface = interfaces[ifindex];
    ++counters.rx_frames;
    wire::EthernetFrame eth;
    if (auto e = wire::parse_ethernet(frame, eth); e != wire::ParseError::Ok) {
        drops.add(ethernet_drop_reason(e));
        return;
    }
    // The port runs promiscuous (NDP needs multicast), so unicast for others reaches us.
    if (eth.dst != iface.info.mac && !eth.dst.is_multicast()) {
        drops.add(DropReason::EthNotForUs);
        return;
    }
    switch (eth.ethertype) {
    case wire::ethertype::kIpv4:
        ipv4_input(iface, eth.payload, now);
        return;
    case wire::ethertype::kIpv6:
        ipv6_input(iface, eth.payload, now);
        return;
    case wire::ethertype::kArp: {
        wire::ArpPacket arp;
        if (wire::parse_arp(eth.payload, arp) != wire::ParseError::Ok) {
            drops.add(DropReason::ArpMalformed);
            return;
        }
        if (arp.op == wire::kArpRequest)
            ++counters.arp_requests_rx;
        else
            ++counters.arp_replies_rx;
        iface.arp->on_arp(arp, now);
        return;
    }
    default:
        drops.add(DropReason::EthBadType);
    }
}

} // namespace multios::net
