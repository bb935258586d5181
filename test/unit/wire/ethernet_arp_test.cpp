// Ethernet framing (VLAN tags, runts) and ARP.
#include <catch2/catch.hpp>

#include <multios/net/wire/arp.hpp>
#include <multios/net/wire/ethernet.hpp>

#include "wire_test_util.hpp"

using namespace multios::net;
using namespace multios::net::wire;
using namespace multios::net::wire::test;

namespace {

// A broadcast ARP request "who-has 192.168.1.1 tell 192.168.1.100", as captured on the wire
// (60 bytes: 42 bytes of frame plus 18 bytes of zero padding).
const char* const kArpRequestFrame = "ffffffffffff 001b213a4f5c 0806"
                                     "0001 0800 06 04 0001 001b213a4f5c c0a80164"
                                     "000000000000 c0a80101"
                                     "000000000000000000000000000000000000";

} // namespace

TEST_CASE("Captured ARP request parses", "[wire][ethernet][arp]") {
    const Buf f = hex(kArpRequestFrame);
    REQUIRE(f.size() == 60);
    EthernetFrame eth;
    REQUIRE(parse_ethernet(view(f), eth) == ParseError::Ok);
    CHECK(eth.dst.is_broadcast());
    CHECK(eth.src.to_string() == "00:1b:21:3a:4f:5c");
    CHECK(eth.ethertype == ethertype::kArp);
    CHECK(eth.vlan_tags == 0);
    CHECK(eth.header_len == 14);
    CHECK(eth.payload.size() == 46);
    CHECK(within(eth.payload, view(f)));
    ArpPacket arp;
    REQUIRE(parse_arp(eth.payload, arp) == ParseError::Ok);
    CHECK(arp.op == kArpRequest);
    CHECK(arp.sender_mac == eth.src);
    CHECK(arp.sender_ip.to_string() == "192.168.1.100");
    CHECK(arp.target_mac.is_zero());
    CHECK(arp.target_ip.to_string() == "192.168.1.1");
}

TEST_CASE("ARP emit/parse round trip and byte-exact output", "[wire][arp]") {
    const Buf f = hex(kArpRequestFrame);
    ArpPacket a;
    REQUIRE(parse_arp(view(f).subspan(14), a) == ParseError::Ok);
    Buf out(kArpLen);
    emit_arp(mut(out), a);
    CHECK(out == Buf(f.begin() + 14, f.begin() + 14 + kArpLen));
    a.op = kArpReply;
    emit_arp(mut(out), a);
    ArpPacket b;
    REQUIRE(parse_arp(view(out), b) == ParseError::Ok);
    CHECK(b.op == kArpReply);
}

TEST_CASE("ARP rejects truncation and foreign types", "[wire][arp]") {
    const Buf f = hex(kArpRequestFrame);
    const Buf arp(f.begin() + 14, f.begin() + 14 + kArpLen);
    ArpPacket a;
    for (std::size_t n = 0; n < kArpLen; ++n) {
        const Buf p = prefix(arp, n);
        CHECK(parse_arp(view(p), a) == ParseError::Truncated);
    }
    for (std::size_t byte : {1u, 2u, 4u, 5u, 6u}) {
        Buf bad = arp;
        set(bad, byte, static_cast<std::uint8_t>(at(bad, byte) + 1));
        INFO("byte " << byte);
        CHECK(parse_arp(view(bad), a) == ParseError::Unsupported);
    }
}

TEST_CASE("Ethernet emit/parse round trip", "[wire][ethernet]") {
    Buf f(20);
    const auto dst = *MacAddress::parse("02:00:00:00:00:02");
    const auto src = *MacAddress::parse("02:00:00:00:00:01");
    emit_ethernet(mut(f), dst, src, ethertype::kIpv6);
    EthernetFrame e;
    REQUIRE(parse_ethernet(view(f), e) == ParseError::Ok);
    CHECK(e.dst == dst);
    CHECK(e.src == src);
    CHECK(e.ethertype == ethertype::kIpv6);
    CHECK(e.payload.size() == 6);
}

TEST_CASE("Ethernet VLAN tags: one, two, too many", "[wire][ethernet]") {
    EthernetFrame e;
    const Buf one = hex("020000000002 020000000001 8100 2064 0800 45");
    REQUIRE(parse_ethernet(view(one), e) == ParseError::Ok);
    CHECK(e.vlan_tags == 1);
    CHECK(e.vlan_tci == 0x2064);
    CHECK(e.ethertype == ethertype::kIpv4);
    CHECK(e.header_len == 18);
    CHECK(e.payload.size() == 1);

    const Buf two = hex("020000000002 020000000001 88a8 0005 8100 0007 86dd");
    REQUIRE(parse_ethernet(view(two), e) == ParseError::Ok);
    CHECK(e.vlan_tags == 2);
    CHECK(e.vlan_tci == 0x0007); // innermost
    CHECK(e.ethertype == ethertype::kIpv6);
    CHECK(e.payload.empty());

    const Buf three = hex("020000000002 020000000001 8100 0001 8100 0002 8100 0003 0800");
    CHECK(parse_ethernet(view(three), e) == ParseError::TooManyHeaders);

    // Every prefix that cuts a tag is truncated, never read past.
    for (std::size_t n = 0; n < two.size(); ++n) {
        const Buf p = prefix(two, n);
        INFO("n=" << n);
        CHECK(parse_ethernet(view(p), e) == ParseError::Truncated);
    }
}

TEST_CASE("Ethernet rejects runts and 802.3 length fields", "[wire][ethernet]") {
    const Buf f = hex(kArpRequestFrame);
    EthernetFrame e;
    for (std::size_t n = 0; n < kEthernetHeaderLen; ++n) {
        const Buf p = prefix(f, n);
        CHECK(parse_ethernet(view(p), e) == ParseError::Truncated);
    }
    const Buf llc = hex("ffffffffffff 001b213a4f5c 0026 424203");
    CHECK(parse_ethernet(view(llc), e) == ParseError::Unsupported);
    const Buf edge = hex("ffffffffffff 001b213a4f5c 0600");
    CHECK(parse_ethernet(view(edge), e) == ParseError::Ok);
}
