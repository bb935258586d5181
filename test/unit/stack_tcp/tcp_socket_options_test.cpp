// Per-socket TCP options of the sans-IO stack (issue 5, Berkeley sockets underneath): hop limit
// on connections and inherited from listeners, IPV6_V6ONLY, SO_REUSEPORT, SO_REUSEADDR over
// TIME-WAIT, per-connection TcpConfig (receive buffer -> window scale, keepalive timing),
// bind-before-connect, and the address queries. Everything is checked on the frames the stack
// writes to its sink.
#include <catch2/catch.hpp>

#include <set>

#include "stack_tcp_harness.hpp"

using namespace multios::net;
using namespace multios::net::stack_tcp_test;
using namespace multios::net::wire::tcpflag;

namespace multios::net::tcp_options_test {
namespace {

Harness& ready(Harness& h) {
    h.settle();
    introduce_peer(h);
    return h;
}

/// One frame the stack sent: its TCP segment and the IP TTL / hop limit it carried.
struct Sent {
    SentSegment s;
    std::uint8_t hops = 0;
};

std::vector<Sent> take(Harness& h) {
    std::vector<Sent> out;
    for (const auto& f : h.sink.take()) {
        Sent x;
        if (!parse_sent_tcp(f, x.s))
            continue;
        x.hops = x.s.src.is_v4() ? parse_v4_frame(f).ttl : parse_v6_frame(f).hop_limit;
        out.push_back(x);
    }
    return out;
}

/// The peer's SYN to the stack's port `dport` from `sport` (ISN 1000), v4 or v6.
Frame peer_syn(bool v6, std::uint16_t sport, std::uint16_t dport) {
    const auto f = tcp_fields(sport, dport, 1000, 0, kSyn);
    return v6 ? tcp6_frame(f) : tcp4_frame(f);
}

/// Completes a passive handshake from `sport`: SYN, our SYN-ACK (returned), the peer's ACK.
Sent passive_handshake(Harness& h, bool v6, std::uint16_t sport, std::uint16_t dport) {
    h.rx(peer_syn(v6, sport, dport));
    auto out = take(h);
    REQUIRE(out.size() == 1);
    REQUIRE(out[0].s.seg.flags == (kSyn | kAck));
    const auto ack = tcp_fields(sport, dport, 1001, out[0].s.seg.seq + 1, kAck);
    h.rx(v6 ? tcp6_frame(ack) : tcp4_frame(ack));
    return out[0];
}

/// Answers our SYN (`syn`) with a SYN-ACK (ISN 5000): the connection is established.
void answer_syn(Harness& h, const SentSegment& syn) {
    const auto f =
        tcp_fields(syn.seg.dst_port, syn.seg.src_port, 5000, syn.seg.seq + 1, kSyn | kAck);
    h.rx(syn.src.is_v4() ? tcp4_frame(f, {}, syn.dst.v4(), syn.src.v4())
                         : tcp6_frame(f, {}, syn.dst.v6(), syn.src.v6()));
}

/// Active open with `o`, handshake answered; returns the handle (the SYN is checked to carry
/// `syn_hops`).
TcpConnId established(Harness& h, const IpAddress& remote, const TcpOpenOptions& o,
                      std::uint8_t syn_hops) {
    const auto c = h.stack.tcp_connect(remote, 80, h.now, o);
    REQUIRE(c);
    const auto syn = take(h);
    REQUIRE(syn.size() == 1);
    CHECK(syn[0].s.seg.flags == kSyn);
    CHECK(syn[0].hops == syn_hops);
    answer_syn(h, syn[0].s);
    const auto ack = take(h);
    REQUIRE(ack.size() == 1);
    CHECK(ack[0].hops == syn_hops);
    REQUIRE(h.stack.tcp_connection(*c)->state() == tcp::TcpState::kEstablished);
    return *c;
}

/// Sends 100 bytes on `c` and returns the hop count of the data segment.
std::uint8_t data_hops(Harness& h, TcpConnId c) {
    const auto data = pattern(100);
    h.stack.tcp_connection(c)->set_nodelay(true); // no Nagle hold behind unacked data
    REQUIRE(h.stack.tcp_send(c, data, h.now).value() == 100);
    const auto out = take(h);
    REQUIRE(out.size() == 1);
    CHECK(out[0].s.seg.payload.size() == 100);
    return out[0].hops;
}

std::int64_t ms_since(Instant from, Instant to) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(to - from).count();
}

std::vector<TcpConnId> accept_all(Harness& h, TcpListenerId l) {
    std::vector<TcpConnId> got;
    for (auto c = h.stack.tcp_accept(l); c; c = h.stack.tcp_accept(l))
        got.push_back(*c);
    return got;
}

} // namespace
} // namespace multios::net::tcp_options_test

