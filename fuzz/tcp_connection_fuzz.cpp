// Fuzz target: one tcp::Connection driven through a valid handshake and then by a sequence of
// peer segments, application calls and time steps decoded from the input (TCP issue: "sequences
// of TCP segments (with a handshake prefix) against the core"; HARDENING rows 6-8, 16, 17, 19).
//
// Input: a config byte, a handshake byte, then operations of the form <op byte, arguments>.
// Segment fields are mostly relative to what the connection last sent (its SND.NXT and RCV.NXT
// as seen on the wire), so the fuzzer reaches in-window paths as well as random ones.
//
// Invariants checked (trap on violation): every payload byte the connection sends is the byte
// the application wrote at that stream offset; every byte recv() returns is the peer's byte at
// that offset; no segment exceeds the local MSS; queue sizes stay within the configured buffers;
// info() reports a state that matches state(); after abort() the connection is reapable at once,
// and any connection becomes reapable once closed and its timers have run.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "common/timer_wheel.hpp"
#include "fuzz_util.hpp"
#include "tcp/connection.hpp"

using namespace multios::net;

namespace {

using namespace wire::tcpflag;

constexpr std::uint16_t kLocalMss = 1460;
constexpr std::uint32_t kPeerIss = 0x7ffff000; // Close to a sign flip of seq arithmetic.
constexpr std::size_t kMaxPayload = 3000;
/// Whether a closed connection whose peer went silent must be CLOSED and reapable after 40
/// minutes. The one switch to turn off (with a TODO naming the bug) if a known leak has to
/// land before its fix; everything else stays checked.
constexpr bool kRequireEventualClose = true;

std::uint8_t pattern(std::uint64_t off) {
    return static_cast<std::uint8_t>((off * 31 + 7) ^ (off >> 8));
}

/// Reads bytes from the input; past the end it yields zeros.
class Reader {
  public:
    Reader(const std::uint8_t* d, std::size_t n) : d_(d), n_(n) {}
    bool done() const { return i_ >= n_; }
    std::uint8_t u8() { return i_ < n_ ? d_[i_++] : 0; }
    std::uint16_t u16() { return static_cast<std::uint16_t>((u8() << 8) | u8()); }
    std::uint32_t u32() { return (std::uint32_t{u16()} << 16) | u16(); }

  private:
    const std::uint8_t* d_;
    std::size_t n_;
    std::size_t i_ = 0;
};

class Driver final : public tcp::SegmentSink, public tcp::EventSink {
  public:
    Driver(const tcp::TcpConfig& cfg, std::uint32_t iss)
        : cfg_(cfg), iss_(iss), now_(instant_from_ns(1'000'000'000'000)),
          wheel_(std::chrono::milliseconds(1), now_) {
        FourTuple t;
        t.local = IpAddress(Ipv4Address{{192, 0, 2, 1}});
        t.remote = IpAddress(Ipv4Address{{192, 0, 2, 2}});
        t.local_port = 80;
        t.remote_port = 40000;
        conn_ = std::make_unique<tcp::Connection>(cfg, t, kLocalMss, wheel_, *this, *this);
        payload_.resize(kMaxPayload);
    }
    ~Driver() override { conn_.reset(); }

    bool send_segment(const FourTuple&, const tcp::OutgoingSegment& seg, Instant) override {
        MULTIOS_FUZZ_CHECK(seg.payload.size() <= kLocalMss);
        MULTIOS_FUZZ_CHECK(seg.options.sack_count <= wire::kMaxSackBlocks);
        if (!seg.payload.empty() && !(seg.flags & kSyn)) {
            const std::uint64_t off = static_cast<std::uint32_t>(seg.seq - iss_ - 1);
            MULTIOS_FUZZ_CHECK(off + seg.payload.size() <= app_offered_);
            std::size_t i = 0;
            for (auto part : {seg.payload.first, seg.payload.second})
                for (std::byte b : part)
                    MULTIOS_FUZZ_CHECK(static_cast<std::uint8_t>(b) == pattern(off + i++));
        }
        our_nxt_ = seg.seq + static_cast<std::uint32_t>(seg.payload.size()) +
                   ((seg.flags & (kSyn | kFin)) ? 1u : 0u);
        if (seg.flags & kAck)
            peer_nxt_ = seg.ack;
        if (seg.options.has_timestamps)
            our_tsval_ = seg.options.ts_val;
        return true;
    }
    void on_tcp_events(tcp::Connection&, std::uint32_t) override {}

