// UDP socket options (ephemeral ports, hop limit, v6only / dual-stack, SO_REUSEPORT, bound
// source), the readiness lists, and raw IP sockets (raw(7) semantics) on the stack core.
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <set>

#include "stack_harness.hpp"

using namespace multios::net;
using namespace multios::net::stack_test;

namespace multios::net::udp_raw_test {

void learn_peer_v4(Harness& h) {
    h.rx(arp_request(kStackIp));
    h.sink.take();
}

void learn_peer_v6(Harness& h) {
    h.rx(frames::neighbor_solicitation(kPeerMac, kPeerIp6, kStackIp6));
    h.sink.take();
}

Frame udp4_frame(std::uint16_t sport, std::uint16_t dport, std::size_t len = 10,
                 Ipv4Address dst = kStackIp) {
    const auto data = pattern(len);
    return eth(kStackMac, kPeerMac, wire::ethertype::kIpv4,
               ipv4(kPeerIp, dst, wire::ipproto::kUdp, udp_v4(sport, dport, data, kPeerIp, dst)));
}

Frame udp6_frame(std::uint16_t sport, std::uint16_t dport, std::size_t len = 10) {
    const auto data = pattern(len);
    return eth(kStackMac, kPeerMac, wire::ethertype::kIpv6,
               ipv6(kPeerIp6, kStackIp6, wire::ipproto::kUdp,
                    frames::udp_v6(sport, dport, data, kPeerIp6, kStackIp6)));
}

std::size_t drain_count(Harness& h, UdpSocketId s) {
    return h.stack.udp_drain(s, [](const UdpDatagramView&) {});
}

std::vector<UdpSocketId> take_udp_readable(Harness& h) {
    std::vector<UdpSocketId> ids;
    h.stack.udp_take_readable([&](UdpSocketId id) { ids.push_back(id); });
    return ids;
}

IpAddress any4() {
    return IpAddress{Ipv4Address{}};
}

IpAddress any6() {
    return IpAddress{Ipv6Address{}};
}

/// An ICMPv4 echo request with the checksum the user computes (raw(7) leaves it to them).
Frame user_echo_v4(std::uint16_t id, std::uint16_t seq, std::size_t len) {
    const auto data = pattern(len);
    return icmpv4_echo(id, seq, data);
}

} // namespace multios::net::udp_raw_test

using namespace multios::net::udp_raw_test;

TEST_CASE("udp port 0 picks a free ephemeral port; taken ports are EADDRINUSE", "[udp-raw]") {
    Harness h;
    const auto a = h.stack.udp_open(any4(), 0, UdpOpenOptions{});
    REQUIRE(a);
    const std::uint16_t pa = h.stack.udp_local_port(*a);
    CHECK(pa >= 49152);
    CHECK(h.stack.udp_local_address(*a) == any4());
    const auto b = h.stack.udp_open(any4(), 0, UdpOpenOptions{});
    REQUIRE(b);
    CHECK(h.stack.udp_local_port(*b) != pa);
    CHECK(h.stack.udp_local_port(*b) >= 49152);
    CHECK(h.stack.udp_open(any4(), pa, UdpOpenOptions{}).error() == make_errno_error(EADDRINUSE));
    CHECK(h.stack.udp_open(IpAddress{kStackIp}, pa).error() == make_errno_error(EADDRINUSE));
    h.stack.udp_close(*a);
    CHECK(h.stack.udp_local_port(*a) == 0);
    CHECK(h.stack.udp_open(IpAddress{kStackIp}, pa, UdpOpenOptions{}));

    SECTION("different seeds start at different ports") {
        StackConfig c1, c2;
        c1.seed = 1;
        c2.seed = 2;
        Harness h1(c1), h2(c2);
        const auto s1 = h1.stack.udp_open(any4(), 0, UdpOpenOptions{});
        const auto s2 = h2.stack.udp_open(any4(), 0, UdpOpenOptions{});
        REQUIRE(s1);
        REQUIRE(s2);
        CHECK(h1.stack.udp_local_port(*s1) != h2.stack.udp_local_port(*s2));
    }
    SECTION("a one-port range is exhausted by one socket") {
        StackConfig c;
        c.tcp.ephemeral_first = 40000;
        c.tcp.ephemeral_last = 40000;
        Harness small(c);
        const auto s = small.stack.udp_open(any6(), 0, UdpOpenOptions{});
        REQUIRE(s);
        CHECK(small.stack.udp_local_port(*s) == 40000);
        CHECK(small.stack.udp_open(any4(), 0, UdpOpenOptions{}).error() ==
              make_errno_error(EADDRNOTAVAIL));
    }
}

