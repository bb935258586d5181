// Ndp with NdpConfig::speaker false (issue 4, multi-core) and silent DAD for replicas: no
// probe and no Router Solicitation leaves, and DAD ends no earlier than the probing lcore's
// could (the maximum initial delay, then one retrans period per probe).
#include <catch2/catch.hpp>

#include <chrono>

#include "neighbor/ndp.hpp"
#include "neighbor_test_util.hpp"

using namespace multios::net;
using namespace multios::net::test;
using namespace std::chrono_literals;

namespace multios::net::ndp_speaker_test {

const Ipv6Address kLinkLocal = v6("fe80::ff:fe00:1"); // modified EUI-64 of 02:..:01
const Ipv6Address kRouter = v6("fe80::1");

/// Long, distinct DAD timings so that an early end is visible.
NdpConfig slow_dad(bool speaker) {
    NdpConfig c;
    c.speaker = speaker;
    c.dad_transmits = 2;
    c.dad_retrans = 1s;
    c.dad_delay_max = 300ms;
    c.rtr_solicitation_delay_max = Duration::zero();
    return c;
}

struct Node {
    InterfaceInfo iface;
    RecordingSink sink;
    DropCounters drops;
    Ndp ndp;

    explicit Node(NdpConfig cfg) : iface(make_iface()), ndp(iface, sink, drops, cfg, 7) {}

    static InterfaceInfo make_iface() {
        InterfaceInfo i;
        i.mac = mac(1);
        i.mtu = 1500;
        return i;
    }
    Ipv6AddressState state_of(const Ipv6Address& a) const {
        const auto* x = iface.find_v6(a);
        REQUIRE(x);
        return x->state;
    }
    void receive(std::uint8_t type, std::uint32_t rest, const Body& body, const Ipv6Address& src,
                 const Ipv6Address& dst, Instant now, Answer answer) {
        wire::Ipv6Packet ip;
        ip.next_header = wire::ipproto::kIcmpv6;
        ip.hop_limit = 255;
        ip.src = src;
        ip.dst = dst;
        wire::IcmpMessage m;
        m.type = type;
        m.rest = rest;
        m.body = body.bytes;
        ip.payload_len = static_cast<std::uint16_t>(8 + body.bytes.size());
        ndp.on_icmpv6(ip, m, now, answer);
    }
};

/// Polls every millisecond from `from` for `span`; returns when `a` first became usable.
std::optional<Instant> run_until_usable(Node& n, const Ipv6Address& a, Instant from,
                                        Duration span) {
    std::optional<Instant> at;
    for (Instant t = from; t <= from + span; t += 1ms) {
        n.ndp.poll(t);
        const auto* x = n.iface.find_v6(a);
        if (!at && x && x->usable())
            at = t;
    }
    return at;
}

} // namespace multios::net::ndp_speaker_test

using namespace multios::net::ndp_speaker_test;

TEST_CASE("ndp non-speaker: silent DAD waits the maximum delay plus every retrans period",
          "[neighbor][speaker]") {
    Node quiet(slow_dad(false));
    quiet.ndp.start(kT0);
    const auto at = run_until_usable(quiet, kLinkLocal, kT0, 5s);
    REQUIRE(at);
    CHECK(*at - kT0 == 300ms + 2 * 1s); // exactly, whatever the seed would have drawn
    CHECK(quiet.sink.frames.empty());
    CHECK(quiet.ndp.stats().dad_ns_tx == 0);
    CHECK(quiet.ndp.stats().rs_tx == 0); // no Router Solicitation even after DAD
    CHECK(quiet.ndp.next_deadline() == kNever);
}

TEST_CASE("ndp speaker: probes after a random delay and never ends after a silent shard",
          "[neighbor][speaker]") {
    Node loud(slow_dad(true));
    loud.ndp.start(kT0);
    const auto at = run_until_usable(loud, kLinkLocal, kT0, 5s);
    REQUIRE(at);
    CHECK(*at - kT0 >= 2 * 1s);
    CHECK(*at - kT0 <= 300ms + 2 * 1s);
    CHECK(loud.ndp.stats().dad_ns_tx == 2);
    CHECK(loud.ndp.stats().rs_tx == 1);
}

TEST_CASE("ndp non-speaker: a replicated NA during silent DAD marks the address duplicate",
          "[neighbor][speaker]") {
    Node quiet(slow_dad(false));
    quiet.ndp.start(kT0);
    quiet.ndp.poll(kT0 + 2s); // within the last retrans period
    REQUIRE(quiet.state_of(kLinkLocal) == Ipv6AddressState::Tentative);
    quiet.receive(wire::icmpv6::kNeighborAdvertisement, 0x20000000u,
                  Body{}.addr(kLinkLocal).lla(wire::ndopt::kTargetLinkAddr, mac(9)), v6("fe80::9"),
                  Ipv6Address::all_nodes(), kT0 + 2s, Answer::No);
    CHECK(quiet.state_of(kLinkLocal) == Ipv6AddressState::Duplicate);
    CHECK(quiet.ndp.stats().dad_failures == 1);
    quiet.ndp.poll(kT0 + 10s);
    CHECK(quiet.state_of(kLinkLocal) == Ipv6AddressState::Duplicate);
    CHECK(quiet.sink.frames.empty());
}

TEST_CASE("ndp speaker: a replicated RA's SLAAC address gets the same silent DAD timing",
          "[neighbor][speaker]") {
    Node loud(slow_dad(true));
    loud.ndp.start(kT0);
    (void)run_until_usable(loud, kLinkLocal, kT0, 3s);
    loud.sink.take();
    const Instant t = kT0 + 4s;
    loud.receive(wire::icmpv6::kRouterAdvertisement, (64u << 24) | 1800u,
                 Body{}
                     .u32(0)
                     .u32(0)
                     .lla(wire::ndopt::kSourceLinkAddr, mac(0xaa))
                     .prefix(v6("2001:db8:1::"), 64, true, 3600, 1800),
                 kRouter, Ipv6Address::all_nodes(), t, Answer::No);
    const Ipv6Address slaac = v6("2001:db8:1::ff:fe00:1");
    REQUIRE(loud.state_of(slaac) == Ipv6AddressState::Tentative);
    const auto at = run_until_usable(loud, slaac, t, 4s);
    REQUIRE(at);
    CHECK(*at - t == 300ms + 2 * 1s);
    CHECK(loud.sink.frames.empty()); // the lcore that received the RA probes
    REQUIRE(loud.ndp.default_router(*at));
    CHECK(*loud.ndp.default_router(*at) == kRouter);
}
