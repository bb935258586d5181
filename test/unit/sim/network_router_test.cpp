// IP forwarding (StackConfig::forwarding) on real stacks in the simulator: a chain
// h1 - r1 - r2 - h2 with static routes. Checks what a kernel router does: TTL / hop limit
// decrement, ICMP time exceeded from each hop (traceroute), unreachable without a route, IPv4
// fragmentation in transit with the RFC 791 option rules, and path-MTU discovery for TCP
// (fragmentation needed / packet too big).
#include <catch2/catch.hpp>

#include <chrono>
#include <cstring>
#include <functional>
#include <optional>

#include <multios/net/wire/checksum.hpp>
#include <multios/net/wire/icmp.hpp>

#include "sim_topology.hpp"

using namespace multios::net;
using namespace multios::net::sim_test;
using namespace std::chrono_literals;

namespace multios::net::router_test {
namespace {

IpAddress ip(const char* s) {
    return *IpAddress::parse(s);
}

InterfaceConfig iface(const char* name, std::uint8_t node, std::uint8_t port, const char* v4,
                      const char* v6, std::uint16_t mtu) {
    InterfaceConfig ic;
    ic.name = name;
    ic.mac = MacAddress{{0x02, 0, 0, 0, node, port}};
    ic.addresses = {*IpPrefix::parse(v4), *IpPrefix::parse(v6)};
    ic.mtu = mtu;
    return ic;
}

/// h1 (10.1.0.1) - r1 (10.1.0.254 | 10.2.0.1) - r2 (10.2.0.2 | 10.3.0.254) - h2 (10.3.0.1),
/// and fd01::/64, fd02::/64, fd03::/64 the same way. The middle link's MTU is `middle_mtu`.
struct Chain {
    Network net;
    NodeId h1, r1, r2, h2;
    DuplexLink l1, l2, l3;

    using Observer = std::function<void(const Chain&, LinkId, Instant, std::span<const std::byte>)>;

    /// `observe` sees every frame delivered from the start (the links exist by then).
    explicit Chain(std::uint16_t middle_mtu = 1500, Observer observe = nullptr,
                   std::uint64_t seed = 7)
        : net(seed) {
        StackConfig router;
        router.forwarding = true;
        h1 = net.add_node();
        r1 = net.add_node(router);
        r2 = net.add_node(router);
        h2 = net.add_node();
        LinkConfig wire;
        wire.rate_bps = 100'000'000;
        wire.delay = 1ms;
        l1 = net.connect(h1, iface("eth0", 1, 0, "10.1.0.1/24", "fd01::1/64", 1500), r1,
                         iface("eth0", 2, 0, "10.1.0.254/24", "fd01::fe/64", 1500), wire, wire)
                 .value();
        l2 = net.connect(r1, iface("eth1", 2, 1, "10.2.0.1/24", "fd02::1/64", middle_mtu), r2,
                         iface("eth0", 3, 0, "10.2.0.2/24", "fd02::2/64", middle_mtu), wire, wire)
                 .value();
        l3 = net.connect(r2, iface("eth1", 3, 1, "10.3.0.254/24", "fd03::fe/64", 1500), h2,
                         iface("eth0", 4, 0, "10.3.0.1/24", "fd03::1/64", 1500), wire, wire)
                 .value();
        if (observe)
            net.set_delivery_observer(
                [this, observe](LinkId l, Instant t, std::span<const std::byte> f) {
                    observe(*this, l, t, f);
                });
        REQUIRE(net.stack(h1).set_gateway(ip("10.1.0.254")));
        REQUIRE(net.stack(h1).set_gateway(ip("fd01::fe")));
        REQUIRE(net.stack(h2).set_gateway(ip("10.3.0.254")));
        REQUIRE(net.stack(h2).set_gateway(ip("fd03::fe")));
        REQUIRE(net.stack(r1).add_route(*IpPrefix::parse("10.3.0.0/24"), ip("10.2.0.2")));
        REQUIRE(net.stack(r1).add_route(*IpPrefix::parse("fd03::/64"), ip("fd02::2")));
        REQUIRE(net.stack(r2).add_route(*IpPrefix::parse("10.1.0.0/24"), ip("10.2.0.1")));
        REQUIRE(net.stack(r2).add_route(*IpPrefix::parse("fd01::/64"), ip("fd02::1")));
        net.run_for(3s); // DAD settles
    }
};

/// Pings `dst` from h1 with `ttl` and runs a second; what came back.
struct PingOutcome {
    std::vector<PingReply> replies;
    std::vector<PingError> errors;
};

PingOutcome ping(Chain& c, const IpAddress& dst, std::uint8_t ttl, std::uint16_t seq) {
    StackCore& h1 = c.net.stack(c.h1);
    REQUIRE(h1.ping_send(dst, 0x51, seq, 56, ttl, c.net.now()));
    c.net.run_for(1s);
    return {h1.ping_take_replies(), h1.ping_take_errors()};
}

} // namespace
} // namespace multios::net::router_test

