// Per-segment cost of the TCP state machine (tcp::Connection) on its established-state paths,
// without the IP layer: what one connection spends to take in a data segment (and ACK it), and
// to send one (and process the ACK that comes back). The sink only counts segments, so the
// figure is the state machine's own work plus the copies in and out of its buffers.
#include <array>
#include <cstring>
#include <vector>

#include <benchmark/benchmark.h>

#include "tcp/connection.hpp"

namespace multios::net::bench {
namespace {

using namespace std::chrono_literals;
using namespace tcp;
namespace flag = wire::tcpflag;

constexpr std::uint32_t kPayload = 1448; // 1500 - 20 (IP) - 20 (TCP) - 12 (timestamps)
constexpr std::uint32_t kPeerIsn = 5000;
constexpr std::uint32_t kOurIsn = 1000;

class CountingSink final : public SegmentSink {
  public:
    bool send_segment(const FourTuple&, const OutgoingSegment& s, Instant) override {
        ++segments;
        if (s.payload.size() > 0)
            ++data_segments;
        last_seq = s.seq;
        last_len = static_cast<std::uint32_t>(s.payload.size());
        return true;
    }
    std::int64_t segments = 0;
    std::int64_t data_segments = 0;
    std::uint32_t last_seq = 0;
    std::uint32_t last_len = 0;
};

class NoEvents final : public EventSink {
  public:
    void on_tcp_events(Connection&, std::uint32_t) override {}
};

/// One connection brought to ESTABLISHED by an active open answered with a SYN-ACK carrying
/// timestamps, SACK-permitted and window scaling.
struct Rig {
    Instant now = instant_from_ns(1'000'000'000);
    TimerWheel wheel{1ms, now};
    CountingSink sink;
    NoEvents events;
    FourTuple tuple{IpAddress{Ipv4Address{{10, 0, 0, 2}}}, IpAddress{Ipv4Address{{10, 0, 0, 1}}},
                    40000, 5001};
    Connection conn;
    std::uint32_t peer_ts = 100;

    explicit Rig(const TcpConfig& cfg) : conn(cfg, tuple, 1460, wheel, sink, events) {
        conn.connect(kOurIsn, now);
        wire::TcpSegment synack = segment(kPeerIsn, kOurIsn + 1, flag::kSyn | flag::kAck);
        synack.options.mss = 1460;
        synack.options.has_window_scale = true;
        synack.options.window_scale = 7;
        synack.options.sack_permitted = true;
        synack.options.has_timestamps = true;
        now += 100us;
        conn.on_segment(synack, now);
    }

    wire::TcpSegment segment(std::uint32_t seq, std::uint32_t ack, std::uint8_t flags) {
        wire::TcpSegment s;
        s.src_port = tuple.remote_port;
        s.dst_port = tuple.local_port;
        s.seq = seq;
        s.ack = ack;
        s.flags = flags;
        s.window = 65535;
        s.options.has_timestamps = true;
        s.options.ts_val = ++peer_ts;
        s.options.ts_ecr = 0;
        return s;
    }
};

/// In-order data segments arriving on an established connection; the application reads each
/// one right away (so the window stays open) and the connection ACKs every second segment.
void BM_TcpReceiveEstablished(benchmark::State& state) {
    Rig rig(TcpConfig{});
    if (rig.conn.state() != TcpState::kEstablished) {
        state.SkipWithError("handshake failed");
        return;
    }
    std::vector<std::byte> payload(kPayload, std::byte{0x5a});
    std::vector<std::byte> out(kPayload);
    std::uint32_t seq = kPeerIsn + 1;
    std::int64_t read_bytes = 0;
    for (auto _ : state) {
        wire::TcpSegment s = rig.segment(seq, kOurIsn + 1, flag::kAck | flag::kPsh);
        s.payload = payload;
        rig.now += 1us;
        rig.conn.on_segment(s, rig.now);
        read_bytes += static_cast<std::int64_t>(rig.conn.recv(out, rig.now));
        seq += kPayload;
    }
    if (read_bytes != static_cast<std::int64_t>(state.iterations()) * kPayload)
        state.SkipWithError("not every segment was delivered in order");
    if (state.iterations() >= 4 && rig.sink.segments < state.iterations() / 2)
        state.SkipWithError("fewer ACKs than one per two segments");
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(read_bytes);
}
BENCHMARK(BM_TcpReceiveEstablished);

/// The send path: the application writes one segment's worth, the connection sends it, and
/// every second iteration an ACK for everything sent comes back (freeing the buffer and
/// growing cwnd). One iteration is one data segment out.
void BM_TcpSendEstablished(benchmark::State& state) {
    TcpConfig cfg;
    cfg.nodelay = true;
    Rig rig(cfg);
    if (rig.conn.state() != TcpState::kEstablished) {
        state.SkipWithError("handshake failed");
        return;
    }
    std::vector<std::byte> payload(kPayload, std::byte{0xa5});
    std::uint32_t acked = kOurIsn + 1;
    std::int64_t iteration = 0;
    for (auto _ : state) {
        rig.now += 1us;
        if (rig.conn.send(payload, rig.now) != kPayload) {
            state.SkipWithError("send buffer full: ACK processing fell behind");
            break;
        }
        if (++iteration % 2 == 0) {
            acked = rig.sink.last_seq + rig.sink.last_len;
            wire::TcpSegment ack = rig.segment(kPeerIsn + 1, acked, flag::kAck);
            rig.conn.on_segment(ack, rig.now);
        }
    }
    if (rig.sink.data_segments != iteration)
        state.SkipWithError("not every write became one segment");
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * kPayload);
}
BENCHMARK(BM_TcpSendEstablished);

} // namespace
} // namespace multios::net::bench
