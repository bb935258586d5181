// Per-packet cost of the whole sans-IO receive path: StackCore::receive() of a request through
// to the reply frame written into the sink. The sink hands out one preallocated buffer and only
// counts commits, so what is measured is the stack, not the allocator or a copy. Every
// benchmark checks afterwards that each request produced its reply (a path that silently drops
// packets would otherwise look very fast).
#include <array>
#include <cstring>
#include <functional>

#include <benchmark/benchmark.h>

#include <multios/net/wire/ethernet.hpp>
#include <multios/net/wire/icmp.hpp>
#include <multios/net/wire/ipv4.hpp>
#include <multios/net/wire/ipv6.hpp>
#include <multios/net/wire/udp.hpp>

#include "fixed_sink.hpp"
#include "frame_builder.hpp"
#include "stack/stack_core.hpp"

namespace multios::net::bench {
namespace {

/// One StackCore with interface 0 (10.0.0.2/24, fd00::2/64) whose start-up is over: DAD has
/// finished and the gratuitous ARP / DAD / RS frames are behind it.
struct Rig {
    FixedSink sink;
    StackCore stack;
    Instant now = instant_from_ns(1'000'000'000'000);

    Rig() : stack(StackConfig{}, sink) {
        InterfaceConfig ic;
        ic.name = "bench0";
        ic.mac = kPeers.stack_mac;
        ic.addresses = {*IpPrefix::parse("10.0.0.2/24"), *IpPrefix::parse("fd00::2/64")};
        ic.slaac = false;
        ok = stack.add_interface(ic, now).has_value();
        // DAD (RFC 4862 5.4) needs about a second; 3 s of 100 ms polls is plenty.
        for (int i = 0; i < 30; ++i) {
            now += std::chrono::milliseconds(100);
            stack.poll(now);
        }
    }
    void rx(const Frame& f) { stack.receive(0, f, now); }

    /// Feeds the peer's address-resolution request (ARP or NS) so that replies need no
    /// resolution of their own, then forgets the frames sent so far.
    bool introduce_peer(const Frame& request) {
        rx(request);
        const bool answered = sink.frames > 0;
        sink.reset();
        return ok && answered;
    }