using namespace multios::net::router_test;

TEST_CASE("routers forward pings across a chain and decrement the TTL", "[sim_router]") {
    Chain c;
    for (const char* dst : {"10.3.0.1", "fd03::1"}) {
        const auto out = ping(c, ip(dst), 64, 1);
        REQUIRE(out.replies.size() == 1);
        CHECK(out.replies[0].from == ip(dst));
        CHECK(out.replies[0].ttl == 62); // h2 sent 64; two routers took one each.
        CHECK(out.errors.empty());
    }
    CHECK(c.net.stack(c.r1).counters().ipv4_forwarded == 2); // request and reply
    CHECK(c.net.stack(c.r2).counters().ipv6_forwarded == 2);
    // A host never forwards: h2 got nothing it had to route.
    CHECK(c.net.stack(c.h2).counters().ipv4_forwarded == 0);
}

TEST_CASE("each hop answers an expiring TTL with time exceeded from its own address",
          "[sim_router]") {
    Chain c;
    struct Hop {
        const char* dst;
        std::uint8_t ttl;
        const char* from;
    };
    // traceroute: the hop that reports is the router on the way back to h1, and it speaks
    // from the address of its interface towards h1.
    for (const Hop& h : {Hop{"10.3.0.1", 1, "10.1.0.254"}, Hop{"10.3.0.1", 2, "10.2.0.2"},
                         Hop{"fd03::1", 1, "fd01::fe"}, Hop{"fd03::1", 2, "fd02::2"}}) {
        INFO(h.dst << " ttl " << int(h.ttl));
        const auto out = ping(c, ip(h.dst), h.ttl, h.ttl);
        CHECK(out.replies.empty());
        REQUIRE(out.errors.size() == 1);
        CHECK(out.errors[0].from == ip(h.from));
        CHECK(out.errors[0].seq == h.ttl);
        CHECK(out.errors[0].type ==
              (out.errors[0].v6 ? wire::icmpv6::kTimeExceeded : wire::icmpv4::kTimeExceeded));
        CHECK(out.errors[0].code == 0);
    }
    CHECK(c.net.stack(c.r1).drops()[DropReason::Ipv4TtlExceeded] == 1);
    CHECK(c.net.stack(c.r2).drops()[DropReason::Ipv6HopLimitExceeded] == 1);
    // TTL 3 reaches h2.
    CHECK(ping(c, ip("10.3.0.1"), 3, 9).replies.size() == 1);
}

TEST_CASE("a router reports a destination it has no route to", "[sim_router]") {
    Chain c;
    for (const char* dst : {"10.9.0.1", "fd09::1"}) {
        const auto out = ping(c, ip(dst), 64, 4);
        REQUIRE(out.errors.size() == 1);
        CHECK(out.errors[0].from == ip(out.errors[0].v6 ? "fd01::fe" : "10.1.0.254"));
        CHECK(out.errors[0].type ==
              (out.errors[0].v6 ? wire::icmpv6::kDestUnreachable : wire::icmpv4::kDestUnreachable));
        CHECK(out.errors[0].code == 0);
    }
    CHECK(c.net.stack(c.r1).drops()[DropReason::Ipv4NoRoute] == 1);
    CHECK(c.net.stack(c.r1).drops()[DropReason::Ipv6NoRoute] == 1);
}

TEST_CASE("a router answers for every one of its addresses, whichever way the packet came",
          "[sim_router]") {
    Chain c;
    // 10.2.0.2 is r2's address on the middle link; 10.3.0.254 its far side. Both answer.
    for (const char* dst : {"10.2.0.2", "10.3.0.254", "fd03::fe"}) {
        INFO(dst);
        const auto out = ping(c, ip(dst), 64, 5);
        REQUIRE(out.replies.size() == 1);
        CHECK(out.replies[0].from == ip(dst));
    }
    CHECK(c.net.stack(c.r2).counters().ipv4_forwarded == 0);
}

