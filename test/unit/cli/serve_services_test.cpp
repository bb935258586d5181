// `serve`'s TCP services end to end without DPDK: two StackCores joined by an in-memory wire,
// one running the TcpDispatcher with echo/discard/chargen, the other a client on the stack's
// own tcp_connect. Virtual time; no root.
#include <catch2/catch.hpp>

#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "stack/stack_core.hpp"
#include "tcp_dispatcher.hpp"
#include "tcp_services.hpp"

using namespace multios::net;
using namespace multios::net::app;

namespace multios::net::serve_services_test {

using Bytes = std::vector<std::byte>;

/// Frames one stack sends, queued for the other.
class WireSink final : public FrameSink {
  public:
    std::span<std::byte> begin_frame(IfIndex, std::size_t max_len) override {
        open_.assign(max_len, std::byte{0});
        return open_;
    }
    void commit_frame(std::size_t len) override {
        open_.resize(len);
        queue.push_back(std::move(open_));
        open_.clear();
    }
    void abort_frame() override { open_.clear(); }
    std::deque<Bytes> queue;

  private:
    Bytes open_;
};

const Ipv4Address kServerIp{{10, 0, 0, 2}};
const Ipv6Address kServerIp6 = *Ipv6Address::parse("fd00::2");

struct Node {
    WireSink sink;
    StackCore stack;
    Node(const char* mac, const char* v4, const char* v6) : stack(StackConfig{}, sink) {
        InterfaceConfig ic;
        ic.name = "w0";
        ic.mac = *MacAddress::parse(mac);
        ic.addresses = {*IpPrefix::parse(v4), *IpPrefix::parse(v6)};
        ic.slaac = false;
        stack.add_interface(ic, instant_from_ns(0)).value();
    }
};

/// Server and client on one wire; `run` moves frames and time until a condition holds.
struct Bench {
    Node server{"02:00:00:00:00:02", "10.0.0.2/24", "fd00::2/64"};
    Node client{"02:00:00:00:00:01", "10.0.0.1/24", "fd00::1/64"};
    TcpDispatcher dispatcher{server.stack};
    Instant now = instant_from_ns(1'000'000'000);

    Bench() {
        // Past DAD of both ends.
        for (int i = 0; i < 30; ++i)
            step(std::chrono::milliseconds(100));
    }

    void deliver(WireSink& from, StackCore& to) {
        while (!from.queue.empty()) {
            Bytes f = std::move(from.queue.front());
            from.queue.pop_front();
            to.receive(0, f, now);
        }
    }

    void step(Duration dt = std::chrono::microseconds(100)) {
        now += dt;
        server.stack.poll(now);
        client.stack.poll(now);
        dispatcher.poll(now);
        for (int i = 0; i < 4 && !(server.sink.queue.empty() && client.sink.queue.empty()); ++i) {
            deliver(server.sink, client.stack);
            deliver(client.sink, server.stack);
            dispatcher.poll(now);
        }
    }

    template <class Pred>
    bool run_until(Pred done, int max_steps = 200000) {
        for (int i = 0; i < max_steps; ++i) {
            if (done())
                return true;
            step();
        }
        return done();
    }

    TcpConnId connect(const IpAddress& to, std::uint16_t port) {
        auto c = client.stack.tcp_connect(to, port, now);
        REQUIRE(c);
        bool up = run_until([&] {
            auto* k = client.stack.tcp_connection(*c);
            return k && k->state() == tcp::TcpState::kEstablished;
        });
        REQUIRE(up);
        return *c;
    }

    /// Reads what is there into `out`; true once the peer's FIN was read.
    bool read_some(TcpConnId c, Bytes& out) {
        std::byte buf[16384];
        for (;;) {
            auto r = client.stack.tcp_recv(c, buf, now);
            if (!r)
                return false;
            if (*r == 0)
                return true;
            out.insert(out.end(), buf, buf + *r);
        }
    }
};

Bytes pattern_bytes(std::size_t n, std::uint32_t seed) {
    Bytes b(n);
    std::uint32_t x = seed;
    for (auto& v : b) {
        x = x * 1664525u + 1013904223u;
        v = static_cast<std::byte>(x >> 24);
    }
    return b;
}

std::string as_text(std::span<const std::byte> b) {
    return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

} // namespace multios::net::serve_services_test

using namespace multios::net::serve_services_test;

TEST_CASE("chargen_fill produces the RFC 864 rotating lines", "[cli]") {
    Bytes buf(3 * 74);
    CHECK(chargen_fill(0, buf) == 3 * 74);
    std::string text = as_text(buf);
    std::string printable;
    for (char c = ' '; c <= '~'; ++c)
        printable += c;
    CHECK(text.substr(0, 74) == printable.substr(0, 72) + "\r\n");
    CHECK(text.substr(74, 74) == printable.substr(1, 72) + "\r\n");
    CHECK(text.substr(148, 74) == printable.substr(2, 72) + "\r\n");
    // Line 30 wraps around the end of the printable set: 65 characters, then 7 from the start.
    Bytes line30(74);
    chargen_fill(30 * 74, line30);
    CHECK(as_text(line30) == printable.substr(30) + printable.substr(0, 7) + "\r\n");
    // The stream repeats after 95 lines, and resuming mid-line continues the same stream.
    Bytes a(500), b(500);
    chargen_fill(95 * 74 + 30, a);
    chargen_fill(30, b);
    CHECK(a == b);
    Bytes whole(200), first(77), rest(123);
    chargen_fill(10, whole);
    std::uint64_t next = chargen_fill(10, first);
    chargen_fill(next, rest);
    first.insert(first.end(), rest.begin(), rest.end());
    CHECK(first == whole);
}

TEST_CASE("echo sends every byte back, then closes after the peer's FIN", "[serve-services]") {
    Bench bench;
    auto echo = make_echo_service();
    REQUIRE(bench.dispatcher.listen(7, *echo));
    for (IpAddress to : {IpAddress{kServerIp}, IpAddress{kServerIp6}}) {
        INFO(to.to_string());
        TcpConnId c = bench.connect(to, 7);
        const Bytes data = pattern_bytes(1 << 20, 7);
        std::size_t sent = 0;
        Bytes got;
        bool eof = false;
        bool shut = false;
        bool done = bench.run_until([&] {
            if (sent < data.size()) {
                auto r = bench.client.stack.tcp_send(
                    c,
                    std::span(data).subspan(sent, std::min<std::size_t>(65536, data.size() - sent)),
                    bench.now);
                if (r)
                    sent += *r;
            } else if (!shut) {
                REQUIRE(bench.client.stack.tcp_shutdown(c, bench.now));
                shut = true;
            }
            eof = eof || bench.read_some(c, got);
            return eof;
        });
        REQUIRE(done);
        CHECK(got.size() == data.size());
        CHECK(got == data);
        bench.client.stack.tcp_close(c, bench.now);
        // The server closed its side after echoing; its table empties once the last ACK is in.
        CHECK(bench.run_until([&] { return bench.server.stack.tcp_connection_count() == 0; }));
        CHECK(bench.dispatcher.routed() == 0);
    }
    CHECK(echo->stats().accepted == 2);
    CHECK(echo->stats().finished == 2);
    CHECK(echo->stats().failed == 0);
    CHECK(echo->stats().open == 0);
    CHECK(echo->stats().bytes_in == 2u << 20);
    CHECK(echo->stats().bytes_out == 2u << 20);
}

TEST_CASE("echo stops reading while its peer does not read (bounded memory)", "[serve-services]") {
    Bench bench;
    auto echo = make_echo_service();
    REQUIRE(bench.dispatcher.listen(7, *echo));
    TcpConnId c = bench.connect(IpAddress{kServerIp}, 7);
    const Bytes data = pattern_bytes(8 << 20, 3);
    std::size_t sent = 0;
    // The client writes and never reads: every buffer on the way fills, then its send blocks.
    int stuck = 0;
    bench.run_until([&] {
        auto r = bench.client.stack.tcp_send(c, std::span(data).subspan(sent, 65536), bench.now);
        if (r && *r > 0) {
            sent += *r;
            stuck = 0;
        } else {
            ++stuck;
        }
        return stuck > 2000 || sent + 65536 > data.size();
    });
    CHECK(sent + 65536 <= data.size()); // It did block.
    const tcp::TcpConfig tcfg;
    // What echo read is in its send buffer or already in the client's receive buffer.
    CHECK(echo->stats().bytes_in <= tcfg.send_buffer + tcfg.receive_buffer + 65536);
    CHECK(echo->stats().bytes_in == echo->stats().bytes_out);
    // Now the client reads everything back and closes; the data is intact.
    Bytes got;
    bool shut = false;
    bool done = bench.run_until([&] {
        if (sent < data.size()) {
            auto r = bench.client.stack.tcp_send(
                c, std::span(data).subspan(sent, std::min<std::size_t>(65536, data.size() - sent)),
                bench.now);
            if (r)
                sent += *r;
        } else if (!shut) {
            REQUIRE(bench.client.stack.tcp_shutdown(c, bench.now));
            shut = true;
        }
        return bench.read_some(c, got);
    });
    REQUIRE(done);
    CHECK(got == data);
}

TEST_CASE("discard counts and chargen streams until the peer closes", "[serve-services]") {
    Bench bench;
    auto discard = make_discard_service();
    auto chargen = make_chargen_service();
    REQUIRE(bench.dispatcher.listen(9, *discard));
    REQUIRE(bench.dispatcher.listen(19, *chargen));

    TcpConnId d = bench.connect(IpAddress{kServerIp6}, 9);
    const Bytes data = pattern_bytes(300000, 9);
    std::size_t sent = 0;
    REQUIRE(bench.run_until([&] {
        if (sent < data.size()) {
            auto r = bench.client.stack.tcp_send(d, std::span(data).subspan(sent), bench.now);
            if (r)
                sent += *r;
            if (sent == data.size())
                REQUIRE(bench.client.stack.tcp_shutdown(d, bench.now));
        }
        Bytes none;
        return bench.read_some(d, none) && none.empty();
    }));
    CHECK(discard->stats().bytes_in == data.size());
    CHECK(discard->stats().bytes_out == 0);
    CHECK(discard->stats().finished == 1);
    bench.client.stack.tcp_close(d, bench.now);

    TcpConnId g = bench.connect(IpAddress{kServerIp}, 19);
    Bytes got;
    REQUIRE(bench.run_until([&] {
        bench.read_some(g, got);
        return got.size() >= 200000;
    }));
    Bytes expect(got.size());
    chargen_fill(0, expect);
    CHECK(got == expect);
    REQUIRE(bench.client.stack.tcp_shutdown(g, bench.now));
    // Keep reading (the client must drain so its close is clean) until the server's FIN.
    REQUIRE(bench.run_until([&] { return bench.read_some(g, got); }));
    bench.client.stack.tcp_close(g, bench.now);
    CHECK(bench.run_until([&] { return bench.server.stack.tcp_connection_count() == 0; }));
    CHECK(chargen->stats().finished == 1);
    CHECK(chargen->stats().bytes_out == got.size());
}

TEST_CASE("the dispatcher refuses a port twice and accepts v4 and v6 on one listener",
          "[serve-services]") {
    Bench bench;
    auto echo = make_echo_service();
    auto other = make_discard_service();
    REQUIRE(bench.dispatcher.listen(7, *echo));
    auto again = bench.dispatcher.listen(7, *other);
    REQUIRE_FALSE(again);
    CHECK(again.error() == std::errc::address_in_use);
    TcpConnId a = bench.connect(IpAddress{kServerIp}, 7);
    TcpConnId b = bench.connect(IpAddress{kServerIp6}, 7);
    CHECK(bench.run_until([&] { return bench.dispatcher.accepted() == 2; }));
    CHECK(echo->stats().open == 2);
    bench.client.stack.tcp_abort(a, bench.now);
    bench.client.stack.tcp_abort(b, bench.now);
    CHECK(bench.run_until([&] { return echo->stats().open == 0; }));
    CHECK(echo->stats().failed == 2);
    CHECK(bench.run_until([&] { return bench.server.stack.tcp_connection_count() == 0; }));
}
