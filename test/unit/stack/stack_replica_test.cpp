// Learn-only replicas of neighbor frames (issue 4, multi-core): another lcore received the
// frame and answers it; this shard only learns (caches, pending packets, RA state).
#include <catch2/catch.hpp>

#include <multios/net/wire/ndp.hpp>

#include "stack_harness.hpp"

using namespace multios::net;
using namespace multios::net::stack_test;

namespace {

const MacAddress kRouterMac{{0x02, 0, 0, 0, 0, 0x0a}};
const Ipv6Address kRouterLl = *Ipv6Address::parse("fe80::a");
const Ipv6Address kPrefix = *Ipv6Address::parse("2001:db8:1::");

std::uint16_t ethertype_of(const Frame& f) {
    wire::EthernetFrame e;
    REQUIRE(wire::parse_ethernet(f, e) == wire::ParseError::Ok);
    return e.ethertype;
}

/// The ICMPv6 type of a frame the stack sent (0 if it is not ICMPv6).
std::uint8_t icmpv6_type_of(const Frame& f) {
    if (ethertype_of(f) != wire::ethertype::kIpv6)
        return 0;
    const auto ip = parse_v6_frame(f);
    wire::IcmpMessage m;
    if (ip.next_header != wire::ipproto::kIcmpv6 ||
        wire::parse_icmpv6(ip.payload, ip.src, ip.dst, m) != wire::ParseError::Ok)
        return 0;
    return m.type;
}

void put_be32(Frame& b, std::size_t at, std::uint32_t v) {
    for (int i = 0; i < 4; ++i)
        b[at + static_cast<std::size_t>(i)] =
            std::byte(static_cast<std::uint8_t>(v >> (24 - 8 * i)));
}

/// A Router Advertisement from kRouterLl to all-nodes: router lifetime 1800 s, one autonomous
/// on-link /64 prefix, and the router's link-layer address (RFC 4861 4.2, 4.6.1, 4.6.2).
Frame router_advertisement() {
    Frame body(8 + 32 + 8, std::byte{0}); // reachable + retrans timers, PIO, SLLA
    std::byte* pio = body.data() + 8;
    pio[0] = std::byte{3};
    pio[1] = std::byte{4};
    pio[2] = std::byte{64};
    pio[3] = std::byte{0xc0}; // L and A
    put_be32(body, 8 + 4, 86400);
    put_be32(body, 8 + 8, 14400);
    std::memcpy(pio + 16, kPrefix.bytes.data(), 16);
    std::byte* slla = body.data() + 40;
    slla[0] = std::byte{1};
    slla[1] = std::byte{1};
    std::memcpy(slla + 2, kRouterMac.bytes.data(), 6);
    const std::uint32_t rest = (64u << 24) | 1800u; // cur hop limit, no flags, lifetime
    const Ipv6Address all = Ipv6Address::all_nodes();
    const auto icmp = icmpv6_msg(wire::icmpv6::kRouterAdvertisement, rest, body, kRouterLl, all);
    return eth(all.multicast_mac(), kRouterMac, wire::ethertype::kIpv6,
               ipv6(kRouterLl, all, wire::ipproto::kIcmpv6, icmp, 255));
}

Ipv6Address slaac_address() {
    Ipv6Address a = Ipv6Address::link_local_from_mac(kStackMac);
    std::copy(kPrefix.bytes.begin(), kPrefix.bytes.begin() + 8, a.bytes.begin());
    return a;
}

void replica(Harness& h, const Frame& f) {
    h.stack.receive_replica(0, f, h.now);
}

} // namespace

TEST_CASE("replica ARP request: learned, not answered", "[stack][replica]") {
    Harness h;
    h.settle();
    replica(h, arp_request(kStackIp));
    CHECK(h.sink.take().empty());
    CHECK(h.stack.counters().replicas_rx == 1);
    CHECK(h.stack.counters().rx_frames == 0);
    CHECK(h.stack.counters().arp_requests_rx == 0);
    // The peer is known now: the echo request goes out at once, without an ARP request.
    REQUIRE(h.stack.ping_send(IpAddress{kPeerIp}, 7, 1, 8, 64, h.now));
    const auto out = h.sink.take();
    REQUIRE(out.size() == 1);
    CHECK(ethertype_of(out[0]) == wire::ethertype::kIpv4);
    CHECK(h.stack.drops().total() == 0);
}

TEST_CASE("replica ARP reply completes a pending resolution and flushes its queue",
          "[stack][replica]") {
    Harness h;
    h.settle();
    REQUIRE(h.stack.ping_send(IpAddress{kPeerIp}, 7, 1, 8, 64, h.now));
    auto out = h.sink.take();
    REQUIRE(out.size() == 1);
    CHECK(ethertype_of(out[0]) == wire::ethertype::kArp);
    replica(h, arp_reply_from_peer());
    out = h.sink.take();
    REQUIRE(out.size() == 1); // The queued echo request, nothing else.
    const auto ip = parse_v4_frame(out[0]);
    CHECK(ip.dst == kPeerIp);
    CHECK(ip.protocol == wire::ipproto::kIcmp);
}

TEST_CASE("replica ARP claiming our address is not defended", "[stack][replica]") {
    const Frame claim = frames::arp_request(kPeerMac, kStackIp, kStackIp); // gratuitous
    Harness replica_shard;
    replica_shard.settle();
    replica(replica_shard, claim);
    CHECK(replica_shard.sink.take().empty());
    // The lcore that received it announces our address once (RFC 5227 2.4 (b)).
    Harness receiver;
    receiver.settle();
    receiver.rx(claim);
    const auto out = receiver.sink.take();
    REQUIRE(out.size() == 1);
    CHECK(ethertype_of(out[0]) == wire::ethertype::kArp);
}