TEST_CASE("udp_take_readable reports each empty to non-empty transition once", "[udp-raw]") {
    Harness h;
    h.settle();
    const auto a = h.stack.udp_open(any4(), 7000);
    const auto b = h.stack.udp_open(any4(), 7001);
    REQUIRE(a);
    REQUIRE(b);
    CHECK(take_udp_readable(h).empty());
    h.rx(udp4_frame(1000, 7000));
    h.rx(udp4_frame(1001, 7000));
    h.rx(udp4_frame(1000, 7001));
    CHECK(take_udp_readable(h) == std::vector<UdpSocketId>{*a, *b});
    h.rx(udp4_frame(1002, 7000)); // Queue not empty: no new transition.
    CHECK(take_udp_readable(h).empty());
    CHECK(drain_count(h, *a) == 3);
    h.rx(udp4_frame(1003, 7000));
    CHECK(take_udp_readable(h) == std::vector<UdpSocketId>{*a});
    SECTION("a closed socket is not reported") {
        CHECK(drain_count(h, *b) == 1);
        h.rx(udp4_frame(1000, 7001));
        h.stack.udp_close(*b);
        CHECK(take_udp_readable(h).empty());
    }
}

TEST_CASE("udp hop limit reaches the wire for IPv4 and IPv6", "[udp-raw]") {
    Harness h;
    h.settle();
    learn_peer_v4(h);
    learn_peer_v6(h);
    const auto data = pattern(20);
    const auto s4 = h.stack.udp_open(any4(), 5000, UdpOpenOptions{});
    REQUIRE(s4);
    REQUIRE(h.stack.udp_send_to(*s4, IpAddress{kPeerIp}, 9, data, h.now));
    auto out = h.sink.take();
    REQUIRE(out.size() == 1);
    CHECK(parse_v4_frame(out[0]).ttl == 64);
    REQUIRE(h.stack.udp_set_hop_limit(*s4, 7));
    CHECK(h.stack.udp_set_hop_limit(*s4, 0).error() == make_errno_error(EINVAL));
    REQUIRE(h.stack.udp_send_to(*s4, IpAddress{kPeerIp}, 9, data, h.now));
    out = h.sink.take();
    REQUIRE(out.size() == 1);
    CHECK(parse_v4_frame(out[0]).ttl == 7);

    UdpOpenOptions opt;
    opt.hop_limit = 9;
    opt.v6only = true;
    const auto s6 = h.stack.udp_open(any6(), 5001, opt);
    REQUIRE(s6);
    REQUIRE(h.stack.udp_send_to(*s6, IpAddress{kPeerIp6}, 9, data, h.now));
    out = h.sink.take();
    REQUIRE(out.size() == 1);
    const auto ip6 = parse_v6_frame(out[0]);
    CHECK(ip6.hop_limit == 9);
    wire::UdpDatagram d;
    REQUIRE(wire::parse_udp_v6(ip6.payload, ip6.src, ip6.dst, d) == wire::ParseError::Ok);
    CHECK(d.src_port == 5001);
    // A v6only socket cannot reach IPv4.
    CHECK(h.stack.udp_send_to(*s6, IpAddress{kPeerIp}, 9, data, h.now).error() ==
          make_errno_error(EAFNOSUPPORT));
    opt.hop_limit = 0;
    CHECK(h.stack.udp_open(any6(), 5002, opt).error() == make_errno_error(EINVAL));
}

