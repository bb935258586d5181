// StackConfig::speaker (issue 4, multi-core): every shard has the same interfaces and addresses,
// but only the speaker sends the link's unsolicited start-up traffic (gratuitous ARP, DAD
// probes, Router Solicitations, MLD reports). A non-speaker runs DAD silently, never ending it
// before the speaker could, and learns conflicts and routers from replicas.
#include <catch2/catch.hpp>

#include <multios/net/wire/ndp.hpp>

#include "neighbor/mld.hpp"
#include "neighbor/ndp.hpp"
#include "stack_harness.hpp"

using namespace multios::net;
using namespace multios::net::stack_test;

namespace multios::net::speaker_test {

const MacAddress kRouterMac{{0x02, 0, 0, 0, 0, 0x0a}};
const Ipv6Address kRouterLl = *Ipv6Address::parse("fe80::a");
const Ipv6Address kPrefix = *Ipv6Address::parse("2001:db8:1::");
const Ipv6Address kLinkLocal = Ipv6Address::link_local_from_mac(kStackMac);

/// The DAD of a non-speaker must not end before the speaker's could: the longest random
/// delay, then one retrans period per probe (StackCore uses the NdpConfig defaults).
Duration silent_dad_time() {
    const NdpConfig d;
    return d.dad_delay_max + d.dad_transmits * d.dad_retrans;
}

StackConfig non_speaker() {
    StackConfig c;
    c.speaker = false;
    return c;
}

/// What start-up traffic a stack sent, by kind.
struct Chatter {
    std::size_t arp = 0, dad_ns = 0, rs = 0, mld = 0, other = 0;
    std::size_t total() const { return arp + dad_ns + rs + mld + other; }
};

void classify(const Frame& f, Chatter& c) {
    wire::EthernetFrame e;
    REQUIRE(wire::parse_ethernet(f, e) == wire::ParseError::Ok);
    if (e.ethertype == wire::ethertype::kArp) {
        ++c.arp;
        return;
    }
    if (e.ethertype != wire::ethertype::kIpv6) {
        ++c.other;
        return;
    }
    const auto ip = parse_v6_frame(f);
    if (ip.next_header == wire::ipproto::kHopByHop) { // MLD reports carry Router Alert
        ++c.mld;
        return;
    }
    wire::IcmpMessage m;
    if (ip.next_header != wire::ipproto::kIcmpv6 ||
        wire::parse_icmpv6(ip.payload, ip.src, ip.dst, m) != wire::ParseError::Ok) {
        ++c.other;
        return;
    }
    if (m.type == wire::icmpv6::kNeighborSolicitation && ip.src.is_unspecified())
        ++c.dad_ns;
    else if (m.type == wire::icmpv6::kRouterSolicitation)
        ++c.rs;
    else
        ++c.other;
}

Chatter take_chatter(Harness& h) {
    Chatter c;
    for (const auto& f : h.sink.take())
        classify(f, c);
    return c;
}

void add(Chatter& into, const Chatter& c) {
    into.arp += c.arp;
    into.dad_ns += c.dad_ns;
    into.rs += c.rs;
    into.mld += c.mld;
    into.other += c.other;
}

bool usable(const Harness& h, const Ipv6Address& a) {
    const Ipv6Assignment* x = h.stack.interface(0).find_v6(a);
    REQUIRE(x != nullptr);
    return x->usable();
}

Ipv6AddressState state_of(const Harness& h, const Ipv6Address& a) {
    const Ipv6Assignment* x = h.stack.interface(0).find_v6(a);
    REQUIRE(x != nullptr);
    return x->state;
}

void put_be32(Frame& b, std::size_t at, std::uint32_t v) {
    for (int i = 0; i < 4; ++i)
        b[at + static_cast<std::size_t>(i)] =
            std::byte(static_cast<std::uint8_t>(v >> (24 - 8 * i)));
}

/// An unsolicited NA from the peer claiming `target` (to all-nodes, O set, S clear: what a
/// node that owns the address answers to a DAD probe, RFC 4862 5.4.4).
Frame conflicting_na(const Ipv6Address& target) {
    Frame body(16 + 8, std::byte{0});
    std::memcpy(body.data(), target.bytes.data(), 16);
    body[16] = std::byte{2}; // Target Link-Layer Address option, 1 unit of 8 bytes
    body[17] = std::byte{1};
    std::memcpy(body.data() + 18, kPeerMac.bytes.data(), 6);
    const Ipv6Address src = *Ipv6Address::parse("fe80::1");
    const Ipv6Address all = Ipv6Address::all_nodes();
    const auto icmp = icmpv6_msg(wire::icmpv6::kNeighborAdvertisement, 0x20000000u, body, src, all);
    return eth(all.multicast_mac(), kPeerMac, wire::ethertype::kIpv6,
               ipv6(src, all, wire::ipproto::kIcmpv6, icmp, 255));
}

/// A Router Advertisement from kRouterLl: lifetime 1800 s, one autonomous on-link /64 and the
/// router's link-layer address (RFC 4861 4.2, 4.6.1, 4.6.2).
Frame router_advertisement() {
    Frame body(8 + 32 + 8, std::byte{0});
    std::byte* pio = body.data() + 8;
    pio[0] = std::byte{3};
    pio[1] = std::byte{4};
    pio[2] = std::byte{64};
    pio[3] = std::byte{0xc0}; // L and A
    put_be32(body, 8 + 4, 86400);
    put_be32(body, 8 + 8, 14400);
    std::memcpy(pio + 16, kPrefix.bytes.data(), 16);
    std::byte* slla = body.data() + 40;
    slla[0] = std::byte{1};
    slla[1] = std::byte{1};
    std::memcpy(slla + 2, kRouterMac.bytes.data(), 6);
    const std::uint32_t rest = (64u << 24) | 1800u;
    const Ipv6Address all = Ipv6Address::all_nodes();
    const auto icmp = icmpv6_msg(wire::icmpv6::kRouterAdvertisement, rest, body, kRouterLl, all);
    return eth(all.multicast_mac(), kRouterMac, wire::ethertype::kIpv6,
               ipv6(kRouterLl, all, wire::ipproto::kIcmpv6, icmp, 255));
}

Ipv6Address slaac_address() {
    Ipv6Address a = kLinkLocal;
    std::copy(kPrefix.bytes.begin(), kPrefix.bytes.begin() + 8, a.bytes.begin());
    return a;
}

Frame mld_general_query() {
    const Ipv6Address src = *Ipv6Address::parse("fe80::1");
    const Ipv6Address all = Ipv6Address::all_nodes();
    Frame body(20, std::byte{0}); // MLDv2 query for the unspecified group (general)
    const auto icmp = icmpv6_msg(mld::kQuery, 100u << 16, body, src, all); // 100 ms max delay
    return eth(all.multicast_mac(), kPeerMac, wire::ethertype::kIpv6,
               ipv6(src, all, wire::ipproto::kIcmpv6, icmp, 1));
}

} // namespace multios::net::speaker_test

