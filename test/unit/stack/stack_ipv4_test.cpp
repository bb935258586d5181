#include <catch2/catch.hpp>

#include "stack_harness.hpp"

using namespace multios::net;
using namespace multios::net::stack_test;

namespace {

/// Peer resolves us and we learn the peer from its request (RFC 826 merge).
void introduce_peer(Harness& h) {
    h.rx(arp_request(kStackIp));
    h.sink.take();
}

Frame echo_frame(std::size_t size, std::uint16_t seq) {
    const auto data = pattern(size);
    return eth(kStackMac, kPeerMac, wire::ethertype::kIpv4,
               ipv4(kPeerIp, kStackIp, wire::ipproto::kIcmp, icmpv4_echo(0x77, seq, data)));
}

} // namespace

TEST_CASE("stack answers an ARP request for its address", "[stack]") {
    Harness h;
    h.settle();
    h.rx(arp_request(kStackIp));
    auto out = h.sink.take();
    REQUIRE(out.size() == 1);
    wire::EthernetFrame e;
    REQUIRE(wire::parse_ethernet(out[0], e) == wire::ParseError::Ok);
    CHECK(e.dst == kPeerMac);
    CHECK(e.src == kStackMac);
    wire::ArpPacket a;
    REQUIRE(wire::parse_arp(e.payload, a) == wire::ParseError::Ok);
    CHECK(a.op == wire::kArpReply);
    CHECK(a.sender_ip == kStackIp);
    CHECK(a.sender_mac == kStackMac);
    CHECK(a.target_ip == kPeerIp);
    CHECK(a.target_mac == kPeerMac);
}

TEST_CASE("stack ignores an ARP request for another address", "[stack]") {
    Harness h;
    h.settle();
    h.rx(arp_request(Ipv4Address{{10, 0, 0, 99}}));
    CHECK(h.sink.take().empty());
    CHECK(h.stack.drops()[DropReason::ArpNotForUs] == 1);
}

TEST_CASE("stack replies to an ICMP echo with the same payload", "[stack]") {
    Harness h;
    h.settle();
    introduce_peer(h);
    h.rx(echo_frame(56, 1));
    auto out = h.sink.take();
    REQUIRE(out.size() == 1);
    auto ip = parse_v4_frame(out[0]);
    CHECK(ip.src == kStackIp);
    CHECK(ip.dst == kPeerIp);
    CHECK(ip.protocol == wire::ipproto::kIcmp);
    wire::IcmpMessage m;
    REQUIRE(wire::parse_icmpv4(ip.payload, m) == wire::ParseError::Ok);
    CHECK(m.type == wire::icmpv4::kEchoReply);
    CHECK(m.echo_id() == 0x77);
    CHECK(m.echo_seq() == 1);
    const auto data = pattern(56);
    REQUIRE(m.body.size() == 56);
    CHECK(std::equal(m.body.begin(), m.body.end(), data.begin()));
    CHECK(h.stack.counters().icmp_echo_replies_tx == 1);
}

TEST_CASE("stack reassembles a fragmented echo and fragments the reply", "[stack]") {
    Harness h;
    h.settle();
    introduce_peer(h);
    const auto data = pattern(4000);
    const auto icmp = icmpv4_echo(9, 3, data);
    // Send as 1480-byte fragments, last one first.
    std::vector<Frame> frags;
    for (std::size_t off = 0; off < icmp.size(); off += 1480) {
        const std::size_t len = std::min<std::size_t>(1480, icmp.size() - off);
        std::span<const std::byte> piece(icmp.data() + off, len);
        frags.push_back(eth(kStackMac, kPeerMac, wire::ethertype::kIpv4,
                            ipv4(kPeerIp, kStackIp, wire::ipproto::kIcmp, piece, 4242,
                                 static_cast<std::uint16_t>(off), off + len < icmp.size())));
    }
    for (auto it = frags.rbegin(); it != frags.rend(); ++it)
        h.rx(*it);
    auto out = h.sink.take();
    REQUIRE(out.size() == 3);
    std::vector<std::byte> reply(icmp.size());
    std::size_t covered = 0;
    for (const auto& f : out) {
        auto ip = parse_v4_frame(f);
        CHECK(ip.total_len <= 1500);
        CHECK(ip.frag_offset % 8 == 0);
        std::memcpy(reply.data() + ip.frag_offset, ip.payload.data(), ip.payload.size());
        covered += ip.payload.size();
    }
    REQUIRE(covered == icmp.size());
    wire::IcmpMessage m;
    REQUIRE(wire::parse_icmpv4(reply, m) == wire::ParseError::Ok);
    CHECK(m.type == wire::icmpv4::kEchoReply);
    CHECK(std::equal(m.body.begin(), m.body.end(), data.begin(), data.end()));
    CHECK(h.stack.reassembly_buffers_in_use() == 0);
}

