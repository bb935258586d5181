// ArpCache: RFC 826 replies and merge, resolution with queued packets, retries, aging, limits.
#include <catch2/catch.hpp>

#include <chrono>

#include "neighbor/arp_cache.hpp"
#include "neighbor_test_util.hpp"

using namespace multios::net;
using namespace multios::net::test;
using namespace std::chrono_literals;

namespace {

struct ArpFixture {
    InterfaceInfo iface;
    RecordingSink sink;
    DropCounters drops;
    ArpCache arp;

    explicit ArpFixture(ArpConfig cfg = {}) : iface(make_iface()), arp(iface, sink, drops, cfg) {}

    static InterfaceInfo make_iface() {
        InterfaceInfo i;
        i.index = 0;
        i.mac = mac(1);
        i.v4.push_back({v4("10.0.0.1"), 24});
        return i;
    }
};

wire::ArpPacket arp_packet(std::uint16_t op, const MacAddress& smac, const char* sip,
                           const MacAddress& tmac, const char* tip) {
    wire::ArpPacket p;
    p.op = op;
    p.sender_mac = smac;
    p.sender_ip = v4(sip);
    p.target_mac = tmac;
    p.target_ip = v4(tip);
    return p;
}

std::vector<std::byte> ip_packet(std::size_t n, std::uint8_t tag) {
    std::vector<std::byte> p(n, std::byte{tag});
    p[0] = std::byte{0x45};
    return p;
}

void resolve(ArpFixture& f, const char* ip, const MacAddress& m, Instant now) {
    REQUIRE(f.arp.enqueue(v4(ip), ip_packet(60, 0), now));
    f.arp.on_arp(arp_packet(wire::kArpReply, m, ip, mac(1), "10.0.0.1"), now);
    f.sink.take();
}

} // namespace

TEST_CASE("arp: request for our address is answered and the sender cached", "[neighbor][arp]") {
    ArpFixture f;
    f.arp.on_arp(arp_packet(wire::kArpRequest, mac(2), "10.0.0.2", {}, "10.0.0.1"), kT0);
    const auto frames = f.sink.take();
    REQUIRE(frames.size() == 1);
    CHECK(frames[0].size() == 60); // padded to the Ethernet minimum
    const auto e = eth_of(frames[0]);
    CHECK(e.dst == mac(2));
    CHECK(e.src == mac(1));
    CHECK(e.ethertype == wire::ethertype::kArp);
    const auto r = arp_of(frames[0]);
    CHECK(r.op == wire::kArpReply);
    CHECK(r.sender_mac == mac(1));
    CHECK(r.sender_ip == v4("10.0.0.1"));
    CHECK(r.target_mac == mac(2));
    CHECK(r.target_ip == v4("10.0.0.2"));
    CHECK(f.arp.state(v4("10.0.0.2")) == NeighborState::Stale);
    CHECK(f.arp.stats().replies_tx == 1);
    CHECK(f.drops.total() == 0);
}

TEST_CASE("arp: request for another address is not answered and counted", "[neighbor][arp]") {
    ArpFixture f;
    f.arp.on_arp(arp_packet(wire::kArpRequest, mac(2), "10.0.0.2", {}, "10.0.0.9"), kT0);
    CHECK(f.sink.frames.empty());
    CHECK(f.drops[DropReason::ArpNotForUs] == 1);
    CHECK_FALSE(f.arp.has(v4("10.0.0.2"))); // not for us: no new entry (RFC 826)

    SECTION("but an existing entry is still merged") {
        resolve(f, "10.0.0.3", mac(3), kT0);
        f.arp.on_arp(arp_packet(wire::kArpRequest, mac(4), "10.0.0.3", {}, "10.0.0.9"), kT0 + 1s);
        CHECK(f.arp.lookup(v4("10.0.0.3"), kT0 + 1s) == mac(4));
        CHECK(f.drops[DropReason::ArpNotForUs] == 2);
        CHECK(f.sink.frames.empty());
    }
}

