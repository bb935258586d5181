// Ndp: DAD, NS/NA handling and validation, address resolution, RA processing and SLAAC.
#include <catch2/catch.hpp>

#include <chrono>

#include "neighbor/ndp.hpp"
#include "neighbor_test_util.hpp"

using namespace multios::net;
using namespace multios::net::test;
using namespace std::chrono_literals;

namespace {

// Modified EUI-64 of 02:00:00:00:00:01 is 0000:00ff:fe00:0001 (U/L bit flipped).
const Ipv6Address kOurLinkLocal = v6("fe80::ff:fe00:1");
const Ipv6Address kPeer = v6("fe80::2");
const Ipv6Address kRouter = v6("fe80::1");

NdpConfig fast_config() {
    NdpConfig c;
    c.dad_delay_max = Duration::zero();
    c.rtr_solicitation_delay_max = Duration::zero();
    return c;
}

struct NdpFixture {
    InterfaceInfo iface;
    RecordingSink sink;
    DropCounters drops;
    Ndp ndp;

    explicit NdpFixture(NdpConfig cfg = fast_config())
        : iface(make_iface()), ndp(iface, sink, drops, cfg, 42) {}

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
                 const Ipv6Address& dst, Instant now, std::uint8_t hop_limit = 255,
                 std::uint8_t code = 0) {
        wire::Ipv6Packet ip;
        ip.next_header = wire::ipproto::kIcmpv6;
        ip.hop_limit = hop_limit;
        ip.src = src;
        ip.dst = dst;
        wire::IcmpMessage m;
        m.type = type;
        m.code = code;
        m.rest = rest;
        m.body = body.bytes;
        ip.payload_len = static_cast<std::uint16_t>(8 + body.bytes.size());
        ndp.on_icmpv6(ip, m, now);
    }
};

constexpr std::uint32_t kS = 0x40000000u;
constexpr std::uint32_t kO = 0x20000000u;
constexpr std::uint32_t kR = 0x80000000u;

std::vector<std::byte> packet6(std::size_t n, std::uint8_t tag) {
    std::vector<std::byte> p(n, std::byte{tag});
    p[0] = std::byte{0x60};
    return p;
}

/// RA `rest` word: cur hop limit, flags, router lifetime.
std::uint32_t ra_rest(std::uint8_t hop, std::uint16_t lifetime) {
    return (std::uint32_t{hop} << 24) | lifetime;
}

} // namespace

TEST_CASE("ndp: DAD of the link-local address succeeds, then a router solicitation",
          "[neighbor][ndp]") {
    NdpFixture f;
    f.ndp.start(kT0);
    CHECK(f.state_of(kOurLinkLocal) == Ipv6AddressState::Tentative);
    CHECK(f.ndp.dad_pending());
    CHECK(f.ndp.next_deadline() == kT0);
    f.ndp.poll(kT0);
    auto frames = f.sink.take();
    REQUIRE(frames.size() == 1); // the DAD NS; no RS before the link-local is usable
    const auto n = nd_of(frames[0]);
    CHECK(n.eth.dst == MacAddress{{0x33, 0x33, 0xff, 0x00, 0x00, 0x01}});
    CHECK(n.eth.src == mac(1));
    CHECK(n.ip.hop_limit == 255);
    CHECK(n.ip.src.is_unspecified());
    CHECK(n.ip.dst == v6("ff02::1:ff00:1"));
    CHECK(n.icmp.type == wire::icmpv6::kNeighborSolicitation);
    const auto ns = neighbor_of(n);
    CHECK(ns.target == kOurLinkLocal);
    CHECK_FALSE(ns.options.source_lla);

    CHECK(f.ndp.next_deadline() == kT0 + 1s);
    f.ndp.poll(kT0 + 999ms);
    CHECK(f.state_of(kOurLinkLocal) == Ipv6AddressState::Tentative);
    CHECK(f.sink.frames.empty());
    f.ndp.poll(kT0 + 1s);
    CHECK(f.state_of(kOurLinkLocal) == Ipv6AddressState::Preferred);
    CHECK_FALSE(f.ndp.dad_pending());
    frames = f.sink.take();
    REQUIRE(frames.size() == 1);
    const auto rs = nd_of(frames[0]);
    CHECK(rs.icmp.type == wire::icmpv6::kRouterSolicitation);
    CHECK(rs.ip.src == kOurLinkLocal);
    CHECK(rs.ip.dst == Ipv6Address::all_routers());
    CHECK(rs.eth.dst == MacAddress{{0x33, 0x33, 0, 0, 0, 2}});
    wire::NdpOptions opts;
    REQUIRE(wire::parse_ndp_options(rs.icmp.body, opts) == wire::ParseError::Ok);
    CHECK(opts.source_lla == mac(1));

    // Up to 3 solicitations, 4 s apart, then none.
    f.ndp.poll(kT0 + 5s);
    f.ndp.poll(kT0 + 9s);
    f.ndp.poll(kT0 + 13s);
    f.ndp.poll(kT0 + 17s);
    CHECK(f.sink.take().size() == 2);
    CHECK(f.ndp.stats().rs_tx == 3);
}