TEST_CASE("an IPv4 datagram without DF is fragmented by the router and reassembled at the end",
          "[sim_router]") {
    Chain c(576);
    StackCore& h1 = c.net.stack(c.h1);
    StackCore& h2 = c.net.stack(c.h2);
    const auto rx = h2.udp_open(IpAddress{Ipv4Address{}}, 7000);
    REQUIRE(rx);
    const auto tx = h1.udp_open(IpAddress{Ipv4Address{}}, 0);
    REQUIRE(tx);
    std::vector<std::byte> payload(1400);
    for (std::size_t i = 0; i < payload.size(); ++i)
        payload[i] = static_cast<std::byte>(i * 13);
    REQUIRE(h1.udp_send_to(*tx, ip("10.3.0.1"), 7000, payload, c.net.now()));
    c.net.run_for(1s);
    std::vector<std::byte> got;
    h2.udp_drain(*rx,
                 [&](const UdpDatagramView& d) { got.assign(d.payload.begin(), d.payload.end()); });
    CHECK(got == payload);
    // 1408 bytes of UDP over a 576-byte MTU: 552 + 552 + 304.
    CHECK(c.net.stack(c.r1).counters().frags_tx == 3);
    CHECK(h2.counters().reassembled == 1);
    CHECK(h1.counters().frags_tx == 0); // the sender's own link takes 1500
}

TEST_CASE("TCP learns the path MTU from the router (fragmentation needed, packet too big)",
          "[sim_router]") {
    // IPv4 on a 576-byte middle link, IPv6 on a 1280-byte one: TCP sets DF (IPv6 never
    // fragments in transit), so the router refuses full-sized segments and the sender shrinks.
    for (const char* dst : {"10.3.0.1", "fd03::1"}) {
        INFO(dst);
        const bool v6 = std::strchr(dst, ':') != nullptr;
        Chain c(v6 ? 1280 : 576);
        StackCore& h1 = c.net.stack(c.h1);
        StackCore& h2 = c.net.stack(c.h2);
        const auto l =
            h2.tcp_listen(v6 ? IpAddress{Ipv6Address{}} : IpAddress{Ipv4Address{}}, 8000, 4);
        REQUIRE(l);
        const auto conn = h1.tcp_connect(ip(dst), 8000, c.net.now());
        REQUIRE(conn);
        c.net.run_for(1s);
        const auto accepted = h2.tcp_accept(*l);
        REQUIRE(accepted);
        std::vector<std::byte> data(60000);
        for (std::size_t i = 0; i < data.size(); ++i)
            data[i] = static_cast<std::byte>(i % 251);
        std::size_t sent = 0;
        std::vector<std::byte> got;
        std::array<std::byte, 8192> buf{};
        for (int round = 0; round < 200 && got.size() < data.size(); ++round) {
            if (sent < data.size())
                if (auto n = h1.tcp_send(*conn, std::span{data}.subspan(sent), c.net.now()))
                    sent += *n;
            c.net.run_for(50ms);
            while (auto n = h2.tcp_recv(*accepted, buf, c.net.now())) {
                if (*n == 0)
                    break;
                got.insert(got.end(), buf.begin(), buf.begin() + static_cast<long>(*n));
            }
        }
        CHECK(got == data);
        const DropCounters& d = c.net.stack(c.r1).drops();
        CHECK(d[v6 ? DropReason::Ipv6PacketTooBig : DropReason::Ipv4FragNeeded] >= 1);
        CHECK(c.net.stack(c.r1).counters().frags_tx == 0);
        const auto info = h1.tcp_info(*conn);
        REQUIRE(info);
        // The segments now fit the small link: MSS = MTU - IP - TCP headers (options aside).
        CHECK(info->snd_mss <= (v6 ? 1280u - 60u : 576u - 40u));
    }
}

