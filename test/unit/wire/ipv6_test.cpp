// IPv6 fixed header and extension-header chain walk (RFC 8200, RFC 5095, HARDENING row 4).
#include <catch2/catch.hpp>

#include <multios/net/wire/ipv6.hpp>

#include "wire_test_util.hpp"

using namespace multios::net;
using namespace multios::net::wire;
using namespace multios::net::wire::test;

namespace {

// UDP 2001:db8::1.5353 -> 2001:db8::2.53, payload "hello" (scapy).
const char* const kUdp6 = "60000000000d1140"
                          "20010db8000000000000000000000001"
                          "20010db8000000000000000000000002"
                          "14e90035000d4b6f68656c6c6f";

/// An IPv6 packet whose payload is `ext` (headers + data), first next header `nh`.
Buf packet(std::uint8_t nh, const Buf& ext) {
    Buf b(kIpv6HeaderLen);
    Ipv6HeaderFields f;
    f.payload_len = static_cast<std::uint16_t>(ext.size());
    f.next_header = nh;
    f.src = *Ipv6Address::parse("2001:db8::1");
    f.dst = *Ipv6Address::parse("2001:db8::2");
    emit_ipv6(mut(b), f);
    b.insert(b.end(), ext.begin(), ext.end());
    return b;
}

/// Parses and walks; returns the walk result (the fixed header must parse).
ParseError walk(const Buf& b, Ipv6ExtChain& chain, unsigned max = kMaxIpv6ExtHeaders) {
    Ipv6Packet p;
    REQUIRE(parse_ipv6(view(b), p) == ParseError::Ok);
    return walk_ipv6_extensions(p, chain, max);
}

Buf cat(std::initializer_list<Buf> parts) {
    Buf out;
    for (const auto& p : parts) {
        out.insert(out.end(), p.begin(), p.end());
    }
    return out;
}

} // namespace

TEST_CASE("Captured UDP over IPv6 parses", "[wire][ipv6]") {
    const Buf b = hex(kUdp6);
    Ipv6Packet p;
    REQUIRE(parse_ipv6(view(b), p) == ParseError::Ok);
    CHECK(p.payload_len == 13);
    CHECK(p.next_header == ipproto::kUdp);
    CHECK(p.hop_limit == 64);
    CHECK(p.src.to_string() == "2001:db8::1");
    CHECK(p.dst.to_string() == "2001:db8::2");
    CHECK(p.payload.size() == 13);
    CHECK(p.payload.data() == b.data() + 40);
    Ipv6ExtChain c;
    REQUIRE(walk_ipv6_extensions(p, c) == ParseError::Ok);
    CHECK(c.upper_protocol == ipproto::kUdp);
    CHECK(c.upper_offset == 0);
    CHECK(c.header_count == 0);
    CHECK_FALSE(c.has_fragment);
}

TEST_CASE("IPv6 emit round trip keeps class and flow label", "[wire][ipv6]") {
    Buf b(40);
    Ipv6HeaderFields f;
    f.traffic_class = 0xb8;
    f.flow_label = 0xabcde;
    f.next_header = ipproto::kNoNext;
    f.hop_limit = 255;
    f.src = *Ipv6Address::parse("fe80::1");
    f.dst = *Ipv6Address::parse("ff02::1");
    emit_ipv6(mut(b), f);
    Ipv6Packet p;
    REQUIRE(parse_ipv6(view(b), p) == ParseError::Ok);
    CHECK(p.traffic_class == 0xb8);
    CHECK(p.flow_label == 0xabcde);
    CHECK(p.hop_limit == 255);
    CHECK(p.payload.empty());
    CHECK(p.dst == Ipv6Address::all_nodes());
}