TEST_CASE("ndp: without a link-local address the RS comes from ::", "[neighbor][ndp]") {
    auto cfg = fast_config();
    cfg.link_local = false;
    NdpFixture f(cfg);
    f.ndp.start(kT0);
    f.ndp.poll(kT0);
    auto frames = f.sink.take();
    REQUIRE(frames.size() == 1);
    const auto rs = nd_of(frames[0]);
    CHECK(rs.icmp.type == wire::icmpv6::kRouterSolicitation);
    CHECK(rs.ip.src.is_unspecified());
    CHECK(rs.icmp.body.empty()); // RFC 4861 4.1: no SLLA from ::
}

TEST_CASE("ndp: DAD fails on an NA for the tentative address", "[neighbor][ndp]") {
    NdpFixture f;
    f.ndp.start(kT0);
    f.ndp.poll(kT0);
    f.sink.take();
    f.receive(wire::icmpv6::kNeighborAdvertisement, kO,
              Body{}.addr(kOurLinkLocal).lla(wire::ndopt::kTargetLinkAddr, mac(9)), kPeer,
              Ipv6Address::all_nodes(), kT0 + 100ms);
    CHECK(f.state_of(kOurLinkLocal) == Ipv6AddressState::Duplicate);
    CHECK(f.ndp.stats().dad_failures == 1);
    CHECK_FALSE(f.ndp.dad_pending());
    f.ndp.poll(kT0 + 2s);
    CHECK(f.state_of(kOurLinkLocal) == Ipv6AddressState::Duplicate);
    CHECK(f.iface.link_local() == nullptr);
}

TEST_CASE("ndp: DAD fails on an NS from :: for the tentative address", "[neighbor][ndp]") {
    NdpFixture f;
    f.ndp.add_address(v6("2001:db8::1"), 64, kT0);
    f.ndp.poll(kT0);
    f.sink.take();
    SECTION("from :: it is another node's DAD: duplicate") {
        f.receive(wire::icmpv6::kNeighborSolicitation, 0, Body{}.addr(v6("2001:db8::1")),
                  Ipv6Address{}, v6("2001:db8::1").solicited_node(), kT0 + 10ms);
        CHECK(f.state_of(v6("2001:db8::1")) == Ipv6AddressState::Duplicate);
        CHECK(f.sink.frames.empty());
    }
    SECTION("from a real source it is address resolution: ignored while tentative") {
        f.receive(wire::icmpv6::kNeighborSolicitation, 0,
                  Body{}.addr(v6("2001:db8::1")).lla(wire::ndopt::kSourceLinkAddr, mac(2)),
                  v6("2001:db8::2"), v6("2001:db8::1").solicited_node(), kT0 + 10ms);
        CHECK(f.state_of(v6("2001:db8::1")) == Ipv6AddressState::Tentative);
        CHECK(f.sink.frames.empty());
        f.ndp.poll(kT0 + 1s);
        CHECK(f.state_of(v6("2001:db8::1")) == Ipv6AddressState::Preferred);
    }
}

