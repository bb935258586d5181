#include <catch2/catch.hpp>

#include "stack_harness.hpp"

using namespace multios::net;
using namespace multios::net::stack_test;

namespace {

const Ipv4Address kGateway{{10, 0, 0, 1}}; // the peer doubles as the router
const Ipv4Address kFarAway{{192, 0, 2, 7}};

/// Sends one UDP datagram of `size` bytes from a fresh socket and returns the frames it made.
std::vector<Frame> send_udp(Harness& h, const IpAddress& dst, std::size_t size) {
    auto sock = h.stack.udp_open(IpAddress{Ipv4Address{}}, 5000);
    REQUIRE(sock);
    const auto data = pattern(size);
    REQUIRE(h.stack.udp_send_to(*sock, dst, 9, data, h.now));
    h.stack.udp_close(*sock);
    return h.sink.take();
}

} // namespace

TEST_CASE("off-link IPv4 goes to the default gateway's MAC", "[stack]") {
    Harness h;
    h.settle();
    h.rx(arp_request(kStackIp)); // learn the gateway (10.0.0.1 = peer)
    h.sink.take();
    SECTION("without a gateway there is no route") {
        auto sock = h.stack.udp_open(IpAddress{Ipv4Address{}}, 5000);
        CHECK(h.stack.udp_send_to(*sock, IpAddress{kFarAway}, 9, pattern(10), h.now).error() ==
              make_errno_error(EADDRNOTAVAIL));
    }
    SECTION("with a gateway the frame is addressed to it") {
        REQUIRE(h.stack.set_gateway(IpAddress{kGateway}));
        auto out = send_udp(h, IpAddress{kFarAway}, 10);
        REQUIRE(out.size() == 1);
        wire::EthernetFrame e;
        REQUIRE(wire::parse_ethernet(out[0], e) == wire::ParseError::Ok);
        CHECK(e.dst == kPeerMac);
        auto ip = parse_v4_frame(out[0]);
        CHECK(ip.dst == kFarAway);
        CHECK(ip.src == kStackIp);
    }
}

TEST_CASE("ICMP frag-needed lowers the path MTU for that destination", "[stack]") {
    Harness h;
    h.settle();
    h.rx(arp_request(kStackIp));
    h.sink.take();
    // Unfragmented at first: 1400 bytes of UDP fit in 1500.
    auto out = send_udp(h, IpAddress{kPeerIp}, 1400);
    REQUIRE(out.size() == 1);
    // A router says the path takes only 1000 bytes (RFC 1191), quoting our datagram.
    const auto ip = parse_v4_frame(out[0]);
    Frame quote(ip.header.begin(), ip.header.end());
    quote.insert(quote.end(), ip.payload.begin(), ip.payload.begin() + 8);
    Frame icmp(wire::kIcmpHeaderLen + quote.size());
    std::memcpy(icmp.data() + wire::kIcmpHeaderLen, quote.data(), quote.size());
    wire::emit_icmpv4(icmp, wire::icmpv4::kDestUnreachable, wire::icmpv4::kFragNeeded, 1000);
    h.rx(eth(kStackMac, kPeerMac, wire::ethertype::kIpv4,
             ipv4(kPeerIp, kStackIp, wire::ipproto::kIcmp, icmp)));
    out = send_udp(h, IpAddress{kPeerIp}, 1400);
    REQUIRE(out.size() == 2);
    for (const auto& f : out)
        CHECK(parse_v4_frame(f).total_len <= 1000);
}

TEST_CASE("a frag-needed below the floor is clamped, not obeyed", "[stack]") {
    Harness h;
    h.settle();
    h.rx(arp_request(kStackIp));
    h.sink.take();
    auto first = send_udp(h, IpAddress{kPeerIp}, 1400);
    const auto ip = parse_v4_frame(first[0]);
    Frame quote(ip.header.begin(), ip.header.end());
    quote.insert(quote.end(), ip.payload.begin(), ip.payload.begin() + 8);
    Frame icmp(wire::kIcmpHeaderLen + quote.size());
    std::memcpy(icmp.data() + wire::kIcmpHeaderLen, quote.data(), quote.size());
    wire::emit_icmpv4(icmp, wire::icmpv4::kDestUnreachable, wire::icmpv4::kFragNeeded, 100);
    h.rx(eth(kStackMac, kPeerMac, wire::ethertype::kIpv4,
             ipv4(kPeerIp, kStackIp, wire::ipproto::kIcmp, icmp)));
    // HARDENING row 11: a forged tiny MTU must not shrink packets below a 552-byte path:
    // 1408 bytes of UDP go as 528 + 528 + 352 (fragment data is a multiple of 8).
    const auto out = send_udp(h, IpAddress{kPeerIp}, 1400);
    REQUIRE(out.size() == 3);
    CHECK(parse_v4_frame(out[0]).total_len == 20 + 528);
    CHECK(parse_v4_frame(out[2]).total_len == 20 + 352);
}

TEST_CASE("two interfaces answer on their own links", "[stack]") {
    Harness h;
    InterfaceConfig second;
    second.name = "test1";
    second.mac = MacAddress{{0x02, 0, 0, 0, 1, 0x02}};
    second.addresses = {*IpPrefix::parse("10.1.0.2/24")};
    REQUIRE(h.stack.add_interface(second, h.now).value() == 1);
    h.settle();
    // An ARP request for the second interface's address, arriving on it.
    wire::ArpPacket a;
    a.op = wire::kArpRequest;
    a.sender_mac = kPeerMac;
    a.sender_ip = Ipv4Address{{10, 1, 0, 1}};
    a.target_ip = Ipv4Address{{10, 1, 0, 2}};
    Frame body(wire::kArpLen);
    wire::emit_arp(body, a);
    h.stack.receive(1, eth(MacAddress::broadcast(), kPeerMac, wire::ethertype::kArp, body), h.now);
    REQUIRE(h.sink.frames.size() == 1);
    CHECK(h.sink.ifindexes[0] == 1);
    wire::EthernetFrame e;
    REQUIRE(wire::parse_ethernet(h.sink.frames[0], e) == wire::ParseError::Ok);
    CHECK(e.src == second.mac);
    h.sink.take();
    // A datagram for 10.1.0.0/24 leaves through interface 1.
    auto sock = h.stack.udp_open(IpAddress{Ipv4Address{}}, 5000);
    REQUIRE(
        h.stack.udp_send_to(*sock, IpAddress{Ipv4Address{{10, 1, 0, 1}}}, 9, pattern(4), h.now));
    REQUIRE(h.sink.frames.size() == 1);
    CHECK(h.sink.ifindexes[0] == 1);
    CHECK(parse_v4_frame(h.sink.frames[0]).src == Ipv4Address{{10, 1, 0, 2}});
}