    bool ok = false;
};

/// True when `frame` is Ethernet + IPv4 + ICMP echo reply, or + IPv6 + ICMPv6 echo reply.
bool is_echo_reply(wire::Bytes frame, bool v6) {
    wire::EthernetFrame eth;
    if (wire::parse_ethernet(frame, eth) != wire::ParseError::Ok) {
        return false;
    }
    wire::IcmpMessage m;
    if (v6) {
        wire::Ipv6Packet ip;
        return wire::parse_ipv6(eth.payload, ip) == wire::ParseError::Ok &&
               wire::parse_icmpv6(ip.payload, ip.src, ip.dst, m) == wire::ParseError::Ok &&
               m.type == wire::icmpv6::kEchoReply;
    }
    wire::Ipv4Packet ip;
    return wire::parse_ipv4(eth.payload, ip) == wire::ParseError::Ok &&
           wire::parse_icmpv4(ip.payload, m) == wire::ParseError::Ok &&
           m.type == wire::icmpv4::kEchoReply;
}

/// Fails the benchmark unless each iteration committed exactly `per_iteration` frames.
void expect_frames(benchmark::State& state, const FixedSink& sink, std::int64_t per_iteration) {
    const std::int64_t want = static_cast<std::int64_t>(state.iterations()) * per_iteration;
    if (sink.frames != want || sink.refused != 0) {
        state.SkipWithError("the stack did not send one reply per request");
    }
}

std::int64_t total_size(const std::vector<Frame>& frames) {
    std::int64_t n = 0;
    for (const auto& f : frames) {
        n += static_cast<std::int64_t>(f.size());
    }
    return n;
}

void run_echo(benchmark::State& state, Rig& rig, const std::vector<Frame>& request,
              std::int64_t replies_per_request, bool v6) {
    for (auto _ : state) {
        for (const auto& f : request) {
            rig.rx(f);
        }
    }
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(state.iterations() * total_size(request));
    expect_frames(state, rig.sink, replies_per_request);
    if (state.iterations() > 0 && !is_echo_reply(rig.sink.last_frame(), v6) &&
        replies_per_request == 1) {
        state.SkipWithError("the last frame sent is not an echo reply");
    }
}

void BM_StackIcmpv4Echo(benchmark::State& state) {
    Rig rig;
    if (!rig.introduce_peer(arp_request_for_stack())) {
        state.SkipWithError("set-up failed: no ARP reply");
        return;
    }
    const Frame req = ethernet(wire::ethertype::kIpv4,
                               ipv4(wire::ipproto::kIcmp, icmpv4_echo(0x77, 1, pattern(56))));
    run_echo(state, rig, {req}, 1, false);
}
BENCHMARK(BM_StackIcmpv4Echo);

void BM_StackIcmpv6Echo(benchmark::State& state) {
    Rig rig;
    if (!rig.introduce_peer(neighbor_solicitation_for_stack())) {
        state.SkipWithError("set-up failed: no neighbor advertisement");
        return;
    }
    const Frame req = ethernet(wire::ethertype::kIpv6,
                               ipv6(kPeers.peer_ip6, kPeers.stack_ip6, wire::ipproto::kIcmpv6,
                                    icmpv6_echo(0x77, 1, pattern(56))));
    run_echo(state, rig, {req}, 1, true);
}
BENCHMARK(BM_StackIcmpv6Echo);

/// 4000 bytes of echo data: 3 fragments in, reassembled, answered, 3 fragments out. One
/// iteration (and one "item") is the whole datagram.
void BM_StackIcmpv4EchoFragmented(benchmark::State& state) {
    Rig rig;
    if (!rig.introduce_peer(arp_request_for_stack())) {
        state.SkipWithError("set-up failed: no ARP reply");
        return;
    }
    const auto frags = icmpv4_echo_fragments(4000, 4242);
    run_echo(state, rig, frags, static_cast<std::int64_t>(frags.size()), false);
    if (rig.stack.reassembly_buffers_in_use() != 0) {
        state.SkipWithError("reassembly buffers left in use");
    }
}
BENCHMARK(BM_StackIcmpv4EchoFragmented);

void BM_StackIcmpv6EchoFragmented(benchmark::State& state) {
    Rig rig;
    if (!rig.introduce_peer(neighbor_solicitation_for_stack())) {
        state.SkipWithError("set-up failed: no neighbor advertisement");
        return;
    }
    const auto frags = icmpv6_echo_fragments(4000, 4242);
    run_echo(state, rig, frags, static_cast<std::int64_t>(frags.size()), true);
    if (rig.stack.reassembly_buffers_in_use() != 0) {
        state.SkipWithError("reassembly buffers left in use");
    }
}
BENCHMARK(BM_StackIcmpv6EchoFragmented);

/// What an echo server does per datagram: receive(), udp_drain() copying the payload out, and
/// udp_send_to() back to the sender.
void BM_StackUdpEcho(benchmark::State& state) {
    Rig rig;
    if (!rig.introduce_peer(arp_request_for_stack())) {
        state.SkipWithError("set-up failed: no ARP reply");
        return;
    }
    const auto sock = rig.stack.udp_open(IpAddress{Ipv4Address{}}, 7);
    if (!sock) {
        state.SkipWithError("udp_open failed");
        return;
    }
    const std::size_t size = static_cast<std::size_t>(state.range(0));
    const Frame req =
        ethernet(wire::ethertype::kIpv4, ipv4(wire::ipproto::kUdp, udp_v4(4000, 7, pattern(size))));
    std::array<std::byte, 2048> copy{};
    std::size_t copied = 0;
    IpAddress from;
    std::uint16_t from_port = 0;
    // Built once: a std::function per packet would allocate.
    const std::function<void(const UdpDatagramView&)> take = [&](const UdpDatagramView& d) {
        copied = std::min(d.payload.size(), copy.size());
        std::memcpy(copy.data(), d.payload.data(), copied);
        from = d.src;
        from_port = d.src_port;
    };
    std::int64_t failures = 0;
    for (auto _ : state) {
        rig.rx(req);
        if (rig.stack.udp_drain(*sock, take) != 1 ||
            !rig.stack.udp_send_to(*sock, from, from_port, std::span(copy).first(copied),
                                   rig.now)) {
            ++failures;
        }
    }
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(req.size()));
    expect_frames(state, rig.sink, 1);
    if (failures != 0) {
        state.SkipWithError("udp_drain/udp_send_to failed");
    }
}
BENCHMARK(BM_StackUdpEcho)->ArgName("payload_bytes")->Arg(64);

} // namespace
} // namespace multios::net::bench