TEST_CASE("ndp: NS for our address is answered with a solicited NA", "[neighbor][ndp]") {
    NdpFixture f;
    f.ndp.add_address(v6("2001:db8::1"), 64, kT0, true);
    f.receive(wire::icmpv6::kNeighborSolicitation, 0,
              Body{}.addr(v6("2001:db8::1")).lla(wire::ndopt::kSourceLinkAddr, mac(2)), kPeer,
              v6("2001:db8::1").solicited_node(), kT0);
    auto frames = f.sink.take();
    REQUIRE(frames.size() == 1);
    const auto n = nd_of(frames[0]);
    CHECK(n.eth.dst == mac(2));
    CHECK(n.eth.src == mac(1));
    CHECK(n.ip.src == v6("2001:db8::1"));
    CHECK(n.ip.dst == kPeer);
    CHECK(n.ip.hop_limit == 255);
    CHECK(n.icmp.type == wire::icmpv6::kNeighborAdvertisement);
    const auto na = neighbor_of(n);
    CHECK(na.target == v6("2001:db8::1"));
    CHECK(na.solicited);
    CHECK(na.override_);
    CHECK_FALSE(na.router);
    CHECK(na.options.target_lla == mac(1));
    CHECK(f.ndp.state(kPeer) == NeighborState::Stale);
    CHECK(f.ndp.entries().at(0).mac == mac(2));

    SECTION("a DAD probe for our address gets an unsolicited NA to all-nodes") {
        f.receive(wire::icmpv6::kNeighborSolicitation, 0, Body{}.addr(v6("2001:db8::1")),
                  Ipv6Address{}, v6("2001:db8::1").solicited_node(), kT0);
        frames = f.sink.take();
        REQUIRE(frames.size() == 1);
        const auto m = nd_of(frames[0]);
        CHECK(m.ip.dst == Ipv6Address::all_nodes());
        CHECK(m.eth.dst == MacAddress{{0x33, 0x33, 0, 0, 0, 1}});
        const auto a = neighbor_of(m);
        CHECK_FALSE(a.solicited);
        CHECK(a.override_);
        CHECK(f.ndp.size() == 1); // nothing learnt from ::
    }
    SECTION("NS without SLLA is answered through address resolution") {
        f.receive(wire::icmpv6::kNeighborSolicitation, 0, Body{}.addr(v6("2001:db8::1")),
                  v6("2001:db8::3"), v6("2001:db8::1"), kT0);
        frames = f.sink.take();
        REQUIRE(frames.size() == 1);
        CHECK(nd_of(frames[0]).icmp.type == wire::icmpv6::kNeighborSolicitation);
        f.receive(wire::icmpv6::kNeighborAdvertisement, kS | kO,
                  Body{}.addr(v6("2001:db8::3")).lla(wire::ndopt::kTargetLinkAddr, mac(3)),
                  v6("2001:db8::3"), v6("2001:db8::1"), kT0 + 1ms);
        frames = f.sink.take();
        REQUIRE(frames.size() == 1);
        CHECK(nd_of(frames[0]).icmp.type == wire::icmpv6::kNeighborAdvertisement);
        CHECK(nd_of(frames[0]).eth.dst == mac(3));
    }
    SECTION("NS for an address that is not ours is ignored") {
        f.receive(wire::icmpv6::kNeighborSolicitation, 0,
                  Body{}.addr(v6("2001:db8::99")).lla(wire::ndopt::kSourceLinkAddr, mac(2)), kPeer,
                  v6("2001:db8::99").solicited_node(), kT0);
        CHECK(f.sink.frames.empty());
        CHECK(f.drops.total() == 0);
    }
}