    void advance(Duration d) {
        const Instant target = now_ + d;
        for (int round = 0; round < 100000; ++round) {
            const Instant nd = wheel_.next_deadline();
            if (nd == kNever || nd > target)
                break;
            now_ = std::max(now_, nd);
            fire();
        }
        now_ = target;
        fire();
    }

    void inject(Reader& r) {
        wire::TcpSegment s;
        const std::uint8_t mode = r.u8();
        s.src_port = 40000;
        s.dst_port = 80;
        s.flags = r.u8();
        // Sequence and ACK: near the expected values most of the time, raw otherwise.
        const auto seq_delta = static_cast<std::int16_t>(r.u16());
        const auto ack_delta = static_cast<std::int16_t>(r.u16());
        s.seq = (mode & 1) ? r.u32() : peer_nxt_ + static_cast<std::uint32_t>(seq_delta);
        s.ack = (mode & 2) ? r.u32() : our_nxt_ + static_cast<std::uint32_t>(ack_delta);
        s.window = r.u16();
        s.urgent = (mode & 4) ? r.u16() : 0;
        auto& o = s.options;
        if (mode & 8) {
            o.has_timestamps = true;
            o.ts_val = peer_tsval_ += r.u8();
            o.ts_ecr = (mode & 16) ? r.u32() : our_tsval_;
        }
        if (mode & 32) {
            o.sack_count = std::min<unsigned>(r.u8() % 5, wire::kMaxSackBlocks);
            for (unsigned i = 0; i < o.sack_count; ++i) {
                o.sack[i].left = our_nxt_ - r.u16();
                o.sack[i].right = o.sack[i].left + r.u16() % 4000;
            }
        }
        if (mode & 64) {
            o.mss = r.u16();
            o.has_window_scale = true;
            o.window_scale = static_cast<std::uint8_t>(std::min(r.u8() % 16, 14));
            o.sack_permitted = true;
        }
        const std::size_t len = (mode & 128) ? r.u16() % kMaxPayload : 0;
        const std::uint32_t off = s.seq - kPeerIss - 1;
        for (std::size_t i = 0; i < len; ++i)
            payload_[i] = static_cast<std::byte>(pattern(std::uint64_t{off} + i));
        s.payload = wire::Bytes(payload_.data(), len);
        s.header_len = wire::kTcpMinHeaderLen;
        conn_->on_segment(s, now_);
    }

    void app_send(std::size_t n) {
        std::vector<std::byte> data(n);
        for (std::size_t i = 0; i < n; ++i)
            data[i] = static_cast<std::byte>(pattern(app_sent_ + i));
        app_offered_ = app_sent_ + n;
        const std::size_t took = conn_->send(data, now_);
        MULTIOS_FUZZ_CHECK(took <= n);
        app_sent_ += took;
        app_offered_ = app_sent_;
    }

    void app_recv(std::size_t n) {
        std::vector<std::byte> out(n);
        const std::size_t got = conn_->recv(out, now_);
        MULTIOS_FUZZ_CHECK(got <= n);
        // Bytes come back in order and intact: the peer's byte at each stream offset.
        for (std::size_t i = 0; i < got; ++i)
            MULTIOS_FUZZ_CHECK(static_cast<std::uint8_t>(out[i]) == pattern(app_received_ + i));
        app_received_ += got;
    }

