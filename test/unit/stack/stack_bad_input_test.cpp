#include <catch2/catch.hpp>

#include "stack_harness.hpp"

using namespace multios::net;
using namespace multios::net::stack_test;

TEST_CASE("every prefix of a valid echo frame is dropped without a reply", "[stack]") {
    Harness h;
    h.settle();
    h.rx(arp_request(kStackIp));
    h.sink.take();
    const auto data = pattern(32);
    const auto frame = eth(kStackMac, kPeerMac, wire::ethertype::kIpv4,
                           ipv4(kPeerIp, kStackIp, wire::ipproto::kIcmp, icmpv4_echo(1, 1, data)));
    const auto before = h.stack.drops().total();
    for (std::size_t n = 0; n < frame.size(); ++n) {
        Frame cut(frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(n));
        h.rx(cut);
    }
    CHECK(h.sink.take().empty());
    CHECK(h.stack.drops().total() - before == frame.size());
    h.rx(frame);
    CHECK(h.sink.take().size() == 1);
}

TEST_CASE("bad IPv4 checksum and IHL are counted by reason", "[stack]") {
    Harness h;
    h.settle();
    const auto data = pattern(8);
    auto pkt = ipv4(kPeerIp, kStackIp, wire::ipproto::kIcmp, icmpv4_echo(1, 1, data));
    auto bad_sum = pkt;
    bad_sum[10] ^= std::byte{0xff};
    h.rx(eth(kStackMac, kPeerMac, wire::ethertype::kIpv4, bad_sum));
    CHECK(h.stack.drops()[DropReason::Ipv4BadChecksum] == 1);
    auto bad_ihl = pkt;
    bad_ihl[0] = std::byte{0x44};
    h.rx(eth(kStackMac, kPeerMac, wire::ethertype::kIpv4, bad_ihl));
    CHECK(h.stack.drops()[DropReason::Ipv4BadHeaderLen] == 1);
    CHECK(h.sink.take().empty());
}

TEST_CASE("a flood of incomplete fragments stays under the cap and does not block", "[stack]") {
    StackConfig cfg;
    cfg.reassembly_buffer_cap = 64;
    Harness h(cfg);
    h.settle();
    h.rx(arp_request(kStackIp));
    h.sink.take();
    const auto junk = pattern(1480);
    for (std::uint16_t id = 0; id < 2000; ++id) {
        h.rx(eth(kStackMac, kPeerMac, wire::ethertype::kIpv4,
                 ipv4(kPeerIp, kStackIp, wire::ipproto::kUdp, junk, id, 0, true)));
        REQUIRE(h.stack.reassembly_buffers_in_use() <= 64);
    }
    CHECK(h.stack.drops()[DropReason::FragEvicted] > 0);
    // A legitimate fragmented echo still completes.
    const auto data = pattern(3000);
    const auto icmp = icmpv4_echo(2, 2, data);
    h.rx(eth(kStackMac, kPeerMac, wire::ethertype::kIpv4,
             ipv4(kPeerIp, kStackIp, wire::ipproto::kIcmp, std::span(icmp).first(1480), 60000, 0,
                  true)));
    h.rx(eth(
        kStackMac, kPeerMac, wire::ethertype::kIpv4,
        ipv4(kPeerIp, kStackIp, wire::ipproto::kIcmp, std::span(icmp).subspan(1480), 60000, 1480)));
    CHECK(h.sink.take().size() == 3);
    // Everything left times out and is released.
    h.advance_ms(31'000);
    CHECK(h.stack.reassembly_buffers_in_use() == 0);
}
