// A StackCore as one shard of a multi-lcore stack (issue 4): active opens pick ports this
// shard owns, segments owned by another shard that match nothing here are dropped without a
// RST, the flows counter, and two shards in one process sharing nothing.
#include <catch2/catch.hpp>

#include "stack_tcp_harness.hpp"

using namespace multios::net;
using namespace multios::net::stack_tcp_test;
using namespace multios::net::wire::tcpflag;

namespace {

const steer::FlowSteering& two_lcores() {
    static const steer::FlowSteering s = *steer::FlowSteering::create(2);
    return s;
}

StackConfig shard_config(std::uint16_t lcore) {
    StackConfig cfg;
    cfg.steering = &two_lcores();
    cfg.lcore = lcore;
    return cfg;
}

Harness& ready(Harness& h) {
    h.settle();
    introduce_peer(h);
    return h;
}

/// A peer port whose segments to `local_port` on the stack's address `local` are owned by
/// `lcore` (searched from `from` upwards).
std::uint16_t peer_port_owned_by(std::uint16_t lcore, const IpAddress& local,
                                 const IpAddress& remote, std::uint16_t local_port,
                                 std::uint16_t from = 40000) {
    for (std::uint32_t p = from; p <= 65535; ++p) {
        const FourTuple t{local, remote, local_port, static_cast<std::uint16_t>(p)};
        if (two_lcores().owner(t) == lcore)
            return static_cast<std::uint16_t>(p);
    }
    FAIL("no port found");
    return 0;
}

} // namespace

TEST_CASE("shard: active opens choose ports whose tuple this lcore owns", "[stack_tcp][shard]") {
    for (std::uint16_t lcore = 0; lcore < 2; ++lcore) {
        Harness h(shard_config(lcore));
        ready(h);
        for (int i = 0; i < 50; ++i) {
            // Various remotes: on-link v4 hosts, the v6 peer, several remote ports.
            const IpAddress remote =
                i % 3 == 2
                    ? IpAddress{kPeerIp6}
                    : IpAddress{Ipv4Address{{10, 0, 0, static_cast<std::uint8_t>(1 + i % 7)}}};
            const auto port = static_cast<std::uint16_t>(80 + i % 5);
            const auto c = h.stack.tcp_connect(remote, port, h.now);
            REQUIRE(c);
            const tcp::Connection* conn = h.stack.tcp_connection(*c);
            REQUIRE(conn != nullptr);
            const FourTuple& t = conn->tuple();
            CHECK(t.remote == remote);
            CHECK(t.local_port >= 49152);
            CHECK(two_lcores().owner(t) == lcore);
        }
        CHECK(h.stack.tcp_connection_count() == 50);
        CHECK(h.stack.tcp_counters().flows == 50);
    }
}

TEST_CASE("shard: without steering the same connects land on both lcores", "[stack_tcp][shard]") {
    // Guards the test above against passing by accident: RFC 6056 ports alone would often
    // be owned by the other lcore.
    Harness h;
    ready(h);
    int owned[2] = {0, 0};
    for (int i = 0; i < 50; ++i) {
        const auto c =
            h.stack.tcp_connect(IpAddress{kPeerIp}, static_cast<std::uint16_t>(80 + i), h.now);
        REQUIRE(c);
        ++owned[two_lcores().owner(h.stack.tcp_connection(*c)->tuple())];
    }
    CHECK(owned[0] > 0);
    CHECK(owned[1] > 0);
}

TEST_CASE("shard: a segment owned by another lcore that matches nothing is dropped, never reset",
          "[stack_tcp][shard][needs_connection]") {
    Harness h(shard_config(0));
    ready(h);
    const IpAddress local{kStackIp}, remote{kPeerIp};
    const std::uint16_t theirs = peer_port_owned_by(1, local, remote, 81);
    const std::uint16_t ours = peer_port_owned_by(0, local, remote, 81);

    SECTION("closed port") {
        h.rx(tcp4_frame(tcp_fields(theirs, 81, 5, 77, kAck)));
        CHECK(h.sink.take().empty());
        CHECK(h.stack.drops()[DropReason::TcpNotOwner] == 1);
        CHECK(h.stack.tcp_counters().not_owner == 1);
        CHECK(h.stack.tcp_counters().resets_sent == 0);
        // Owned here: the usual RST (RFC 9293 3.10.7.1).
        h.rx(tcp4_frame(tcp_fields(ours, 81, 5, 77, kAck)));
        const auto out = tcp_segments(h.sink.take());
        REQUIRE(out.size() == 1);
        CHECK(out[0].seg.flags == kRst);
        CHECK(h.stack.tcp_counters().not_owner == 1);
    }
    SECTION("SYN to a listener: the owning shard has the same listener") {
        REQUIRE(h.stack.tcp_listen(IpAddress{Ipv4Address{}}, 81, 8));
        h.rx(tcp4_frame(tcp_fields(theirs, 81, 1000, 0, kSyn)));
        CHECK(h.sink.take().empty());
        CHECK(h.stack.tcp_connection_count() == 0);
        CHECK(h.stack.tcp_counters().not_owner == 1);
        CHECK(h.stack.tcp_counters().passive_opens == 0);
        // An ACK that could be a SYN-cookie completion for the other shard: no RST either.
        h.rx(tcp4_frame(tcp_fields(theirs, 81, 1001, 12345, kAck)));
        CHECK(h.sink.take().empty());
        CHECK(h.stack.tcp_counters().not_owner == 2);
        CHECK(h.stack.tcp_counters().syn_cookies_failed == 0);
        h.rx(tcp4_frame(tcp_fields(ours, 81, 1000, 0, kSyn)));
        const auto out = tcp_segments(h.sink.take());
        REQUIRE(out.size() == 1);
        CHECK(out[0].seg.flags == (kSyn | kAck));
        CHECK(h.stack.tcp_connection_count() == 1);
        CHECK(h.stack.tcp_counters().flows == 1);
    }
    SECTION("IPv6 as well") {
        const IpAddress local6{kStackIp6}, remote6{kPeerIp6};
        const std::uint16_t theirs6 = peer_port_owned_by(1, local6, remote6, 81);
        h.rx(tcp6_frame(tcp_fields(theirs6, 81, 1, 0, kSyn)));
        CHECK(h.sink.take().empty());
        CHECK(h.stack.drops()[DropReason::TcpNotOwner] == 1);
    }
}