TEST_CASE("arp: probes from 0.0.0.0 are answered but not cached", "[neighbor][arp]") {
    ArpFixture f;
    f.arp.on_arp(arp_packet(wire::kArpRequest, mac(2), "0.0.0.0", {}, "10.0.0.1"), kT0);
    const auto frames = f.sink.take();
    REQUIRE(frames.size() == 1);
    const auto r = arp_of(frames[0]);
    CHECK(r.op == wire::kArpReply);
    CHECK(r.target_ip == v4("0.0.0.0"));
    CHECK(eth_of(frames[0]).dst == mac(2));
    CHECK(f.arp.size() == 0);
}

TEST_CASE("arp: queued packets are sent in order after the reply", "[neighbor][arp]") {
    ArpFixture f;
    for (int i = 0; i < 50; ++i)
        REQUIRE(
            f.arp.enqueue(v4("10.0.0.2"), ip_packet(100 + i, static_cast<std::uint8_t>(i)), kT0));
    auto frames = f.sink.take();
    REQUIRE(frames.size() == 1); // one request, not one per packet
    CHECK(eth_of(frames[0]).dst == MacAddress::broadcast());
    const auto req = arp_of(frames[0]);
    CHECK(req.op == wire::kArpRequest);
    CHECK(req.sender_mac == mac(1));
    CHECK(req.sender_ip == v4("10.0.0.1"));
    CHECK(req.target_ip == v4("10.0.0.2"));
    CHECK(f.arp.state(v4("10.0.0.2")) == NeighborState::Incomplete);
    CHECK_FALSE(f.arp.lookup(v4("10.0.0.2"), kT0));
    CHECK(f.arp.queued_packets() == 50);

    f.arp.on_arp(arp_packet(wire::kArpReply, mac(2), "10.0.0.2", mac(1), "10.0.0.1"), kT0 + 5ms);
    frames = f.sink.take();
    REQUIRE(frames.size() == 50);
    for (int i = 0; i < 50; ++i) {
        const auto e = eth_of(frames[i]);
        CHECK(e.dst == mac(2));
        CHECK(e.src == mac(1));
        CHECK(e.ethertype == wire::ethertype::kIpv4);
        REQUIRE(e.payload.size() == static_cast<std::size_t>(100 + i));
        CHECK(e.payload[1] == std::byte{static_cast<std::uint8_t>(i)});
    }
    CHECK(f.arp.state(v4("10.0.0.2")) == NeighborState::Reachable);
    CHECK(f.arp.lookup(v4("10.0.0.2"), kT0 + 1s) == mac(2));
    CHECK(f.arp.queued_packets() == 0);
    CHECK(f.drops.total() == 0);
}

TEST_CASE("arp: three unanswered requests fail the entry and drop its queue", "[neighbor][arp]") {
    ArpFixture f;
    for (int i = 0; i < 3; ++i)
        REQUIRE(f.arp.enqueue(v4("10.0.0.2"), ip_packet(80, 1), kT0));
    CHECK(f.sink.take().size() == 1);
    CHECK(f.arp.next_deadline() == kT0 + 1s);
    f.arp.poll(kT0 + 999ms);
    CHECK(f.sink.frames.empty());
    f.arp.poll(kT0 + 1s);
    CHECK(f.sink.take().size() == 1);
    f.arp.poll(kT0 + 2s);
    auto frames = f.sink.take();
    REQUIRE(frames.size() == 1);
    CHECK(arp_of(frames[0]).target_ip == v4("10.0.0.2"));
    CHECK(f.arp.state(v4("10.0.0.2")) == NeighborState::Incomplete);
    f.arp.poll(kT0 + 3s);
    CHECK(f.sink.frames.empty());
    CHECK(f.arp.state(v4("10.0.0.2")) == NeighborState::Failed);
    CHECK(f.drops[DropReason::ArpUnresolved] == 3);
    CHECK(f.arp.queued_packets() == 0);
    CHECK_FALSE(f.arp.lookup(v4("10.0.0.2"), kT0 + 3s));

    SECTION("a new packet restarts resolution") {
        REQUIRE(f.arp.enqueue(v4("10.0.0.2"), ip_packet(80, 1), kT0 + 4s));
        CHECK(f.sink.take().size() == 1);
        CHECK(f.arp.state(v4("10.0.0.2")) == NeighborState::Incomplete);
    }
}

