// Stack-level TCP input: resets for closed ports (RFC 9293 3.10.7.1), never a reset for a
// reset, group addresses (RFC 1122 4.2.3.10), listener demux, handles and the timer wheel.
#include <catch2/catch.hpp>

#include "stack_tcp_harness.hpp"

using namespace multios::net;
using namespace multios::net::stack_tcp_test;
using namespace multios::net::wire::tcpflag;

namespace {

Harness& ready(Harness& h) {
    h.settle();
    introduce_peer(h);
    return h;
}

std::vector<SentSegment> take_tcp(Harness& h) {
    return tcp_segments(h.sink.take());
}

} // namespace

TEST_CASE("closed port: SYN gets RST,ACK with SEQ=0 ACK=SEG.SEQ+SEG.LEN (v4)", "[stack_tcp]") {
    Harness h;
    ready(h);
    const auto data = pattern(10);
    // SYN with data and FIN: SEG.LEN = 10 + SYN + FIN.
    h.rx(tcp4_frame(tcp_fields(40000, 81, 1000, 0, kSyn | kFin), data));
    const auto out = take_tcp(h);
    REQUIRE(out.size() == 1);
    const auto& s = out[0];
    CHECK(s.src == IpAddress{kStackIp});
    CHECK(s.dst == IpAddress{kPeerIp});
    CHECK(s.seg.src_port == 81);
    CHECK(s.seg.dst_port == 40000);
    CHECK(s.seg.flags == (kRst | kAck));
    CHECK(s.seg.seq == 0);
    CHECK(s.seg.ack == 1000 + 10 + 2);
    CHECK(s.seg.payload.empty());
    CHECK(h.stack.drops()[DropReason::TcpNoSocket] == 1);
    CHECK(h.stack.tcp_counters().resets_sent == 1);
}

TEST_CASE("closed port: ACK-bearing segment gets RST with SEQ=SEG.ACK (v4)", "[stack_tcp]") {
    Harness h;
    ready(h);
    h.rx(tcp4_frame(tcp_fields(40000, 81, 5, 0xdeadbeef, kAck | kPsh), pattern(3)));
    const auto out = take_tcp(h);
    REQUIRE(out.size() == 1);
    CHECK(out[0].seg.flags == kRst);
    CHECK(out[0].seg.seq == 0xdeadbeef);
}

TEST_CASE("closed port: the same rules over IPv6", "[stack_tcp]") {
    Harness h;
    ready(h);
    SECTION("no ACK") {
        h.rx(tcp6_frame(tcp_fields(40001, 82, 0xffffffffu, 0, kSyn)));
        const auto out = take_tcp(h);
        REQUIRE(out.size() == 1);
        CHECK(out[0].src == IpAddress{kStackIp6});
        CHECK(out[0].dst == IpAddress{kPeerIp6});
        CHECK(out[0].seg.flags == (kRst | kAck));
        CHECK(out[0].seg.seq == 0);
        CHECK(out[0].seg.ack == 0); // wraps: 0xffffffff + 1
    }
    SECTION("with ACK") {
        h.rx(tcp6_frame(tcp_fields(40001, 82, 7, 4242, kAck)));
        const auto out = take_tcp(h);
        REQUIRE(out.size() == 1);
        CHECK(out[0].seg.flags == kRst);
        CHECK(out[0].seg.seq == 4242);
    }
}

TEST_CASE("a RST is never answered with a RST", "[stack_tcp]") {
    Harness h;
    ready(h);
    h.rx(tcp4_frame(tcp_fields(40000, 81, 1, 2, kRst)));
    h.rx(tcp4_frame(tcp_fields(40000, 81, 1, 2, kRst | kAck)));
    h.rx(tcp6_frame(tcp_fields(40000, 81, 1, 2, kRst)));
    CHECK(take_tcp(h).empty());
    CHECK(h.stack.tcp_counters().resets_sent == 0);
    CHECK(h.stack.drops()[DropReason::TcpNoSocket] == 3);
    // Nor is a RST to a listening port.
    REQUIRE(h.stack.tcp_listen(IpAddress{Ipv4Address{}}, 81, 8));
    h.rx(tcp4_frame(tcp_fields(40000, 81, 1, 2, kRst)));
    CHECK(take_tcp(h).empty());
    CHECK(h.stack.drops()[DropReason::TcpListenInvalid] == 1);
}

