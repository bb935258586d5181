// Per-segment cost of TCP through the whole sans-IO stack on an established connection:
// StackCore::receive() of a full Ethernet + IPv4 + TCP data frame (IPv4 header and TCP
// checksums verified, demux, the state machine, the receive buffer) up to the application's
// tcp_recv(), with the ACK frames the stack builds in return; and the other direction, from
// tcp_send() to the finished data frame (TCP checksum over 1448 bytes, IPv4 header, Ethernet)
// with the peer's ACK frames fed back in. The connection is opened by real frames (SYN with
// MSS, window scale, SACK-permitted and timestamps), as a kernel peer would. The receive path
// also runs over IPv6 (no header checksum; 1428-byte segments in the same 1514-byte frames).
#include <array>
#include <vector>

#include <benchmark/benchmark.h>

#include <multios/net/wire/bytes.hpp>
#include <multios/net/wire/ethernet.hpp>
#include <multios/net/wire/ipv4.hpp>
#include <multios/net/wire/ipv6.hpp>
#include <multios/net/wire/tcp.hpp>

#include "fixed_iterations.hpp"
#include "fixed_sink.hpp"
#include "frame_builder.hpp"
#include "frames.hpp"
#include "stack/stack_core.hpp"

namespace multios::net::bench {
namespace {

using namespace std::chrono_literals;
namespace flag = wire::tcpflag;

constexpr std::uint16_t kPort = 80;
constexpr std::uint16_t kPeerPort = 40000;
constexpr std::uint32_t kPeerIsn = 7000;
constexpr std::size_t kPayload = 1448;  // MSS 1460 less the 12 bytes of the timestamps option
constexpr std::size_t kPayload6 = 1428; // IPv6: MSS 1440 less the timestamps option
constexpr std::size_t kDataFrameLen = 14 + 20 + 32 + kPayload; // 1514 (also 14 + 40 + 32 + 1428)
// Offsets in an Ethernet + IPv4 (no options) + TCP frame; IPv6 moves them by kV6Shift.
constexpr std::size_t kTcpOff = 14 + 20;
constexpr std::size_t kV6Shift = 20;
constexpr std::size_t kSeqOff = kTcpOff + 4;
constexpr std::size_t kAckOff = kTcpOff + 8;
constexpr std::size_t kCsumOff = kTcpOff + 16;

/// Parses an IPv4 TCP frame the stack sent (checksums verified); false if it is anything else.
bool parse_sent_v4(wire::Bytes frame, wire::TcpSegment& seg) {
    wire::EthernetFrame eth;
    wire::Ipv4Packet ip;
    return wire::parse_ethernet(frame, eth) == wire::ParseError::Ok &&
           eth.ethertype == wire::ethertype::kIpv4 &&
           wire::parse_ipv4(eth.payload, ip) == wire::ParseError::Ok &&
           ip.protocol == wire::ipproto::kTcp &&
           wire::parse_tcp_v4(ip.payload, ip.src, ip.dst, seg) == wire::ParseError::Ok;
}

/// The same for an IPv6 TCP frame (no extension headers: the stack sends none here).
bool parse_sent_v6(wire::Bytes frame, wire::TcpSegment& seg) {
    wire::EthernetFrame eth;
    wire::Ipv6Packet ip;
    return wire::parse_ethernet(frame, eth) == wire::ParseError::Ok &&
           eth.ethertype == wire::ethertype::kIpv6 &&
           wire::parse_ipv6(eth.payload, ip) == wire::ParseError::Ok &&
           ip.next_header == wire::ipproto::kTcp &&
           wire::parse_tcp_v6(ip.payload, ip.src, ip.dst, seg) == wire::ParseError::Ok;
}

bool parse_sent(wire::Bytes frame, wire::TcpSegment& seg, bool v6 = false) {
    return v6 ? parse_sent_v6(frame, seg) : parse_sent_v4(frame, seg);
}

/// Replaces the 32-bit field at `field` and updates the TCP checksum at `csum` for the change
/// (RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m')), so a prebuilt frame can carry a new sequence or
/// acknowledgment number without being rebuilt (and without an allocation) in the loop.
/// `shift` moves both offsets past a longer IP header (kV6Shift for IPv6).
void patch_be32(std::byte* frame, std::size_t field, std::uint32_t value, std::size_t shift = 0) {
    field += shift;
    const std::uint32_t old = wire::load_be32(frame + field);
    std::uint32_t sum = static_cast<std::uint16_t>(~wire::load_be16(frame + kCsumOff + shift));
    sum += static_cast<std::uint16_t>(~(old >> 16)) + static_cast<std::uint16_t>(~old);
    sum += (value >> 16) + (value & 0xffff);
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    wire::store_be16(frame + kCsumOff + shift, static_cast<std::uint16_t>(~sum));
    wire::store_be32(frame + field, value);
}

/// One StackCore (10.0.0.2/24, or fd00::2/64) with a connection from the peer 10.0.0.1:40000
/// (fd00::1) to port 80, accepted by the application.
struct TcpRig {
    bool v6 = false;
    std::size_t payload = kPayload; ///< Data bytes per full-size segment.
    FixedSink sink{kDataFrameLen};  ///< `counted`: data frames
    StackCore stack;
    Instant now = instant_from_ns(1'000'000'000'000);
    TcpConnId conn = 0;
    std::uint32_t our_isn = 0; ///< The stack's ISN, from its SYN-ACK.
    std::uint32_t our_ts = 0;  ///< The stack's last TSval: the peer's TSecr.
    std::uint32_t peer_ts = 100;
    bool ok = false;