TEST_CASE("udp v6only and dual-stack sockets", "[udp-raw]") {
    Harness h;
    h.settle();
    UdpOpenOptions v6only;
    v6only.v6only = true;
    SECTION("a v6only socket and a 0.0.0.0 socket share a port") {
        const auto s6 = h.stack.udp_open(any6(), 5000, v6only);
        const auto s4 = h.stack.udp_open(any4(), 5000, UdpOpenOptions{});
        REQUIRE(s6);
        REQUIRE(s4);
        h.rx(udp4_frame(1, 5000));
        h.rx(udp6_frame(2, 5000));
        h.rx(udp6_frame(3, 5000));
        CHECK(drain_count(h, *s4) == 1);
        CHECK(drain_count(h, *s6) == 2);
    }
    SECTION("a dual-stack socket takes IPv4 and conflicts with 0.0.0.0") {
        const auto dual = h.stack.udp_open(any6(), 6000, UdpOpenOptions{});
        REQUIRE(dual);
        CHECK(h.stack.udp_open(any4(), 6000, UdpOpenOptions{}).error() ==
              make_errno_error(EADDRINUSE));
        h.rx(udp4_frame(1234, 6000));
        h.rx(udp6_frame(1235, 6000));
        std::vector<IpAddress> from;
        CHECK(h.stack.udp_drain(*dual, [&](const UdpDatagramView& d) { from.push_back(d.src); }) ==
              2);
        CHECK(from == std::vector<IpAddress>{IpAddress{kPeerIp}, IpAddress{kPeerIp6}});
    }
    SECTION("a specific address wins over the wildcard") {
        const auto wild = h.stack.udp_open(any4(), 6001, UdpOpenOptions{});
        REQUIRE(wild);
        // Same port, overlapping address: taken without SO_REUSEPORT.
        CHECK(h.stack.udp_open(IpAddress{kStackIp}, 6001, UdpOpenOptions{}).error() ==
              make_errno_error(EADDRINUSE));
        h.stack.udp_close(*wild);
        const auto exact = h.stack.udp_open(IpAddress{kStackIp}, 6001, UdpOpenOptions{});
        REQUIRE(exact);
        h.rx(udp4_frame(1, 6001));
        CHECK(drain_count(h, *exact) == 1);
        h.rx(udp6_frame(1, 6001)); // Nobody listens on IPv6: port unreachable.
        CHECK(h.stack.drops()[DropReason::UdpNoSocket] == 1);
    }
    SECTION("the two-argument 0.0.0.0 keeps taking both families (CLI udp echo)") {
        const auto legacy = h.stack.udp_open(any4(), 7);
        REQUIRE(legacy);
        CHECK(h.stack.udp_local_address(*legacy) == any4());
        h.rx(udp4_frame(1, 7));
        h.rx(udp6_frame(1, 7));
        CHECK(drain_count(h, *legacy) == 2);
    }
}

TEST_CASE("udp SO_REUSEPORT spreads sources over the group", "[udp-raw]") {
    Harness h;
    h.settle();
    UdpOpenOptions reuse;
    reuse.reuse_port = true;
    std::vector<UdpSocketId> group;
    for (int i = 0; i < 4; ++i) {
        const auto s = h.stack.udp_open(any4(), 5353, reuse);
        REQUIRE(s);
        group.push_back(*s);
    }
    CHECK(h.stack.udp_open(any4(), 5353, UdpOpenOptions{}).error() == make_errno_error(EADDRINUSE));
    for (std::uint16_t sport = 20000; sport < 20064; ++sport)
        h.rx(udp4_frame(sport, 5353));
    std::size_t total = 0;
    for (auto s : group) {
        const std::size_t n = drain_count(h, s);
        CHECK(n > 0); // 64 sources over 4 sockets: each gets some.
        total += n;
    }
    CHECK(total == 64);
    // One source always reaches the same socket.
    for (int i = 0; i < 5; ++i)
        h.rx(udp4_frame(31000, 5353));
    std::size_t holders = 0;
    for (auto s : group)
        holders += drain_count(h, s) == 5 ? 1 : 0;
    CHECK(holders == 1);
}

TEST_CASE("udp sends from the bound address", "[udp-raw]") {
    Harness h;
    const Ipv4Address second{{10, 0, 0, 3}};
    REQUIRE(h.stack.add_address(0, *IpPrefix::parse("10.0.0.3/24"), h.now));
    h.settle();
    learn_peer_v4(h);
    const auto s = h.stack.udp_open(IpAddress{second}, 5000, UdpOpenOptions{});
    REQUIRE(s);
    REQUIRE(h.stack.udp_send_to(*s, IpAddress{kPeerIp}, 9, pattern(8), h.now));
    auto out = h.sink.take();
    REQUIRE(out.size() == 1);
    const auto ip = parse_v4_frame(out[0]);
    CHECK(ip.src == second);
    wire::UdpDatagram d;
    REQUIRE(wire::parse_udp_v4(ip.payload, ip.src, ip.dst, d) == wire::ParseError::Ok);
    CHECK(d.src_port == 5000);
    // Datagrams to the other address are not this socket's.
    h.rx(udp4_frame(1, 5000));
    CHECK(drain_count(h, *s) == 0);
    h.rx(udp4_frame(1, 5000, 10, second));
    CHECK(drain_count(h, *s) == 1);
}