using namespace multios::net::tcp_options_test;

TEST_CASE("tcp options: hop_limit is the TTL of SYN and data, and can change live (v4)",
          "[tcp-options]") {
    Harness h;
    ready(h);
    TcpOpenOptions o;
    o.hop_limit = 7;
    const TcpConnId c = established(h, IpAddress{kPeerIp}, o, 7);
    CHECK(data_hops(h, c) == 7);
    REQUIRE(h.stack.tcp_set_hop_limit(c, 200));
    CHECK(data_hops(h, c) == 200);
    CHECK(h.stack.tcp_set_hop_limit(c, 0).error() == std::errc::invalid_argument);
    // Without the option: the stack default.
    const TcpConnId d = established(h, IpAddress{kPeerIp}, {}, 64);
    CHECK(data_hops(h, d) == 64);
    h.stack.tcp_abort(c, h.now);
    CHECK(h.stack.tcp_set_hop_limit(c, 5).error() == std::errc::bad_file_descriptor);
    TcpOpenOptions zero;
    zero.hop_limit = 0;
    CHECK(h.stack.tcp_connect(IpAddress{kPeerIp}, 80, h.now, zero).error() ==
          std::errc::invalid_argument);
}

TEST_CASE("tcp options: hop_limit is the IPv6 hop limit of SYN and data", "[tcp-options]") {
    Harness h;
    ready(h);
    TcpOpenOptions o;
    o.hop_limit = 3;
    const TcpConnId c = established(h, IpAddress{kPeerIp6}, o, 3);
    CHECK(data_hops(h, c) == 3);
    REQUIRE(h.stack.tcp_set_hop_limit(c, 42));
    CHECK(data_hops(h, c) == 42);
}

TEST_CASE("tcp options: accepted connections inherit the listener's hop limit", "[tcp-options]") {
    Harness h;
    ready(h);
    const bool v6 = GENERATE(false, true);
    TcpListenOptions lo;
    lo.hop_limit = 5;
    const auto l = h.stack.tcp_listen(IpAddress{Ipv6Address{}}, 80, 8, lo);
    REQUIRE(l);
    const Sent synack = passive_handshake(h, v6, 40000, 80);
    CHECK(synack.hops == 5);
    const auto c = h.stack.tcp_accept(*l);
    REQUIRE(c);
    CHECK(data_hops(h, *c) == 5);
    // The stateless SYN-cookie SYN-ACK too (backlog 1, queue full).
    TcpListenOptions lo2;
    lo2.hop_limit = 9;
    const auto l2 = h.stack.tcp_listen(IpAddress{Ipv6Address{}}, 81, 1, lo2);
    REQUIRE(l2);
    h.rx(peer_syn(v6, 40001, 81));
    h.rx(peer_syn(v6, 40002, 81));
    const auto out = take(h);
    REQUIRE(out.size() == 2);
    CHECK(out[0].hops == 9);
    CHECK(out[1].hops == 9);
    CHECK(h.stack.tcp_counters().syn_cookies_sent == 1);
}

TEST_CASE("tcp options: a v6only listener refuses IPv4, a plain \"::\" one accepts it",
          "[tcp-options]") {
    Harness h;
    ready(h);
    TcpListenOptions only6;
    only6.v6only = true;
    const auto l6 = h.stack.tcp_listen(IpAddress{Ipv6Address{}}, 80, 8, only6);
    REQUIRE(l6);
    h.rx(peer_syn(false, 40000, 80));
    auto out = take(h);
    REQUIRE(out.size() == 1);
    CHECK(out[0].s.seg.flags == (kRst | kAck));
    CHECK(h.stack.drops()[DropReason::TcpNoSocket] == 1);
    // IPv6 still reaches it.
    h.rx(peer_syn(true, 40000, 80));
    out = take(h);
    REQUIRE(out.size() == 1);
    CHECK(out[0].s.seg.flags == (kSyn | kAck));

    const auto l = h.stack.tcp_listen(IpAddress{Ipv6Address{}}, 81, 8);
    REQUIRE(l);
    passive_handshake(h, false, 40001, 81);
    const auto c = h.stack.tcp_accept(*l);
    REQUIRE(c);
    CHECK(h.stack.tcp_tuple(*c).value().local == IpAddress{kStackIp});
    // v6only makes no sense on an IPv4 address.
    CHECK(h.stack.tcp_listen(IpAddress{Ipv4Address{}}, 82, 8, only6).error() ==
          std::errc::invalid_argument);
}