TEST_CASE("segments to or from group addresses are dropped without reply", "[stack_tcp]") {
    Harness h;
    ready(h);
    REQUIRE(h.stack.tcp_listen(IpAddress{Ipv4Address{}}, 80, 8));
    // To the subnet broadcast and the limited broadcast.
    h.rx(tcp4_frame(tcp_fields(40000, 80, 1, 0, kSyn), {}, kPeerIp, Ipv4Address{{10, 0, 0, 255}}));
    h.rx(tcp4_frame(tcp_fields(40000, 81, 1, 0, kSyn), {}, kPeerIp,
                    Ipv4Address{{255, 255, 255, 255}}));
    // From a broadcast or multicast source.
    h.rx(tcp4_frame(tcp_fields(40000, 80, 1, 0, kSyn), {}, Ipv4Address{{10, 0, 0, 255}}));
    h.rx(tcp4_frame(tcp_fields(40000, 80, 1, 0, kSyn), {}, Ipv4Address{{224, 0, 0, 5}}));
    // IPv6 all-nodes destination.
    h.rx(tcp6_frame(tcp_fields(40000, 80, 1, 0, kSyn), {}, kPeerIp6,
                    *Ipv6Address::parse("ff02::1")));
    CHECK(take_tcp(h).empty());
    // The multicast source is already refused by IPv4 input; the rest reach TCP's checks.
    CHECK(h.stack.drops()[DropReason::Ipv4BadAddress] == 1);
    CHECK(h.stack.drops()[DropReason::TcpBadAddress] == 4);
    CHECK(h.stack.tcp_connection_count() == 0);
}

TEST_CASE("bad checksum and bad data offset are counted, not answered", "[stack_tcp]") {
    Harness h;
    ready(h);
    Frame seg = frames::tcp_v4(tcp_fields(40000, 81, 1, 0, kSyn), {}, kPeerIp, kStackIp);
    seg[16] ^= std::byte{0x40};
    h.rx(eth(kStackMac, kPeerMac, wire::ethertype::kIpv4,
             ipv4(kPeerIp, kStackIp, wire::ipproto::kTcp, seg)));
    Frame bad_off = frames::tcp_v4(tcp_fields(40000, 81, 1, 0, kSyn), {}, kPeerIp, kStackIp);
    bad_off[12] = std::byte{0x40}; // data offset 4 words < 5
    h.rx(eth(kStackMac, kPeerMac, wire::ethertype::kIpv4,
             ipv4(kPeerIp, kStackIp, wire::ipproto::kTcp, bad_off)));
    CHECK(take_tcp(h).empty());
    CHECK(h.stack.drops()[DropReason::TcpBadChecksum] == 1);
    CHECK(h.stack.drops()[DropReason::TcpMalformed] == 1);
}

TEST_CASE("listeners: address conflicts and ACK to a listener", "[stack_tcp]") {
    Harness h;
    ready(h);
    const auto any4 = h.stack.tcp_listen(IpAddress{Ipv4Address{}}, 80, 8);
    REQUIRE(any4);
    CHECK(h.stack.tcp_listen(IpAddress{Ipv4Address{}}, 80, 8).error() == std::errc::address_in_use);
    // Distinct addresses on one port coexist (redis binds 0.0.0.0 and ::).
    CHECK(h.stack.tcp_listen(IpAddress{Ipv6Address{}}, 80, 8));
    CHECK(h.stack.tcp_listen(IpAddress{kStackIp}, 80, 8));
    CHECK(h.stack.tcp_listen(IpAddress{Ipv4Address{{10, 9, 9, 9}}}, 80, 8).error() ==
          std::errc::address_not_available);
    CHECK(h.stack.tcp_listen(IpAddress{Ipv4Address{}}, 0, 8).error() ==
          std::errc::invalid_argument);
    CHECK(h.stack.tcp_accept(*any4).error() == std::errc::resource_unavailable_try_again);
    // RFC 9293 3.10.7.2: an ACK to LISTEN (here: not a valid SYN cookie) gets <SEQ=SEG.ACK,RST>.
    h.rx(tcp4_frame(tcp_fields(40000, 80, 100, 5555, kAck)));
    const auto out = take_tcp(h);
    REQUIRE(out.size() == 1);
    CHECK(out[0].seg.flags == kRst);
    CHECK(out[0].seg.seq == 5555);
    CHECK(h.stack.tcp_counters().syn_cookies_failed == 1);
    CHECK(h.stack.tcp_connection_count() == 0);
    // A closed listener's handle is stale.
    h.stack.tcp_close_listener(*any4, h.now);
    CHECK(h.stack.tcp_accept(*any4).error() == std::errc::bad_file_descriptor);
}

