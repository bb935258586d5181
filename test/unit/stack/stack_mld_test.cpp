#include <catch2/catch.hpp>

#include "neighbor/mld.hpp"
#include "stack_harness.hpp"

using namespace multios::net;
using namespace multios::net::stack_test;

namespace {

const Ipv6Address kAllMldRouters = *Ipv6Address::parse("ff02::16");
const Ipv6Address kOurGroup = *Ipv6Address::parse("ff02::1:ff00:2"); // fe80::..:2 and fd00::2

struct MldReport {
    std::uint8_t type = 0;
    Ipv6Address dst;
    std::vector<std::pair<std::uint8_t, Ipv6Address>> records; // v2: (record type, group)
};

/// The MLD reports among `frames`, checked for hop limit 1 and the Router Alert option.
std::vector<MldReport> mld_reports(const std::vector<Frame>& frames) {
    std::vector<MldReport> out;
    for (const auto& f : frames) {
        wire::EthernetFrame e;
        if (wire::parse_ethernet(f, e) != wire::ParseError::Ok ||
            e.ethertype != wire::ethertype::kIpv6)
            continue;
        wire::Ipv6Packet ip;
        REQUIRE(wire::parse_ipv6(e.payload, ip) == wire::ParseError::Ok);
        if (ip.next_header != wire::ipproto::kHopByHop)
            continue;
        CHECK(ip.hop_limit == 1);
        CHECK(e.dst == ip.dst.multicast_mac());
        // Router Alert (type 5, length 2, value 0) right after the HBH header's first 2 bytes.
        CHECK(wire::load8(ip.payload.data() + 2) == 5);
        wire::Ipv6ExtChain chain;
        REQUIRE(wire::walk_ipv6_extensions(ip, chain) == wire::ParseError::Ok);
        REQUIRE(chain.upper_protocol == wire::ipproto::kIcmpv6);
        wire::IcmpMessage m;
        REQUIRE(wire::parse_icmpv6(ip.payload.subspan(chain.upper_offset), ip.src, ip.dst, m) ==
                wire::ParseError::Ok);
        MldReport r{m.type, ip.dst, {}};
        if (m.type == mld::kReportV2) {
            const std::size_t n = m.rest & 0xffff;
            REQUIRE(m.body.size() == n * 20);
            for (std::size_t i = 0; i < n; ++i) {
                Ipv6Address g;
                std::memcpy(g.bytes.data(), m.body.data() + i * 20 + 4, 16);
                r.records.emplace_back(wire::load8(m.body.data() + i * 20), g);
            }
        }
        out.push_back(r);
    }
    return out;
}

Frame query(std::uint8_t hop_limit, bool v2, const Ipv6Address& group) {
    const Ipv6Address src = *Ipv6Address::parse("fe80::1");
    Frame body(v2 ? 20 : 16);
    std::memcpy(body.data(), group.bytes.data(), 16);
    const std::uint32_t rest = 1000u << 16; // Maximum Response Delay: 1 s
    const auto icmp = icmpv6_msg(mld::kQuery, rest, body, src, Ipv6Address::all_nodes());
    return eth(Ipv6Address::all_nodes().multicast_mac(), kPeerMac, wire::ethertype::kIpv6,
               ipv6(src, Ipv6Address::all_nodes(), wire::ipproto::kIcmpv6, icmp, hop_limit));
}

/// Runs the stack for `ms` in 50 ms steps, collecting every frame sent.
std::vector<Frame> run_for(Harness& h, int ms) {
    std::vector<Frame> all;
    for (int t = 0; t < ms; t += 50) {
        h.advance_ms(50);
        for (auto& f : h.sink.take())
            all.push_back(std::move(f));
    }
    return all;
}

} // namespace

TEST_CASE("MLD: joining the solicited-node group is reported twice", "[stack][mld]") {
    Harness h;
    auto reports = mld_reports(run_for(h, 3000));
    REQUIRE(reports.size() == MldListener::kRobustness);
    for (const auto& r : reports) {
        CHECK(r.type == mld::kReportV2);
        CHECK(r.dst == kAllMldRouters);
        REQUIRE(r.records.size() == 1);
        CHECK(r.records[0].first == mld::kChangeToExclude);
        CHECK(r.records[0].second == kOurGroup);
    }
}

TEST_CASE("MLD: a new address joins its group; a general query gets the state", "[stack][mld]") {
    Harness h;
    h.settle();
    REQUIRE(h.stack.add_address(0, *IpPrefix::parse("fd00::1234:5678/64"), h.now));
    auto reports = mld_reports(run_for(h, 3000));
    REQUIRE(!reports.empty());
    CHECK(reports[0].records.size() == 1);
    CHECK(reports[0].records[0].second == *Ipv6Address::parse("ff02::1:ff34:5678"));

    h.rx(query(1, true, Ipv6Address{}));
    reports = mld_reports(run_for(h, 1100)); // within the 1 s Maximum Response Delay
    REQUIRE(reports.size() == 1);
    CHECK(reports[0].records.size() == 2);
    for (const auto& rec : reports[0].records)
        CHECK(rec.first == mld::kModeIsExclude);
}

TEST_CASE("MLD: an MLDv1 query is answered with v1 reports to the group", "[stack][mld]") {
    Harness h;
    h.settle();
    h.rx(query(1, false, Ipv6Address{}));
    auto reports = mld_reports(run_for(h, 1100));
    REQUIRE(reports.size() == 1);
    CHECK(reports[0].type == mld::kReportV1);
    CHECK(reports[0].dst == kOurGroup);
}

TEST_CASE("MLD: queries that are not link-scoped are ignored and counted", "[stack][mld]") {
    Harness h;
    h.settle();
    const auto before = h.stack.drops()[DropReason::NdpInvalid];
    h.rx(query(64, true, Ipv6Address{}));
    CHECK(mld_reports(run_for(h, 1500)).empty());
    CHECK(h.stack.drops()[DropReason::NdpInvalid] == before + 1);
}