TEST_CASE("tcp options: reuse_port listeners share a port and split the flows", "[tcp-options]") {
    Harness h;
    ready(h);
    TcpListenOptions rp;
    rp.reuse_port = true;
    const auto a = h.stack.tcp_listen(IpAddress{Ipv4Address{}}, 80, 64, rp);
    const auto b = h.stack.tcp_listen(IpAddress{Ipv4Address{}}, 80, 64, rp);
    REQUIRE(a);
    REQUIRE(b);
    // All of them must set it.
    CHECK(h.stack.tcp_listen(IpAddress{Ipv4Address{}}, 80, 64).error() ==
          std::errc::address_in_use);
    REQUIRE(h.stack.tcp_listen(IpAddress{Ipv4Address{}}, 81, 64));
    CHECK(h.stack.tcp_listen(IpAddress{Ipv4Address{}}, 81, 64, rp).error() ==
          std::errc::address_in_use);

    constexpr int kFlows = 32;
    for (int i = 0; i < kFlows; ++i)
        passive_handshake(h, false, static_cast<std::uint16_t>(41000 + i), 80);
    const auto got_a = accept_all(h, *a);
    const auto got_b = accept_all(h, *b);
    CHECK(got_a.size() + got_b.size() == kFlows);
    CHECK(!got_a.empty());
    CHECK(!got_b.empty());

    // Stable per flow: the same SYNs in reverse order land on the same listeners (a second
    // stack with the same seed and listeners).
    std::set<std::uint16_t> ports_a;
    for (const TcpConnId c : got_a)
        ports_a.insert(h.stack.tcp_tuple(c).value().remote_port);
    Harness h2;
    ready(h2);
    const auto a2 = h2.stack.tcp_listen(IpAddress{Ipv4Address{}}, 80, 64, rp);
    REQUIRE(a2);
    REQUIRE(h2.stack.tcp_listen(IpAddress{Ipv4Address{}}, 80, 64, rp));
    for (int i = kFlows - 1; i >= 0; --i)
        passive_handshake(h2, false, static_cast<std::uint16_t>(41000 + i), 80);
    std::set<std::uint16_t> ports_a2;
    for (const TcpConnId c : accept_all(h2, *a2))
        ports_a2.insert(h2.stack.tcp_tuple(c).value().remote_port);
    CHECK(ports_a2 == ports_a);
}

TEST_CASE("tcp options: a listener may bind a port held by a TIME-WAIT connection",
          "[tcp-options]") {
    Harness h;
    ready(h);
    const auto l = h.stack.tcp_listen(IpAddress{Ipv4Address{}}, 80, 8);
    REQUIRE(l);
    passive_handshake(h, false, 40000, 80);
    const auto c = h.stack.tcp_accept(*l);
    REQUIRE(c);
    const std::uint32_t our_fin_seq = [&] {
        h.stack.tcp_close(*c, h.now);
        const auto fin = take(h);
        REQUIRE(fin.size() == 1);
        return fin[0].s.seg.seq;
    }();
    h.rx(tcp4_frame(tcp_fields(40000, 80, 1001, our_fin_seq + 1, kAck | kFin)));
    take(h);
    REQUIRE(h.stack.tcp_connection_count() == 1); // TIME-WAIT
    h.stack.tcp_close_listener(*l, h.now);
    REQUIRE(h.stack.tcp_connection_count() == 1);
    const auto again = h.stack.tcp_listen(IpAddress{Ipv4Address{}}, 80, 8);
    REQUIRE(again);
    passive_handshake(h, false, 40001, 80);
    CHECK(h.stack.tcp_accept(*again));
}