TEST_CASE("fragments in transit keep only the copied options after the first (RFC 791 3.1)",
          "[sim_router]") {
    Chain c(576);
    std::vector<std::vector<std::byte>> middle;
    c.net.set_delivery_observer([&](LinkId l, Instant, std::span<const std::byte> f) {
        if (l == c.l2.a_to_b && f.size() > 34 && f[12] == std::byte{0x08} &&
            f[13] == std::byte{0x00})
            middle.emplace_back(f.begin(), f.end());
    });
    // A 1024-byte UDP datagram from h1 with a 12-byte option area: a copied option (type
    // 0x88, stream ID, 4 bytes), a NOP, a non-copied one (type 0x44 timestamp-like, 7 bytes
    // of type 0x07 record route here) — parse_ipv4 accepts any well-formed TLV.
    const std::array<std::uint8_t, 12> options{0x88, 4, 0xab, 0xcd, 1, 0x07, 7, 4, 0, 0, 0, 0};
    const std::size_t hl = 20 + options.size();
    const std::size_t payload = 1024;
    std::vector<std::byte> frame(14 + hl + payload);
    const MacAddress r1_mac = c.net.stack(c.r1).interface(0).mac;
    const MacAddress h1_mac = c.net.stack(c.h1).interface(0).mac;
    std::memcpy(frame.data(), r1_mac.bytes.data(), 6);
    std::memcpy(frame.data() + 6, h1_mac.bytes.data(), 6);
    frame[12] = std::byte{0x08};
    std::byte* iph = frame.data() + 14;
    wire::store8(iph, static_cast<std::uint8_t>(0x40 | hl / 4));
    wire::store_be16(iph + 2, static_cast<std::uint16_t>(hl + payload));
    wire::store_be16(iph + 4, 0x1234);
    wire::store8(iph + 8, 30);
    wire::store8(iph + 9, 17);
    const std::array<std::uint8_t, 8> addrs{10, 1, 0, 1, 10, 3, 0, 1};
    std::memcpy(iph + 12, addrs.data(), 8);
    std::memcpy(iph + 20, options.data(), options.size());
    wire::store_be16(iph + 10, wire::internet_checksum({iph, hl}));
    for (std::size_t i = 0; i < payload; ++i)
        iph[hl + i] = static_cast<std::byte>(i);
    c.net.stack(c.r1).receive(0, frame, c.net.now());
    c.net.run_for(100ms);

    REQUIRE(middle.size() >= 2);
    std::size_t carried = 0;
    for (std::size_t i = 0; i < middle.size(); ++i) {
        const std::byte* h = middle[i].data() + 14;
        const std::size_t ihl = (wire::load8(h) & 0x0f) * 4u;
        INFO("fragment " << i);
        CHECK(wire::internet_checksum({h, ihl}) == 0);
        CHECK(wire::load8(h + 8) == 29); // TTL - 1
        CHECK(wire::load_be16(h + 4) == 0x1234);
        const std::uint16_t flags = wire::load_be16(h + 6);
        CHECK((flags & 0x1fff) * 8u == carried);
        CHECK(((flags & 0x2000) != 0) == (i + 1 < middle.size()));
        CHECK(wire::load_be16(h + 2) <= 576);
        if (i == 0) {
            CHECK(ihl == hl);
        } else {
            CHECK(ihl == 24); // 0x88 option (4 bytes) only
            CHECK(wire::load8(h + 20) == 0x88);
        }
        carried += wire::load_be16(h + 2) - ihl;
    }
    CHECK(carried == payload);
}

TEST_CASE("a router advertises itself as one and sends no Router Solicitation", "[sim_router]") {
    std::vector<std::vector<std::byte>> from_r1;
    int rs_from_hosts = 0, rs_from_routers = 0;
    Chain c(1500, [&](const Chain& ch, LinkId l, Instant, std::span<const std::byte> f) {
        // Ethernet + IPv6 + ICMPv6: the ICMPv6 type is at 14 + 40.
        if (f.size() < 14 + 40 + 8 || f[12] != std::byte{0x86} || f[13] != std::byte{0xdd} ||
            f[14 + 6] != std::byte{58})
            return;
        const std::uint8_t type = wire::load8(f.data() + 54);
        const bool from_router =
            l == ch.l1.b_to_a || l == ch.l2.a_to_b || l == ch.l2.b_to_a || l == ch.l3.a_to_b;
        if (type == wire::icmpv6::kRouterSolicitation)
            ++(from_router ? rs_from_routers : rs_from_hosts);
        if (type == wire::icmpv6::kNeighborAdvertisement && l == ch.l1.b_to_a)
            from_r1.emplace_back(f.begin(), f.end());
    });
    // A ping over IPv6 makes h1 resolve r1 (NS), and r1 answer with an NA.
    REQUIRE(ping(c, ip("fd03::1"), 64, 1).replies.size() == 1);
    REQUIRE_FALSE(from_r1.empty());
    for (const auto& na : from_r1)
        CHECK((wire::load_be32(na.data() + 54 + 4) & 0x80000000u) != 0); // R flag
    CHECK(rs_from_routers == 0);
    CHECK(rs_from_hosts >= 2); // h1 and h2 solicit (RFC 4861 6.3.7); nobody advertises here
}
