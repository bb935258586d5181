// ICMPv4/ICMPv6 headers and Neighbor Discovery bodies/options (RFC 792, 4443, 4861).
#include <catch2/catch.hpp>

#include <multios/net/wire/icmp.hpp>
#include <multios/net/wire/ndp.hpp>

#include "wire_test_util.hpp"

using namespace multios::net;
using namespace multios::net::wire;
using namespace multios::net::wire::test;

namespace {

// ICMP echo request id 0x1234 seq 1 with 56 data bytes (the payload of a scapy ping).
const char* const kEcho4 = "08002cf612340001101112131415161718191a1b1c1d1e1f202122232425262728"
                           "292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f4041424344454647";
// Neighbor Solicitation fe80::1 -> ff02::1:ff00:2 for fe80::2 with SLLA 02:00:00:00:00:01.
const char* const kNs = "87007a9700000000fe800000000000000000000000000002 0101020000000001";
// Router Advertisement fe80::1 -> ff02::1: hop limit 64, O flag, lifetime 1800, reachable
// 30000 ms, retrans 1000 ms, SLLA, MTU 1500, prefix 2001:db8:1::/64 L A 86400/14400.
const char* const kRa = "8600b2774048070800007530000003e8 010102000000000105010000000005dc"
                        "030440c000015180000038400000000020010db8000100000000000000000000";

const Ipv6Address kLl1 = *Ipv6Address::parse("fe80::1");

Buf option(std::uint8_t type, std::uint8_t len8) {
    Buf o(std::size_t{len8} * 8);
    if (o.empty()) {
        o.resize(2);
    }
    set(o, 0, type);
    set(o, 1, len8);
    return o;
}

} // namespace

TEST_CASE("ICMPv4 echo request parses", "[wire][icmp]") {
    const Buf b = hex(kEcho4);
    IcmpMessage m;
    REQUIRE(parse_icmpv4(view(b), m) == ParseError::Ok);
    CHECK(m.type == icmpv4::kEchoRequest);
    CHECK(m.code == 0);
    CHECK(m.echo_id() == 0x1234);
    CHECK(m.echo_seq() == 1);
    CHECK(m.body.size() == 56);
    CHECK(m.body.data() == b.data() + 8);
}

TEST_CASE("ICMPv4 truncation and checksum", "[wire][icmp]") {
    const Buf b = hex(kEcho4);
    IcmpMessage m;
    for (std::size_t n = 0; n < b.size(); ++n) {
        const Buf cut = prefix(b, n);
        INFO("n=" << n);
        CHECK(parse_icmpv4(view(cut), m) ==
              (n < kIcmpHeaderLen ? ParseError::Truncated : ParseError::BadChecksum));
    }
    Buf bad = b;
    set(bad, 30, static_cast<std::uint8_t>(at(bad, 30) ^ 1));
    CHECK(parse_icmpv4(view(bad), m) == ParseError::BadChecksum);
}

TEST_CASE("ICMPv4 emit round trip, odd body length", "[wire][icmp]") {
    Buf b(8 + 5, std::byte{0x5a});
    emit_icmpv4(mut(b), icmpv4::kDestUnreachable, icmpv4::kFragNeeded, 1400);
    IcmpMessage m;
    REQUIRE(parse_icmpv4(view(b), m) == ParseError::Ok);
    CHECK(m.type == icmpv4::kDestUnreachable);
    CHECK(m.code == icmpv4::kFragNeeded);
    CHECK(m.rest == 1400);
    CHECK(m.body.size() == 5);
}

TEST_CASE("ICMPv6 Neighbor Solicitation parses", "[wire][icmp][ndp]") {
    const Buf b = hex(kNs);
    const auto dst = *Ipv6Address::parse("ff02::1:ff00:2");
    IcmpMessage m;
    REQUIRE(parse_icmpv6(view(b), kLl1, dst, m) == ParseError::Ok);
    CHECK(m.type == icmpv6::kNeighborSolicitation);
    NeighborMessage ns;
    REQUIRE(parse_neighbor_message(m.rest, m.body, ns) == ParseError::Ok);
    CHECK(ns.target.to_string() == "fe80::2");
    REQUIRE(ns.options.source_lla);
    CHECK(ns.options.source_lla->to_string() == "02:00:00:00:00:01");
    CHECK_FALSE(ns.options.target_lla);
    CHECK_FALSE(ns.router);
    // The pseudo-header matters: another destination fails the checksum.
    CHECK(parse_icmpv6(view(b), kLl1, Ipv6Address::all_nodes(), m) == ParseError::BadChecksum);
    for (std::size_t n = 0; n < b.size(); ++n) {
        const Buf cut = prefix(b, n);
        INFO("n=" << n);
        CHECK(parse_icmpv6(view(cut), kLl1, dst, m) != ParseError::Ok);
    }
}

