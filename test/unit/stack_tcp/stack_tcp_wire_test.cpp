// The TCP header/options emitter (wire::emit_tcp_*) against the parser: round trips, Linux's
// aligned option layout, and the 40-byte option limit.
#include <catch2/catch.hpp>

#include "stack_tcp_harness.hpp"

using namespace multios::net;
using namespace multios::net::stack_tcp_test;

namespace {

const Ipv4Address kA{{192, 0, 2, 1}};
const Ipv4Address kB{{192, 0, 2, 2}};

std::vector<std::byte> options_bytes(const wire::TcpOptions& o) {
    std::vector<std::byte> b(wire::kTcpMaxOptionsLen);
    b.resize(wire::emit_tcp_options(b, o));
    return b;
}

std::vector<int> as_ints(const std::vector<std::byte>& b) {
    std::vector<int> v;
    for (auto x : b)
        v.push_back(static_cast<int>(x));
    return v;
}

} // namespace

TEST_CASE("tcp emitter: SYN options in Linux layout round-trip", "[stack_tcp]") {
    wire::TcpOptions o;
    o.mss = 1460;
    o.has_window_scale = true;
    o.window_scale = 7;
    o.sack_permitted = true;
    o.has_timestamps = true;
    o.ts_val = 0x01020304;
    o.ts_ecr = 0;
    CHECK(wire::tcp_options_length(o) == 20);
    const auto b = options_bytes(o);
    // MSS; SACK-permitted, TS; NOP, WS (Linux tcp_options_write order).
    CHECK(as_ints(b) ==
          std::vector<int>{2, 4, 5, 180, 4, 2, 8, 10, 1, 2, 3, 4, 0, 0, 0, 0, 1, 3, 3, 7});
    wire::TcpOptions back;
    REQUIRE(wire::parse_tcp_options(b, back) == wire::ParseError::Ok);
    CHECK(back.mss == 1460);
    CHECK(back.has_window_scale);
    CHECK(back.window_scale == 7);
    CHECK(back.sack_permitted);
    CHECK(back.has_timestamps);
    CHECK(back.ts_val == 0x01020304);
}

TEST_CASE("tcp emitter: NOP padding for lone options", "[stack_tcp]") {
    wire::TcpOptions ts;
    ts.has_timestamps = true;
    ts.ts_val = 5;
    ts.ts_ecr = 6;
    CHECK(as_ints(options_bytes(ts)) ==
          std::vector<int>{1, 1, 8, 10, 0, 0, 0, 5, 0, 0, 0, 6}); // NOP, NOP, TS
    wire::TcpOptions sp;
    sp.sack_permitted = true;
    CHECK(as_ints(options_bytes(sp)) == std::vector<int>{1, 1, 4, 2});
    wire::TcpOptions none;
    CHECK(wire::tcp_options_length(none) == 0);
    CHECK(wire::tcp_header_length(none) == 20);
}

TEST_CASE("tcp emitter: SACK blocks are limited to what fits in 40 bytes", "[stack_tcp]") {
    wire::TcpOptions o;
    o.sack_count = 4;
    for (unsigned i = 0; i < 4; ++i)
        o.sack[i] = {1000 * (i + 1), 1000 * (i + 1) + 500};
    CHECK(wire::tcp_options_length(o) == 4 + 4 * 8); // 36: all four fit alone
    o.has_timestamps = true;
    CHECK(wire::tcp_options_length(o) == 12 + 4 + 3 * 8); // 40: three fit beside TS
    const auto b = options_bytes(o);
    CHECK(b.size() == 40);
    wire::TcpOptions back;
    REQUIRE(wire::parse_tcp_options(b, back) == wire::ParseError::Ok);
    REQUIRE(back.sack_count == 3);
    CHECK(back.sack[0].left == 1000);
    CHECK(back.sack[2].right == 3500);
    CHECK(back.has_timestamps);
}

TEST_CASE("tcp emitter: whole segments round-trip through parse_tcp_v4/v6", "[stack_tcp]") {
    wire::TcpHeaderFields f =
        tcp_fields(40000, 80, 0xfffffff0u, 0x12345678u, wire::tcpflag::kAck | wire::tcpflag::kPsh);
    f.window = 1234;
    f.urgent = 0;
    f.options.has_timestamps = true;
    f.options.ts_val = 77;
    f.options.ts_ecr = 88;
    f.options.sack_count = 1;
    f.options.sack[0] = {10, 20};
    const auto data = pattern(33); // odd length: checksum pads
    SECTION("v4") {
        const Frame seg = frames::tcp_v4(f, data, kA, kB);
        wire::TcpSegment s;
        REQUIRE(wire::parse_tcp_v4(seg, kA, kB, s) == wire::ParseError::Ok);
        CHECK(s.src_port == 40000);
        CHECK(s.dst_port == 80);
        CHECK(s.seq == 0xfffffff0u);
        CHECK(s.ack == 0x12345678u);
        CHECK(s.flags == (wire::tcpflag::kAck | wire::tcpflag::kPsh));
        CHECK(s.window == 1234);
        CHECK(s.header_len == 20 + 12 + 12);
        CHECK(s.options.ts_val == 77);
        CHECK(s.options.sack_count == 1);
        CHECK(s.options.sack[0].right == 20);
        REQUIRE(s.payload.size() == 33);
        CHECK(std::equal(s.payload.begin(), s.payload.end(), data.begin()));
        // The checksum covers the pseudo-header: another destination fails it.
        CHECK(wire::parse_tcp_v4(seg, kA, kA, s) == wire::ParseError::BadChecksum);
    }
    SECTION("v6") {
        const Frame seg = frames::tcp_v6(f, data, kPeerIp6, kStackIp6);
        wire::TcpSegment s;
        REQUIRE(wire::parse_tcp_v6(seg, kPeerIp6, kStackIp6, s) == wire::ParseError::Ok);
        CHECK(s.seq == 0xfffffff0u);
        CHECK(s.options.ts_ecr == 88);
        CHECK(s.payload.size() == 33);
        CHECK(wire::parse_tcp_v6(seg, kPeerIp6, kPeerIp6, s) == wire::ParseError::BadChecksum);
    }
}