    explicit TcpRig(bool ipv6 = false)
        : v6(ipv6), payload(ipv6 ? kPayload6 : kPayload), stack(StackConfig{}, sink) {
        ok = open();
    }

    void rx(const Frame& f) { stack.receive(0, f, now); }

    /// Header fields of a peer segment with the timestamps option; `syn` adds the SYN options.
    wire::TcpHeaderFields fields(std::uint32_t seq, std::uint32_t ack, std::uint8_t flags) {
        wire::TcpHeaderFields h;
        h.src_port = kPeerPort;
        h.dst_port = kPort;
        h.seq = seq;
        h.ack = ack;
        h.flags = flags;
        h.window = 65535;
        h.options.has_timestamps = true;
        h.options.ts_val = ++peer_ts;
        h.options.ts_ecr = our_ts;
        return h;
    }

    Frame frame(const wire::TcpHeaderFields& h, std::span<const std::byte> data) const {
        if (v6)
            return frames::eth(
                kPeers.stack_mac, kPeers.peer_mac, wire::ethertype::kIpv6,
                frames::ipv6(kPeers.peer_ip6, kPeers.stack_ip6, wire::ipproto::kTcp,
                             frames::tcp_v6(h, data, kPeers.peer_ip6, kPeers.stack_ip6)));
        return frames::eth(kPeers.stack_mac, kPeers.peer_mac, wire::ethertype::kIpv4,
                           frames::ipv4(kPeers.peer_ip, kPeers.stack_ip, wire::ipproto::kTcp,
                                        frames::tcp_v4(h, data, kPeers.peer_ip, kPeers.stack_ip)));
    }