TEST_CASE("ping client resolves the peer, sends, and matches the reply", "[stack]") {
    Harness h;
    h.settle();
    REQUIRE(h.stack.ping_send(IpAddress{kPeerIp}, 0x1234, 1, 56, 64, h.now));
    auto out = h.sink.take();
    REQUIRE(out.size() == 1); // ARP request: the echo waits in the neighbor queue.
    wire::EthernetFrame e;
    REQUIRE(wire::parse_ethernet(out[0], e) == wire::ParseError::Ok);
    CHECK(e.ethertype == wire::ethertype::kArp);
    h.rx(arp_reply_from_peer());
    out = h.sink.take();
    REQUIRE(out.size() == 1);
    auto ip = parse_v4_frame(out[0]);
    wire::IcmpMessage req;
    REQUIRE(wire::parse_icmpv4(ip.payload, req) == wire::ParseError::Ok);
    CHECK(req.type == wire::icmpv4::kEchoRequest);
    // Peer answers with the same body.
    Frame reply(ip.payload.begin(), ip.payload.end());
    wire::emit_icmpv4(reply, wire::icmpv4::kEchoReply, 0, req.rest);
    h.now += std::chrono::milliseconds(3);
    h.rx(eth(kStackMac, kPeerMac, wire::ethertype::kIpv4,
             ipv4(kPeerIp, kStackIp, wire::ipproto::kIcmp, reply, 5, 0, false, 63)));
    auto replies = h.stack.ping_take_replies();
    REQUIRE(replies.size() == 1);
    CHECK(replies[0].seq == 1);
    CHECK(replies[0].ttl == 63);
    CHECK(replies[0].bytes == 64);
    CHECK(replies[0].received_at - replies[0].sent_at == std::chrono::milliseconds(3));
}

TEST_CASE("UDP to a closed port draws a rate-limited port unreachable", "[stack]") {
    Harness h;
    h.settle();
    introduce_peer(h);
    const auto data = pattern(20);
    h.rx(eth(
        kStackMac, kPeerMac, wire::ethertype::kIpv4,
        ipv4(kPeerIp, kStackIp, wire::ipproto::kUdp, udp_v4(5555, 9, data, kPeerIp, kStackIp))));
    auto out = h.sink.take();
    REQUIRE(out.size() == 1);
    auto ip = parse_v4_frame(out[0]);
    wire::IcmpMessage m;
    REQUIRE(wire::parse_icmpv4(ip.payload, m) == wire::ParseError::Ok);
    CHECK(m.type == wire::icmpv4::kDestUnreachable);
    CHECK(m.code == wire::icmpv4::kPortUnreachable);
    CHECK(m.body.size() == 20 + 8 + 20); // The whole offending datagram fits in the quote.
    CHECK(h.stack.drops()[DropReason::UdpNoSocket] == 1);
}

TEST_CASE("UDP socket receives and sends datagrams", "[stack]") {
    Harness h;
    h.settle();
    introduce_peer(h);
    auto sock = h.stack.udp_open(IpAddress{Ipv4Address{}}, 7);
    REQUIRE(sock);
    const auto data = pattern(3000);
    const auto udp = udp_v4(4000, 7, data, kPeerIp, kStackIp);
    // Two fragments.
    h.rx(
        eth(kStackMac, kPeerMac, wire::ethertype::kIpv4,
            ipv4(kPeerIp, kStackIp, wire::ipproto::kUdp, std::span(udp).first(1480), 77, 0, true)));
    h.rx(eth(kStackMac, kPeerMac, wire::ethertype::kIpv4,
             ipv4(kPeerIp, kStackIp, wire::ipproto::kUdp, std::span(udp).subspan(1480), 77, 1480)));
    std::vector<std::byte> got;
    IpAddress from;
    std::uint16_t from_port = 0;
    REQUIRE(h.stack.udp_drain(*sock, [&](const UdpDatagramView& d) {
        got.assign(d.payload.begin(), d.payload.end());
        from = d.src;
        from_port = d.src_port;
    }) == 1);
    CHECK(got == data);
    CHECK(from == IpAddress{kPeerIp});
    CHECK(from_port == 4000);
    REQUIRE(h.stack.udp_send_to(*sock, from, from_port, got, h.now));
    auto out = h.sink.take();
    REQUIRE(out.size() == 3); // 3008 bytes of UDP in 1480-byte fragments.
    CHECK(h.stack.udp_open(IpAddress{Ipv4Address{}}, 7).error() == make_errno_error(EADDRINUSE));
}