TEST_CASE("shard: segments of a connection held here skip the owner check",
          "[stack_tcp][shard][needs_connection]") {
    // Only segments that would create state or draw a RST ask the steering. Shown by moving
    // every flow to lcore 0 (a RETA change) while lcore 1 holds a connection in SYN-SENT.
    steer::FlowSteering steering = *steer::FlowSteering::create(2);
    StackConfig cfg;
    cfg.steering = &steering;
    cfg.lcore = 1;
    Harness h(cfg);
    ready(h);
    const auto c = h.stack.tcp_connect(IpAddress{kPeerIp}, 80, h.now);
    REQUIRE(c);
    const FourTuple t = h.stack.tcp_connection(*c)->tuple();
    CHECK(steering.owner(t) == 1);
    const auto syn = tcp_segments(h.sink.take());
    REQUIRE(syn.size() == 1);
    const std::vector<std::uint16_t> all_to_zero(steering.reta().size(), 0);
    REQUIRE(steering.set_reta(all_to_zero));
    REQUIRE(steering.owner(t) == 0);
    h.rx(tcp4_frame(tcp_fields(80, t.local_port, 9000, syn[0].seg.seq + 1, kSyn | kAck)));
    CHECK(h.stack.tcp_connection(*c)->state() == tcp::TcpState::kEstablished);
    CHECK(h.stack.tcp_counters().not_owner == 0);
    // A segment for a tuple without state here is now another lcore's.
    h.rx(tcp4_frame(tcp_fields(81, t.local_port, 1, 1, kAck)));
    CHECK(h.stack.tcp_counters().not_owner == 1);
}

TEST_CASE("shard: flows counts every connection created, including SYN-cookie completions",
          "[stack_tcp][shard][needs_connection]") {
    Harness h;
    ready(h);
    const auto l = h.stack.tcp_listen(IpAddress{kStackIp}, 443, 1);
    REQUIRE(l);
    h.rx(tcp4_frame(tcp_fields(40000, 443, 1, 0, kSyn)));
    h.sink.take();
    CHECK(h.stack.tcp_counters().flows == 1);
    h.rx(tcp4_frame(tcp_fields(40001, 443, 77, 0, kSyn))); // SYN queue full: cookie
    auto out = tcp_segments(h.sink.take());
    REQUIRE(out.size() == 1);
    CHECK(h.stack.tcp_counters().flows == 1); // a cookie holds no state
    h.rx(tcp4_frame(tcp_fields(40001, 443, 78, out[0].seg.seq + 1, kAck)));
    CHECK(h.stack.tcp_counters().syn_cookies_accepted == 1);
    CHECK(h.stack.tcp_counters().flows == 2);
    const auto c = h.stack.tcp_connect(IpAddress{kPeerIp}, 80, h.now);
    REQUIRE(c);
    CHECK(h.stack.tcp_counters().flows == 3);
    h.stack.tcp_abort(*c, h.now);
    CHECK(h.stack.tcp_connection_count() == 2);
    CHECK(h.stack.tcp_counters().flows == 3); // cumulative
}

TEST_CASE("shard: two stacks in one process share nothing", "[stack_tcp][shard]") {
    Harness a(shard_config(0));
    Harness b(shard_config(1));
    ready(a);
    ready(b);
    REQUIRE(a.stack.tcp_listen(IpAddress{kStackIp}, 80, 4));
    REQUIRE(a.stack.tcp_connect(IpAddress{kPeerIp}, 80, a.now));
    CHECK(a.stack.tcp_connection_count() == 1);
    CHECK(b.stack.tcp_connection_count() == 0);
    CHECK(b.stack.tcp_counters().active_opens == 0);
    // The port is free on b: it can listen on it too (each shard has the same listeners).
    REQUIRE(b.stack.tcp_listen(IpAddress{kStackIp}, 80, 4));
    // Neighbor state is separate: b learned the peer itself (introduce_peer), a counts only
    // its own frames.
    CHECK(a.stack.counters().arp_requests_rx == 1);
    CHECK(b.stack.counters().arp_requests_rx == 1);
}