TEST_CASE("arp: per-entry and total queue limits", "[neighbor][arp]") {
    ArpConfig cfg;
    cfg.queue_per_entry = 64;
    cfg.queue_total = 100;
    ArpFixture f(cfg);
    for (int i = 0; i < 64; ++i)
        REQUIRE(f.arp.enqueue(v4("10.0.0.2"), ip_packet(1500, 0), kT0));
    CHECK_FALSE(f.arp.enqueue(v4("10.0.0.2"), ip_packet(1500, 0), kT0));
    CHECK(f.drops[DropReason::ArpQueueFull] == 1);
    for (int i = 0; i < 36; ++i)
        REQUIRE(f.arp.enqueue(v4("10.0.0.3"), ip_packet(64, 0), kT0));
    CHECK_FALSE(f.arp.enqueue(v4("10.0.0.4"), ip_packet(64, 0), kT0)); // arena exhausted
    CHECK(f.drops[DropReason::ArpQueueFull] == 2);
    CHECK_FALSE(f.arp.enqueue(v4("10.0.0.3"), ip_packet(1501, 0), kT0)); // above the MTU
    CHECK(f.drops[DropReason::TxTooBig] == 1);
}

TEST_CASE("arp: gratuitous ARP updates an existing entry only", "[neighbor][arp]") {
    ArpFixture f;
    resolve(f, "10.0.0.2", mac(2), kT0);
    f.arp.on_arp(arp_packet(wire::kArpRequest, mac(7), "10.0.0.2", {}, "10.0.0.2"), kT0 + 1s);
    CHECK(f.arp.state(v4("10.0.0.2")) == NeighborState::Stale); // changed address: Stale
    CHECK(f.arp.entries().at(0).mac == mac(7));
    f.arp.on_arp(arp_packet(wire::kArpReply, mac(8), "10.0.0.8", {}, "10.0.0.8"), kT0 + 1s);
    CHECK_FALSE(f.arp.has(v4("10.0.0.8")));
    CHECK(f.drops.total() == 0); // gratuitous ARP is not a drop
    CHECK(f.sink.frames.empty());
}

TEST_CASE("arp: table limit evicts the oldest stale entry", "[neighbor][arp]") {
    ArpConfig cfg;
    cfg.max_entries = 4;
    ArpFixture f(cfg);
    const char* ips[] = {"10.0.0.10", "10.0.0.11", "10.0.0.12",
                         "10.0.0.13", "10.0.0.14", "10.0.0.15"};
    for (int i = 0; i < 6; ++i)
        f.arp.on_arp(arp_packet(wire::kArpRequest, mac(static_cast<std::uint8_t>(10 + i)), ips[i],
                                {}, "10.0.0.1"),
                     kT0 + std::chrono::seconds(i));
    CHECK(f.arp.size() == 4);
    CHECK_FALSE(f.arp.has(v4("10.0.0.10")));
    CHECK_FALSE(f.arp.has(v4("10.0.0.11")));
    for (int i = 2; i < 6; ++i)
        CHECK(f.arp.has(v4(ips[i])));
    CHECK(f.arp.lookup(v4("10.0.0.15"), kT0 + 6s) == mac(15));

    SECTION("entries being resolved are not evicted") {
        ArpConfig c2;
        c2.max_entries = 2;
        ArpFixture g(c2);
        REQUIRE(g.arp.enqueue(v4("10.0.0.2"), ip_packet(60, 0), kT0));
        REQUIRE(g.arp.enqueue(v4("10.0.0.3"), ip_packet(60, 0), kT0));
        CHECK_FALSE(g.arp.enqueue(v4("10.0.0.4"), ip_packet(60, 0), kT0));
        CHECK(g.drops[DropReason::ArpQueueFull] == 1);
        CHECK(g.arp.size() == 2);
    }
}

