// IPv4 header validation: lengths, checksum, options, fragments, addresses.
#include <catch2/catch.hpp>

#include <multios/net/wire/checksum.hpp>
#include <multios/net/wire/ipv4.hpp>

#include "wire_test_util.hpp"

using namespace multios::net;
using namespace multios::net::wire;
using namespace multios::net::wire::test;

namespace {

// ICMP echo request 10.0.0.1 -> 10.0.0.2, DF, id 0x04d2, 56 data bytes (scapy).
const char* const kEcho = "4500005404d24000400121d50a0000010a000002"
                          "08002cf612340001101112131415161718191a1b1c1d1e1f202122232425262728"
                          "292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f4041424344454647";

/// Rewrites the header checksum after a test mutated the header.
void fix_checksum(Buf& b) {
    const std::size_t hl = std::size_t{at(b, 0) & 0x0fu} * 4;
    set(b, 10, 0);
    set(b, 11, 0);
    const std::uint16_t c = internet_checksum(view(b).first(hl));
    set(b, 10, static_cast<std::uint8_t>(c >> 8));
    set(b, 11, static_cast<std::uint8_t>(c));
}

/// A header with `opts` (a multiple of 4 bytes) and `payload_len` zero bytes of payload.
Buf with_options(const Buf& opts, std::size_t payload_len = 8) {
    Buf b(20 + opts.size() + payload_len);
    Ipv4HeaderFields f;
    f.total_len = static_cast<std::uint16_t>(b.size());
    f.protocol = ipproto::kUdp;
    f.src = *Ipv4Address::parse("192.0.2.1");
    f.dst = *Ipv4Address::parse("192.0.2.2");
    emit_ipv4(mut(b), f);
    std::copy(opts.begin(), opts.end(), b.begin() + 20);
    set(b, 0, static_cast<std::uint8_t>(0x40 | ((20 + opts.size()) / 4)));
    fix_checksum(b);
    return b;
}

Buf fragment(std::uint16_t offset_bytes, bool mf, std::size_t payload_len) {
    Buf b(20 + payload_len);
    Ipv4HeaderFields f;
    f.total_len = static_cast<std::uint16_t>(b.size());
    f.id = 7;
    f.more_fragments = mf;
    f.frag_offset = offset_bytes;
    f.protocol = ipproto::kUdp;
    f.src = *Ipv4Address::parse("192.0.2.1");
    f.dst = *Ipv4Address::parse("192.0.2.2");
    emit_ipv4(mut(b), f);
    return b;
}

} // namespace

TEST_CASE("Captured ICMP echo parses as IPv4", "[wire][ipv4]") {
    const Buf b = hex(kEcho);
    Ipv4Packet p;
    REQUIRE(parse_ipv4(view(b), p) == ParseError::Ok);
    CHECK(p.total_len == 84);
    CHECK(p.id == 0x04d2);
    CHECK(p.dont_fragment);
    CHECK_FALSE(p.more_fragments);
    CHECK_FALSE(p.is_fragment());
    CHECK(p.ttl == 64);
    CHECK(p.protocol == ipproto::kIcmp);
    CHECK(p.src.to_string() == "10.0.0.1");
    CHECK(p.dst.to_string() == "10.0.0.2");
    CHECK(p.header.size() == 20);
    CHECK(p.options.empty());
    CHECK(p.payload.size() == 64);
    CHECK(p.payload.data() == b.data() + 20);
}

TEST_CASE("IPv4 emit produces what parse reads", "[wire][ipv4]") {
    Buf b(20 + 16);
    Ipv4HeaderFields f;
    f.tos = 0xb8;
    f.total_len = static_cast<std::uint16_t>(b.size());
    f.id = 0xbeef;
    f.more_fragments = true;
    f.frag_offset = 1480;
    f.ttl = 3;
    f.protocol = ipproto::kTcp;
    f.src = *Ipv4Address::parse("10.1.1.1");
    f.dst = *Ipv4Address::parse("10.2.2.2");
    emit_ipv4(mut(b), f);
    Ipv4Packet p;
    REQUIRE(parse_ipv4(view(b), p) == ParseError::Ok);
    CHECK(p.tos == 0xb8);
    CHECK(p.id == 0xbeef);
    CHECK(p.more_fragments);
    CHECK_FALSE(p.dont_fragment);
    CHECK(p.frag_offset == 1480);
    CHECK(p.is_fragment());
    CHECK(p.ttl == 3);
    CHECK(p.protocol == ipproto::kTcp);
    CHECK(p.src == f.src);
    CHECK(p.dst == f.dst);
}

TEST_CASE("IPv4 truncated at every length is rejected", "[wire][ipv4]") {
    const Buf b = hex(kEcho);
    Ipv4Packet p;
    for (std::size_t n = 0; n < b.size(); ++n) {
        const Buf cut = prefix(b, n);
        INFO("n=" << n);
        CHECK(parse_ipv4(view(cut), p) == ParseError::Truncated);
    }
    // Link padding after total_len is excluded from the payload.
    Buf padded = b;
    padded.resize(b.size() + 10);
    REQUIRE(parse_ipv4(view(padded), p) == ParseError::Ok);
    CHECK(p.payload.size() == 64);
}

