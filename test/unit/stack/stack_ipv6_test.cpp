#include <catch2/catch.hpp>

#include <multios/net/wire/ndp.hpp>

#include "stack_harness.hpp"

using namespace multios::net;
using namespace multios::net::stack_test;

namespace {

Frame neighbor_solicitation(const Ipv6Address& target) {
    return frames::neighbor_solicitation(kPeerMac, kPeerIp6, target);
}

Frame echo6(std::size_t size, std::uint16_t seq) {
    const auto data = pattern(size);
    // The echo id/seq live in the header's `rest` word; body here is only the data.
    const auto icmp =
        icmpv6_msg(wire::icmpv6::kEchoRequest, (0x55u << 16) | seq, data, kPeerIp6, kStackIp6);
    return ipv6(kPeerIp6, kStackIp6, wire::ipproto::kIcmpv6, icmp);
}

} // namespace

TEST_CASE("stack answers a neighbor solicitation for its address", "[stack]") {
    Harness h;
    h.settle();
    h.rx(neighbor_solicitation(kStackIp6));
    auto out = h.sink.take();
    REQUIRE(out.size() == 1);
    auto ip = parse_v6_frame(out[0]);
    CHECK(ip.hop_limit == 255);
    CHECK(ip.dst == kPeerIp6);
    wire::IcmpMessage m;
    REQUIRE(wire::parse_icmpv6(ip.payload, ip.src, ip.dst, m) == wire::ParseError::Ok);
    CHECK(m.type == wire::icmpv6::kNeighborAdvertisement);
    wire::NeighborMessage na;
    REQUIRE(wire::parse_neighbor_message(m.rest, m.body, na) == wire::ParseError::Ok);
    CHECK(na.target == kStackIp6);
    CHECK(na.solicited);
    REQUIRE(na.options.target_lla);
    CHECK(*na.options.target_lla == kStackMac);
}

TEST_CASE("stack replies to ICMPv6 echo, fragmented both ways", "[stack]") {
    Harness h;
    h.settle();
    h.rx(neighbor_solicitation(kStackIp6));
    h.sink.take();
    SECTION("small") {
        h.rx(eth(kStackMac, kPeerMac, wire::ethertype::kIpv6, echo6(56, 1)));
        auto out = h.sink.take();
        REQUIRE(out.size() == 1);
        auto ip = parse_v6_frame(out[0]);
        wire::IcmpMessage m;
        REQUIRE(wire::parse_icmpv6(ip.payload, ip.src, ip.dst, m) == wire::ParseError::Ok);
        CHECK(m.type == wire::icmpv6::kEchoReply);
        CHECK(m.echo_seq() == 1);
        CHECK(m.body.size() == 56);
    }
    SECTION("4000 bytes in fragments") {
        const auto packet = echo6(4000, 2);
        const auto payload = std::span(packet).subspan(wire::kIpv6HeaderLen);
        std::size_t off = 0;
        while (off < payload.size()) {
            const std::size_t len = std::min<std::size_t>(1448, payload.size() - off);
            Frame fp(8 + len);
            wire::Ipv6FragmentHeader fh;
            fh.next_header = wire::ipproto::kIcmpv6;
            fh.offset = static_cast<std::uint16_t>(off);
            fh.more_fragments = off + len < payload.size();
            fh.id = 0xabcdef;
            wire::emit_ipv6_fragment(fp, fh);
            std::memcpy(fp.data() + 8, payload.data() + off, len);
            h.rx(eth(kStackMac, kPeerMac, wire::ethertype::kIpv6,
                     ipv6(kPeerIp6, kStackIp6, wire::ipproto::kFragment, fp)));
            off += len;
        }
        auto out = h.sink.take();
        REQUIRE(out.size() == 3);
        std::size_t total = 0;
        for (const auto& f : out) {
            auto ip = parse_v6_frame(f);
            CHECK(ip.next_header == wire::ipproto::kFragment);
            CHECK(f.size() <= 1514);
            total += ip.payload.size() - 8;
        }
        CHECK(total == 8 + 4000);
        CHECK(h.stack.counters().icmp6_echo_replies_tx == 1);
    }
}

TEST_CASE("stack drops an IPv6 packet with a 100-header extension chain", "[stack]") {
    Harness h;
    h.settle();
    h.rx(neighbor_solicitation(kStackIp6));
    h.sink.take();
    // 100 destination-options headers (8 bytes each, PadN) then no next header.
    Frame chain(100 * 8);
    for (int i = 0; i < 100; ++i) {
        chain[i * 8] =
            static_cast<std::byte>(i == 99 ? wire::ipproto::kNoNext : wire::ipproto::kDestOpts);
        chain[i * 8 + 1] = std::byte{0};
        chain[i * 8 + 2] = std::byte{1}; // PadN
        chain[i * 8 + 3] = std::byte{4};
    }
    h.rx(eth(kStackMac, kPeerMac, wire::ethertype::kIpv6,
             ipv6(kPeerIp6, kStackIp6, wire::ipproto::kDestOpts, chain)));
    CHECK(h.sink.take().empty());
    CHECK(h.stack.drops()[DropReason::Ipv6TooManyExtHeaders] == 1);
}