using namespace multios::net::speaker_test;

TEST_CASE("non-speaker: silent start-up, IPv6 addresses usable only after the speaker's DAD",
          "[stack][speaker]") {
    Harness quiet(non_speaker());
    Harness speaker;
    const Instant start = quiet.now;
    const Duration dad = silent_dad_time();
    Chatter quiet_chatter = take_chatter(quiet); // what add_interface itself sent
    Chatter speaker_chatter = take_chatter(speaker);
    CHECK(quiet_chatter.total() == 0);
    std::optional<Instant> ll_usable, global_usable;
    for (int ms = 0; ms < 5000; ++ms) {
        quiet.advance_ms(1);
        speaker.advance_ms(1);
        add(quiet_chatter, take_chatter(quiet));
        add(speaker_chatter, take_chatter(speaker));
        if (!ll_usable && usable(quiet, kLinkLocal))
            ll_usable = quiet.now;
        if (!global_usable && usable(quiet, kStackIp6))
            global_usable = quiet.now;
    }
    CHECK(quiet_chatter.total() == 0);
    CHECK(quiet.stack.counters().tx_frames == 0);
    // RFC 4862 5.4: the addresses stayed Tentative for the whole possible probing period.
    REQUIRE(ll_usable);
    REQUIRE(global_usable);
    CHECK(*ll_usable - start >= dad);
    CHECK(*global_usable - start >= dad);
    CHECK(*global_usable - start <= dad + std::chrono::milliseconds(2));
    CHECK(state_of(quiet, kLinkLocal) == Ipv6AddressState::Preferred);
    CHECK(state_of(quiet, kStackIp6) == Ipv6AddressState::Preferred);
    CHECK(quiet.stack.interface(0).has_v4(kStackIp));
    // The speaker next to it sends the usual start-up traffic, once.
    CHECK(speaker_chatter.arp == 1);    // RFC 5227 3 announcement of 10.0.0.2
    CHECK(speaker_chatter.dad_ns == 2); // link-local and fd00::2, one probe each
    CHECK(speaker_chatter.rs >= 1);
    CHECK(speaker_chatter.mld == MldListener::kRobustness);
    CHECK(speaker_chatter.other == 0);
}