TEST_CASE("IPv6 fixed header rejections", "[wire][ipv6]") {
    const Buf good = hex(kUdp6);
    Ipv6Packet p;
    for (std::size_t n = 0; n < good.size(); ++n) {
        const Buf cut = prefix(good, n);
        INFO("n=" << n);
        CHECK(parse_ipv6(view(cut), p) == ParseError::Truncated);
    }
    Buf b = good;
    set(b, 0, 0x40);
    CHECK(parse_ipv6(view(b), p) == ParseError::BadVersion);
    b = good;
    set(b, 5, 0xff);
    CHECK(parse_ipv6(view(b), p) == ParseError::Truncated);
    // Jumbogram announcement: payload length 0 with HBH.
    b = packet(ipproto::kHopByHop, {});
    CHECK(parse_ipv6(view(b), p) == ParseError::BadLength);
    // Multicast source.
    b = good;
    set(b, 8, 0xff);
    CHECK(parse_ipv6(view(b), p) == ParseError::BadAddress);
    // Link padding is excluded.
    b = good;
    b.resize(b.size() + 20);
    REQUIRE(parse_ipv6(view(b), p) == ParseError::Ok);
    CHECK(p.payload.size() == 13);
}

TEST_CASE("Extension chain: HBH, destination options, upper layer", "[wire][ipv6]") {
    // HBH with PadN(2 data bytes) + Pad1 x2 -> DestOpts (16 bytes, unknown skippable option 0x1e)
    // -> UDP.
    const Buf hbh = hex("3c00 0102 0000 0000");
    const Buf dst = hex("1101 1e0c 000000000000000000000000");
    Ipv6ExtChain c;
    REQUIRE(walk(packet(ipproto::kHopByHop, cat({hbh, dst, Buf(8)})), c) == ParseError::Ok);
    CHECK(c.upper_protocol == ipproto::kUdp);
    CHECK(c.upper_offset == 24);
    CHECK(c.header_count == 2);
    CHECK(c.option_action == Ipv6OptionAction::None);
    // No Next Header ends the walk too.
    REQUIRE(walk(packet(ipproto::kDestOpts, hex("3b00 0104 00000000")), c) == ParseError::Ok);
    CHECK(c.upper_protocol == ipproto::kNoNext);
}

TEST_CASE("Extension chain: HBH only first", "[wire][ipv6]") {
    Ipv6ExtChain c;
    const Buf b =
        packet(ipproto::kDestOpts, cat({hex("0000 0104 00000000"), hex("1100 0104 00000000")}));
    CHECK(walk(b, c) == ParseError::BadOption);
    CHECK(c.problem_pointer == 40); // the next-header field naming the misplaced HBH
}

TEST_CASE("Extension chain: unknown options by action bits", "[wire][ipv6]") {
    struct Case {
        std::uint8_t type;
        Ipv6OptionAction action;
    };
    for (auto k : {Case{0x7e, Ipv6OptionAction::Discard}, Case{0xbe, Ipv6OptionAction::DiscardIcmp},
                   Case{0xfe, Ipv6OptionAction::DiscardIcmpUnicast}}) {
        Buf hbh = hex("1100 01 00 ff 02 0000"); // PadN(0 data bytes) at 2, option at 4
        set(hbh, 4, k.type);
        Ipv6ExtChain c;
        INFO(int{k.type});
        CHECK(walk(packet(ipproto::kHopByHop, cat({hbh, Buf(8)})), c) == ParseError::BadOption);
        CHECK(c.option_action == k.action);
        CHECK(c.problem_pointer == 44);
    }
    // In a second header the pointer includes the first header's length.
    Ipv6ExtChain c;
    const Buf b = packet(ipproto::kHopByHop,
                         cat({hex("3c00 0104 00000000"), hex("1100 0000 c2 02 0000"), Buf(8)}));
    CHECK(walk(b, c) == ParseError::BadOption);
    CHECK(c.option_action == Ipv6OptionAction::DiscardIcmpUnicast);
    CHECK(c.problem_pointer == 40 + 8 + 4);
}