TEST_CASE("ndp: invalid and malformed messages are dropped and counted", "[neighbor][ndp]") {
    NdpFixture f;
    f.ndp.add_address(v6("2001:db8::1"), 64, kT0, true);
    const auto ns_body = Body{}.addr(v6("2001:db8::1")).lla(wire::ndopt::kSourceLinkAddr, mac(2));
    const auto group = v6("2001:db8::1").solicited_node();

    f.receive(wire::icmpv6::kNeighborSolicitation, 0, ns_body, kPeer, group, kT0, 64);
    CHECK(f.drops[DropReason::NdpInvalid] == 1); // hop limit != 255: forwarded from off-link
    f.receive(wire::icmpv6::kNeighborSolicitation, 0, ns_body, kPeer, group, kT0, 255, 1);
    CHECK(f.drops[DropReason::NdpInvalid] == 2); // code != 0
    f.receive(wire::icmpv6::kNeighborSolicitation, 0, ns_body, Ipv6Address{}, group, kT0);
    CHECK(f.drops[DropReason::NdpInvalid] == 3); // from :: with an SLLA option
    f.receive(wire::icmpv6::kNeighborSolicitation, 0, Body{}.addr(v6("2001:db8::1")), Ipv6Address{},
              v6("2001:db8::1"), kT0);
    CHECK(f.drops[DropReason::NdpInvalid] == 4); // from :: not to a solicited-node group
    f.receive(wire::icmpv6::kNeighborSolicitation, 0, Body{}.addr(v6("ff02::1")), kPeer, group,
              kT0);
    CHECK(f.drops[DropReason::NdpInvalid] == 5); // multicast target
    f.receive(wire::icmpv6::kNeighborAdvertisement, kS,
              Body{}.addr(kPeer).lla(wire::ndopt::kTargetLinkAddr, mac(2)), kPeer,
              Ipv6Address::all_nodes(), kT0);
    CHECK(f.drops[DropReason::NdpInvalid] == 6); // solicited NA to a multicast group
    f.receive(wire::icmpv6::kRouterAdvertisement, ra_rest(64, 1800), Body{}.u32(0).u32(0),
              v6("2001:db8::9"), Ipv6Address::all_nodes(), kT0);
    CHECK(f.drops[DropReason::NdpInvalid] == 7); // RA not from a link-local address

    f.receive(wire::icmpv6::kNeighborSolicitation, 0,
              Body{}.addr(v6("2001:db8::1")).u8(1).u8(0).u32(0).u8(0).u8(0), kPeer, group, kT0);
    CHECK(f.drops[DropReason::NdpMalformed] == 1); // option length 0
    f.receive(wire::icmpv6::kNeighborSolicitation, 0, Body{}.u32(1), kPeer, group, kT0);
    CHECK(f.drops[DropReason::NdpMalformed] == 2); // truncated target
    f.receive(wire::icmpv6::kRouterAdvertisement, ra_rest(64, 1800),
              Body{}.u32(0).u32(0).u8(3).u8(0).u32(0).u8(0).u8(0), kRouter,
              Ipv6Address::all_nodes(), kT0);
    CHECK(f.drops[DropReason::NdpMalformed] == 3); // RA option length 0
    CHECK(f.ndp.routers().empty());

    CHECK(f.sink.frames.empty());
    CHECK(f.ndp.size() == 0);
}

TEST_CASE("ndp: resolution queues packets and an NA flushes them in order", "[neighbor][ndp]") {
    NdpFixture f;
    f.ndp.add_address(kOurLinkLocal, 64, kT0, true);
    for (int i = 0; i < 10; ++i)
        REQUIRE(f.ndp.enqueue(kPeer, packet6(100 + i, static_cast<std::uint8_t>(i)), kT0));
    auto frames = f.sink.take();
    REQUIRE(frames.size() == 1);
    const auto n = nd_of(frames[0]);
    CHECK(n.eth.dst == MacAddress{{0x33, 0x33, 0xff, 0, 0, 2}});
    CHECK(n.ip.src == kOurLinkLocal);
    CHECK(n.ip.dst == v6("ff02::1:ff00:2"));
    const auto ns = neighbor_of(n);
    CHECK(ns.target == kPeer);
    CHECK(ns.options.source_lla == mac(1));
    CHECK_FALSE(f.ndp.lookup(kPeer, kT0));

    // An NA without TLLA does not complete an Incomplete entry.
    f.receive(wire::icmpv6::kNeighborAdvertisement, kS | kO, Body{}.addr(kPeer), kPeer,
              kOurLinkLocal, kT0 + 1ms);
    CHECK(f.sink.frames.empty());
    f.receive(wire::icmpv6::kNeighborAdvertisement, kS | kO,
              Body{}.addr(kPeer).lla(wire::ndopt::kTargetLinkAddr, mac(2)), kPeer, kOurLinkLocal,
              kT0 + 2ms);
    frames = f.sink.take();
    REQUIRE(frames.size() == 10);
    for (int i = 0; i < 10; ++i) {
        const auto e = eth_of(frames[i]);
        CHECK(e.dst == mac(2));
        CHECK(e.ethertype == wire::ethertype::kIpv6);
        REQUIRE(e.payload.size() == static_cast<std::size_t>(100 + i));
        CHECK(e.payload[1] == std::byte{static_cast<std::uint8_t>(i)});
    }
    CHECK(f.ndp.state(kPeer) == NeighborState::Reachable);
    CHECK(f.ndp.lookup(kPeer, kT0 + 1s) == mac(2));

    SECTION("NA with O=0 and another address only makes the entry Stale") {
        f.receive(wire::icmpv6::kNeighborAdvertisement, kS,
                  Body{}.addr(kPeer).lla(wire::ndopt::kTargetLinkAddr, mac(7)), kPeer,
                  kOurLinkLocal, kT0 + 2s);
        CHECK(f.ndp.state(kPeer) == NeighborState::Stale);
        CHECK(f.ndp.entries().at(0).mac == mac(2));
    }
    SECTION("NA with O=1 overrides the address") {
        f.receive(wire::icmpv6::kNeighborAdvertisement, kO,
                  Body{}.addr(kPeer).lla(wire::ndopt::kTargetLinkAddr, mac(7)), kPeer,
                  Ipv6Address::all_nodes(), kT0 + 2s);
        CHECK(f.ndp.state(kPeer) == NeighborState::Stale);
        CHECK(f.ndp.entries().at(0).mac == mac(7));
    }
    SECTION("unanswered resolution fails and drops the queue") {
        for (int i = 0; i < 5; ++i)
            REQUIRE(f.ndp.enqueue(v6("fe80::3"), packet6(80, 0), kT0));
        f.ndp.poll(kT0 + 1s);
        f.ndp.poll(kT0 + 2s);
        f.ndp.poll(kT0 + 3s);
        CHECK(f.sink.take().size() == 3);
        CHECK(f.ndp.state(v6("fe80::3")) == NeighborState::Failed);
        CHECK(f.drops[DropReason::NdpUnresolved] == 5);
    }
}