TEST_CASE("raw ICMPv4 socket sends a user echo request and receives the reply", "[udp-raw]") {
    Harness h;
    h.settle();
    learn_peer_v4(h);
    const auto r = h.stack.raw_open(false, wire::ipproto::kIcmp);
    REQUIRE(r);
    const auto echo = user_echo_v4(0x1234, 1, 32);
    REQUIRE(h.stack.raw_set_hop_limit(*r, 5));
    REQUIRE(h.stack.raw_send_to(*r, IpAddress{kPeerIp}, echo, h.now));
    auto out = h.sink.take();
    REQUIRE(out.size() == 1);
    const auto ip = parse_v4_frame(out[0]);
    CHECK(ip.protocol == wire::ipproto::kIcmp);
    CHECK(ip.ttl == 5);
    CHECK(ip.src == kStackIp);
    CHECK(std::equal(ip.payload.begin(), ip.payload.end(), echo.begin(), echo.end()));
    wire::IcmpMessage m;
    REQUIRE(wire::parse_icmpv4(ip.payload, m) == wire::ParseError::Ok); // User's checksum.
    CHECK(m.type == wire::icmpv4::kEchoRequest);

    // The peer's reply: the raw socket gets the IP header and the ICMP message.
    const auto body = pattern(32);
    Frame reply = icmpv4_echo(0x1234, 1, body);
    reply[0] = std::byte{wire::icmpv4::kEchoReply};
    wire::store_be16(reply.data() + 2, 0);
    wire::store_be16(reply.data() + 2, wire::internet_checksum(reply));
    h.rx(eth(kStackMac, kPeerMac, wire::ethertype::kIpv4,
             ipv4(kPeerIp, kStackIp, wire::ipproto::kIcmp, reply, 9, 0, false, 61)));
    std::vector<RawSocketId> ready;
    h.stack.raw_take_readable([&](RawSocketId id) { ready.push_back(id); });
    CHECK(ready == std::vector<RawSocketId>{*r});
    std::vector<std::byte> got;
    RawDatagramView view;
    REQUIRE(h.stack.raw_drain(*r, [&](const RawDatagramView& v) {
        view = v;
        got.assign(v.data.begin(), v.data.end());
    }) == 1);
    CHECK(view.src == IpAddress{kPeerIp});
    CHECK(view.dst == IpAddress{kStackIp});
    CHECK(view.hop_limit == 61);
    REQUIRE(got.size() == 20 + reply.size());
    CHECK(got[0] == std::byte{0x45});
    CHECK(wire::load_be16(got.data() + 2) == 20 + reply.size());
    CHECK(std::equal(reply.begin(), reply.end(), got.begin() + 20));
}

