// UDP and TCP headers: lengths, checksums, TCP option walk (HARDENING rows 6 and 9).
#include <catch2/catch.hpp>

#include <multios/net/wire/checksum.hpp>
#include <multios/net/wire/tcp.hpp>
#include <multios/net/wire/udp.hpp>

#include "wire_test_util.hpp"

using namespace multios::net;
using namespace multios::net::wire;
using namespace multios::net::wire::test;

namespace {

const Ipv4Address kSrc4 = *Ipv4Address::parse("192.0.2.1");
const Ipv4Address kDst4 = *Ipv4Address::parse("192.0.2.2");
const Ipv6Address kSrc6 = *Ipv6Address::parse("2001:db8::1");
const Ipv6Address kDst6 = *Ipv6Address::parse("2001:db8::2");

// The UDP part of a scapy packet 2001:db8::1.5353 -> 2001:db8::2.53 "hello".
const char* const kUdp6 = "14e90035000d4b6f68656c6c6f";
// The TCP part of a scapy SYN 192.0.2.1:40000 -> 192.0.2.2:80, seq 1000, window 64240,
// options MSS 1460, SACK permitted, timestamps 12345/0, NOP, window scale 7.
const char* const kSyn4 = "9c400050000003e800000000a002faf0f8590000"
                          "020405b40402080a000030390000000001030307";

void store_checksum(Buf& b, std::size_t at_offset, ChecksumAccumulator acc) {
    set(b, at_offset, 0);
    set(b, at_offset + 1, 0);
    acc.add(view(b));
    const std::uint16_t c = acc.finish();
    set(b, at_offset, static_cast<std::uint8_t>(c >> 8));
    set(b, at_offset + 1, static_cast<std::uint8_t>(c));
}

/// A TCP segment over IPv6 with options `opts` (padded by the caller to a multiple of 4).
Buf tcp_v6(const Buf& opts, const Buf& payload, std::uint8_t flags = tcpflag::kAck) {
    Buf b = hex("1f90c350 00000001 00000002 5000 ffff 0000 0000");
    set(b, 12, static_cast<std::uint8_t>(((20 + opts.size()) / 4) << 4));
    set(b, 13, flags);
    b.insert(b.end(), opts.begin(), opts.end());
    b.insert(b.end(), payload.begin(), payload.end());
    store_checksum(b, 16, pseudo_header_v6(kSrc6, kDst6, 6, static_cast<std::uint32_t>(b.size())));
    return b;
}

} // namespace

TEST_CASE("Captured UDP datagram over IPv6 parses", "[wire][udp]") {
    const Buf b = hex(kUdp6);
    UdpDatagram d;
    REQUIRE(parse_udp_v6(view(b), kSrc6, kDst6, d) == ParseError::Ok);
    CHECK(d.src_port == 5353);
    CHECK(d.dst_port == 53);
    CHECK(d.length == 13);
    CHECK(d.payload.size() == 5);
    CHECK(d.payload.data() == b.data() + 8);
    CHECK(parse_udp_v6(view(b), kSrc6, kSrc6, d) == ParseError::BadChecksum);
    for (std::size_t n = 0; n < b.size(); ++n) {
        const Buf cut = prefix(b, n);
        INFO("n=" << n);
        CHECK(parse_udp_v6(view(cut), kSrc6, kDst6, d) == ParseError::Truncated);
    }
}

TEST_CASE("UDP zero checksum: allowed over IPv4 only", "[wire][udp]") {
    Buf b = hex(kUdp6);
    set(b, 6, 0);
    set(b, 7, 0);
    UdpDatagram d;
    CHECK(parse_udp_v6(view(b), kSrc6, kDst6, d) == ParseError::BadChecksum);
    CHECK(parse_udp_v4(view(b), kSrc4, kDst4, d) == ParseError::Ok);
    CHECK(d.checksum == 0);
}