TEST_CASE("tcp options: the receive buffer sets the advertised window scale and window",
          "[tcp-options]") {
    Harness h;
    ready(h);
    auto syn_of = [&](const TcpOpenOptions& o) {
        REQUIRE(h.stack.tcp_connect(IpAddress{kPeerIp}, 80, h.now, o));
        const auto out = take(h);
        REQUIRE(out.size() == 1);
        return out[0].s.seg;
    };
    const auto dflt = syn_of({});
    REQUIRE(dflt.options.has_window_scale);
    CHECK(dflt.options.window_scale == 5); // 1 MiB default buffer
    TcpOpenOptions small;
    small.config = tcp::TcpConfig{};
    small.config->receive_buffer = 32 * 1024;
    const auto s = syn_of(small);
    REQUIRE(s.options.has_window_scale);
    CHECK(s.options.window_scale == 0);
    CHECK(s.window == 32 * 1024);
    TcpOpenOptions big;
    big.config = tcp::TcpConfig{};
    big.config->receive_buffer = 8 * 1024 * 1024;
    CHECK(syn_of(big).options.window_scale == 8); // 2^23 >> 8 fits in 16 bits

    // A listener's buffer applies to its SYN-ACKs (the peer offers window scaling).
    TcpListenOptions lo;
    lo.config = tcp::TcpConfig{};
    lo.config->receive_buffer = 16 * 1024 * 1024;
    REQUIRE(h.stack.tcp_listen(IpAddress{Ipv4Address{}}, 90, 8, lo));
    auto f = tcp_fields(40000, 90, 1000, 0, kSyn);
    f.options.has_window_scale = true;
    f.options.window_scale = 2;
    h.rx(tcp4_frame(f));
    const auto synack = take(h);
    REQUIRE(synack.size() == 1);
    REQUIRE(synack[0].s.seg.options.has_window_scale);
    CHECK(synack[0].s.seg.options.window_scale == 9);
}

TEST_CASE("tcp options: keepalive idle=1s interval=1s probes=2 times out on schedule",
          "[tcp-options]") {
    Harness h;
    ready(h);
    const bool live = GENERATE(false, true);
    TcpOpenOptions o;
    if (!live) {
        o.config = tcp::TcpConfig{};
        o.config->keepalive = true;
        o.config->keepalive_idle = std::chrono::seconds(1);
        o.config->keepalive_interval = std::chrono::seconds(1);
        o.config->keepalive_probes = 2;
    }
    const TcpConnId c = established(h, IpAddress{kPeerIp}, o, 64);
    const Instant t0 = h.now; // the SYN-ACK arrived: last receive
    if (live) {
        tcp::Connection& conn = *h.stack.tcp_connection(c);
        conn.set_keepalive(true, h.now);
        conn.set_keepalive_params(std::chrono::seconds(1), std::chrono::seconds(1), 2, h.now);
        CHECK(conn.config().keepalive_probes == 2);
    }
    std::vector<std::pair<std::int64_t, std::uint8_t>> seen; // ms after t0, flags
    for (int i = 0; i < 400; ++i) {
        h.advance_ms(10);
        for (const auto& s : take(h))
            seen.emplace_back(ms_since(t0, h.now), s.s.seg.flags);
    }
    REQUIRE(seen.size() == 3);
    // RFC 1122 4.2.3.6: probes (SEG.SEQ = SND.NXT - 1, no data) after idle, then every
    // interval; the connection is dropped when `probes` of them went unanswered.
    CHECK(seen[0] == std::pair<std::int64_t, std::uint8_t>{1000, kAck});
    CHECK(seen[1] == std::pair<std::int64_t, std::uint8_t>{2000, kAck});
    CHECK(seen[2].first == 3000);
    CHECK((seen[2].second & kRst) != 0);
    std::uint32_t events = 0;
    h.stack.tcp_take_events([&](TcpConnId id, std::uint32_t ev) { events |= id == c ? ev : 0; },
                            [](TcpListenerId) {});
    CHECK((events & tcp::tcpevent::kClosed) != 0);
    CHECK(h.stack.tcp_connection(c)->error() == std::errc::timed_out);
    std::byte buf[8];
    CHECK(h.stack.tcp_recv(c, buf, h.now).error() == std::errc::timed_out);
}