TEST_CASE("ICMPv6 Router Advertisement parses", "[wire][icmp][ndp]") {
    const Buf b = hex(kRa);
    IcmpMessage m;
    REQUIRE(parse_icmpv6(view(b), kLl1, Ipv6Address::all_nodes(), m) == ParseError::Ok);
    CHECK(m.type == icmpv6::kRouterAdvertisement);
    RouterAdvertisement ra;
    REQUIRE(parse_router_advertisement(m.rest, m.body, ra) == ParseError::Ok);
    CHECK(ra.cur_hop_limit == 64);
    CHECK_FALSE(ra.managed);
    CHECK(ra.other);
    CHECK(ra.router_lifetime == 1800);
    CHECK(ra.reachable_time == 30000);
    CHECK(ra.retrans_timer == 1000);
    CHECK(ra.options.source_lla == MacAddress::parse("02:00:00:00:00:01"));
    CHECK(ra.options.mtu == 1500u);
    REQUIRE(ra.options.prefix_count == 1);
    const NdpPrefixInfo& pi = ra.options.prefixes[0];
    CHECK(pi.prefix_len == 64);
    CHECK(pi.on_link);
    CHECK(pi.autonomous);
    CHECK(pi.valid_lifetime == 86400);
    CHECK(pi.preferred_lifetime == 14400);
    CHECK(pi.prefix.to_string() == "2001:db8:1::");
    // Body cut inside the fixed part or inside an option never parses.
    for (std::size_t n = 0; n < m.body.size(); ++n) {
        const Buf cut(m.body.begin(), m.body.begin() + static_cast<std::ptrdiff_t>(n));
        const bool at_boundary = n == 8 || n == 16 || n == 24;
        INFO("n=" << n);
        CHECK((parse_router_advertisement(m.rest, view(cut), ra) == ParseError::Ok) == at_boundary);
    }
}

TEST_CASE("ICMPv6 emit with an LLA option round trip", "[wire][icmp][ndp]") {
    Buf b(8 + 16 + 8);
    const auto target = *Ipv6Address::parse("fe80::2");
    for (std::size_t i = 0; i < 16; ++i) {
        set(b, 8 + i, target.bytes[i]);
    }
    const auto mac = *MacAddress::parse("02:00:00:00:00:02");
    emit_lla_option(mut(b).subspan(24), ndopt::kTargetLinkAddr, mac);
    // NA with S and O set (RFC 4861 4.4).
    emit_icmpv6(mut(b), icmpv6::kNeighborAdvertisement, 0, 0x60000000u, target, kLl1);
    IcmpMessage m;
    REQUIRE(parse_icmpv6(view(b), target, kLl1, m) == ParseError::Ok);
    NeighborMessage na;
    REQUIRE(parse_neighbor_message(m.rest, m.body, na) == ParseError::Ok);
    CHECK(na.target == target);
    CHECK_FALSE(na.router);
    CHECK(na.solicited);
    CHECK(na.override_);
    CHECK(na.options.target_lla == mac);
}

TEST_CASE("NDP option validation", "[wire][ndp]") {
    NdpOptions o;
    CHECK(parse_ndp_options({}, o) == ParseError::Ok);
    // RFC 4861 4.6: length 0 invalidates the whole message.
    CHECK(parse_ndp_options(view(option(ndopt::kSourceLinkAddr, 0)), o) == ParseError::BadOption);
    CHECK(parse_ndp_options(view(option(99, 0)), o) == ParseError::BadOption);
    // Runs past the end.
    Buf past = option(ndopt::kSourceLinkAddr, 2);
    past.resize(12);
    CHECK(parse_ndp_options(view(past), o) == ParseError::BadOption);
    // One stray byte after a valid option.
    Buf stray = option(ndopt::kSourceLinkAddr, 1);
    stray.push_back(std::byte{1});
    CHECK(parse_ndp_options(view(stray), o) == ParseError::BadOption);
    // Unknown options are skipped; known ones with the wrong size are rejected.
    Buf unknown = option(14, 3);
    const Buf mtu = hex("0501 0000 000005dc");
    unknown.insert(unknown.end(), mtu.begin(), mtu.end());
    REQUIRE(parse_ndp_options(view(unknown), o) == ParseError::Ok);
    CHECK(o.mtu == 1500u);
    CHECK(parse_ndp_options(view(option(ndopt::kMtu, 2)), o) == ParseError::BadOption);
    CHECK(parse_ndp_options(view(option(ndopt::kPrefixInfo, 3)), o) == ParseError::BadOption);
    Buf long_prefix = option(ndopt::kPrefixInfo, 4);
    set(long_prefix, 2, 129);
    CHECK(parse_ndp_options(view(long_prefix), o) == ParseError::BadOption);
}

TEST_CASE("NDP prefix storage is bounded", "[wire][ndp]") {
    Buf many;
    for (unsigned i = 0; i < kMaxNdpPrefixes + 3; ++i) {
        Buf p = option(ndopt::kPrefixInfo, 4);
        set(p, 2, static_cast<std::uint8_t>(i));
        many.insert(many.end(), p.begin(), p.end());
    }
    NdpOptions o;
    REQUIRE(parse_ndp_options(view(many), o) == ParseError::Ok);
    CHECK(o.prefix_count == kMaxNdpPrefixes);
    CHECK(o.prefixes[kMaxNdpPrefixes - 1].prefix_len == kMaxNdpPrefixes - 1);
}

TEST_CASE("Neighbor message body checks", "[wire][ndp]") {
    NeighborMessage nm;
    const Buf body = hex("fe800000000000000000000000000002");
    for (std::size_t n = 0; n < body.size(); ++n) {
        const Buf cut = prefix(body, n);
        CHECK(parse_neighbor_message(0, view(cut), nm) == ParseError::Truncated);
    }
    REQUIRE(parse_neighbor_message(0xe0000000u, view(body), nm) == ParseError::Ok);
    CHECK(nm.router);
    CHECK(nm.solicited);
    CHECK(nm.override_);
    const Buf mcast = hex("ff020000000000000000000000000001");
    CHECK(parse_neighbor_message(0, view(mcast), nm) == ParseError::BadAddress);
}
