// Per-packet cost of the wire layer alone: header parsing with checksum verification, the
// checksum itself, and the IPv6 extension-header walk. One benchmark iteration is one packet.
#include <benchmark/benchmark.h>

#include <multios/net/wire/checksum.hpp>
#include <multios/net/wire/ethernet.hpp>
#include <multios/net/wire/ipv4.hpp>
#include <multios/net/wire/ipv6.hpp>
#include <multios/net/wire/udp.hpp>

#include "frame_builder.hpp"

namespace multios::net::bench {
namespace {

using wire::ParseError;

/// Ethernet + IPv4 + UDP (UDP checksum verified), as the receive path does it.
ParseError parse_udp4_frame(wire::Bytes frame, wire::UdpDatagram& udp) {
    wire::EthernetFrame eth;
    if (const auto e = wire::parse_ethernet(frame, eth); e != ParseError::Ok) {
        return e;
    }
    wire::Ipv4Packet ip;
    if (const auto e = wire::parse_ipv4(eth.payload, ip); e != ParseError::Ok) {
        return e;
    }
    return wire::parse_udp_v4(ip.payload, ip.src, ip.dst, udp);
}

ParseError parse_udp6_frame(wire::Bytes frame, wire::UdpDatagram& udp) {
    wire::EthernetFrame eth;
    if (const auto e = wire::parse_ethernet(frame, eth); e != ParseError::Ok) {
        return e;
    }
    wire::Ipv6Packet ip;
    if (const auto e = wire::parse_ipv6(eth.payload, ip); e != ParseError::Ok) {
        return e;
    }
    return wire::parse_udp_v6(ip.payload, ip.src, ip.dst, udp);
}

template <ParseError (*Parse)(wire::Bytes, wire::UdpDatagram&)>
void run_udp_parse(benchmark::State& state, const Frame& frame) {
    const wire::Bytes in(frame);
    for (auto _ : state) {
        wire::UdpDatagram udp;
        const ParseError e = Parse(in, udp);
        benchmark::DoNotOptimize(udp);
        if (e != ParseError::Ok) {
            state.SkipWithError(wire::to_string(e));
            break;
        }
    }
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(frame.size()));
}

void BM_ParseUdp4Frame(benchmark::State& state) {
    run_udp_parse<parse_udp4_frame>(state,
                                    udp_v4_frame_of_len(static_cast<std::size_t>(state.range(0))));
}
BENCHMARK(BM_ParseUdp4Frame)->ArgName("frame_bytes")->Arg(64)->Arg(1514);

void BM_ParseUdp6Frame(benchmark::State& state) {
    run_udp_parse<parse_udp6_frame>(state,
                                    udp_v6_frame_of_len(static_cast<std::size_t>(state.range(0))));
}
BENCHMARK(BM_ParseUdp6Frame)->ArgName("frame_bytes")->Arg(64)->Arg(1514);

void BM_InternetChecksum(benchmark::State& state) {
    const Frame data = pattern(static_cast<std::size_t>(state.range(0)));
    for (auto _ : state) {
        benchmark::DoNotOptimize(data.data());
        const std::uint16_t sum = wire::internet_checksum(data);
        benchmark::DoNotOptimize(sum);
    }
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_InternetChecksum)->ArgName("bytes")->Arg(20)->Arg(64)->Arg(1500);

/// parse_ipv6 + walk_ipv6_extensions over HBH, routing (type 4, done) and destination options.
void BM_Ipv6ExtWalk3(benchmark::State& state) {
    const Frame frame = ipv6_three_ext_headers_frame();
    const wire::Bytes ip_bytes = wire::Bytes(frame).subspan(wire::kEthernetHeaderLen);
    for (auto _ : state) {
        wire::Ipv6Packet ip;
        wire::Ipv6ExtChain chain;
        ParseError e = wire::parse_ipv6(ip_bytes, ip);
        if (e == ParseError::Ok) {
            e = wire::walk_ipv6_extensions(ip, chain);
        }
        benchmark::DoNotOptimize(chain);
        if (e != ParseError::Ok || chain.header_count != 3 ||
            chain.upper_protocol != wire::ipproto::kUdp) {
            state.SkipWithError("extension walk did not reach UDP through 3 headers");
            break;
        }
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Ipv6ExtWalk3);

} // namespace
} // namespace multios::net::bench