TEST_CASE("raw ICMPv6 socket: the stack computes the checksum; payload-only receive", "[udp-raw]") {
    Harness h;
    h.settle();
    learn_peer_v6(h);
    const auto r = h.stack.raw_open(true, wire::ipproto::kIcmpv6);
    REQUIRE(r);
    CHECK(h.stack.raw_set_header_included(*r, true).error() == make_errno_error(EINVAL));
    // Echo request with a zero (unfilled) checksum.
    Frame echo(8 + 24);
    echo[0] = std::byte{wire::icmpv6::kEchoRequest};
    wire::store_be16(echo.data() + 4, 0x77);
    wire::store_be16(echo.data() + 6, 3);
    const auto body = pattern(24);
    std::copy(body.begin(), body.end(), echo.begin() + 8);
    REQUIRE(h.stack.raw_send_to(*r, IpAddress{kPeerIp6}, echo, h.now));
    auto out = h.sink.take();
    REQUIRE(out.size() == 1);
    const auto ip = parse_v6_frame(out[0]);
    CHECK(ip.next_header == wire::ipproto::kIcmpv6);
    wire::IcmpMessage m;
    REQUIRE(wire::parse_icmpv6(ip.payload, ip.src, ip.dst, m) == wire::ParseError::Ok);
    CHECK(m.type == wire::icmpv6::kEchoRequest);
    CHECK(m.echo_seq() == 3);
    CHECK(h.stack.raw_send_to(*r, IpAddress{kPeerIp}, echo, h.now).error() ==
          make_errno_error(EAFNOSUPPORT));
    CHECK(h.stack.raw_send_to(*r, IpAddress{kPeerIp6}, std::span(echo).first(3), h.now).error() ==
          make_errno_error(EINVAL));

    const auto reply = frames::icmpv6_echo(0x77, 3, body, kPeerIp6, kStackIp6);
    Frame msg = reply;
    msg[0] = std::byte{wire::icmpv6::kEchoReply};
    wire::store_be16(msg.data() + 2, 0);
    auto sum = wire::pseudo_header_v6(kPeerIp6, kStackIp6, wire::ipproto::kIcmpv6,
                                      static_cast<std::uint32_t>(msg.size()));
    sum.add(msg);
    wire::store_be16(msg.data() + 2, sum.finish());
    h.rx(eth(kStackMac, kPeerMac, wire::ethertype::kIpv6,
             ipv6(kPeerIp6, kStackIp6, wire::ipproto::kIcmpv6, msg, 50)));
    std::vector<std::byte> got;
    RawDatagramView view;
    REQUIRE(h.stack.raw_drain(*r, [&](const RawDatagramView& v) {
        view = v;
        got.assign(v.data.begin(), v.data.end());
    }) == 1);
    CHECK(got == msg); // No IPv6 header.
    CHECK(view.src == IpAddress{kPeerIp6});
    CHECK(view.dst == IpAddress{kStackIp6});
    CHECK(view.hop_limit == 50);
}

TEST_CASE("raw IP_HDRINCL fills length, checksum, ID and source; rejects bad headers",
          "[udp-raw]") {
    Harness h;
    h.settle();
    learn_peer_v4(h);
    const auto r = h.stack.raw_open(false, 253);
    REQUIRE(r);
    REQUIRE(h.stack.raw_set_header_included(*r, true));
    Frame pkt(20 + 10);
    pkt[0] = std::byte{0x45};
    pkt[8] = std::byte{33};  // TTL
    pkt[9] = std::byte{253}; // Protocol (experimental, RFC 3692)
    for (std::size_t i = 0; i < 4; ++i)
        pkt[16 + i] = std::byte{kPeerIp.bytes[i]};
    const auto body = pattern(10);
    std::copy(body.begin(), body.end(), pkt.begin() + 20);
    REQUIRE(h.stack.raw_send_to(*r, IpAddress{kPeerIp}, pkt, h.now));
    auto out = h.sink.take();
    REQUIRE(out.size() == 1);
    const auto ip = parse_v4_frame(out[0]); // Verifies the header checksum.
    CHECK(ip.total_len == 30);
    CHECK(ip.ttl == 33);
    CHECK(ip.protocol == 253);
    CHECK(ip.src == kStackIp);
    CHECK(ip.dst == kPeerIp);
    CHECK(ip.id != 0);
    CHECK(std::equal(ip.payload.begin(), ip.payload.end(), body.begin(), body.end()));

    const auto einval = make_errno_error(EINVAL);
    CHECK(h.stack.raw_send_to(*r, IpAddress{kPeerIp}, std::span(pkt).first(12), h.now).error() ==
          einval);
    Frame long_ihl = pkt;
    long_ihl[0] = std::byte{0x4f}; // 60-byte header in 30 bytes.
    CHECK(h.stack.raw_send_to(*r, IpAddress{kPeerIp}, long_ihl, h.now).error() == einval);
    Frame v6 = pkt;
    v6[0] = std::byte{0x65};
    CHECK(h.stack.raw_send_to(*r, IpAddress{kPeerIp}, v6, h.now).error() == einval);
    CHECK(h.sink.take().empty());
}

