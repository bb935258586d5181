// Same seed => the same event sequence: every frame every link delivers, with its time, is
// hashed over a run with random impairments on both directions; two runs must agree, and a
// different seed must not.
#include <catch2/catch.hpp>

#include <chrono>

#include "sim_topology.hpp"

using namespace multios::net;
using namespace multios::net::sim_test;
using namespace std::chrono_literals;

namespace multios::net::sim_test {
namespace {

/// FNV-1a over (link, time, bytes) of every delivery.
struct TraceHash {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    std::uint64_t frames = 0;
    void mix(std::uint64_t v) {
        for (int i = 0; i < 8; ++i) {
            h = (h ^ ((v >> (8 * i)) & 0xff)) * 0x100000001b3ULL;
        }
    }
    void add(LinkId l, Instant t, std::span<const std::byte> f) {
        ++frames;
        mix(l);
        mix(static_cast<std::uint64_t>(to_ns(t)));
        mix(f.size());
        for (const auto b : f) {
            h = (h ^ static_cast<std::uint64_t>(b)) * 0x100000001b3ULL;
        }
    }
};

/// Pings both ways and a TCP transfer over a lossy, jittery, reordering, duplicating link.
TraceHash run_scenario(std::uint64_t seed) {
    LinkConfig cfg;
    cfg.rate_bps = 20'000'000;
    cfg.delay = 5ms;
    cfg.jitter = 1ms;
    cfg.loss = 0.02;
    cfg.reorder = 0.01;
    cfg.duplicate = 0.01;
    cfg.queue_packets = 50;
    PointToPoint p(seed, cfg, cfg);
    TraceHash trace;
    p.net.set_delivery_observer(
        [&](LinkId l, Instant t, std::span<const std::byte> f) { trace.add(l, t, f); });
    p.net.run_for(2s);
    StackCore& a = p.net.stack(p.a);
    StackCore& b = p.net.stack(p.b);
    const auto listener = b.tcp_listen(IpAddress{Ipv4Address{}}, 5001, 8).value();
    const auto conn = a.tcp_connect(PointToPoint::ip_b(), 5001, p.net.now()).value();
    std::vector<std::byte> chunk(4096, std::byte{0x5a});
    std::optional<TcpConnId> server;
    std::array<std::byte, 8192> sink{};
    for (int step = 0; step < 300; ++step) {
        if (step % 10 == 0) {
            (void)a.ping_send(PointToPoint::ip_b(), 1, std::uint16_t(step), 100, 64, p.net.now());
            (void)b.ping_send(PointToPoint::ip_a(), 2, std::uint16_t(step), 100, 64, p.net.now());
        }
        (void)a.tcp_send(conn, chunk, p.net.now());
        if (!server) {
            if (auto s = b.tcp_accept(listener)) {
                server = *s;
            }
        }
        if (server) {
            while (true) {
                const auto r = b.tcp_recv(*server, sink, p.net.now());
                if (!r || *r == 0) {
                    break;
                }
            }
        }
        p.net.run_for(10ms);
    }
    (void)a.ping_take_replies();
    (void)b.ping_take_replies();
    return trace;
}

} // namespace
} // namespace multios::net::sim_test

TEST_CASE("one seed gives one delivery trace; another seed another", "[sim]") {
    const auto first = multios::net::sim_test::run_scenario(42);
    const auto second = multios::net::sim_test::run_scenario(42);
    const auto other = multios::net::sim_test::run_scenario(43);
    REQUIRE(first.frames > 500);
    CHECK(first.frames == second.frames);
    CHECK(first.h == second.h);
    CHECK(other.h != first.h);
}
