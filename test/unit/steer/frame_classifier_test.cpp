// classify_frame: software steering of received frames agrees with FlowSteering::owner for both
// directions of a flow, keeps fragments and ICMP errors with their flow, replicates neighbor
// discovery, and treats anything truncated or malformed as Local without reading past the frame.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include <multios/net/address.hpp>
#include <multios/net/wire/arp.hpp>
#include <multios/net/wire/bytes.hpp>
#include <multios/net/wire/ethernet.hpp>
#include <multios/net/wire/icmp.hpp>
#include <multios/net/wire/ipv4.hpp>
#include <multios/net/wire/ipv6.hpp>
#include <multios/net/wire/tcp.hpp>
#include <multios/net/wire/udp.hpp>

#include "steer/flow_steering.hpp"
#include "steer/frame_classifier.hpp"
#include "steer/rss_input.hpp"

namespace multios::net::classify_test {
namespace {

using steer::classify_frame;
using steer::FlowSteering;
using steer::FrameDecision;
using steer::FrameRoute;
using Frame = std::vector<std::byte>;

const MacAddress kMacA{{0x02, 0, 0, 0, 0, 0x0a}};
const MacAddress kMacB{{0x02, 0, 0, 0, 0, 0x0b}};

FlowSteering make_steering(std::uint16_t lcores) {
    const auto s = FlowSteering::create(lcores);
    REQUIRE(s.has_value());
    return *s;
}

Frame concat(Frame a, const Frame& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

/// An Ethernet II frame; with tags, the outer one is 802.1ad when there are two (as QinQ is).
Frame ethernet(std::uint16_t ethertype, const Frame& l3, unsigned vlan_tags = 0) {
    Frame f(wire::kEthernetHeaderLen + vlan_tags * wire::kVlanTagLen);
    std::uint16_t first = ethertype;
    if (vlan_tags == 1)
        first = wire::ethertype::kVlan;
    else if (vlan_tags >= 2)
        first = wire::ethertype::kQinQ;
    wire::emit_ethernet(f, kMacB, kMacA, first);
    for (unsigned i = 0; i < vlan_tags; ++i) {
        std::byte* tag = f.data() + wire::kEthernetHeaderLen + i * wire::kVlanTagLen;
        wire::store_be16(tag, static_cast<std::uint16_t>(100 + i)); // TCI: VLAN id
        const bool last = i + 1 == vlan_tags;
        wire::store_be16(tag + 2, last ? ethertype : wire::ethertype::kVlan);
    }
    return concat(f, l3);
}

struct V4Header {
    Ipv4Address src;
    Ipv4Address dst;
    std::uint8_t protocol = 0;
    bool more_fragments = false;
    std::uint16_t frag_offset = 0;
};

Frame ipv4(const V4Header& h, const Frame& payload) {
    Frame p(wire::kIpv4MinHeaderLen + payload.size());
    wire::Ipv4HeaderFields f;
    f.total_len = static_cast<std::uint16_t>(p.size());
    f.id = 0x1234;
    f.more_fragments = h.more_fragments;
    f.frag_offset = h.frag_offset;
    f.protocol = h.protocol;
    f.src = h.src;
    f.dst = h.dst;
    wire::emit_ipv4(p, f);
    std::copy(payload.begin(), payload.end(), p.begin() + wire::kIpv4MinHeaderLen);
    return p;
}

Frame ipv6(const Ipv6Address& src, const Ipv6Address& dst, std::uint8_t next,
           const Frame& payload) {
    Frame p(wire::kIpv6HeaderLen);
    wire::Ipv6HeaderFields f;
    f.payload_len = static_cast<std::uint16_t>(payload.size());
    f.next_header = next;
    f.src = src;
    f.dst = dst;
    wire::emit_ipv6(p, f);
    return concat(p, payload);
}

wire::TcpHeaderFields tcp_fields(std::uint16_t sport, std::uint16_t dport) {
    wire::TcpHeaderFields h;
    h.src_port = sport;
    h.dst_port = dport;
    h.flags = wire::tcpflag::kAck;
    h.window = 1000;
    return h;
}

Frame tcp_v4(const Ipv4Address& src, const Ipv4Address& dst, std::uint16_t sport,
             std::uint16_t dport) {
    Frame seg(wire::kTcpMinHeaderLen + 10);
    wire::emit_tcp_v4(seg, tcp_fields(sport, dport), src, dst);
    return seg;
}

Frame tcp_v6(const Ipv6Address& src, const Ipv6Address& dst, std::uint16_t sport,
             std::uint16_t dport) {
    Frame seg(wire::kTcpMinHeaderLen + 10);
    wire::emit_tcp_v6(seg, tcp_fields(sport, dport), src, dst);
    return seg;
}

Frame udp_v4(const Ipv4Address& src, const Ipv4Address& dst, std::uint16_t sport,
             std::uint16_t dport) {
    Frame d(wire::kUdpHeaderLen + 4);
    wire::emit_udp_v4(d, sport, dport, src, dst);
    return d;
}

Frame udp_v6(const Ipv6Address& src, const Ipv6Address& dst, std::uint16_t sport,
             std::uint16_t dport) {
    Frame d(wire::kUdpHeaderLen + 4);
    wire::emit_udp_v6(d, sport, dport, src, dst);
    return d;
}

Frame icmp_v4(std::uint8_t type, std::uint32_t rest, const Frame& body) {
    Frame m = concat(Frame(wire::kIcmpHeaderLen), body);
    wire::emit_icmpv4(m, type, 0, rest);
    return m;
}

Frame icmp_v6(std::uint8_t type, std::uint32_t rest, const Frame& body, const Ipv6Address& src,
              const Ipv6Address& dst) {
    Frame m = concat(Frame(wire::kIcmpHeaderLen), body);
    wire::emit_icmpv6(m, type, 0, rest, src, dst);
    return m;
}

Frame v4_frame(const V4Header& h, const Frame& payload, unsigned vlan_tags = 0) {
    return ethernet(wire::ethertype::kIpv4, ipv4(h, payload), vlan_tags);
}

Frame v6_frame(const Ipv6Address& src, const Ipv6Address& dst, std::uint8_t next,
               const Frame& payload, unsigned vlan_tags = 0) {
    return ethernet(wire::ethertype::kIpv6, ipv6(src, dst, next, payload), vlan_tags);
}

Frame tcp_v4_frame(const Ipv4Address& src, const Ipv4Address& dst, std::uint16_t sport,
                   std::uint16_t dport, unsigned vlan_tags = 0) {
    return v4_frame({src, dst, wire::ipproto::kTcp}, tcp_v4(src, dst, sport, dport), vlan_tags);
}

/// An 8-byte extension header (HBH or destination options) holding one PadN option.
Frame ext_header(std::uint8_t next) {
    return Frame{std::byte{next}, std::byte{0}, std::byte{1}, std::byte{4},
                 std::byte{0},    std::byte{0}, std::byte{0}, std::byte{0}};
}

Frame fragment_header(std::uint8_t next, std::uint16_t offset, bool more) {
    Frame f(wire::kIpv6FragmentHeaderLen);
    wire::emit_ipv6_fragment(f, {next, offset, more, 0xabcd});
    return f;
}

Frame arp_frame() {
    Frame a(wire::kArpLen);
    wire::ArpPacket p;
    p.op = wire::kArpRequest;
    p.sender_mac = kMacA;
    p.sender_ip = Ipv4Address{{10, 0, 0, 1}};
    p.target_ip = Ipv4Address{{10, 0, 0, 2}};
    wire::emit_arp(a, p);
    return ethernet(wire::ethertype::kArp, a);
}

Ipv4Address random_v4(std::mt19937& rng) {
    return Ipv4Address::from_u32(static_cast<std::uint32_t>(rng()));
}

Ipv6Address random_v6(std::mt19937& rng) {
    Ipv6Address a;
    for (auto& b : a.bytes)
        b = static_cast<std::uint8_t>(rng());
    a.bytes[0] = 0x20; // global unicast, never multicast
    return a;
}

/// A unicast IPv4 address (not 224/4, not 255.255.255.255).
Ipv4Address random_unicast_v4(std::mt19937& rng) {
    Ipv4Address a = random_v4(rng);
    a.bytes[0] = static_cast<std::uint8_t>(1 + a.bytes[0] % 223);
    return a;
}

std::uint16_t random_port(std::mt19937& rng) {
    return static_cast<std::uint16_t>(rng());
}

/// The connection that a packet src:sport -> dst:dport belongs to, seen from its receiver.
FourTuple received_tuple(const IpAddress& src, const IpAddress& dst, std::uint16_t sport,
                         std::uint16_t dport) {
    return FourTuple{dst, src, dport, sport};
}

FrameDecision owner(std::uint16_t lcore) {
    return {FrameRoute::Owner, lcore};
}
const FrameDecision kLocal{FrameRoute::Local, 0};
const FrameDecision kReplicate{FrameRoute::Replicate, 0};

} // namespace

TEST_CASE("frame classifier: TCP and UDP packet and reply land on the flow's owner", "[steer]") {
    std::mt19937 rng(4);
    for (const std::uint16_t lcores : {2, 3, 4, 8}) {
        const FlowSteering s = make_steering(lcores);
        for (int i = 0; i < 300; ++i) {
            const Ipv4Address a = random_unicast_v4(rng), b = random_unicast_v4(rng);
            const Ipv6Address a6 = random_v6(rng), b6 = random_v6(rng);
            const std::uint16_t pa = random_port(rng), pb = random_port(rng);
            const FrameDecision want4 = owner(s.owner(received_tuple(a, b, pa, pb)));
            const FrameDecision want6 = owner(s.owner(received_tuple(a6, b6, pa, pb)));

            REQUIRE(classify_frame(s, tcp_v4_frame(a, b, pa, pb)) == want4);
            REQUIRE(classify_frame(s, tcp_v4_frame(b, a, pb, pa)) == want4);
            REQUIRE(classify_frame(
                        s, v4_frame({a, b, wire::ipproto::kUdp}, udp_v4(a, b, pa, pb))) == want4);
            REQUIRE(classify_frame(
                        s, v4_frame({b, a, wire::ipproto::kUdp}, udp_v4(b, a, pb, pa))) == want4);

            REQUIRE(classify_frame(
                        s, v6_frame(a6, b6, wire::ipproto::kTcp, tcp_v6(a6, b6, pa, pb))) == want6);
            REQUIRE(classify_frame(
                        s, v6_frame(b6, a6, wire::ipproto::kTcp, tcp_v6(b6, a6, pb, pa))) == want6);
            REQUIRE(classify_frame(
                        s, v6_frame(a6, b6, wire::ipproto::kUdp, udp_v6(a6, b6, pa, pb))) == want6);
            REQUIRE(classify_frame(
                        s, v6_frame(b6, a6, wire::ipproto::kUdp, udp_v6(b6, a6, pb, pa))) == want6);
        }
    }
}

TEST_CASE("frame classifier: a non-default RETA is honoured", "[steer]") {
    FlowSteering s = make_steering(4);
    std::vector<std::uint16_t> reta(FlowSteering::kDefaultRetaSize);
    for (std::size_t i = 0; i < reta.size(); ++i)
        reta[i] = static_cast<std::uint16_t>((i * 7 / 3) % 4);
    REQUIRE(s.set_reta(reta));
    std::mt19937 rng(5);
    for (int i = 0; i < 200; ++i) {
        const Ipv4Address a = random_unicast_v4(rng), b = random_unicast_v4(rng);
        const std::uint16_t pa = random_port(rng), pb = random_port(rng);
        REQUIRE(classify_frame(s, tcp_v4_frame(a, b, pa, pb)) ==
                owner(s.owner(received_tuple(a, b, pa, pb))));
    }
}

TEST_CASE("frame classifier: with one lcore every flow is owned by lcore 0", "[steer]") {
    const FlowSteering s = make_steering(1);
    const Ipv4Address a{{10, 0, 0, 1}}, b{{10, 0, 0, 2}};
    const Ipv6Address a6{{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};
    const Ipv6Address b6{{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2}};
    CHECK(classify_frame(s, tcp_v4_frame(a, b, 40000, 80)) == owner(0));
    CHECK(classify_frame(s, v6_frame(a6, b6, wire::ipproto::kUdp, udp_v6(a6, b6, 53, 5353))) ==
          owner(0));
    CHECK(classify_frame(s, v4_frame({a, b, wire::ipproto::kTcp, true, 0}, tcp_v4(a, b, 1, 2))) ==
          owner(0));
    CHECK(classify_frame(s, v4_frame({a, b, wire::ipproto::kIcmp},
                                     icmp_v4(wire::icmpv4::kEchoReply, 0x00070001, {}))) ==
          owner(0));
    CHECK(classify_frame(s, v4_frame({a, b, wire::ipproto::kIcmp},
                                     icmp_v4(wire::icmpv4::kEchoRequest, 0x00070001, {}))) ==
          kLocal);
    CHECK(classify_frame(s, arp_frame()) == kReplicate);
}

TEST_CASE("frame classifier: every IPv4 fragment of a datagram lands on one lcore", "[steer]") {
    std::mt19937 rng(6);
    const FlowSteering s = make_steering(4);
    for (int i = 0; i < 300; ++i) {
        const Ipv4Address a = random_unicast_v4(rng), b = random_unicast_v4(rng);
        const std::uint16_t pa = random_port(rng), pb = random_port(rng);
        const Frame seg = tcp_v4(a, b, pa, pb); // 30 bytes: 24 + 6
        const Frame head(seg.begin(), seg.begin() + 24);
        const Frame tail(seg.begin() + 24, seg.end());
        const FrameDecision first =
            classify_frame(s, v4_frame({a, b, wire::ipproto::kTcp, true, 0}, head));
        const FrameDecision last =
            classify_frame(s, v4_frame({a, b, wire::ipproto::kTcp, false, 24}, tail));
        const FrameDecision want =
            owner(s.owner_of_hash(s.table().hash(steer::rss_input_v4(a, b).view())));
        REQUIRE(first == want);
        REQUIRE(last == want);
        // A middle fragment (MF and an offset) too, and the reply's fragments by symmetry.
        REQUIRE(classify_frame(s, v4_frame({a, b, wire::ipproto::kUdp, true, 16}, head)) == want);
        REQUIRE(classify_frame(s, v4_frame({b, a, wire::ipproto::kTcp, true, 0}, head)) == want);
    }
}

TEST_CASE("frame classifier: every IPv6 fragment of a datagram lands on one lcore", "[steer]") {
    std::mt19937 rng(7);
    const FlowSteering s = make_steering(3);
    for (int i = 0; i < 300; ++i) {
        const Ipv6Address a = random_v6(rng), b = random_v6(rng);
        const Frame seg = tcp_v6(a, b, random_port(rng), random_port(rng));
        const Frame head(seg.begin(), seg.begin() + 24);
        const Frame tail(seg.begin() + 24, seg.end());
        const FrameDecision want =
            owner(s.owner_of_hash(s.table().hash(steer::rss_input_v6(a, b).view())));
        const Frame first = concat(fragment_header(wire::ipproto::kTcp, 0, true), head);
        const Frame last = concat(fragment_header(wire::ipproto::kTcp, 24, false), tail);
        REQUIRE(classify_frame(s, v6_frame(a, b, wire::ipproto::kFragment, first)) == want);
        REQUIRE(classify_frame(s, v6_frame(a, b, wire::ipproto::kFragment, last)) == want);
        // After a destination-options header, as RFC 8200 4.1 orders them.
        const Frame with_opts = concat(ext_header(wire::ipproto::kFragment), last);
        REQUIRE(classify_frame(s, v6_frame(a, b, wire::ipproto::kDestOpts, with_opts)) == want);
    }
}

TEST_CASE("frame classifier: ICMP errors land with the flow they quote", "[steer]") {
    std::mt19937 rng(8);
    const FlowSteering s = make_steering(4);
    for (int i = 0; i < 200; ++i) {
        // This host (local) sent local:lp -> remote:rp; a router reports an error about it.
        const Ipv4Address local = random_unicast_v4(rng), remote = random_unicast_v4(rng);
        const Ipv4Address router = random_unicast_v4(rng);
        const std::uint16_t lp = random_port(rng), rp = random_port(rng);
        const FrameDecision flow = owner(s.owner(FourTuple{local, remote, lp, rp}));
        const Frame sent_tcp =
            ipv4({local, remote, wire::ipproto::kTcp}, tcp_v4(local, remote, lp, rp));
        const Frame quote_tcp(sent_tcp.begin(), sent_tcp.begin() + 28); // header + 8 bytes
        const V4Header outer{router, local, wire::ipproto::kIcmp};
        for (const std::uint8_t type : {wire::icmpv4::kDestUnreachable, wire::icmpv4::kTimeExceeded,
                                        wire::icmpv4::kParamProblem})
            REQUIRE(classify_frame(s, v4_frame(outer, icmp_v4(type, 0, quote_tcp))) == flow);
        const Frame sent_udp =
            ipv4({local, remote, wire::ipproto::kUdp}, udp_v4(local, remote, lp, rp));
        REQUIRE(classify_frame(s, v4_frame(outer, icmp_v4(wire::icmpv4::kDestUnreachable, 0,
                                                          sent_udp))) == flow);

        // A quote cut inside the ports falls back to the quoted addresses; one without them
        // is Local.
        const FrameDecision pair =
            owner(s.owner_of_hash(s.table().hash(steer::rss_input_v4(local, remote).view())));
        const Frame short_quote(sent_tcp.begin(), sent_tcp.begin() + 22);
        REQUIRE(classify_frame(s, v4_frame(outer, icmp_v4(wire::icmpv4::kDestUnreachable, 0,
                                                          short_quote))) == pair);
        const Frame no_addresses(sent_tcp.begin(), sent_tcp.begin() + 19);
        REQUIRE(classify_frame(s, v4_frame(outer, icmp_v4(wire::icmpv4::kDestUnreachable, 0,
                                                          no_addresses))) == kLocal);

        const Ipv6Address local6 = random_v6(rng), remote6 = random_v6(rng);
        const Ipv6Address router6 = random_v6(rng);
        const FrameDecision flow6 = owner(s.owner(FourTuple{local6, remote6, lp, rp}));
        const Frame sent6 =
            ipv6(local6, remote6, wire::ipproto::kTcp, tcp_v6(local6, remote6, lp, rp));
        for (const std::uint8_t type : {wire::icmpv6::kDestUnreachable, wire::icmpv6::kPacketTooBig,
                                        wire::icmpv6::kTimeExceeded, wire::icmpv6::kParamProblem})
            REQUIRE(classify_frame(s, v6_frame(router6, local6, wire::ipproto::kIcmpv6,
                                               icmp_v6(type, 1280, sent6, router6, local6))) ==
                    flow6);
        const FrameDecision pair6 =
            owner(s.owner_of_hash(s.table().hash(steer::rss_input_v6(local6, remote6).view())));
        const Frame quote6_no_ports(sent6.begin(), sent6.begin() + 42);
        REQUIRE(classify_frame(s, v6_frame(router6, local6, wire::ipproto::kIcmpv6,
                                           icmp_v6(wire::icmpv6::kPacketTooBig, 1280,
                                                   quote6_no_ports, router6, local6))) == pair6);
        const Frame quote6_short(sent6.begin(), sent6.begin() + 39);
        REQUIRE(classify_frame(s, v6_frame(router6, local6, wire::ipproto::kIcmpv6,
                                           icmp_v6(wire::icmpv6::kPacketTooBig, 1280, quote6_short,
                                                   router6, local6))) == kLocal);
    }
}

TEST_CASE("frame classifier: ICMP quoting a non-TCP/UDP packet uses the quoted addresses",
          "[steer]") {
    const FlowSteering s = make_steering(4);
    const Ipv4Address local{{192, 0, 2, 1}}, remote{{198, 51, 100, 7}}, router{{203, 0, 113, 1}};
    constexpr std::uint8_t kGre = 47;
    const Frame sent = ipv4({local, remote, kGre}, Frame(8));
    const FrameDecision pair =
        owner(s.owner_of_hash(s.table().hash(steer::rss_input_v4(local, remote).view())));
    CHECK(classify_frame(s, v4_frame({router, local, wire::ipproto::kIcmp},
                                     icmp_v4(wire::icmpv4::kTimeExceeded, 0, sent))) == pair);
}

TEST_CASE("frame classifier: ICMP errors about a ping go to the pinging lcore", "[steer]") {
    const FlowSteering s = make_steering(4);
    const Ipv4Address local{{192, 0, 2, 1}}, remote{{198, 51, 100, 7}}, router{{203, 0, 113, 1}};
    for (const std::uint16_t id : {4, 5, 6, 7}) {
        const Frame sent =
            ipv4({local, remote, wire::ipproto::kIcmp},
                 icmp_v4(wire::icmpv4::kEchoRequest, (std::uint32_t{id} << 16) | 1, {}));
        CHECK(classify_frame(s, v4_frame({router, local, wire::ipproto::kIcmp},
                                         icmp_v4(wire::icmpv4::kTimeExceeded, 0, sent))) ==
              owner(id % 4));
    }
    const Ipv6Address a6{{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};
    const Ipv6Address b6{{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2}};
    const Ipv6Address r6{{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9}};
    const Frame sent6 = ipv6(a6, b6, wire::ipproto::kIcmpv6,
                             icmp_v6(wire::icmpv6::kEchoRequest, (7u << 16) | 1, {}, a6, b6));
    CHECK(classify_frame(s, v6_frame(r6, a6, wire::ipproto::kIcmpv6,
                                     icmp_v6(wire::icmpv6::kDestUnreachable, 0, sent6, r6, a6))) ==
          owner(3));
}

TEST_CASE("frame classifier: echo replies go to lcore id % count", "[steer]") {
    const Ipv4Address a{{192, 0, 2, 1}}, b{{192, 0, 2, 2}};
    const Ipv6Address a6{{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};
    const Ipv6Address b6{{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2}};
    for (const std::uint16_t lcores : {1, 2, 3, 5}) {
        const FlowSteering s = make_steering(lcores);
        for (const std::uint32_t id : {0u, 1u, 2u, 3u, 4u, 17u, 1000u, 65535u}) {
            const std::uint32_t rest = (id << 16) | 9u;
            const FrameDecision want = owner(static_cast<std::uint16_t>(id % lcores));
            REQUIRE(classify_frame(
                        s, v4_frame({a, b, wire::ipproto::kIcmp},
                                    icmp_v4(wire::icmpv4::kEchoReply, rest, Frame(16)))) == want);
            REQUIRE(classify_frame(s, v6_frame(a6, b6, wire::ipproto::kIcmpv6,
                                               icmp_v6(wire::icmpv6::kEchoReply, rest, Frame(16),
                                                       a6, b6))) == want);
        }
    }
}

TEST_CASE("frame classifier: ARP and neighbor discovery are replicated", "[steer]") {
    const FlowSteering s = make_steering(4);
    CHECK(classify_frame(s, arp_frame()) == kReplicate);
    const Ipv6Address me = Ipv6Address::link_local_from_mac(kMacA);
    const Ipv6Address peer = Ipv6Address::link_local_from_mac(kMacB);
    const Frame target(16);
    // NS to the solicited-node group, NA unicast, RS to all-routers, RA to all-nodes, redirect.
    const struct {
        std::uint8_t type;
        Ipv6Address dst;
    } cases[] = {{wire::icmpv6::kNeighborSolicitation, me.solicited_node()},
                 {wire::icmpv6::kNeighborSolicitation, me},
                 {wire::icmpv6::kNeighborAdvertisement, me},
                 {wire::icmpv6::kRouterSolicitation, Ipv6Address::all_routers()},
                 {wire::icmpv6::kRouterAdvertisement, Ipv6Address::all_nodes()},
                 {wire::icmpv6::kRedirect, me}};
    for (const auto& c : cases) {
        const Frame f =
            v6_frame(peer, c.dst, wire::ipproto::kIcmpv6, icmp_v6(c.type, 0, target, peer, c.dst));
        CHECK(classify_frame(s, f) == kReplicate);
        CHECK(classify_frame(s, concat(f, Frame(8))) == kReplicate); // link padding ignored
    }
    // Behind a hop-by-hop header (as MLD sends), still found.
    const Frame hbh = concat(ext_header(wire::ipproto::kIcmpv6),
                             icmp_v6(wire::icmpv6::kNeighborAdvertisement, 0, target, peer, me));
    CHECK(classify_frame(s, v6_frame(peer, me, wire::ipproto::kHopByHop, hbh)) == kReplicate);
}

TEST_CASE("frame classifier: flowless traffic stays Local", "[steer]") {
    const FlowSteering s = make_steering(4);
    const Ipv4Address a{{192, 0, 2, 1}}, b{{192, 0, 2, 2}};
    const Ipv6Address a6{{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};
    const Ipv6Address b6{{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2}};
    CHECK(classify_frame(s, v4_frame({a, b, wire::ipproto::kIcmp},
                                     icmp_v4(wire::icmpv4::kEchoRequest, 0x00010001, {}))) ==
          kLocal);
    CHECK(classify_frame(
              s, v6_frame(a6, b6, wire::ipproto::kIcmpv6,
                          icmp_v6(wire::icmpv6::kEchoRequest, 0x00010001, {}, a6, b6))) == kLocal);
    // Multicast and broadcast UDP, MLD report, GRE, an unknown ethertype, an 802.3 frame.
    const Ipv4Address group{{224, 0, 0, 251}};
    const Ipv4Address bcast{{255, 255, 255, 255}};
    CHECK(classify_frame(s, v4_frame({a, group, wire::ipproto::kUdp},
                                     udp_v4(a, group, 5353, 5353))) == kLocal);
    CHECK(classify_frame(s, v4_frame({a, bcast, wire::ipproto::kUdp}, udp_v4(a, bcast, 68, 67))) ==
          kLocal);
    CHECK(classify_frame(s, v4_frame({a, group, wire::ipproto::kUdp, true, 0},
                                     udp_v4(a, group, 5353, 5353))) == kLocal);
    const Ipv6Address all = Ipv6Address::all_nodes();
    CHECK(classify_frame(s, v6_frame(a6, all, wire::ipproto::kUdp, udp_v6(a6, all, 1, 2))) ==
          kLocal);
    CHECK(classify_frame(s, v6_frame(a6, all, wire::ipproto::kIcmpv6,
                                     icmp_v6(131, 0, Frame(16), a6, all))) == kLocal);
    CHECK(classify_frame(s, v4_frame({a, b, 47}, Frame(24))) == kLocal);
    CHECK(classify_frame(s, ethernet(0x88cc, Frame(46))) == kLocal);
    CHECK(classify_frame(s, ethernet(0x0040, Frame(46))) == kLocal);
}

TEST_CASE("frame classifier: malformed IP headers are Local", "[steer]") {
    const FlowSteering s = make_steering(4);
    const Ipv4Address a{{192, 0, 2, 1}}, b{{192, 0, 2, 2}};
    const Frame good = tcp_v4_frame(a, b, 1000, 80);
    REQUIRE(classify_frame(s, good).route == FrameRoute::Owner);
    const std::size_t ip = wire::kEthernetHeaderLen;
    Frame f = good;
    f[ip] = std::byte{0x65}; // version 6 in an IPv4 frame
    CHECK(classify_frame(s, f) == kLocal);
    f = good;
    f[ip] = std::byte{0x44}; // IHL 4
    CHECK(classify_frame(s, f) == kLocal);
    f = good;
    f[ip] = std::byte{0x4f}; // IHL 15: 60 > total length 50
    CHECK(classify_frame(s, f) == kLocal);
    f = good;
    wire::store_be16(f.data() + ip + 2, 19); // total length below the header
    CHECK(classify_frame(s, f) == kLocal);
    f = good;
    wire::store_be16(f.data() + ip + 2, 23); // total length leaves 3 bytes of ports
    CHECK(classify_frame(s, f) == kLocal);
    f = good;
    wire::store_be16(f.data() + ip + 2, static_cast<std::uint16_t>(good.size())); // too long
    CHECK(classify_frame(s, f) == kLocal);

    const Ipv6Address a6{{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};
    const Ipv6Address b6{{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2}};
    const Frame tcp = tcp_v6(a6, b6, 1000, 80);
    // An extension header whose length runs past the payload.
    Frame bad_ext = ext_header(wire::ipproto::kTcp);
    bad_ext[1] = std::byte{0xff};
    CHECK(classify_frame(s, v6_frame(a6, b6, wire::ipproto::kHopByHop, concat(bad_ext, tcp))) ==
          kLocal);
    // Eight extension headers are walked; a ninth is too many.
    Frame chain = tcp;
    for (int i = 0; i < 8; ++i)
        chain = concat(ext_header(i == 0 ? wire::ipproto::kTcp : wire::ipproto::kDestOpts), chain);
    const FrameDecision want = owner(s.owner(received_tuple(a6, b6, 1000, 80)));
    CHECK(classify_frame(s, v6_frame(a6, b6, wire::ipproto::kDestOpts, chain)) == want);
    chain = concat(ext_header(wire::ipproto::kDestOpts), chain);
    CHECK(classify_frame(s, v6_frame(a6, b6, wire::ipproto::kDestOpts, chain)) == kLocal);
    // No next header, ESP: no flow to see.
    CHECK(classify_frame(s, v6_frame(a6, b6, wire::ipproto::kNoNext, Frame(8))) == kLocal);
    CHECK(classify_frame(s, v6_frame(a6, b6, 50, Frame(24))) == kLocal);
    // Version 4 in an IPv6 frame.
    Frame v = v6_frame(a6, b6, wire::ipproto::kTcp, tcp);
    v[wire::kEthernetHeaderLen] = std::byte{0x45};
    CHECK(classify_frame(s, v) == kLocal);
}

TEST_CASE("frame classifier: IPv4 options and link padding do not move a flow", "[steer]") {
    const FlowSteering s = make_steering(4);
    const Ipv4Address a{{192, 0, 2, 1}}, b{{192, 0, 2, 2}};
    const FrameDecision want = owner(s.owner(received_tuple(a, b, 1234, 53)));
    const Frame udp = v4_frame({a, b, wire::ipproto::kUdp}, udp_v4(a, b, 1234, 53));
    CHECK(classify_frame(s, udp) == want);
    CHECK(classify_frame(s, concat(udp, Frame(60 - udp.size()))) == want); // padded to 60
    // The same datagram with a 4-byte option (NOP x4, IHL 6).
    Frame opts(udp.begin(), udp.begin() + wire::kEthernetHeaderLen + wire::kIpv4MinHeaderLen);
    opts = concat(opts, Frame(4, std::byte{1}));
    opts.insert(opts.end(), udp.begin() + wire::kEthernetHeaderLen + wire::kIpv4MinHeaderLen,
                udp.end());
    std::byte* ip = opts.data() + wire::kEthernetHeaderLen;
    wire::store8(ip, 0x46);
    wire::store_be16(ip + 2, static_cast<std::uint16_t>(wire::load_be16(ip + 2) + 4));
    CHECK(classify_frame(s, opts) == want);
}

TEST_CASE("frame classifier: VLAN-tagged frames are classified like untagged ones", "[steer]") {
    std::mt19937 rng(9);
    const FlowSteering s = make_steering(4);
    for (int i = 0; i < 100; ++i) {
        const Ipv4Address a = random_unicast_v4(rng), b = random_unicast_v4(rng);
        const std::uint16_t pa = random_port(rng), pb = random_port(rng);
        const FrameDecision untagged = classify_frame(s, tcp_v4_frame(a, b, pa, pb));
        REQUIRE(untagged.route == FrameRoute::Owner);
        REQUIRE(classify_frame(s, tcp_v4_frame(a, b, pa, pb, 1)) == untagged);
        REQUIRE(classify_frame(s, tcp_v4_frame(a, b, pa, pb, 2)) == untagged);
        // A third tag is one too many (HARDENING row 21).
        REQUIRE(classify_frame(s, tcp_v4_frame(a, b, pa, pb, 3)) == kLocal);
    }
    Frame arp = arp_frame();
    Frame tagged_arp = ethernet(wire::ethertype::kArp,
                                Frame(arp.begin() + wire::kEthernetHeaderLen, arp.end()), 1);
    CHECK(classify_frame(s, tagged_arp) == kReplicate);
}

TEST_CASE("frame classifier: every truncation of a frame is Local or unchanged", "[steer]") {
    const FlowSteering s = make_steering(3);
    const Ipv4Address a{{192, 0, 2, 1}}, b{{198, 51, 100, 2}};
    const Ipv6Address a6{{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};
    const Ipv6Address b6{{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2}};
    const Frame sent = ipv4({b, a, wire::ipproto::kTcp}, tcp_v4(b, a, 80, 4000));
    const Frame sent6 = ipv6(b6, a6, wire::ipproto::kTcp, tcp_v6(b6, a6, 80, 4000));
    const std::vector<Frame> frames = {
        tcp_v4_frame(a, b, 4000, 80, 2),
        v4_frame({a, b, wire::ipproto::kUdp}, udp_v4(a, b, 4000, 53)),
        v4_frame({a, b, wire::ipproto::kTcp, true, 8}, Frame(16)),
        v4_frame({a, b, wire::ipproto::kIcmp}, icmp_v4(wire::icmpv4::kEchoReply, 0x00020001, {})),
        v4_frame({a, b, wire::ipproto::kIcmp}, icmp_v4(wire::icmpv4::kDestUnreachable, 0, sent)),
        arp_frame(),
        v6_frame(a6, b6, wire::ipproto::kHopByHop,
                 concat(ext_header(wire::ipproto::kTcp), tcp_v6(a6, b6, 4000, 80)), 1),
        v6_frame(a6, b6, wire::ipproto::kFragment,
                 concat(fragment_header(wire::ipproto::kUdp, 0, true), Frame(16))),
        v6_frame(a6, b6, wire::ipproto::kIcmpv6,
                 icmp_v6(wire::icmpv6::kPacketTooBig, 1280, sent6, a6, b6)),
        v6_frame(a6, b6, wire::ipproto::kIcmpv6,
                 icmp_v6(wire::icmpv6::kNeighborAdvertisement, 0, Frame(16), a6, b6)),
        v6_frame(a6, b6, wire::ipproto::kIcmpv6,
                 icmp_v6(wire::icmpv6::kEchoReply, 0x00040001, {}, a6, b6)),
    };
    for (const Frame& full : frames) {
        const FrameDecision whole = classify_frame(s, full);
        REQUIRE(whole.route != FrameRoute::Local);
        for (std::size_t len = 0; len < full.size(); ++len) {
            // An exact-size copy, so that ASan would catch any read past the span.
            const Frame prefix(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(len));
            // No padding in these frames: any cut is inside the IP datagram (or the ARP body).
            REQUIRE(classify_frame(s, prefix) == kLocal);
        }
    }
}

TEST_CASE("frame classifier: random bytes never yield an out-of-range lcore", "[steer]") {
    std::mt19937 rng(10);
    const Ipv4Address a{{192, 0, 2, 1}}, b{{198, 51, 100, 2}};
    const Frame seed = tcp_v4_frame(a, b, 4000, 80, 1);
    for (const std::uint16_t lcores : {1, 2, 3, 4}) {
        const FlowSteering s = make_steering(lcores);
        for (int i = 0; i < 2000; ++i) {
            Frame f = seed;
            for (int m = 0; m < 4; ++m)
                f[rng() % f.size()] = static_cast<std::byte>(rng());
            f.resize(rng() % (f.size() + 1));
            const FrameDecision d = classify_frame(s, f);
            REQUIRE(d.lcore < lcores);
            if (d.route != FrameRoute::Owner)
                REQUIRE(d.lcore == 0);
        }
    }
}

TEST_CASE("frame classifier: random IPv4 flows spread evenly over two lcores", "[steer]") {
    std::mt19937 rng(11);
    const FlowSteering s = make_steering(2);
    int on_zero = 0;
    constexpr int kFlows = 10000;
    for (int i = 0; i < kFlows; ++i) {
        const FrameDecision d =
            classify_frame(s, tcp_v4_frame(random_unicast_v4(rng), random_unicast_v4(rng),
                                           random_port(rng), random_port(rng)));
        REQUIRE(d.route == FrameRoute::Owner);
        on_zero += d.lcore == 0 ? 1 : 0;
    }
    CHECK(on_zero > kFlows * 40 / 100);
    CHECK(on_zero < kFlows * 60 / 100);
}

} // namespace multios::net::classify_test
