// Multi-core pieces of StackCore outside the TCP state machine (issue 4): a reassembled
// datagram goes to the shard that owns its flow (fragments are steered by addresses only), and
// tcp_reset_all() at shutdown resets every connection.
#include <catch2/catch.hpp>

#include "stack_tcp_harness.hpp"

using namespace multios::net;
using namespace multios::net::stack_tcp_test;
using namespace multios::net::wire::tcpflag;

namespace {

const steer::FlowSteering& steering_for_two() {
    static const steer::FlowSteering s = *steer::FlowSteering::create(2);
    return s;
}

StackConfig handoff_shard(std::uint16_t lcore) {
    StackConfig cfg;
    cfg.steering = &steering_for_two();
    cfg.lcore = lcore;
    return cfg;
}

/// Records what a shard hands over instead of processing it.
struct RecordingHandoff final : DatagramHandoff {
    bool hand_off(std::uint16_t lcore, IfIndex ifindex, std::span<const std::byte> f) override {
        lcores.push_back(lcore);
        ifindexes.push_back(ifindex);
        frames.emplace_back(f.begin(), f.end());
        return accept;
    }
    std::vector<std::uint16_t> lcores;
    std::vector<IfIndex> ifindexes;
    std::vector<Frame> frames;
    bool accept = true;
};

/// The lcore that owns the peer's address pair (where a NIC puts every fragment).
std::uint16_t pair_owner() {
    const auto in = steer::rss_input_v4(kPeerIp, kStackIp);
    return steering_for_two().owner_of_hash(steering_for_two().table().hash(in.view()));
}

/// A peer UDP source port whose datagram to port 7 is owned by `lcore`.
std::uint16_t udp_port_owned_by(std::uint16_t lcore) {
    for (std::uint32_t p = 20000; p < 65536; ++p)
        if (steering_for_two().owner(FourTuple{IpAddress{kStackIp}, IpAddress{kPeerIp}, 7,
                                               static_cast<std::uint16_t>(p)}) == lcore)
            return static_cast<std::uint16_t>(p);
    FAIL("no port");
    return 0;
}

/// A 3000-byte UDP datagram from the peer to port 7, as two IPv4 fragments.
std::vector<Frame> fragmented_udp(std::uint16_t sport, const Frame& payload) {
    const Frame udp = udp_v4(sport, 7, payload, kPeerIp, kStackIp);
    const std::size_t first = 1480; // a multiple of 8
    const Frame a(udp.begin(), udp.begin() + first), b(udp.begin() + first, udp.end());
    return {eth(kStackMac, kPeerMac, wire::ethertype::kIpv4,
                ipv4(kPeerIp, kStackIp, wire::ipproto::kUdp, a, 77, 0, true)),
            eth(kStackMac, kPeerMac, wire::ethertype::kIpv4,
                ipv4(kPeerIp, kStackIp, wire::ipproto::kUdp, b, 77, first, false))};
}

} // namespace

TEST_CASE("handoff: a reassembled datagram owned by another lcore is handed over whole",
          "[stack_tcp][handoff]") {
    const std::uint16_t here = pair_owner();
    const std::uint16_t there = here ^ 1;
    Harness reassembler(handoff_shard(here));
    Harness owner(handoff_shard(there));
    reassembler.settle();
    owner.settle();
    RecordingHandoff handoff;
    reassembler.stack.set_datagram_handoff(&handoff);
    const auto sock_here = reassembler.stack.udp_open(IpAddress{Ipv4Address{}}, 7);
    const auto sock_there = owner.stack.udp_open(IpAddress{Ipv4Address{}}, 7);
    REQUIRE(sock_here);
    REQUIRE(sock_there);
    const Frame payload = pattern(3000);

    SECTION("owned elsewhere: handed to the owner, which delivers it") {
        for (const Frame& f : fragmented_udp(udp_port_owned_by(there), payload))
            reassembler.rx(f);
        REQUIRE(handoff.frames.size() == 1);
        CHECK(handoff.lcores[0] == there);
        CHECK(handoff.ifindexes[0] == 0);
        CHECK(reassembler.stack.counters().reassembled_handed_off == 1);
        CHECK(reassembler.stack.udp_drain(*sock_here, [](const UdpDatagramView&) {}) == 0);
        // The handed-over frame is one unfragmented datagram that the owner accepts as is.
        const wire::Ipv4Packet ip = parse_v4_frame(handoff.frames[0]);
        CHECK_FALSE(ip.is_fragment());
        CHECK(ip.payload.size() == 8 + payload.size());
        owner.stack.receive(0, handoff.frames[0], owner.now);
        std::size_t got = 0;
        owner.stack.udp_drain(*sock_there, [&](const UdpDatagramView& d) {
            got = d.payload.size();
            CHECK(std::equal(d.payload.begin(), d.payload.end(), payload.begin()));
        });
        CHECK(got == payload.size());
    }
    SECTION("owned here: delivered here, nothing handed over") {
        for (const Frame& f : fragmented_udp(udp_port_owned_by(here), payload))
            reassembler.rx(f);
        CHECK(handoff.frames.empty());
        CHECK(reassembler.stack.udp_drain(*sock_here, [](const UdpDatagramView&) {}) == 1);
    }
    SECTION("a refused hand-off is a counted drop, not a local delivery") {
        handoff.accept = false;
        for (const Frame& f : fragmented_udp(udp_port_owned_by(there), payload))
            reassembler.rx(f);
        CHECK(handoff.frames.size() == 1);
        CHECK(reassembler.stack.drops()[DropReason::HandoffFailed] == 1);
        CHECK(reassembler.stack.udp_drain(*sock_here, [](const UdpDatagramView&) {}) == 0);
    }
}

TEST_CASE("handoff: tcp_reset_all resets every connection and frees them", "[stack_tcp][handoff]") {
    Harness h;
    h.settle();
    introduce_peer(h);
    REQUIRE(h.stack.tcp_listen(IpAddress{Ipv4Address{}}, 80, 8));
    // Three established passive connections.
    for (std::uint16_t i = 0; i < 3; ++i) {
        const auto port = static_cast<std::uint16_t>(40000 + i);
        h.rx(tcp4_frame(tcp_fields(port, 80, 1000, 0, kSyn)));
        const auto synack = tcp_segments(h.sink.take());
        REQUIRE(synack.size() == 1);
        h.rx(tcp4_frame(tcp_fields(port, 80, 1001, synack[0].seg.seq + 1, kAck)));
    }
    h.sink.take();
    REQUIRE(h.stack.tcp_connection_count() == 3);
    h.stack.tcp_reset_all(h.now);
    const auto out = tcp_segments(h.sink.take());
    REQUIRE(out.size() == 3);
    for (const auto& s : out)
        CHECK((s.seg.flags & kRst) != 0);
    CHECK(h.stack.tcp_connection_count() == 0);
}