TEST_CASE("connect, stale handles and the connection limit", "[stack_tcp]") {
    StackConfig cfg;
    cfg.tcp.max_connections = 2;
    Harness h(cfg);
    ready(h);
    const auto c1 = h.stack.tcp_connect(IpAddress{kPeerIp}, 80, h.now);
    REQUIRE(c1);
    const auto c2 = h.stack.tcp_connect(IpAddress{kPeerIp6}, 80, h.now);
    REQUIRE(c2);
    CHECK(*c1 != *c2);
    CHECK(h.stack.tcp_connection_count() == 2);
    CHECK(h.stack.tcp_connect(IpAddress{kPeerIp}, 80, h.now).error() == std::errc::no_buffer_space);
    const tcp::Connection* conn = h.stack.tcp_connection(*c1);
    REQUIRE(conn != nullptr);
    CHECK(conn->tuple().local == IpAddress{kStackIp});
    CHECK(conn->tuple().remote == IpAddress{kPeerIp});
    CHECK(conn->tuple().remote_port == 80);
    CHECK(conn->tuple().local_port >= 49152);
    CHECK(h.stack.tcp_counters().active_opens == 2);
    // Bad destinations.
    CHECK(h.stack.tcp_connect(IpAddress{Ipv4Address{{255, 255, 255, 255}}}, 80, h.now).error() ==
          std::errc::invalid_argument);
    CHECK(h.stack.tcp_connect(IpAddress{kPeerIp}, 0, h.now).error() == std::errc::invalid_argument);

    // Abort releases the handle at once: every later use of it is EBADF, even after the slot
    // is reused by a new connection.
    h.stack.tcp_abort(*c1, h.now);
    std::byte buf[4]{};
    CHECK(h.stack.tcp_connection(*c1) == nullptr);
    CHECK(h.stack.tcp_send(*c1, buf, h.now).error() == std::errc::bad_file_descriptor);
    CHECK(h.stack.tcp_recv(*c1, buf, h.now).error() == std::errc::bad_file_descriptor);
    CHECK(h.stack.tcp_shutdown(*c1, h.now).error() == std::errc::bad_file_descriptor);
    h.stack.tcp_close(*c1, h.now); // harmless
    CHECK(h.stack.tcp_send(TcpConnId{0xffff'ffff'0000'0007ull}, buf, h.now).error() ==
          std::errc::bad_file_descriptor);
}

TEST_CASE("closed connections are reaped once reapable", "[stack_tcp]") {
    Harness h;
    ready(h);
    const auto c = h.stack.tcp_connect(IpAddress{kPeerIp}, 80, h.now);
    REQUIRE(c);
    h.stack.tcp_abort(*c, h.now);
    // An aborted SYN-SENT connection is CLOSED with no timer: freed at once, slot reusable.
    CHECK(h.stack.tcp_connection_count() == 0);
    CHECK(h.stack.tcp_counters().connections_freed == 1);
    const auto again = h.stack.tcp_connect(IpAddress{kPeerIp}, 80, h.now);
    REQUIRE(again);
    CHECK(*again != *c);
    CHECK(h.stack.tcp_connection(*c) == nullptr);
}

TEST_CASE("a SYN to a listening port gets exactly one SYN-ACK", "[stack_tcp][needs_connection]") {
    Harness h;
    ready(h);
    const auto l = h.stack.tcp_listen(IpAddress{Ipv6Address{}}, 80, 8); // "::" takes IPv4 too
    REQUIRE(l);
    wire::TcpHeaderFields syn = tcp_fields(40000, 80, 1000, 0, kSyn);
    syn.options.mss = 1400;
    h.rx(tcp4_frame(syn));
    const auto out = take_tcp(h);
    REQUIRE(out.size() == 1);
    CHECK(out[0].seg.flags == (kSyn | kAck));
    CHECK(out[0].seg.ack == 1001);
    CHECK(out[0].seg.options.mss == 1460); // 1500 - 40
    CHECK(h.stack.tcp_connection_count() == 1);
    CHECK(h.stack.tcp_counters().passive_opens == 1);
    // The handshake's last ACK moves it to the accept queue; the listener is reported once.
    h.rx(tcp4_frame(tcp_fields(40000, 80, 1001, out[0].seg.seq + 1, kAck)));
    int listener_events = 0;
    h.stack.tcp_take_events([](TcpConnId, std::uint32_t) {},
                            [&](TcpListenerId id) {
                                CHECK(id == *l);
                                ++listener_events;
                            });
    CHECK(listener_events == 1);
    const auto c = h.stack.tcp_accept(*l);
    REQUIRE(c);
    REQUIRE(h.stack.tcp_connection(*c) != nullptr);
    CHECK(h.stack.tcp_connection(*c)->state() == tcp::TcpState::kEstablished);
    CHECK(h.stack.tcp_accept(*l).error() == std::errc::resource_unavailable_try_again);
}

TEST_CASE("IPv6 SYN to a listener; full SYN queue answers with a cookie",
          "[stack_tcp][needs_connection]") {
    Harness h;
    ready(h);
    const auto l = h.stack.tcp_listen(IpAddress{kStackIp6}, 443, 1);
    REQUIRE(l);
    h.rx(tcp6_frame(tcp_fields(40000, 443, 1, 0, kSyn)));
    auto out = take_tcp(h);
    REQUIRE(out.size() == 1);
    CHECK(out[0].seg.options.mss == 1440); // 1500 - 60
    // Backlog 1: a second SYN finds the SYN queue full.
    h.rx(tcp6_frame(tcp_fields(40001, 443, 77, 0, kSyn)));
    out = take_tcp(h);
    REQUIRE(out.size() == 1);
    CHECK(out[0].seg.flags == (kSyn | kAck));
    CHECK(h.stack.tcp_counters().syn_cookies_sent == 1);
    CHECK(h.stack.tcp_counters().syn_queue_overflows == 1);
    CHECK(h.stack.tcp_connection_count() == 1);
    // The ACK echoing the cookie creates the connection.
    h.rx(tcp6_frame(tcp_fields(40001, 443, 78, out[0].seg.seq + 1, kAck)));
    CHECK(h.stack.tcp_counters().syn_cookies_accepted == 1);
    CHECK(h.stack.tcp_connection_count() == 2);
}

TEST_CASE("poll drives the timer wheel: SYN retransmission at next_deadline",
          "[stack_tcp][needs_connection]") {
    Harness h;
    ready(h);
    const Instant before = h.stack.next_deadline();
    const auto c = h.stack.tcp_connect(IpAddress{kPeerIp}, 80, h.now);
    REQUIRE(c);
    auto out = take_tcp(h);
    REQUIRE(out.size() == 1);
    CHECK(out[0].seg.flags == kSyn);
    // Other timers (neighbour discovery) may come first; the SYN timer is within the RTO.
    CHECK(h.stack.next_deadline() <= h.now + std::chrono::milliseconds(1001));
    CHECK(h.stack.next_deadline() <= before);
    const Instant start = h.now;
    std::vector<SentSegment> rexmit;
    for (int i = 0; i < 300 && rexmit.empty(); ++i) {
        h.advance_ms(10);
        rexmit = take_tcp(h);
    }
    REQUIRE(rexmit.size() == 1);
    CHECK(rexmit[0].seg.flags == kSyn);
    CHECK(rexmit[0].seg.seq == out[0].seg.seq);
    const auto waited = h.now - start;
    CHECK(waited >= std::chrono::milliseconds(1000)); // initial RTO 1 s (RFC 6298 2.1)
    CHECK(waited <= std::chrono::milliseconds(1010));
}

TEST_CASE("ICMP fragmentation needed quoting our segment shrinks the connection's MSS",
          "[stack_tcp][needs_connection]") {
    Harness h;
    ready(h);
    const auto c = h.stack.tcp_connect(IpAddress{kPeerIp}, 80, h.now);
    REQUIRE(c);
    const auto frames_out = h.sink.take();
    REQUIRE(frames_out.size() == 1);
    const auto syn = tcp_segments(frames_out);
    REQUIRE(syn.size() == 1);
    wire::TcpHeaderFields synack =
        tcp_fields(80, syn[0].seg.src_port, 5000, syn[0].seg.seq + 1, kSyn | kAck);
    synack.options.mss = 1460;
    h.rx(tcp4_frame(synack));
    h.sink.take();
    REQUIRE(h.stack.tcp_connection(*c)->state() == tcp::TcpState::kEstablished);
    const auto mss_before = h.stack.tcp_connection(*c)->info().snd_mss;
    CHECK(mss_before > 1000);

    // RFC 1191: type 3 code 4, next-hop MTU 1000, quoting our IP header + 8 bytes of TCP.
    const auto frag_needed = [&](const Frame& quoted_frame) {
        wire::EthernetFrame e;
        REQUIRE(wire::parse_ethernet(quoted_frame, e) == wire::ParseError::Ok);
        const auto quote = e.payload.first(20 + 8);
        Frame icmp(wire::kIcmpHeaderLen + quote.size());
        std::copy(quote.begin(), quote.end(), icmp.begin() + wire::kIcmpHeaderLen);
        wire::emit_icmpv4(icmp, wire::icmpv4::kDestUnreachable, wire::icmpv4::kFragNeeded, 1000);
        h.rx(eth(kStackMac, kPeerMac, wire::ethertype::kIpv4,
                 ipv4(kPeerIp, kStackIp, wire::ipproto::kIcmp, icmp)));
    };
    // RFC 5927 4.1: the quoted SYN is already acknowledged (SEG.SEQ < SND.UNA): a stale or
    // forged message, ignored.
    frag_needed(frames_out[0]);
    CHECK(h.stack.tcp_connection(*c)->info().snd_mss == mss_before);
    // A data segment still in flight is what a real router would quote.
    const std::vector<std::byte> data(100, std::byte{1});
    REQUIRE(h.stack.tcp_send(*c, data, h.now));
    const auto data_frames = h.sink.take();
    REQUIRE(!data_frames.empty());
    frag_needed(data_frames.back());
    CHECK(h.stack.tcp_connection(*c)->info().snd_mss <= 1000 - 40);
}

TEST_CASE("a new SYN with a higher sequence number ends TIME-WAIT (RFC 6191)",
          "[stack_tcp][needs_connection]") {
    Harness h;
    ready(h);
    const auto l = h.stack.tcp_listen(IpAddress{Ipv4Address{}}, 80, 8);
    REQUIRE(l);
    h.rx(tcp4_frame(tcp_fields(40000, 80, 1000, 0, kSyn)));
    const auto synack = take_tcp(h);
    REQUIRE(synack.size() == 1);
    const std::uint32_t iss = synack[0].seg.seq;
    h.rx(tcp4_frame(tcp_fields(40000, 80, 1001, iss + 1, kAck)));
    const auto c = h.stack.tcp_accept(*l);
    REQUIRE(c);
    // We close first: FIN; the peer ACKs it and sends its own FIN: we are in TIME-WAIT.
    h.stack.tcp_close(*c, h.now);
    const auto fin = take_tcp(h);
    REQUIRE(fin.size() == 1);
    CHECK((fin[0].seg.flags & kFin));
    h.rx(tcp4_frame(tcp_fields(40000, 80, 1001, iss + 2, kAck | kFin)));
    const auto last_ack = take_tcp(h);
    REQUIRE(last_ack.size() == 1);
    CHECK(last_ack[0].seg.ack == 1002);
    REQUIRE(h.stack.tcp_connection_count() == 1); // held in TIME-WAIT

    SECTION("an old-looking SYN only gets the TIME-WAIT ACK") {
        h.rx(tcp4_frame(tcp_fields(40000, 80, 900, 0, kSyn)));
        const auto out = take_tcp(h);
        REQUIRE(out.size() == 1);
        CHECK(out[0].seg.flags == kAck);
        CHECK(h.stack.tcp_connection_count() == 1);
    }
    SECTION("a SYN beyond RCV.NXT starts a new connection at once") {
        h.rx(tcp4_frame(tcp_fields(40000, 80, 50000, 0, kSyn)));
        const auto out = take_tcp(h);
        REQUIRE(out.size() == 1);
        CHECK(out[0].seg.flags == (kSyn | kAck));
        CHECK(out[0].seg.ack == 50001);
        CHECK(h.stack.tcp_connection_count() == 1);
    }
}
