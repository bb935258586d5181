// Two real StackCores on a simulated point-to-point link: ARP resolves, and a ping's round
// trip is exactly twice (propagation delay + serialization of the echo frame).
#include <catch2/catch.hpp>

#include <chrono>

#include "sim_topology.hpp"

using namespace multios::net;
using namespace multios::net::sim_test;
using namespace std::chrono_literals;

TEST_CASE("ping across a 10 Mbit/s, 10 ms link: ARP, then RTT = 2 (delay + serialization)",
          "[sim]") {
    LinkConfig cfg;
    cfg.rate_bps = 10'000'000;
    cfg.delay = 10ms;
    PointToPoint p(1, cfg, cfg);
    std::array<int, 2> arp_frames{}; // per direction: a->b, b->a
    p.net.set_delivery_observer([&](LinkId l, Instant, std::span<const std::byte> f) {
        if (f.size() >= 14 && f[12] == std::byte{0x08} && f[13] == std::byte{0x06}) {
            ++arp_frames[l == p.link.a_to_b ? 0 : 1];
        }
    });
    p.net.run_for(3s); // DAD and start-up chatter settle
    StackCore& a = p.net.stack(p.a);
    StackCore& b = p.net.stack(p.b);

    REQUIRE(a.ping_send(PointToPoint::ip_b(), 0x77, 1, 56, 64, p.net.now()));
    p.net.run_for(1s);
    auto first = a.ping_take_replies();
    REQUIRE(first.size() == 1);
    CHECK(first[0].from == PointToPoint::ip_b());
    // The first echo waited for ARP: request a->b, reply b->a (60-byte frames, 48 us each),
    // then the echo and its reply; b learned a's MAC from the request, so one resolution.
    CHECK(arp_frames[0] == 1);
    CHECK(arp_frames[1] == 1);
    const Link& ab = p.net.link(p.link.a_to_b);
    CHECK(first[0].received_at - first[0].sent_at ==
          2 * (10ms + ab.serialization_time(60)) + 2 * (10ms + ab.serialization_time(98)));

    // Second ping: both caches are warm, so the round trip is pure link time. The echo frame
    // is 14 + 20 + 8 + 56 = 98 bytes: 78.4 us at 10 Mbit/s.
    const Duration ser = p.net.link(p.link.a_to_b).serialization_time(98);
    CHECK(ser == 78400ns);
    REQUIRE(a.ping_send(PointToPoint::ip_b(), 0x77, 2, 56, 64, p.net.now()));
    p.net.run_for(1s);
    const auto second = a.ping_take_replies();
    REQUIRE(second.size() == 1);
    CHECK(second[0].seq == 2);
    CHECK(second[0].bytes == 64);
    CHECK(second[0].received_at - second[0].sent_at == 2 * (10ms + ser));
    CHECK(b.counters().icmp_echo_rx == 2);
    CHECK(p.net.link(p.link.a_to_b).counters().dropped_loss == 0);
}

TEST_CASE("ping over IPv6 resolves through NDP on the simulated link", "[sim]") {
    LinkConfig cfg;
    cfg.delay = 3ms;
    PointToPoint p(2, cfg, cfg);
    p.net.run_for(3s);
    StackCore& a = p.net.stack(p.a);
    const IpAddress b6{*Ipv6Address::parse("fd07::2")};
    REQUIRE(a.ping_send(b6, 9, 1, 32, 64, p.net.now()));
    p.net.run_for(1s);
    REQUIRE(a.ping_send(b6, 9, 2, 32, 64, p.net.now()));
    p.net.run_for(1s);
    const auto r = a.ping_take_replies();
    REQUIRE(r.size() == 2);
    CHECK(r[1].received_at - r[1].sent_at == 6ms); // infinitely fast link: delay only
}

TEST_CASE("corrupted frames are caught by the receiver's checksums, never delivered", "[sim]") {
    // Every frame a->b has one bit flipped; b->a is clean. A flip in the IP header or UDP
    // segment must be rejected by a checksum; only flips in fields no checksum covers (MAC
    // addresses, padding) may reach the socket, and then the payload is intact.
    LinkConfig dirty;
    dirty.corrupt = 1.0;
    LinkConfig clean;
    PointToPoint p(3, dirty, clean);
    p.net.run_for(3s);
    StackCore& a = p.net.stack(p.a);
    StackCore& b = p.net.stack(p.b);
    // b learns a's MAC from a's own ARP request, which may need retries through the noise; a
    // learns b's from the clean reply.
    const auto rx = b.udp_open(IpAddress{Ipv4Address{}}, 9000).value();
    const auto tx = a.udp_open(IpAddress{Ipv4Address{}}, 0).value();
    std::array<std::byte, 64> payload{};
    int sent = 0;
    for (int i = 0; i < 3000; ++i) {
        payload.fill(static_cast<std::byte>(i & 0xff));
        if (a.udp_send_to(tx, PointToPoint::ip_b(), 9000, payload, p.net.now())) {
            ++sent;
        }
        p.net.run_for(1ms);
    }
    p.net.run_for(1s);
    int received = 0, damaged = 0;
    b.udp_drain(rx, [&](const UdpDatagramView& d) {
        ++received;
        bool uniform = d.payload.size() == payload.size();
        for (const auto x : d.payload) {
            uniform = uniform && x == d.payload[0];
        }
        damaged += uniform ? 0 : 1;
    });
    INFO("sent " << sent << " received " << received);
    CHECK(sent > 1000); // some sends wait for (or are refused during) ARP resolution
    CHECK(damaged == 0);
    CHECK(received < sent / 2); // most flips land in checksummed bytes
    CHECK(p.net.link(p.link.a_to_b).counters().corrupted >= std::uint64_t(sent));
    CHECK(b.drops()[DropReason::Ipv4BadChecksum] > 0);
    CHECK(b.drops()[DropReason::UdpBadChecksum] > 0);
}
