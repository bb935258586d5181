// A bulk TCP transfer between two real stacks over a simulated 10 Mbit/s, 50 ms RTT lossless
// link (issue 7's physics check): the goodput over 20 simulated seconds reaches 90% of the
// link rate, and the simulation runs faster than real time.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <optional>

#include "sim_topology.hpp"

using namespace multios::net;
using namespace multios::net::sim_test;
using namespace std::chrono_literals;

namespace multios::net::sim_test {
namespace {

/// Keeps the connection's send buffer full.
struct BulkSender final : NodeApp {
    TcpConnId conn = 0;
    bool open = false;
    std::vector<std::byte> chunk = std::vector<std::byte>(64 * 1024, std::byte{0x42});
    std::uint64_t queued = 0;
    void on_activity(Node& node, Instant now) override {
        if (!open) {
            return;
        }
        for (;;) {
            const auto r = node.stack().tcp_send(conn, chunk, now);
            if (!r || *r == 0) {
                return;
            }
            queued += *r;
        }
    }
};

/// Accepts one connection and reads everything.
struct BulkReceiver final : NodeApp {
    TcpListenerId listener = 0;
    std::optional<TcpConnId> conn;
    std::uint64_t received = 0;
    std::array<std::byte, 16384> buf{};
    void on_activity(Node& node, Instant now) override {
        StackCore& s = node.stack();
        if (!conn) {
            if (auto c = s.tcp_accept(listener)) {
                conn = *c;
            } else {
                return;
            }
        }
        for (;;) {
            const auto r = s.tcp_recv(*conn, buf, now);
            if (!r || *r == 0) {
                return;
            }
            received += *r;
        }
    }
};

} // namespace
} // namespace multios::net::sim_test

TEST_CASE("bulk TCP on 10 Mbit/s, 50 ms RTT reaches 90% of the link rate", "[sim]") {
    LinkConfig cfg;
    cfg.rate_bps = 10'000'000;
    cfg.delay = 25ms;
    cfg.queue_packets = 100; // ~2.4 bandwidth-delay products of 1514-byte frames
    PointToPoint p(7, cfg, cfg);
    p.net.run_for(3s);
    BulkSender tx;
    BulkReceiver rx;
    rx.listener = p.net.stack(p.b).tcp_listen(IpAddress{Ipv4Address{}}, 5001, 8).value();
    tx.conn = p.net.stack(p.a).tcp_connect(PointToPoint::ip_b(), 5001, p.net.now()).value();
    tx.open = true;
    p.net.node(p.a).set_app(&tx);
    p.net.node(p.b).set_app(&rx);

    const auto wall_start = std::chrono::steady_clock::now(); // test only: the sim has no clock
    const Instant start = p.net.now();
    p.net.run_until(start + 20s);
    const double wall_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();

    const double goodput_bps = double(rx.received) * 8 / 20.0;
    const auto& ab = p.net.link(p.link.a_to_b).counters();
    std::printf("sim tcp bulk: %.3f Mbit/s goodput over 20 simulated s in %.2f real s; "
                "queue max %zu, tail drops %llu, %llu events\n",
                goodput_bps / 1e6, wall_s, ab.max_queue,
                static_cast<unsigned long long>(ab.dropped_queue),
                static_cast<unsigned long long>(p.net.scheduler().executed()));
    CHECK(goodput_bps >= 0.9 * 10'000'000);
    CHECK(ab.max_queue <= 100);
    CHECK(wall_s < 20.0); // faster than real time
}