    void check() const {
        const tcp::TcpInfo i = conn_->info();
        MULTIOS_FUZZ_CHECK(i.state == conn_->state());
        MULTIOS_FUZZ_CHECK(conn_->state() != tcp::TcpState::kListen);
        MULTIOS_FUZZ_CHECK(conn_->readable() <= cfg_.receive_buffer);
        MULTIOS_FUZZ_CHECK(conn_->unacknowledged() <= cfg_.send_buffer);
        MULTIOS_FUZZ_CHECK(conn_->writable() <= cfg_.send_buffer);
        MULTIOS_FUZZ_CHECK(i.snd_mss <= kLocalMss);
        MULTIOS_FUZZ_CHECK(i.snd_wscale <= 14 && i.rcv_wscale <= 14);
        MULTIOS_FUZZ_CHECK(i.sacked <= i.unacked + 1);
        if (conn_->state() == tcp::TcpState::kEstablished)
            MULTIOS_FUZZ_CHECK(i.cwnd > 0);
        if (conn_->reapable())
            MULTIOS_FUZZ_CHECK(conn_->state() == tcp::TcpState::kClosed);
    }

    tcp::Connection& conn() { return *conn_; }
    Instant now() const { return now_; }
    std::uint32_t our_tsval() const { return our_tsval_; }

  private:
    void fire() {
        wheel_.advance(now_, [&](TimerNode& n) {
            static_cast<tcp::Connection*>(n.context())
                ->on_timer(static_cast<tcp::TimerKind>(n.kind()), now_);
        });
    }