TEST_CASE("Extension chain: option TLV bounds", "[wire][ipv6]") {
    Ipv6ExtChain c;
    // PadN claiming 5 data bytes in a 6-byte option area.
    CHECK(walk(packet(ipproto::kHopByHop, cat({hex("1100 0105 00000000"), Buf(8)})), c) ==
          ParseError::BadOption);
    // Option type as the very last byte (no length byte).
    CHECK(walk(packet(ipproto::kHopByHop, cat({hex("1100 0000 0000 0001"), Buf(8)})), c) ==
          ParseError::BadOption);
    // HBH length 0xff (2048 bytes) in a short packet (picoTCP CVE-2020-17442).
    CHECK(walk(packet(ipproto::kHopByHop, cat({hex("11ff 0104 00000000"), Buf(8)})), c) ==
          ParseError::Truncated);
}

TEST_CASE("Extension chain: bounded number of headers", "[wire][ipv6]") {
    Buf ext;
    for (int i = 0; i < 100; ++i) {
        const Buf d = hex("3c00 0104 00000000");
        ext.insert(ext.end(), d.begin(), d.end());
    }
    set(ext, ext.size() - 8, ipproto::kUdp);
    ext.resize(ext.size() + 8);
    const Buf b = packet(ipproto::kDestOpts, ext);
    Ipv6ExtChain c;
    CHECK(walk(b, c) == ParseError::TooManyHeaders);
    CHECK(c.header_count == kMaxIpv6ExtHeaders);
    REQUIRE(walk(b, c, 100) == ParseError::Ok);
    CHECK(c.header_count == 100);
    CHECK(c.upper_offset == 800);
    CHECK(walk(b, c, 99) == ParseError::TooManyHeaders);
}

TEST_CASE("Extension chain: routing headers", "[wire][ipv6]") {
    Ipv6ExtChain c;
    // RH0 with segments left 0 is still dropped (RFC 5095 3).
    CHECK(walk(packet(ipproto::kRouting, cat({hex("1100 0000 00000000"), Buf(8)})), c) ==
          ParseError::SourceRoute);
    CHECK(c.problem_pointer == 42);
    // RH0 after a destination-options header.
    CHECK(walk(packet(ipproto::kDestOpts,
                      cat({hex("2b00 0104 00000000"), hex("1102 0001 00000000"), Buf(24)})),
               c) == ParseError::SourceRoute);
    CHECK(c.problem_pointer == 50);
    // Type 4 (SRH) with segments left: not supported.
    CHECK(walk(packet(ipproto::kRouting, cat({hex("1102 0401 00000000"), Buf(24)})), c) ==
          ParseError::Unsupported);
    CHECK(c.problem_pointer == 42);
    // Type 2 with segments left 0 is ignored.
    REQUIRE(walk(packet(ipproto::kRouting, cat({hex("1102 0200 00000000"), Buf(24)})), c) ==
            ParseError::Ok);
    CHECK(c.upper_protocol == ipproto::kUdp);
    CHECK(c.upper_offset == 24);
}

