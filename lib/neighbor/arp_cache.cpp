#include "neighbor/arp_cache.hpp"

#include <array>

#include <multios/net/wire/ethernet.hpp>

#include "neighbor/link_frame.hpp"

namespace multios::net {

namespace {

constexpr Duration kDefendInterval = std::chrono::seconds(10); // RFC 5227 DEFEND_INTERVAL

/// RFC 1112 6.4: 01:00:5e + the low 23 bits of the group address.
MacAddress ipv4_multicast_mac(const Ipv4Address& a) {
    return {
        {0x01, 0x00, 0x5e, static_cast<std::uint8_t>(a.bytes[1] & 0x7f), a.bytes[2], a.bytes[3]}};
}

} // namespace

ArpCache::ArpCache(const InterfaceInfo& iface, FrameSink& sink, DropCounters& drops, ArpConfig cfg)
    : iface_(iface), sink_(sink), drops_(drops),
      table_(cfg, iface.mtu, *this, drops, DropReason::ArpQueueFull, DropReason::ArpUnresolved) {}

bool ArpCache::sender_is_bogus(const wire::ArpPacket& p) const {
    return p.sender_mac.is_multicast() || p.sender_mac.is_zero() || p.sender_ip.is_multicast() ||
           p.sender_ip.is_broadcast() || p.sender_ip.is_loopback();
}

void ArpCache::on_arp(const wire::ArpPacket& p, Instant now, Answer answer) {
    const bool request = p.op == wire::kArpRequest;
    ++(request ? stats_.requests_rx : stats_.replies_rx);
    if (sender_is_bogus(p)) {
        drops_.add(DropReason::ArpMalformed);
        return;
    }
    if (p.sender_mac == iface_.mac)
        return; // Our own broadcast reflected back by a switch or the peer.
    if (iface_.has_v4(p.sender_ip)) {
        // The conflict is counted and defended once, by the lcore that received the frame.
        if (answer == Answer::Yes)
            defend(p, now);
        return;
    }
    const bool for_us = iface_.has_v4(p.target_ip);
    const bool gratuitous = p.sender_ip == p.target_ip;
    // RFC 5227 2.1.1: a probe's sender IP is 0.0.0.0; it must not enter any cache.
    if (!p.sender_ip.is_unspecified()) {
        // RFC 826: "If the pair <protocol type, sender protocol address> is already in my
        // translation table, update the sender hardware address field ... Am I the target
        // protocol address? If Merge_flag is false, add the triplet".
        if (for_us && !request && table_.find(p.sender_ip))
            table_.advertise(p.sender_ip, p.sender_mac, {true, true, std::nullopt}, now);
        else
            table_.learn(p.sender_ip, p.sender_mac, for_us, now);
    }
    if (!for_us) {
        // Counted once, by the lcore that received it (requests for other hosts are common).
        if (!gratuitous && answer == Answer::Yes)
            drops_.add(DropReason::ArpNotForUs);
        return;
    }
    if (request && answer == Answer::Yes) {
        // RFC 826: swap the fields, put in the local addresses, set the opcode to reply and
        // send it to the requester (for a probe the target IP stays 0.0.0.0).
        send_arp(wire::kArpReply, p.sender_mac, p.target_ip, p.sender_mac, p.sender_ip);
        ++stats_.replies_tx;
    }
}

void ArpCache::defend(const wire::ArpPacket& p, Instant now) {
    ++stats_.conflicts;
    // RFC 5227 2.4 (b): defend with one announcement unless we already did so within
    // DEFEND_INTERVAL; a host that keeps claiming the address is not answered further.
    if (last_defense_ != Instant::min() && now < last_defense_ + kDefendInterval)
        return;
    last_defense_ = now;
    announce(p.sender_ip, now);
}

std::optional<MacAddress> ArpCache::lookup(const Ipv4Address& next_hop, Instant now) {
    if (next_hop.is_broadcast())
        return MacAddress::broadcast();
    if (next_hop.is_multicast())
        return ipv4_multicast_mac(next_hop);
    for (const auto& a : iface_.v4)
        if (a.is_subnet_broadcast(next_hop))
            return MacAddress::broadcast();
    return table_.lookup(next_hop, now);
}

bool ArpCache::enqueue(const Ipv4Address& next_hop, std::span<const std::byte> ip_packet,
                       Instant now) {
    return table_.enqueue(next_hop, ip_packet, now);
}

void ArpCache::announce(const Ipv4Address& a, Instant) {
    // RFC 5227 2.3: an ARP Announcement is a request with sender and target IP both set to
    // the announced address and a zero target hardware address.
    send_arp(wire::kArpRequest, MacAddress::broadcast(), a, MacAddress{}, a);
    ++stats_.requests_tx;
}

std::optional<NeighborState> ArpCache::state(const Ipv4Address& ip) const {
    if (const auto* e = table_.find(ip))
        return e->state;
    return std::nullopt;
}

std::vector<NeighborInfo<Ipv4Address>> ArpCache::entries() const {
    return table_.snapshot();
}

void ArpCache::solicit(const Ipv4Address& target, const MacAddress* unicast) {
    // The source is our address on the target's subnet; without any IPv4 address we can only
    // send a probe (sender 0.0.0.0, RFC 5227 2.1.1).
    const Ipv4Assignment* src = iface_.source_v4_for(target);
    const Ipv4Address sender = src ? src->address : Ipv4Address{};
    send_arp(wire::kArpRequest, unicast ? *unicast : MacAddress::broadcast(), sender, MacAddress{},
             target);
    ++stats_.requests_tx;
}

void ArpCache::deliver(const MacAddress& dst, std::span<const std::byte> packet) {
    send_ethernet_frame(sink_, drops_, iface_.index, dst, iface_.mac, wire::ethertype::kIpv4,
                        packet);
}

void ArpCache::send_arp(std::uint16_t op, const MacAddress& eth_dst, const Ipv4Address& sender_ip,
                        const MacAddress& target_mac, const Ipv4Address& target_ip) {
    std::array<std::byte, wire::kArpLen> buf{};
    wire::ArpPacket p;
    p.op = op;
    p.sender_mac = iface_.mac;
    p.sender_ip = sender_ip;
    p.target_mac = target_mac;
    p.target_ip = target_ip;
    wire::emit_arp(buf, p);
    send_ethernet_frame(sink_, drops_, iface_.index, eth_dst, iface_.mac, wire::ethertype::kArp,
                        buf);
}

} // namespace multios::net