TEST_CASE("UDP lengths", "[wire][udp]") {
    Buf b(8 + 4, std::byte{0x11});
    emit_udp_v4(mut(b), 1000, 2000, kSrc4, kDst4);
    UdpDatagram d;
    REQUIRE(parse_udp_v4(view(b), kSrc4, kDst4, d) == ParseError::Ok);
    CHECK(d.length == 12);
    CHECK(d.src_port == 1000);
    CHECK(d.dst_port == 2000);
    // Bytes beyond the UDP length (link/IP padding) are ignored, checksum included.
    Buf padded = b;
    padded.resize(b.size() + 7, std::byte{0xee});
    REQUIRE(parse_udp_v4(view(padded), kSrc4, kDst4, d) == ParseError::Ok);
    CHECK(d.payload.size() == 4);
    for (std::uint8_t len = 0; len < 8; ++len) {
        Buf bad = b;
        set(bad, 5, len);
        INFO("len=" << int{len});
        CHECK(parse_udp_v4(view(bad), kSrc4, kDst4, d) == ParseError::BadLength);
    }
    Buf longer = b;
    set(longer, 5, 13);
    CHECK(parse_udp_v4(view(longer), kSrc4, kDst4, d) == ParseError::Truncated);
    Buf flipped = b;
    set(flipped, 9, 0x10);
    CHECK(parse_udp_v4(view(flipped), kSrc4, kDst4, d) == ParseError::BadChecksum);
}

TEST_CASE("UDP emit sends a computed zero checksum as ffff", "[wire][udp]") {
    Buf b(10);
    emit_udp_v6(mut(b), 7, 7, kSrc6, kDst6);
    // Choose the payload word that makes the sum come out to zero.
    const std::uint16_t c = static_cast<std::uint16_t>((at(b, 6) << 8) | at(b, 7));
    set(b, 8, static_cast<std::uint8_t>(c >> 8));
    set(b, 9, static_cast<std::uint8_t>(c));
    emit_udp_v6(mut(b), 7, 7, kSrc6, kDst6);
    CHECK(at(b, 6) == 0xff);
    CHECK(at(b, 7) == 0xff);
    UdpDatagram d;
    CHECK(parse_udp_v6(view(b), kSrc6, kDst6, d) == ParseError::Ok);
}

TEST_CASE("Captured TCP SYN with options parses", "[wire][tcp]") {
    const Buf b = hex(kSyn4);
    TcpSegment s;
    REQUIRE(parse_tcp_v4(view(b), kSrc4, kDst4, s) == ParseError::Ok);
    CHECK(s.src_port == 40000);
    CHECK(s.dst_port == 80);
    CHECK(s.seq == 1000);
    CHECK(s.ack == 0);
    CHECK(s.flags == tcpflag::kSyn);
    CHECK(s.window == 64240);
    CHECK(s.header_len == 40);
    CHECK(s.payload.empty());
    CHECK(s.options.mss == 1460);
    CHECK(s.options.sack_permitted);
    CHECK(s.options.has_timestamps);
    CHECK(s.options.ts_val == 12345);
    CHECK(s.options.ts_ecr == 0);
    CHECK(s.options.has_window_scale);
    CHECK(s.options.window_scale == 7);
    CHECK(s.options.sack_count == 0);
    CHECK(parse_tcp_v4(view(b), kSrc4, kSrc4, s) == ParseError::BadChecksum);
    for (std::size_t n = 0; n < b.size(); ++n) {
        const Buf cut = prefix(b, n);
        INFO("n=" << n);
        CHECK(parse_tcp_v4(view(cut), kSrc4, kDst4, s) == ParseError::Truncated);
    }
}

TEST_CASE("TCP over IPv6 with payload and data offset checks", "[wire][tcp]") {
    const Buf b = tcp_v6(hex("01010101"), hex("6869"), tcpflag::kAck | tcpflag::kPsh);
    TcpSegment s;
    REQUIRE(parse_tcp_v6(view(b), kSrc6, kDst6, s) == ParseError::Ok);
    CHECK(s.src_port == 8080);
    CHECK(s.dst_port == 50000);
    CHECK(s.seq == 1);
    CHECK(s.ack == 2);
    CHECK(s.flags == (tcpflag::kAck | tcpflag::kPsh));
    CHECK(s.header_len == 24);
    REQUIRE(s.payload.size() == 2);
    CHECK(s.payload.data() == b.data() + 24);
    CHECK(parse_tcp_v6(view(b), kSrc6, kDst6, s) == ParseError::Ok);
    for (std::uint8_t off = 0; off < 5; ++off) {
        Buf bad = b;
        set(bad, 12, static_cast<std::uint8_t>(off << 4));
        CHECK(parse_tcp_v6(view(bad), kSrc6, kDst6, s) == ParseError::BadHeaderLength);
    }
    Buf over = b;
    set(over, 12, 0x70); // 28-byte header in a 26-byte segment
    CHECK(parse_tcp_v6(view(over), kSrc6, kDst6, s) == ParseError::Truncated);
    // A malformed option in a checksummed segment.
    const Buf bad_opt = tcp_v6(hex("02050000"), {});
    CHECK(parse_tcp_v6(view(bad_opt), kSrc6, kDst6, s) == ParseError::BadOption);
}