TEST_CASE("replica NS: the sender is learned, no NA is sent", "[stack][replica]") {
    Harness h;
    h.settle();
    replica(h, frames::neighbor_solicitation(kPeerMac, kPeerIp6, kStackIp6));
    CHECK(h.sink.take().empty());
    CHECK(h.stack.counters().ndp_ns_rx == 0);
    REQUIRE(h.stack.ping_send(IpAddress{kPeerIp6}, 7, 1, 8, 64, h.now));
    const auto out = h.sink.take();
    REQUIRE(out.size() == 1);
    CHECK(icmpv6_type_of(out[0]) == wire::icmpv6::kEchoRequest);
    // The same NS received normally is answered with an NA.
    h.rx(frames::neighbor_solicitation(kPeerMac, kPeerIp6, kStackIp6));
    const auto answer = h.sink.take();
    REQUIRE(answer.size() == 1);
    CHECK(icmpv6_type_of(answer[0]) == wire::icmpv6::kNeighborAdvertisement);
}

TEST_CASE("replica RA: SLAAC address and default router converge, DAD probes stay silent",
          "[stack][replica]") {
    Harness receiver;
    Harness shard;
    receiver.settle();
    shard.settle();
    receiver.rx(router_advertisement());
    replica(shard, router_advertisement());
    std::size_t receiver_dad_ns = 0, shard_frames = 0;
    for (int i = 0; i < 30; ++i) {
        receiver.advance_ms(100);
        shard.advance_ms(100);
        for (const auto& f : receiver.sink.take())
            receiver_dad_ns += icmpv6_type_of(f) == wire::icmpv6::kNeighborSolicitation;
        shard_frames += shard.sink.take().size();
    }
    CHECK(receiver_dad_ns == 1); // One DAD probe on the link, from the receiving lcore.
    CHECK(shard_frames == 0);
    for (Harness* h : {&receiver, &shard}) {
        const Ipv6Assignment* a = h->stack.interface(0).find_v6(slaac_address());
        REQUIRE(a != nullptr);
        CHECK(a->state == Ipv6AddressState::Preferred);
        // Off-link destinations go to the router learned from the RA (its MAC is known).
        REQUIRE(h->stack.ping_send(IpAddress{*Ipv6Address::parse("2001:db8:99::1")}, 7, 1, 8, 64,
                                   h->now));
        const auto out = h->sink.take();
        REQUIRE(out.size() == 1);
        wire::EthernetFrame e;
        REQUIRE(wire::parse_ethernet(out[0], e) == wire::ParseError::Ok);
        CHECK(e.dst == kRouterMac);
        CHECK(icmpv6_type_of(out[0]) == wire::icmpv6::kEchoRequest);
    }
    CHECK(shard.stack.counters().ndp_ra_rx == 0);
    CHECK(receiver.stack.counters().ndp_ra_rx == 1);
}

TEST_CASE("replica DAD probe for our tentative address marks it duplicate", "[stack][replica]") {
    Harness h;
    h.settle();
    const Ipv6Address extra = *Ipv6Address::parse("fd00::77");
    REQUIRE(h.stack.add_address(0, IpPrefix{IpAddress{extra}, 64}, h.now));
    // Another node's DAD NS: from ::, to the solicited-node group, no options (RFC 4862 5.4.3).
    Frame body(16);
    std::memcpy(body.data(), extra.bytes.data(), 16);
    const Ipv6Address group = extra.solicited_node();
    const auto icmp =
        icmpv6_msg(wire::icmpv6::kNeighborSolicitation, 0, body, Ipv6Address{}, group);
    replica(h, eth(group.multicast_mac(), kPeerMac, wire::ethertype::kIpv6,
                   ipv6(Ipv6Address{}, group, wire::ipproto::kIcmpv6, icmp, 255)));
    const Ipv6Assignment* a = h.stack.interface(0).find_v6(extra);
    REQUIRE(a != nullptr);
    CHECK(a->state == Ipv6AddressState::Duplicate);
}

TEST_CASE("replica of anything but ARP/NDP is dropped and counted", "[stack][replica]") {
    Harness h;
    h.settle();
    const auto echo =
        eth(kStackMac, kPeerMac, wire::ethertype::kIpv4,
            ipv4(kPeerIp, kStackIp, wire::ipproto::kIcmp, icmpv4_echo(1, 1, pattern(8))));
    replica(h, echo);
    replica(h, eth(kStackMac, kPeerMac, wire::ethertype::kIpv4,
                   ipv4(kPeerIp, kStackIp, wire::ipproto::kUdp,
                        udp_v4(1000, 53, pattern(4), kPeerIp, kStackIp))));
    const auto icmp6 = icmpv6_msg(wire::icmpv6::kEchoRequest, 1, pattern(8), kPeerIp6, kStackIp6);
    replica(h, eth(kStackMac, kPeerMac, wire::ethertype::kIpv6,
                   ipv6(kPeerIp6, kStackIp6, wire::ipproto::kIcmpv6, icmp6)));
    replica(h, Frame(5)); // not even Ethernet
    CHECK(h.sink.take().empty());
    CHECK(h.stack.drops()[DropReason::ReplicaNotNeighbor] == 4);
    CHECK(h.stack.drops().total() == 4);
    CHECK(h.stack.counters().replicas_rx == 4);
    CHECK(h.stack.counters().icmp_echo_rx == 0);
    CHECK(h.stack.counters().icmp6_echo_rx == 0);
    CHECK(h.stack.counters().udp_rx == 0);
    replica(h, Frame(5));
    h.stack.receive_replica(9, arp_request(kStackIp), h.now); // no such interface
    CHECK(h.stack.counters().replicas_rx == 5);
}
