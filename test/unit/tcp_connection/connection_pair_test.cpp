// Two tcp::Connection objects talking through a simulated link (delay, loss, reordering): the
// whole state machine end to end with no stack and no DPDK. Checks bulk transfers arrive
// intact, close paths end in CLOSED/TIME-WAIT with nothing left armed.
#include <catch2/catch.hpp>

#include <deque>
#include <random>
#include <vector>

#include "tcp/connection.hpp"

namespace multios::net::tcp_pair_test {

using namespace multios::net;
using namespace multios::net::tcp;
using namespace std::chrono_literals;

struct InFlight {
    Instant arrive;
    int to; ///< 0 = A (active opener), 1 = B
    wire::TcpSegment seg;
    std::vector<std::byte> data;
};

struct Link final : SegmentSink {
    std::deque<InFlight> queue;
    Duration delay = 5ms;
    double loss = 0.0;
    std::mt19937_64 rng{42};
    int dropped = 0;
    FourTuple a_tuple;

    bool send_segment(const FourTuple& tuple, const OutgoingSegment& s, Instant now) override {
        if (loss > 0 && std::uniform_real_distribution<>(0, 1)(rng) < loss) {
            ++dropped;
            return true;
        }
        InFlight f;
        f.arrive = now + delay;
        f.to = tuple == a_tuple ? 1 : 0;
        f.seg.src_port = tuple.local_port;
        f.seg.dst_port = tuple.remote_port;
        f.seg.seq = s.seq;
        f.seg.ack = s.ack;
        f.seg.flags = s.flags;
        f.seg.window = s.window;
        f.seg.urgent = s.urgent;
        f.seg.options = s.options;
        f.data.assign(s.payload.first.begin(), s.payload.first.end());
        f.data.insert(f.data.end(), s.payload.second.begin(), s.payload.second.end());
        queue.push_back(std::move(f));
        return true;
    }
};

struct Events final : EventSink {
    std::uint32_t seen[2] = {0, 0};
    Connection* a = nullptr;
    void on_tcp_events(Connection& c, std::uint32_t ev) override { seen[&c == a ? 0 : 1] |= ev; }
};

struct Pair {
    Instant now = instant_from_ns(1'000'000'000);
    TimerWheel wheel{1ms, now};
    Link link;
    Events events;
    TcpConfig cfg;
    FourTuple ta{IpAddress{Ipv4Address{{10, 0, 0, 1}}}, IpAddress{Ipv4Address{{10, 0, 0, 2}}},
                 40000, 80};
    FourTuple tb{ta.remote, ta.local, ta.remote_port, ta.local_port};
    std::unique_ptr<Connection> a, b;

    explicit Pair(TcpConfig c = {}) : cfg(c) {
        link.a_tuple = ta;
        a = std::make_unique<Connection>(cfg, ta, 1460, wheel, link, events);
        events.a = a.get();
    }

    void deliver(InFlight& f) {
        f.seg.payload = {f.data.data(), f.data.size()};
        if (f.to == 1) {
            if (!b) {
                if (!(f.seg.flags & wire::tcpflag::kSyn))
                    return;
                b = std::make_unique<Connection>(cfg, tb, 1460, wheel, link, events);
                b->accept_syn(f.seg, 777777, now);
                return;
            }
            b->on_segment(f.seg, now);
        } else {
            a->on_segment(f.seg, now);
        }
    }

    /// Advances virtual time by `step` until `done` or `limit`.
    template <class Done>
    bool run(Done done, Duration limit = 120s, Duration step = 1ms) {
        const Instant end = now + limit;
        while (now < end) {
            if (done())
                return true;
            now += step;
            while (!link.queue.empty() && link.queue.front().arrive <= now) {
                InFlight f = std::move(link.queue.front());
                link.queue.pop_front();
                deliver(f);
            }
            wheel.advance(now, [&](TimerNode& n) {
                static_cast<Connection*>(n.context())
                    ->on_timer(static_cast<TimerKind>(n.kind()), now);
            });
        }
        return done();
    }
};

std::vector<std::byte> pattern(std::size_t n) {
    std::vector<std::byte> v(n);
    for (std::size_t i = 0; i < n; ++i)
        v[i] = static_cast<std::byte>((i * 131 + i / 7) & 0xff);
    return v;
}

/// Sends `data` from A to B, reading at B as it arrives; returns what B received.
std::vector<std::byte> transfer(Pair& p, const std::vector<std::byte>& data, Duration limit) {
    std::size_t sent = 0;
    std::vector<std::byte> got;
    std::vector<std::byte> buf(65536);
    p.run(
        [&] {
            if (p.a->state() == TcpState::kEstablished && sent < data.size())
                sent += p.a->send({data.data() + sent, data.size() - sent}, p.now);
            if (p.b) {
                for (;;) {
                    const std::size_t n = p.b->recv(buf, p.now);
                    if (n == 0)
                        break;
                    got.insert(got.end(), buf.begin(), buf.begin() + static_cast<long>(n));
                }
            }
            return got.size() == data.size();
        },
        limit);
    return got;
}

TEST_CASE("handshake establishes both sides and negotiates options", "[tcp_pair]") {
    Pair p;
    p.a->connect(1000, p.now);
    REQUIRE(p.run([&] {
        return p.b && p.a->state() == TcpState::kEstablished &&
               p.b->state() == TcpState::kEstablished;
    }));
    const auto ia = p.a->info();
    CHECK(ia.sack);
    CHECK(ia.timestamps);
    CHECK(ia.snd_mss == 1460);
    CHECK(ia.rcv_wscale == p.b->info().snd_wscale);
    CHECK((p.events.seen[0] & tcpevent::kConnected));
    CHECK((p.events.seen[1] & tcpevent::kConnected));
}

TEST_CASE("bulk transfer without loss arrives intact", "[tcp_pair]") {
    Pair p;
    p.a->connect(1000, p.now);
    const auto data = pattern(4 << 20);
    const auto got = transfer(p, data, 60s);
    REQUIRE(got.size() == data.size());
    CHECK(got == data);
    std::string line;
    format_tcp_info(p.a->info(), line);
    INFO(line);
    CHECK(p.a->info().total_retrans == 0);
}

TEST_CASE("bulk transfer with 2% loss recovers and arrives intact", "[tcp_pair]") {
    Pair p;
    p.link.loss = 0.02;
    p.a->connect(1000, p.now);
    const auto data = pattern(2 << 20);
    const auto got = transfer(p, data, 300s);
    REQUIRE(got.size() == data.size());
    CHECK(got == data);
    CHECK(p.link.dropped > 0);
    CHECK(p.a->info().total_retrans > 0);
    std::string line;
    format_tcp_info(p.a->info(), line);
    INFO(line);
}

TEST_CASE("bulk transfer with loss and no SACK/timestamps (NewReno) arrives intact", "[tcp_pair]") {
    TcpConfig cfg;
    cfg.sack = false;
    cfg.timestamps = false;
    cfg.congestion = "newreno";
    Pair p(cfg);
    p.link.loss = 0.02;
    p.a->connect(1000, p.now);
    const auto data = pattern(1 << 20);
    const auto got = transfer(p, data, 300s);
    REQUIRE(got.size() == data.size());
    CHECK(got == data);
}

TEST_CASE("orderly close: active closer passes TIME-WAIT, both end reapable", "[tcp_pair]") {
    TcpConfig cfg;
    cfg.time_wait = 2s;
    Pair p(cfg);
    p.a->connect(1000, p.now);
    REQUIRE(p.run([&] { return p.b && p.b->state() == TcpState::kEstablished; }));
    p.a->close(p.now);
    REQUIRE(p.run([&] { return p.b->state() == TcpState::kCloseWait; }));
    CHECK(p.b->eof());
    p.b->close(p.now);
    REQUIRE(p.run([&] { return p.a->state() == TcpState::kTimeWait; }));
    REQUIRE(p.run([&] { return p.b->reapable(); }));
    REQUIRE(p.run([&] { return p.a->reapable(); }, 10s));
    CHECK(!p.a->error());
    CHECK(!p.b->error());
}

TEST_CASE("abort resets the peer with ECONNRESET", "[tcp_pair]") {
    Pair p;
    p.a->connect(1000, p.now);
    REQUIRE(p.run([&] { return p.b && p.b->state() == TcpState::kEstablished; }));
    p.a->abort(p.now);
    CHECK(p.a->reapable());
    REQUIRE(p.run([&] { return p.b->state() == TcpState::kClosed; }));
    CHECK(p.b->error() == std::make_error_code(std::errc::connection_reset));
    CHECK(p.b->reapable());
}

TEST_CASE("SYN to nobody times out with ETIMEDOUT after the retries", "[tcp_pair]") {
    TcpConfig cfg;
    cfg.syn_retries = 2;
    Pair p(cfg);
    p.link.loss = 1.0;
    p.a->connect(1000, p.now);
    REQUIRE(p.run([&] { return p.a->state() == TcpState::kClosed; }, 60s));
    CHECK(p.a->error() == std::make_error_code(std::errc::timed_out));
    CHECK(p.a->reapable());
}

} // namespace multios::net::tcp_pair_test