TEST_CASE("arp: reachable ages to stale, use probes by unicast", "[neighbor][arp]") {
    ArpFixture f;
    resolve(f, "10.0.0.2", mac(2), kT0);
    CHECK(f.arp.state(v4("10.0.0.2")) == NeighborState::Reachable);
    // The deadline may be early (the old retransmit time); a poll then recomputes it.
    CHECK(f.arp.next_deadline() <= kT0 + 30s);
    f.arp.poll(f.arp.next_deadline());
    CHECK(f.arp.next_deadline() == kT0 + 30s);
    f.arp.poll(kT0 + 29s);
    CHECK(f.arp.state(v4("10.0.0.2")) == NeighborState::Reachable);
    f.arp.poll(kT0 + 30s);
    CHECK(f.arp.state(v4("10.0.0.2")) == NeighborState::Stale);
    // Still usable; the use starts the Delay timer.
    CHECK(f.arp.lookup(v4("10.0.0.2"), kT0 + 31s) == mac(2));
    CHECK(f.arp.state(v4("10.0.0.2")) == NeighborState::Delay);
    f.arp.poll(kT0 + 36s);
    CHECK(f.arp.state(v4("10.0.0.2")) == NeighborState::Probe);
    auto frames = f.sink.take();
    REQUIRE(frames.size() == 1);
    CHECK(eth_of(frames[0]).dst == mac(2)); // unicast probe
    CHECK(arp_of(frames[0]).target_ip == v4("10.0.0.2"));
    f.arp.on_arp(arp_packet(wire::kArpReply, mac(2), "10.0.0.2", mac(1), "10.0.0.1"), kT0 + 36s);
    CHECK(f.arp.state(v4("10.0.0.2")) == NeighborState::Reachable);

    SECTION("unanswered probes fail the entry") {
        f.arp.poll(kT0 + 66s);
        CHECK(f.arp.lookup(v4("10.0.0.2"), kT0 + 67s) == mac(2));
        for (int s = 72; s <= 75; ++s)
            f.arp.poll(kT0 + std::chrono::seconds(s));
        CHECK(f.sink.take().size() == 3);
        CHECK(f.arp.state(v4("10.0.0.2")) == NeighborState::Failed);
    }
    SECTION("unused stale entries are garbage-collected") {
        f.arp.poll(kT0 + 66s);
        CHECK(f.arp.state(v4("10.0.0.2")) == NeighborState::Stale);
        f.arp.poll(kT0 + 66s + 5min);
        CHECK_FALSE(f.arp.has(v4("10.0.0.2")));
    }
}

TEST_CASE("arp: announcements, conflicts and special destinations", "[neighbor][arp]") {
    ArpFixture f;
    f.arp.announce(v4("10.0.0.1"), kT0);
    auto frames = f.sink.take();
    REQUIRE(frames.size() == 1);
    CHECK(eth_of(frames[0]).dst == MacAddress::broadcast());
    const auto a = arp_of(frames[0]);
    CHECK(a.op == wire::kArpRequest);
    CHECK(a.sender_ip == v4("10.0.0.1"));
    CHECK(a.target_ip == v4("10.0.0.1"));
    CHECK(a.target_mac.is_zero());

    // Someone else claims 10.0.0.1: defend once per 10 s (RFC 5227 2.4).
    f.arp.on_arp(arp_packet(wire::kArpRequest, mac(9), "10.0.0.1", {}, "10.0.0.1"), kT0);
    f.arp.on_arp(arp_packet(wire::kArpRequest, mac(9), "10.0.0.1", {}, "10.0.0.1"), kT0 + 1s);
    CHECK(f.sink.take().size() == 1);
    CHECK(f.arp.stats().conflicts == 2);
    CHECK_FALSE(f.arp.has(v4("10.0.0.1")));

    f.arp.on_arp(arp_packet(wire::kArpRequest, MacAddress::broadcast(), "10.0.0.5", {}, "10.0.0.1"),
                 kT0);
    CHECK(f.drops[DropReason::ArpMalformed] == 1);
    CHECK(f.sink.frames.empty());

    CHECK(f.arp.lookup(v4("255.255.255.255"), kT0) == MacAddress::broadcast());
    CHECK(f.arp.lookup(v4("10.0.0.255"), kT0) == MacAddress::broadcast());
    CHECK(f.arp.lookup(v4("224.0.0.251"), kT0) == MacAddress{{0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb}});
    CHECK_FALSE(f.arp.lookup(v4("10.0.0.7"), kT0));
}

TEST_CASE("arp: no buffer in the sink is counted", "[neighbor][arp]") {
    ArpFixture f;
    f.sink.out_of_buffers = true;
    f.arp.on_arp(arp_packet(wire::kArpRequest, mac(2), "10.0.0.2", {}, "10.0.0.1"), kT0);
    CHECK(f.drops[DropReason::TxNoBuffer] == 1);
}