    tcp::TcpConfig cfg_;
    std::uint32_t iss_;
    Instant now_;
    TimerWheel wheel_;
    std::unique_ptr<tcp::Connection> conn_;
    std::vector<std::byte> payload_;
    std::uint32_t our_nxt_ = 0;
    std::uint32_t peer_nxt_ = kPeerIss + 1;
    std::uint32_t our_tsval_ = 0;
    std::uint32_t peer_tsval_ = 1000;
    std::uint64_t app_sent_ = 0, app_offered_ = 0, app_received_ = 0;
};

tcp::TcpConfig config_from(std::uint8_t b) {
    tcp::TcpConfig c;
    // Small buffers keep each run fast and reach the full-buffer paths.
    c.send_buffer = 16 * 1024;
    c.receive_buffer = (b & 1) ? 4096 : 64 * 1024;
    c.initial_receive_window = c.receive_buffer;
    c.window_scaling = (b & 2) != 0;
    c.timestamps = (b & 4) != 0;
    c.sack = (b & 8) != 0;
    c.rack = (b & 16) != 0;
    c.nodelay = (b & 32) != 0;
    c.congestion = (b & 64) ? "newreno" : "cubic";
    c.keepalive = (b & 128) != 0;
    c.keepalive_idle = std::chrono::seconds(5);
    c.keepalive_interval = std::chrono::seconds(1);
    c.keepalive_probes = 3;
    c.time_wait = std::chrono::seconds(2);
    c.fin_wait2_timeout = std::chrono::seconds(3);
    c.syn_retries = 2;
    c.synack_retries = 2;
    c.max_retransmits = 4;
    return c;
}

/// The peer's SYN or SYN-ACK with options chosen by `b`.
wire::TcpSegment peer_syn(std::uint8_t b, std::uint32_t iss, bool syn_ack) {
    wire::TcpSegment s;
    s.src_port = 40000;
    s.dst_port = 80;
    s.seq = kPeerIss;
    s.flags = syn_ack ? (kSyn | kAck) : kSyn;
    s.ack = syn_ack ? iss + 1 : 0;
    s.window = 65535;
    s.header_len = wire::kTcpMinHeaderLen;
    auto& o = s.options;
    o.mss = (b & 1) ? 536 : 1460;
    o.has_window_scale = (b & 2) != 0;
    o.window_scale = b >> 5;
    o.sack_permitted = (b & 4) != 0;
    o.has_timestamps = (b & 8) != 0;
    o.ts_val = 1000;
    return s;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    Reader r(data, size);
    const tcp::TcpConfig cfg = config_from(r.u8());
    const std::uint8_t hs = r.u8();
    const std::uint32_t iss = 0xfffff000u + hs; // Our sequence space wraps during the run.
    Driver d(cfg, iss);
    auto& c = d.conn();

    // Handshake prefix: active (connect + SYN-ACK) or passive (accept_syn + ACK).
    if (hs & 16) {
        c.connect(iss, d.now());
        d.advance(std::chrono::milliseconds(10));
        auto synack = peer_syn(hs, iss, true);
        synack.options.ts_ecr = d.our_tsval();
        c.on_segment(synack, d.now());
    } else {
        c.accept_syn(peer_syn(hs, iss, false), iss, d.now());
        d.advance(std::chrono::milliseconds(10));
        wire::TcpSegment ack;
        ack.src_port = 40000;
        ack.dst_port = 80;
        ack.seq = kPeerIss + 1;
        ack.ack = iss + 1;
        ack.flags = kAck;
        ack.window = 512;
        ack.header_len = wire::kTcpMinHeaderLen;
        ack.options.has_timestamps = (hs & 8) != 0;
        ack.options.ts_val = 1001;
        ack.options.ts_ecr = d.our_tsval();
        c.on_segment(ack, d.now());
    }
    d.check();

    for (int ops = 0; ops < 512 && !r.done(); ++ops) {
        switch (r.u8() % 12) {
        case 0:
        case 1:
        case 2:
            d.inject(r);
            break;
        case 3: {
            // Time steps from 1 ms to about 65 s, so every timer kind can fire.
            const std::uint8_t t = r.u8();
            d.advance(std::chrono::milliseconds(std::uint64_t{1} << (t % 17)) * (1 + t / 17));
            break;
        }
        case 4:
            d.app_send(r.u16() % 20000);
            break;
        case 5:
            d.app_recv(r.u16() % 20000);
            break;
        case 6:
            c.shutdown_send(d.now());
            break;
        case 7:
            c.close(d.now());
            break;
        case 8:
            c.set_nodelay((r.u8() & 1) != 0);
            break;
        case 9:
            c.set_keepalive((r.u8() & 1) != 0, d.now());
            break;
        case 10:
            c.on_path_mtu(r.u16(), d.now());
            break;
        case 11:
            if (r.u8() == 0xa5) {
                c.abort(d.now());
                MULTIOS_FUZZ_CHECK(c.state() == tcp::TcpState::kClosed);
                MULTIOS_FUZZ_CHECK(c.reapable());
            }
            break;
        }
        d.check();
    }

    // Every connection ends: once the application has closed it and the peer has gone silent,
    // the longest timer chain (retransmissions or probes up to max_retransmits, FIN-WAIT-2
    // timeout, TIME-WAIT) is over well within 40 minutes, and the connection must be CLOSED
    // and hold nothing (the TCP issue: "a connection that dies in any state frees all its
    // memory"). abort() ends it at once.
    c.close(d.now());
    for (int i = 0; i < 40; ++i)
        d.advance(std::chrono::seconds(60));
    d.check();
    if (std::getenv("TCP_FUZZ_VERBOSE") != nullptr) // triage: which state never ended
        std::fprintf(stderr, "final state %s, unacknowledged %zu\n",
                     std::string(tcp::to_string(c.state())).c_str(), c.unacknowledged());
    if (kRequireEventualClose) {
        MULTIOS_FUZZ_CHECK(c.state() == tcp::TcpState::kClosed);
        MULTIOS_FUZZ_CHECK(c.reapable());
    }
    c.abort(d.now());
    MULTIOS_FUZZ_CHECK(c.state() == tcp::TcpState::kClosed);
    MULTIOS_FUZZ_CHECK(c.reapable());
    return 0;
}