  private:
    bool open() {
        InterfaceConfig ic;
        ic.name = "bench0";
        ic.mac = kPeers.stack_mac;
        ic.addresses = {*IpPrefix::parse(v6 ? "fd00::2/64" : "10.0.0.2/24")};
        ic.ipv6_link_local = false;
        ic.slaac = false;
        if (!stack.add_interface(ic, now))
            return false;
        for (int i = 0; i < 30; ++i) {
            now += 100ms;
            stack.poll(now);
        }
        // The peer's ARP request (Neighbor Solicitation) makes its MAC known: replies need no
        // resolution. DAD of fd00::2 is over after the polls above.
        if (v6)
            rx(frames::neighbor_solicitation(kPeers.peer_mac, kPeers.peer_ip6, kPeers.stack_ip6));
        else
            rx(frames::arp_request(kPeers.peer_mac, kPeers.peer_ip, kPeers.stack_ip));
        const auto listener = v6 ? stack.tcp_listen(IpAddress{Ipv6Address{}}, kPort, 8)
                                 : stack.tcp_listen(IpAddress{Ipv4Address{}}, kPort, 8);
        if (!listener)
            return false;
        sink.reset();
        // SYN as Linux sends it: MSS, SACK-permitted, timestamps, window scale 7.
        wire::TcpHeaderFields syn = fields(kPeerIsn, 0, flag::kSyn);
        syn.options.mss = static_cast<std::uint16_t>(payload + 12);
        syn.options.sack_permitted = true;
        syn.options.has_window_scale = true;
        syn.options.window_scale = 7;
        now += 1ms;
        rx(frame(syn, {}));
        wire::TcpSegment synack;
        if (sink.frames != 1 || !parse_sent(sink.last_frame(), synack, v6) ||
            synack.flags != (flag::kSyn | flag::kAck) || synack.ack != kPeerIsn + 1 ||
            !synack.options.has_timestamps)
            return false;
        our_isn = synack.seq;
        our_ts = synack.options.ts_val;
        now += 100us;
        rx(frame(fields(kPeerIsn + 1, our_isn + 1, flag::kAck), {}));
        const auto accepted = stack.tcp_accept(*listener);
        if (!accepted)
            return false;
        conn = *accepted;
        stack.tcp_take_events([](TcpConnId, std::uint32_t) {}, [](TcpListenerId) {});
        sink.reset();
        return true;
    }
};

/// In-order full-size data frames from the peer; after each one the application takes the
/// readiness events and reads the data (so the window stays open), as serve's loop does. The
/// stack ACKs at least every second segment. One iteration is one data segment in.
void receive_segments(benchmark::State& state, bool v6 = false) {
    TcpRig rig(v6);
    if (!rig.ok) {
        state.SkipWithError("set-up failed: no connection");
        return;
    }
    const std::size_t payload = rig.payload;
    const Frame data = pattern(payload);
    Frame f = rig.frame(rig.fields(kPeerIsn + 1, rig.our_isn + 1, flag::kAck | flag::kPsh), data);
    std::array<std::byte, kPayload> out{};
    std::uint32_t seq = kPeerIsn + 1;
    std::int64_t read_bytes = 0;
    for (auto _ : state) {
        patch_be32(f.data(), kSeqOff, seq, v6 ? kV6Shift : 0);
        rig.now += 1us;
        rig.rx(f);
        rig.stack.tcp_take_events([](TcpConnId, std::uint32_t) {}, [](TcpListenerId) {});
        const auto n = rig.stack.tcp_recv(rig.conn, std::span(out).first(payload), rig.now);
        read_bytes += n ? static_cast<std::int64_t>(*n) : 0;
        seq += static_cast<std::uint32_t>(payload);
    }
    const auto iterations = static_cast<std::int64_t>(state.iterations());
    wire::TcpSegment last;
    if (read_bytes != iterations * static_cast<std::int64_t>(payload))
        state.SkipWithError("not every segment reached tcp_recv in order");
    else if (rig.sink.frames < iterations / 2 || rig.sink.refused + rig.sink.aborted != 0)
        state.SkipWithError("fewer ACK frames than one per two segments");
    else if (iterations > 1 &&
             (!parse_sent(rig.sink.last_frame(), last, v6) || !(last.flags & flag::kAck) ||
              !last.payload.empty() || (last.ack != seq && last.ack != seq - payload)))
        state.SkipWithError("the last frame sent is not an ACK of the data received");
    state.SetItemsProcessed(iterations);
    state.SetBytesProcessed(iterations * static_cast<std::int64_t>(f.size()));
    if (iterations > 0)
        state.counters["acks_per_segment"] =
            static_cast<double>(rig.sink.frames) / static_cast<double>(iterations);
}
void BM_StackTcpReceive(benchmark::State& state) {
    receive_segments(state);
}
BENCHMARK(BM_StackTcpReceive)->Apply(fixed_iterations);

/// The same over IPv6 (1428-byte segments in 1514-byte frames; no IP header checksum, the
/// TCP checksum over the IPv6 pseudo-header).
void BM_StackTcpReceiveV6(benchmark::State& state) {
    receive_segments(state, true);
}
BENCHMARK(BM_StackTcpReceiveV6)->Apply(fixed_iterations);

/// Shared-nothing scaling (issue 4): every benchmark thread owns a whole StackCore with its own
/// connection, as each lcore owns its shard. items_per_second is the total over the threads
/// (real time), so threads:2 / threads:1 is how much a second core adds; on a 2-CPU machine
/// nothing else may run for the ratio to mean anything (bench/scaling.sh prints it).
void BM_ShardScalingReceive(benchmark::State& state) {
    receive_segments(state);
}
BENCHMARK(BM_ShardScalingReceive)->ThreadRange(1, 2)->UseRealTime();

/// The application writes one segment's worth with tcp_send() and the stack sends it as a
/// 1514-byte frame; every second iteration the peer's ACK frame for everything sent comes in
/// (freeing the send buffer, growing cwnd). One iteration is one data frame out.
void BM_StackTcpSend(benchmark::State& state) {
    TcpRig rig;
    if (!rig.ok) {
        state.SkipWithError("set-up failed: no connection");
        return;
    }
    const Frame data = pattern(kPayload);
    Frame ack = rig.frame(rig.fields(kPeerIsn + 1, rig.our_isn + 1, flag::kAck), {});
    std::uint32_t next = rig.our_isn + 1; // SND.NXT as the peer sees it
    std::int64_t iteration = 0;
    for (auto _ : state) {
        rig.now += 1us;
        const auto sent = rig.stack.tcp_send(rig.conn, data, rig.now);
        if (!sent || *sent != kPayload) {
            state.SkipWithError("tcp_send took less than a segment: ACKs fell behind");
            break;
        }
        next += kPayload;
        if (++iteration % 2 == 0) {
            patch_be32(ack.data(), kAckOff, next);
            rig.rx(ack);
            rig.stack.tcp_take_events([](TcpConnId, std::uint32_t) {}, [](TcpListenerId) {});
        }
    }
    wire::TcpSegment last;
    if (rig.sink.counted != iteration || rig.sink.frames != iteration ||
        rig.sink.refused + rig.sink.aborted != 0)
        state.SkipWithError("not every write became exactly one data frame");
    else if (iteration > 0 && (!parse_sent(rig.sink.last_frame(), last) ||
                               last.payload.size() != kPayload || last.seq != next - kPayload))
        state.SkipWithError("the last frame sent is not the last segment written");
    state.SetItemsProcessed(iteration);
    state.SetBytesProcessed(iteration * static_cast<std::int64_t>(kDataFrameLen));
}
BENCHMARK(BM_StackTcpSend)->Apply(fixed_iterations);

} // namespace
} // namespace multios::net::bench