TEST_CASE("Extension chain: fragment header", "[wire][ipv6]") {
    Ipv6ExtChain c;
    SECTION("first fragment keeps walking") {
        Buf frag(8);
        emit_ipv6_fragment(mut(frag), {ipproto::kUdp, 0, true, 0xdeadbeef});
        REQUIRE(walk(packet(ipproto::kFragment, cat({frag, Buf(16)})), c) == ParseError::Ok);
        CHECK(c.has_fragment);
        CHECK(c.fragment.next_header == ipproto::kUdp);
        CHECK(c.fragment.offset == 0);
        CHECK(c.fragment.more_fragments);
        CHECK(c.fragment.id == 0xdeadbeef);
        CHECK(c.upper_protocol == ipproto::kUdp);
        CHECK(c.upper_offset == 8);
        CHECK(c.unfragmentable_len == 0);
    }
    SECTION("non-first fragment stops at the fragment data") {
        Buf frag(8);
        // Data that would look like a HBH header must not be walked.
        emit_ipv6_fragment(mut(frag), {ipproto::kTcp, 1232, false, 5});
        REQUIRE(
            walk(packet(ipproto::kDestOpts, cat({hex("2c00 0104 00000000"), frag, hex("00ff")})),
                 c) == ParseError::Ok);
        CHECK(c.has_fragment);
        CHECK(c.fragment.offset == 1232);
        CHECK(c.upper_protocol == ipproto::kTcp);
        CHECK(c.upper_offset == 16);
        CHECK(c.unfragmentable_len == 8);
        CHECK(c.fragment_offset_in_payload == 8);
    }
    SECTION("atomic fragment continues to the upper layer") {
        Buf frag(8);
        emit_ipv6_fragment(mut(frag), {ipproto::kDestOpts, 0, false, 9});
        REQUIRE(walk(packet(ipproto::kFragment, cat({frag, hex("0600 0104 00000000"), Buf(20)})),
                     c) == ParseError::Ok);
        CHECK(c.upper_protocol == ipproto::kTcp);
        CHECK(c.upper_offset == 16);
        CHECK(c.header_count == 2);
    }
    SECTION("two fragment headers") {
        Buf frag(8);
        emit_ipv6_fragment(mut(frag), {ipproto::kFragment, 0, false, 9});
        Buf frag2(8);
        emit_ipv6_fragment(mut(frag2), {ipproto::kUdp, 0, false, 9});
        CHECK(walk(packet(ipproto::kFragment, cat({frag, frag2, Buf(8)})), c) ==
              ParseError::BadFragment);
    }
    SECTION("M=1 with a length that is not a multiple of 8") {
        Buf frag(8);
        emit_ipv6_fragment(mut(frag), {ipproto::kUdp, 0, true, 9});
        CHECK(walk(packet(ipproto::kFragment, cat({frag, Buf(12)})), c) == ParseError::BadFragment);
        CHECK(c.problem_pointer == 4);
    }
    SECTION("reassembly past 65535") {
        Buf frag(8);
        emit_ipv6_fragment(mut(frag), {ipproto::kUdp, 65528, false, 9});
        CHECK(walk(packet(ipproto::kFragment, cat({frag, Buf(16)})), c) == ParseError::BadFragment);
        CHECK(c.problem_pointer == 42);
        Buf ok(8);
        emit_ipv6_fragment(mut(ok), {ipproto::kUdp, 65520, false, 9});
        CHECK(walk(packet(ipproto::kFragment, cat({ok, Buf(15)})), c) == ParseError::Ok);
    }
}

TEST_CASE("Extension chain cut at every length fails until complete", "[wire][ipv6]") {
    Buf frag(8);
    emit_ipv6_fragment(mut(frag), {ipproto::kUdp, 0, false, 1});
    const Buf ext =
        cat({hex("3c00 0104 00000000"), hex("2c01 0104 00000000 0106 000000000000"), frag});
    REQUIRE(ext.size() == 32);
    const Buf full = packet(ipproto::kHopByHop, ext);
    Ipv6Packet p;
    REQUIRE(parse_ipv6(view(full), p) == ParseError::Ok);
    for (std::size_t n = 0; n <= ext.size() + 4; ++n) {
        // Heap copy of exactly n payload bytes so ASan sees any over-read.
        const Buf cut = n <= ext.size() ? prefix(ext, n) : cat({ext, Buf(n - ext.size())});
        Ipv6Packet q = p;
        q.payload = view(cut);
        Ipv6ExtChain c;
        INFO("n=" << n);
        if (n < ext.size()) {
            CHECK(walk_ipv6_extensions(q, c) != ParseError::Ok);
        } else {
            REQUIRE(walk_ipv6_extensions(q, c) == ParseError::Ok);
            CHECK(c.upper_offset == 32);
        }
    }
}