TEST_CASE("ndp: RA prefix autoconfigures an EUI-64 address after DAD", "[neighbor][ndp]") {
    NdpFixture f;
    f.ndp.start(kT0);
    f.ndp.poll(kT0);
    f.ndp.poll(kT0 + 1s); // link-local preferred, RS sent
    f.sink.take();
    const Instant t = kT0 + 2s;
    f.receive(wire::icmpv6::kRouterAdvertisement, ra_rest(64, 1800),
              Body{}
                  .u32(0)
                  .u32(0)
                  .lla(wire::ndopt::kSourceLinkAddr, mac(0xaa))
                  .mtu(1400)
                  .prefix(v6("2001:db8:1::"), 64, true, 3600, 1800),
              kRouter, Ipv6Address::all_nodes(), t);
    CHECK(f.drops.total() == 0);
    const Ipv6Address slaac = v6("2001:db8:1::ff:fe00:1");
    const auto* a = f.iface.find_v6(slaac);
    REQUIRE(a);
    CHECK(a->state == Ipv6AddressState::Tentative);
    CHECK(a->autoconfigured);
    CHECK(a->prefix_len == 64);
    CHECK(a->valid_until == t + 3600s);
    CHECK(a->preferred_until == t + 1800s);
    CHECK(f.iface.mtu == 1400);
    CHECK(f.ndp.default_router(t) == kRouter);
    CHECK(f.ndp.cur_hop_limit() == 64);
    CHECK(f.ndp.state(kRouter) == NeighborState::Stale);
    CHECK(f.ndp.entries().at(0).is_router);

    f.ndp.poll(t);
    auto frames = f.sink.take();
    REQUIRE(frames.size() == 1);
    CHECK(neighbor_of(nd_of(frames[0])).target == slaac);
    f.ndp.poll(t + 1s);
    CHECK(f.state_of(slaac) == Ipv6AddressState::Preferred);
    CHECK(f.iface.source_v6_for(v6("2001:db8:1::99"))->address == slaac);

    SECTION("lifetimes expire: deprecated, then removed; router expires") {
        CHECK(f.ndp.next_deadline() <= t + 1800s);
        f.ndp.poll(t + 1800s);
        CHECK(f.state_of(slaac) == Ipv6AddressState::Deprecated);
        CHECK_FALSE(f.ndp.default_router(t + 1800s));
        CHECK(f.ndp.routers().empty());
        f.ndp.poll(t + 3600s);
        CHECK(f.iface.find_v6(slaac) == nullptr);
    }
    SECTION("two-hour rule: a short valid lifetime cannot cut a long one") {
        f.receive(wire::icmpv6::kRouterAdvertisement, ra_rest(64, 1800),
                  Body{}.u32(0).u32(0).prefix(v6("2001:db8:1::"), 64, true, 20000, 10000), kRouter,
                  Ipv6Address::all_nodes(), t + 10s);
        CHECK(f.iface.find_v6(slaac)->valid_until == t + 10s + 20000s);
        f.receive(wire::icmpv6::kRouterAdvertisement, ra_rest(64, 1800),
                  Body{}.u32(0).u32(0).prefix(v6("2001:db8:1::"), 64, true, 60, 0), kRouter,
                  Ipv6Address::all_nodes(), t + 20s);
        CHECK(f.iface.find_v6(slaac)->valid_until == t + 20s + 2h);
        CHECK(f.state_of(slaac) == Ipv6AddressState::Deprecated); // preferred lifetime 0
        // Remaining <= 2 h: a shorter received lifetime is ignored.
        f.receive(wire::icmpv6::kRouterAdvertisement, ra_rest(64, 1800),
                  Body{}.u32(0).u32(0).prefix(v6("2001:db8:1::"), 64, true, 60, 30), kRouter,
                  Ipv6Address::all_nodes(), t + 30s);
        CHECK(f.iface.find_v6(slaac)->valid_until == t + 20s + 2h);
        CHECK(f.state_of(slaac) == Ipv6AddressState::Preferred);
    }
    SECTION("router lifetime 0 removes the default router") {
        f.receive(wire::icmpv6::kRouterAdvertisement, ra_rest(64, 0), Body{}.u32(0).u32(0), kRouter,
                  Ipv6Address::all_nodes(), t + 5s);
        CHECK_FALSE(f.ndp.default_router(t + 5s));
    }
    SECTION("RA stops further router solicitations") {
        f.ndp.poll(kT0 + 20s);
        CHECK(f.sink.frames.empty());
        CHECK(f.ndp.stats().rs_tx == 1);
    }
}