TEST_CASE("IPv4 rejects bad version, IHL, lengths and checksum", "[wire][ipv4]") {
    const Buf good = hex(kEcho);
    Ipv4Packet p;
    Buf b = good;
    set(b, 0, 0x65);
    CHECK(parse_ipv4(view(b), p) == ParseError::BadVersion);
    for (std::uint8_t ihl = 0; ihl < 5; ++ihl) {
        b = good;
        set(b, 0, static_cast<std::uint8_t>(0x40 | ihl));
        CHECK(parse_ipv4(view(b), p) == ParseError::BadHeaderLength);
    }
    // IHL 15 (60 bytes) inside an 84-byte buffer but total_len 40: header longer than packet.
    b = good;
    set(b, 0, 0x4f);
    set(b, 2, 0);
    set(b, 3, 40);
    CHECK(parse_ipv4(view(b), p) == ParseError::BadHeaderLength);
    // total_len 19 < 20.
    b = good;
    set(b, 3, 19);
    fix_checksum(b);
    CHECK(parse_ipv4(view(b), p) == ParseError::BadHeaderLength);
    // total_len larger than the buffer.
    b = good;
    set(b, 3, 85);
    fix_checksum(b);
    CHECK(parse_ipv4(view(b), p) == ParseError::Truncated);
    b = good;
    set(b, 2, 0xff);
    fix_checksum(b);
    CHECK(parse_ipv4(view(b), p) == ParseError::Truncated);
    // total_len == IHL*4: empty payload is fine.
    b = good;
    set(b, 3, 20);
    fix_checksum(b);
    REQUIRE(parse_ipv4(view(b), p) == ParseError::Ok);
    CHECK(p.payload.empty());
    // Any single-bit flip in the header breaks the checksum.
    for (std::size_t i = 0; i < 20; ++i) {
        if (i == 0 || i == 2 || i == 3) {
            continue; // version/IHL/length are checked first
        }
        b = good;
        set(b, i, static_cast<std::uint8_t>(at(b, i) ^ 0x10));
        INFO("byte " << i);
        CHECK(parse_ipv4(view(b), p) == ParseError::BadChecksum);
    }
}

TEST_CASE("IPv4 option walk", "[wire][ipv4]") {
    Ipv4Packet p;
    // NOP NOP NOP EOL: fine.
    Buf b = with_options(hex("01010100"));
    REQUIRE(parse_ipv4(view(b), p) == ParseError::Ok);
    CHECK(p.options.size() == 4);
    CHECK(p.header.size() == 24);
    CHECK(p.payload.size() == 8);
    // Router alert (RFC 2113, 94 04 0000): unknown-but-valid options are skipped.
    CHECK(parse_ipv4(view(with_options(hex("94040000"))), p) == ParseError::Ok);
    // EOL ends the list: garbage after it is not parsed.
    CHECK(parse_ipv4(view(with_options(hex("00ff0000"))), p) == ParseError::Ok);
    // Length 0 and 1 are malformed (loop/underflow bait).
    CHECK(parse_ipv4(view(with_options(hex("07000000"))), p) == ParseError::BadOption);
    CHECK(parse_ipv4(view(with_options(hex("07010000"))), p) == ParseError::BadOption);
    // Length running past the header.
    CHECK(parse_ipv4(view(with_options(hex("07050000"))), p) == ParseError::BadOption);
    CHECK(parse_ipv4(view(with_options(hex("01010144"))), p) == ParseError::BadOption);
    // Exactly filling the header is fine (record route, len 8).
    CHECK(parse_ipv4(view(with_options(hex("07080400 00000000"))), p) == ParseError::Ok);
    // Source routing is refused.
    CHECK(parse_ipv4(view(with_options(hex("01830704 0a000001"))), p) == ParseError::SourceRoute);
    CHECK(parse_ipv4(view(with_options(hex("89070400 00000000"))), p) == ParseError::SourceRoute);
    // Maximum header (IHL 15, 40 bytes of NOPs).
    CHECK(parse_ipv4(view(with_options(Buf(40, std::byte{1}))), p) == ParseError::Ok);
}

TEST_CASE("IPv4 fragment rules", "[wire][ipv4]") {
    Ipv4Packet p;
    REQUIRE(parse_ipv4(view(fragment(0, true, 1480)), p) == ParseError::Ok);
    CHECK(p.is_fragment());
    REQUIRE(parse_ipv4(view(fragment(1480, false, 3)), p) == ParseError::Ok);
    CHECK(p.frag_offset == 1480);
    // Largest legal: offset 65528 with 7 bytes ends at 65535.
    CHECK(parse_ipv4(view(fragment(65528, false, 7)), p) == ParseError::Ok);
    // Ping of death: offset*8 + payload > 65535.
    CHECK(parse_ipv4(view(fragment(65528, false, 8)), p) == ParseError::BadFragment);
    CHECK(parse_ipv4(view(fragment(65000, false, 600)), p) == ParseError::BadFragment);
    // Non-final fragments carry a non-empty multiple of 8.
    CHECK(parse_ipv4(view(fragment(0, true, 13)), p) == ParseError::BadFragment);
    CHECK(parse_ipv4(view(fragment(8, true, 0)), p) == ParseError::BadFragment);
}

TEST_CASE("IPv4 source must not be multicast or broadcast", "[wire][ipv4]") {
    Ipv4Packet p;
    for (const char* src : {"224.0.0.1", "239.255.255.255", "255.255.255.255"}) {
        Buf b = hex(kEcho);
        const auto a = *Ipv4Address::parse(src);
        for (std::size_t i = 0; i < 4; ++i) {
            set(b, 12 + i, a.bytes[i]);
        }
        fix_checksum(b);
        INFO(src);
        CHECK(parse_ipv4(view(b), p) == ParseError::BadAddress);
    }
    // Multicast destination is fine at this layer.
    Buf b = hex(kEcho);
    set(b, 16, 224);
    fix_checksum(b);
    CHECK(parse_ipv4(view(b), p) == ParseError::Ok);
}
