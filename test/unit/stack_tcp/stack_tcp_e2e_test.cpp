// Two StackCore instances wired back to back (every frame one sends is fed to the other):
// connect / accept / send / recv / close end to end over IPv4 and IPv6.
#include <catch2/catch.hpp>

#include <map>

#include "stack_tcp_harness.hpp"

using namespace multios::net;
using namespace multios::net::stack_tcp_test;

namespace {

const MacAddress kMacA{{0x02, 0, 0, 0, 0xa, 0x01}};
const MacAddress kMacB{{0x02, 0, 0, 0, 0xb, 0x02}};
const Ipv4Address kIpA{{10, 1, 0, 1}};
const Ipv4Address kIpB{{10, 1, 0, 2}};
const Ipv6Address kIp6A = *Ipv6Address::parse("fd01::1");
const Ipv6Address kIp6B = *Ipv6Address::parse("fd01::2");

struct Node {
    RecordingSink sink;
    StackCore stack;
    std::map<TcpConnId, std::uint32_t> events;
    std::vector<TcpListenerId> listener_events;

    Node(std::uint64_t seed, const MacAddress& mac, const char* v4, const char* v6, Instant now)
        : stack(config(seed), sink) {
        InterfaceConfig ic;
        ic.name = "e2e0";
        ic.mac = mac;
        ic.addresses = {*IpPrefix::parse(v4), *IpPrefix::parse(v6)};
        stack.add_interface(ic, now).value();
    }
    static StackConfig config(std::uint64_t seed) {
        StackConfig c;
        c.seed = seed;
        return c;
    }
    void collect_events() {
        stack.tcp_take_events([&](TcpConnId c, std::uint32_t ev) { events[c] |= ev; },
                              [&](TcpListenerId l) { listener_events.push_back(l); });
    }
};

struct Wire {
    Instant now = instant_from_ns(1'000'000'000'000);
    Node a{1, kMacA, "10.1.0.1/24", "fd01::1/64", now};
    Node b{2, kMacB, "10.1.0.2/24", "fd01::2/64", now};
    std::size_t frames_moved = 0;

    /// Delivers frames both ways until neither side sends anything (bounded).
    void pump() {
        for (int round = 0; round < 1000; ++round) {
            auto fa = a.sink.take();
            auto fb = b.sink.take();
            if (fa.empty() && fb.empty())
                break;
            for (const auto& f : fa)
                b.stack.receive(0, f, now);
            for (const auto& f : fb)
                a.stack.receive(0, f, now);
            frames_moved += fa.size() + fb.size();
        }
        a.collect_events();
        b.collect_events();
    }
    /// Advances time in 1 ms steps, polling both stacks and pumping frames.
    void run_ms(int ms) {
        for (int i = 0; i < ms; ++i) {
            now += std::chrono::milliseconds(1);
            a.stack.poll(now);
            b.stack.poll(now);
            pump();
        }
    }
};

std::vector<std::byte> read_all(StackCore& s, TcpConnId c, Instant now) {
    std::vector<std::byte> got;
    std::byte buf[4096];
    for (;;) {
        const auto r = s.tcp_recv(c, buf, now);
        if (!r || *r == 0)
            break;
        got.insert(got.end(), buf, buf + *r);
    }
    return got;
}

void exchange(Wire& w, const IpAddress& server_addr) {
    w.run_ms(2000); // DAD, neighbour chatter
    const auto l = w.b.stack.tcp_listen(IpAddress{Ipv6Address{}}, 7, 16);
    REQUIRE(l);
    const auto c = w.a.stack.tcp_connect(server_addr, 7, w.now);
    REQUIRE(c);
    w.run_ms(50);
    CHECK((w.a.events[*c] & tcp::tcpevent::kConnected) != 0);
    REQUIRE(w.b.listener_events.size() == 1);
    const auto s = w.b.stack.tcp_accept(*l);
    REQUIRE(s);
    REQUIRE(w.a.stack.tcp_connection(*c)->state() == tcp::TcpState::kEstablished);
    REQUIRE(w.b.stack.tcp_connection(*s)->state() == tcp::TcpState::kEstablished);

    // 100 kB client -> server, more than one window's worth in pieces.
    const auto data = pattern(100'000);
    std::size_t sent = 0;
    std::vector<std::byte> got;
    for (int i = 0; i < 5000 && got.size() < data.size(); ++i) {
        if (sent < data.size()) {
            const auto r =
                w.a.stack.tcp_send(*c, std::span<const std::byte>(data).subspan(sent), w.now);
            if (r)
                sent += *r;
            else
                CHECK(r.error() == std::errc::resource_unavailable_try_again);
        }
        w.run_ms(1);
        const auto more = read_all(w.b.stack, *s, w.now);
        got.insert(got.end(), more.begin(), more.end());
    }
    REQUIRE(got.size() == data.size());
    CHECK(got == data);

    // Server answers and closes; client reads the answer then end of stream.
    const auto reply = pattern(500);
    REQUIRE(w.b.stack.tcp_send(*s, reply, w.now).value() == 500);
    w.b.stack.tcp_close(*s, w.now);
    w.run_ms(100);
    CHECK(read_all(w.a.stack, *c, w.now) == reply);
    std::byte one[1];
    CHECK(w.a.stack.tcp_recv(*c, one, w.now).value() == 0);
    w.a.stack.tcp_close(*c, w.now);
    w.run_ms(100);
    // The active closer (server) waits in TIME-WAIT; the other side is gone.
    CHECK(w.a.stack.tcp_connection_count() == 0);
    CHECK(w.b.stack.tcp_connection_count() == 1);
    w.run_ms(61'000);
    CHECK(w.b.stack.tcp_connection_count() == 0);
    CHECK(w.a.stack.drops()[DropReason::TcpNoSocket] == 0);
    CHECK(w.b.stack.drops()[DropReason::TcpNoSocket] == 0);
}

} // namespace

TEST_CASE("two stacks: connect, accept, send, recv, close over IPv4",
          "[stack_tcp][needs_connection]") {
    Wire w;
    exchange(w, IpAddress{kIpB});
}

TEST_CASE("two stacks: connect, accept, send, recv, close over IPv6",
          "[stack_tcp][needs_connection]") {
    Wire w;
    exchange(w, IpAddress{kIp6B});
}

TEST_CASE("two stacks: connect to a closed port is refused", "[stack_tcp][needs_connection]") {
    Wire w;
    w.run_ms(2000);
    const auto c = w.a.stack.tcp_connect(IpAddress{kIpB}, 9, w.now);
    REQUIRE(c);
    w.run_ms(20);
    CHECK((w.a.events[*c] & tcp::tcpevent::kClosed) != 0);
    std::byte buf[1];
    CHECK(w.a.stack.tcp_recv(*c, buf, w.now).error() == std::errc::connection_refused);
    CHECK(w.b.stack.tcp_counters().resets_sent == 1);
    w.a.stack.tcp_close(*c, w.now);
    CHECK(w.a.stack.tcp_connection_count() == 0);
}