TEST_CASE("raw receive copies without stopping normal processing", "[udp-raw]") {
    Harness h;
    h.settle();
    learn_peer_v4(h);
    CHECK(h.stack.raw_open(false, 0).error() == make_errno_error(EPROTONOSUPPORT));
    CHECK(h.stack.raw_open(true, 255).error() == make_errno_error(EPROTONOSUPPORT));
    const auto r = h.stack.raw_open(false, wire::ipproto::kIcmp);
    const auto udp_raw = h.stack.raw_open(false, wire::ipproto::kUdp);
    REQUIRE(r);
    REQUIRE(udp_raw);
    const auto body = pattern(16);
    h.rx(eth(kStackMac, kPeerMac, wire::ethertype::kIpv4,
             ipv4(kPeerIp, kStackIp, wire::ipproto::kIcmp, icmpv4_echo(5, 6, body))));
    auto out = h.sink.take();
    REQUIRE(out.size() == 1); // The stack still answers.
    wire::IcmpMessage m;
    REQUIRE(wire::parse_icmpv4(parse_v4_frame(out[0]).payload, m) == wire::ParseError::Ok);
    CHECK(m.type == wire::icmpv4::kEchoReply);
    std::uint8_t seen_type = 0xff;
    REQUIRE(h.stack.raw_drain(*r, [&](const RawDatagramView& v) {
        seen_type = std::to_integer<std::uint8_t>(v.data[20]);
    }) == 1);
    CHECK(seen_type == wire::icmpv4::kEchoRequest);
    CHECK(h.stack.raw_drain(*udp_raw, [](const RawDatagramView&) {}) == 0);

    SECTION("a raw socket for an unknown protocol suppresses protocol unreachable") {
        const auto p = h.stack.raw_open(false, 253);
        REQUIRE(p);
        h.rx(eth(kStackMac, kPeerMac, wire::ethertype::kIpv4, ipv4(kPeerIp, kStackIp, 253, body)));
        CHECK(h.sink.take().empty());
        CHECK(h.stack.raw_drain(*p, [](const RawDatagramView&) {}) == 1);
        h.stack.raw_close(*p);
        h.rx(eth(kStackMac, kPeerMac, wire::ethertype::kIpv4, ipv4(kPeerIp, kStackIp, 253, body)));
        CHECK(h.sink.take().size() == 1); // Protocol unreachable again.
        CHECK(h.stack.drops()[DropReason::Ipv4UnknownProto] == 1);
    }
    SECTION("UDP is still delivered and the port-unreachable still sent") {
        h.rx(udp4_frame(1, 9999));
        CHECK(h.stack.raw_drain(*udp_raw, [](const RawDatagramView&) {}) == 1);
        CHECK(h.sink.take().size() == 1);
        CHECK(h.stack.drops()[DropReason::UdpNoSocket] == 1);
    }
    SECTION("reassembled datagrams reach raw sockets whole, header rebuilt") {
        const auto big = pattern(3000);
        const auto icmp = icmpv4_echo(8, 9, big);
        for (const auto& f : frames::ipv4_fragments(kStackMac, kPeerMac, kPeerIp, kStackIp,
                                                    wire::ipproto::kIcmp, icmp, 99))
            h.rx(f);
        std::size_t len = 0;
        std::uint16_t total = 0, frag = 0xffff;
        REQUIRE(h.stack.raw_drain(*r, [&](const RawDatagramView& v) {
            len = v.data.size();
            total = wire::load_be16(v.data.data() + 2);
            frag = wire::load_be16(v.data.data() + 6);
        }) == 1);
        CHECK(len == 20 + icmp.size());
        CHECK(total == len);
        CHECK(frag == 0);
    }
}

TEST_CASE("raw socket queue is bounded and counts drops", "[udp-raw]") {
    StackConfig c;
    c.udp_queue_datagrams = 2;
    Harness h(c);
    h.settle();
    learn_peer_v4(h);
    const auto r = h.stack.raw_open(false, 253);
    REQUIRE(r);
    const auto body = pattern(8);
    for (int i = 0; i < 3; ++i)
        h.rx(eth(kStackMac, kPeerMac, wire::ethertype::kIpv4, ipv4(kPeerIp, kStackIp, 253, body)));
    CHECK(h.stack.drops()[DropReason::RawQueueFull] == 1);
    CHECK(h.stack.raw_drain(*r, [](const RawDatagramView&) {}) == 2);
}