TEST_CASE("non-speaker: a tentative address does not accept traffic until silent DAD ends",
          "[stack][speaker]") {
    Harness quiet(non_speaker());
    const Instant start = quiet.now;
    const auto echo = [] {
        return eth(kStackMac, kPeerMac, wire::ethertype::kIpv6,
                   ipv6(kPeerIp6, kStackIp6, wire::ipproto::kIcmpv6,
                        frames::icmpv6_echo(9, 1, pattern(8), kPeerIp6, kStackIp6)));
    };
    // Past any delay the speaker could draw, but within its probing period.
    while (quiet.now - start < silent_dad_time() - std::chrono::milliseconds(10))
        quiet.advance_ms(10);
    REQUIRE(state_of(quiet, kStackIp6) == Ipv6AddressState::Tentative);
    quiet.rx(echo());
    CHECK(quiet.sink.take().empty());
    CHECK(quiet.stack.counters().icmp6_echo_replies_tx == 0);
    quiet.advance_ms(20);
    REQUIRE(state_of(quiet, kStackIp6) == Ipv6AddressState::Preferred);
    // Teach the peer's MAC so the reply needs no resolution.
    quiet.rx(frames::neighbor_solicitation(kPeerMac, kPeerIp6, kStackIp6));
    quiet.sink.take();
    quiet.rx(echo());
    CHECK(quiet.stack.counters().icmp6_echo_replies_tx == 1);
}

TEST_CASE("non-speaker: a conflicting NA replica during silent DAD marks the address duplicate",
          "[stack][speaker]") {
    Harness quiet(non_speaker());
    quiet.advance_ms(500); // the speaker's probe went out; its answer reaches every shard
    quiet.stack.receive_replica(0, conflicting_na(kStackIp6), quiet.now);
    CHECK(state_of(quiet, kStackIp6) == Ipv6AddressState::Duplicate);
    for (int i = 0; i < 50; ++i)
        quiet.advance_ms(100);
    CHECK(state_of(quiet, kStackIp6) == Ipv6AddressState::Duplicate);
    CHECK(state_of(quiet, kLinkLocal) == Ipv6AddressState::Preferred);
    CHECK(quiet.sink.take().empty()); // not even an MLD leave: the speaker reports it
}

TEST_CASE("non-speaker: an RA replica gives the SLAAC address (after silent DAD) and router",
          "[stack][speaker]") {
    Harness quiet(non_speaker());
    for (int i = 0; i < 20; ++i)
        quiet.advance_ms(100);
    quiet.stack.receive_replica(0, router_advertisement(), quiet.now);
    const Instant ra_at = quiet.now;
    std::optional<Instant> usable_at;
    for (int ms = 0; ms < 3000; ++ms) {
        quiet.advance_ms(1);
        if (!usable_at && usable(quiet, slaac_address()))
            usable_at = quiet.now;
    }
    CHECK(quiet.sink.take().empty());
    REQUIRE(usable_at);
    CHECK(*usable_at - ra_at >= silent_dad_time());
    CHECK(state_of(quiet, slaac_address()) == Ipv6AddressState::Preferred);
    // Off-link destinations go to the router learned from the replica (its MAC is known).
    REQUIRE(quiet.stack.ping_send(IpAddress{*Ipv6Address::parse("2001:db8:99::1")}, 7, 1, 8, 64,
                                  quiet.now));
    const auto out = quiet.sink.take();
    REQUIRE(out.size() == 1);
    wire::EthernetFrame e;
    REQUIRE(wire::parse_ethernet(out[0], e) == wire::ParseError::Ok);
    CHECK(e.dst == kRouterMac);
    CHECK(parse_v6_frame(out[0]).dst == *Ipv6Address::parse("2001:db8:99::1"));
}

TEST_CASE("non-speaker: MLD queries it receives are still answered", "[stack][speaker]") {
    Harness quiet(non_speaker());
    for (int i = 0; i < 50; ++i)
        quiet.advance_ms(100);
    REQUIRE(quiet.sink.take().empty());
    quiet.rx(mld_general_query());
    Chatter c;
    for (int i = 0; i < 3; ++i) {
        quiet.advance_ms(50);
        add(c, take_chatter(quiet));
    }
    CHECK(c.mld == 1);
    CHECK(c.total() == 1);
}

TEST_CASE("non-speaker: add_address later sends no ARP announcement and no DAD probe",
          "[stack][speaker]") {
    Harness quiet(non_speaker());
    quiet.settle();
    REQUIRE(quiet.stack.add_address(0, *IpPrefix::parse("10.0.1.2/24"), quiet.now));
    REQUIRE(quiet.stack.add_address(0, *IpPrefix::parse("fd00::99/64"), quiet.now));
    for (int i = 0; i < 50; ++i)
        quiet.advance_ms(100);
    CHECK(quiet.sink.take().empty());
    CHECK(state_of(quiet, *Ipv6Address::parse("fd00::99")) == Ipv6AddressState::Preferred);
}