TEST_CASE("tcp options: an answered probe restarts the idle time", "[tcp-options]") {
    Harness h;
    ready(h);
    const TcpConnId c = established(h, IpAddress{kPeerIp}, {}, 64);
    tcp::Connection& conn = *h.stack.tcp_connection(c);
    conn.set_keepalive(true, h.now);
    // Shorter idle set after 500 ms of silence: fires 1 s after the last receive.
    const Instant t0 = h.now;
    h.advance_ms(500);
    conn.set_keepalive_params(std::chrono::seconds(1), std::chrono::milliseconds(300), 3, h.now);
    h.advance_ms(490);
    CHECK(take(h).empty());
    h.advance_ms(20);
    const auto probe = take(h);
    REQUIRE(probe.size() == 1);
    CHECK(ms_since(t0, h.now) == 1010);
    // The peer answers: silence again for a full idle period.
    h.rx(tcp4_frame(tcp_fields(80, probe[0].s.seg.src_port, 5001, probe[0].s.seg.seq + 1, kAck), {},
                    kPeerIp, kStackIp));
    h.advance_ms(900);
    CHECK(take(h).empty());
    CHECK(conn.state() == tcp::TcpState::kEstablished);
}

TEST_CASE("tcp options: bound local address and port appear in the SYN", "[tcp-options]") {
    Harness h;
    ready(h);
    const Ipv4Address second{{10, 0, 0, 3}};
    REQUIRE(h.stack.add_address(0, *IpPrefix::parse("10.0.0.3/24"), h.now));
    h.sink.take();
    TcpOpenOptions o;
    o.local = IpAddress{second};
    o.local_port = 5555;
    const auto c = h.stack.tcp_connect(IpAddress{kPeerIp}, 80, h.now, o);
    REQUIRE(c);
    const auto syn = take(h);
    REQUIRE(syn.size() == 1);
    CHECK(syn[0].s.src == IpAddress{second});
    CHECK(syn[0].s.seg.src_port == 5555);
    const FourTuple t = h.stack.tcp_tuple(*c).value();
    CHECK(t.local == IpAddress{second});
    CHECK(t.local_port == 5555);
    CHECK(t.remote == IpAddress{kPeerIp});
    CHECK(t.remote_port == 80);
    // The exact 4-tuple is taken; another remote port is not.
    CHECK(h.stack.tcp_connect(IpAddress{kPeerIp}, 80, h.now, o).error() ==
          std::errc::address_in_use);
    CHECK(h.stack.tcp_connect(IpAddress{kPeerIp}, 81, h.now, o));
    // Only the address, port still ephemeral.
    TcpOpenOptions addr_only;
    addr_only.local = IpAddress{second};
    REQUIRE(h.stack.tcp_connect(IpAddress{kPeerIp}, 80, h.now, addr_only));
    take(h);

    TcpOpenOptions foreign;
    foreign.local = IpAddress{Ipv4Address{{10, 9, 9, 9}}};
    CHECK(h.stack.tcp_connect(IpAddress{kPeerIp}, 80, h.now, foreign).error() ==
          std::errc::address_not_available);
    TcpOpenOptions wrong_family;
    wrong_family.local = IpAddress{kStackIp6};
    CHECK(h.stack.tcp_connect(IpAddress{kPeerIp}, 80, h.now, wrong_family).error() ==
          std::errc::address_family_not_supported);
    CHECK(take(h).empty());

    // IPv6 source address binding.
    TcpOpenOptions o6;
    o6.local = IpAddress{kStackIp6};
    o6.local_port = 6000;
    REQUIRE(h.stack.tcp_connect(IpAddress{kPeerIp6}, 80, h.now, o6));
    const auto syn6 = take(h);
    REQUIRE(syn6.size() == 1);
    CHECK(syn6[0].s.src == IpAddress{kStackIp6});
    CHECK(syn6[0].s.seg.src_port == 6000);
}

TEST_CASE("tcp options: listener address query", "[tcp-options]") {
    Harness h;
    ready(h);
    const auto l = h.stack.tcp_listen(IpAddress{kStackIp6}, 8080, 4);
    REQUIRE(l);
    const auto a = h.stack.tcp_listener_address(*l).value();
    CHECK(a.first == IpAddress{kStackIp6});
    CHECK(a.second == 8080);
    h.stack.tcp_close_listener(*l, h.now);
    CHECK(h.stack.tcp_listener_address(*l).error() == std::errc::bad_file_descriptor);
}