TEST_CASE("ndp: prefixes that must not be autoconfigured", "[neighbor][ndp]") {
    NdpFixture f;
    const auto send = [&](const Body& b) {
        f.receive(wire::icmpv6::kRouterAdvertisement, ra_rest(64, 1800), b, kRouter,
                  Ipv6Address::all_nodes(), kT0);
    };
    send(Body{}.u32(0).u32(0).prefix(v6("2001:db8:2::"), 64, false, 3600, 1800)); // no A flag
    send(Body{}.u32(0).u32(0).prefix(v6("2001:db8:3::"), 64, true, 100, 200));    // pref > valid
    send(Body{}.u32(0).u32(0).prefix(v6("2001:db8:4::"), 48, true, 3600, 1800));  // not /64
    send(Body{}.u32(0).u32(0).prefix(v6("fe80::"), 64, true, 3600, 1800));        // link-local
    send(Body{}.u32(0).u32(0).prefix(v6("2001:db8:5::"), 64, true, 0, 0));        // valid 0
    CHECK(f.iface.v6.empty());
    CHECK(f.drops.total() == 0);
}

TEST_CASE("ndp: RA MTU option is applied only within [1280, link MTU]", "[neighbor][ndp]") {
    NdpFixture f;
    const auto send_mtu = [&](std::uint32_t mtu) {
        f.receive(wire::icmpv6::kRouterAdvertisement, ra_rest(64, 1800),
                  Body{}.u32(0).u32(0).mtu(mtu), kRouter, Ipv6Address::all_nodes(), kT0);
    };
    send_mtu(1000);
    CHECK(f.iface.mtu == 1500);
    send_mtu(9000);
    CHECK(f.iface.mtu == 1500);
    send_mtu(1280);
    CHECK(f.iface.mtu == 1280);
    send_mtu(1500);
    CHECK(f.iface.mtu == 1500);
}

TEST_CASE("ndp: redirect from our router records the target's address", "[neighbor][ndp]") {
    NdpFixture f;
    f.ndp.add_address(kOurLinkLocal, 64, kT0, true);
    const auto redirect = [&](const Ipv6Address& src) {
        f.receive(wire::icmpv6::kRedirect, 0,
                  Body{}
                      .addr(v6("fe80::5"))
                      .addr(v6("2001:db8:9::1"))
                      .lla(wire::ndopt::kTargetLinkAddr, mac(5)),
                  src, kOurLinkLocal, kT0);
    };
    redirect(kRouter); // not a router we know yet
    CHECK(f.drops[DropReason::NdpInvalid] == 1);
    CHECK_FALSE(f.ndp.has(v6("fe80::5")));
    f.receive(wire::icmpv6::kRouterAdvertisement, ra_rest(64, 1800), Body{}.u32(0).u32(0), kRouter,
              Ipv6Address::all_nodes(), kT0);
    redirect(kRouter);
    CHECK(f.ndp.state(v6("fe80::5")) == NeighborState::Stale);
    CHECK(f.ndp.lookup(v6("fe80::5"), kT0) == mac(5));
}