TEST_CASE("TCP option walk rules", "[wire][tcp]") {
    TcpOptions o;
    auto parse = [&](const char* h) {
        const Buf b = hex(h);
        return parse_tcp_options(view(b), o);
    };
    CHECK(parse("") == ParseError::Ok);
    // Length 0 and 1 (picoTCP #506 infinite loop), over the end, kind without length.
    CHECK(parse("1e00") == ParseError::BadOption);
    CHECK(parse("1e01") == ParseError::BadOption);
    CHECK(parse("1e05 0000") == ParseError::BadOption);
    CHECK(parse("010101 1e") == ParseError::BadOption);
    // Unknown options are skipped by length; EOL stops the walk before garbage.
    REQUIRE(parse("1e04 abcd 0204 0218") == ParseError::Ok);
    CHECK(o.mss == 0x218);
    REQUIRE(parse("00 0200 ffff") == ParseError::Ok);
    CHECK(o.mss == 0);
    // Known options with the wrong length.
    CHECK(parse("0203 05") == ParseError::BadOption);
    CHECK(parse("0304 0700") == ParseError::BadOption);
    CHECK(parse("0403 00") == ParseError::BadOption);
    CHECK(parse("0809 0000000000000000") == ParseError::BadOption);
    CHECK(parse("050e 00000001 00000002 00000003") == ParseError::BadOption);
    CHECK(parse("0502") == ParseError::BadOption);
    CHECK(parse("050b 00000001 00000002 00") == ParseError::BadOption);
    // Window scale is clamped to 14.
    REQUIRE(parse("030315") == ParseError::Ok);
    CHECK(o.has_window_scale);
    CHECK(o.window_scale == 14);
    REQUIRE(parse("03030e") == ParseError::Ok);
    CHECK(o.window_scale == 14);
}

TEST_CASE("TCP SACK blocks", "[wire][tcp]") {
    TcpOptions o;
    const Buf two = hex("0101 0512 00000064 000000c8 0000012c 00000190");
    REQUIRE(parse_tcp_options(view(two), o) == ParseError::Ok);
    REQUIRE(o.sack_count == 2);
    CHECK(o.sack[0].left == 100);
    CHECK(o.sack[0].right == 200);
    CHECK(o.sack[1].left == 300);
    CHECK(o.sack[1].right == 400);
    // The length byte, not the bytes present, decides how many blocks there are: here one,
    // and the following 00 byte is End of Option List.
    const Buf one = hex("0101 050a 00000064 000000c8 0000012c 00000190");
    REQUIRE(parse_tcp_options(view(one), o) == ParseError::Ok);
    CHECK(o.sack_count == 1);

    Buf four = hex("0101 0522");
    for (std::uint32_t i = 0; i < 8; ++i) {
        const Buf w = hex("00000000");
        four.insert(four.end(), w.begin(), w.end());
        set(four, four.size() - 1, static_cast<std::uint8_t>(i + 1));
    }
    REQUIRE(four.size() == 36);
    REQUIRE(parse_tcp_options(view(four), o) == ParseError::Ok);
    CHECK(o.sack_count == 4);
    CHECK(o.sack[3].left == 7);
    CHECK(o.sack[3].right == 8);

    // Five blocks only fit outside a real header; storage stays bounded at four.
    Buf five = hex("052a");
    five.resize(42);
    set(five, 41, 0x99);
    REQUIRE(parse_tcp_options(view(five), o) == ParseError::Ok);
    CHECK(o.sack_count == kMaxSackBlocks);
}
