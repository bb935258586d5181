// Private state of tcp::Connection (the transmission control block, RFC 9293 3.3.1), shared by
// connection.cpp (opening, application calls, queries), connection_input.cpp (segment
// arrival, RFC 9293 3.10.7), connection_output.cpp (what to send and when) and
// connection_timers.cpp (RTO, delayed ACK, persist, keepalive, TIME-WAIT).
#pragma once

#include <array>
#include <cstdint>
#include <memory>

#include "tcp/connection.hpp"
#include "tcp/rack.hpp"

namespace multios::net::tcp {

struct Connection::Impl {
    Impl(Connection& self, const TcpConfig& config, const FourTuple& tuple, std::uint16_t local_mss,
         TimerWheel& wheel, SegmentSink& out, EventSink& events);

    // ---- identity and plumbing ----
    Connection& self;
    TcpConfig cfg;
    FourTuple tuple;
    TimerWheel& wheel;
    SegmentSink& out;
    EventSink& events;
    std::array<TimerNode, static_cast<std::size_t>(TimerKind::kCount)> timers;

    TcpState state = TcpState::kClosed;
    std::error_code error;
    bool passive = false;
    bool app_closed = false; ///< close() was called: no more reads.

    // ---- send side (RFC 9293 3.3.1) ----
    SendBuffer sndbuf;
    SeqNum iss{};
    SeqNum snd_una{};
    SeqNum snd_nxt{}; ///< Next sequence number to send (moves back to SND.UNA after an RTO).
    SeqNum snd_max{}; ///< One past the highest sequence number ever sent.
    std::uint32_t snd_wnd = 0;     ///< Peer's window, scaled, in octets.
    std::uint32_t max_snd_wnd = 0; ///< Largest window the peer offered (RFC 5961 5.2, SWS).
    SeqNum snd_wl1{}, snd_wl2{};
    bool fin_queued = false; ///< The application shut down sending.
    bool fin_sent = false;   ///< The FIN occupies sequence number fin_seq.
    SeqNum fin_seq{};

    // ---- receive side ----
    RecvAssembler rcv;
    SeqNum irs{};
    SeqNum rcv_adv_right{};      ///< Right edge of the window last advertised; never retreats.
    std::uint32_t rcv_limit = 0; ///< Auto-tuned ceiling of the advertised window.
    SeqNum autotune_mark{};      ///< RCV.NXT when rcv_limit last grew.
    bool fin_received = false;   ///< The peer's FIN is in sequence (RCV.NXT counts it).
    bool fin_pending = false;    ///< A FIN arrived beyond a hole; consumed when the hole fills.
    SeqNum peer_fin_seq{};

    // ---- negotiated options ----
    std::uint16_t local_mss;
    std::uint16_t peer_mss = 536; ///< RFC 9293 3.7.1 default when the option is absent.
    std::uint32_t smss = 536;     ///< Payload per segment we send (options excluded).
    bool ws_ok = false;
    std::uint8_t snd_wscale = 0; ///< Shift applied to the peer's window field.
    std::uint8_t rcv_wscale = 0; ///< Shift applied to ours.
    bool ts_ok = false;
    std::uint32_t ts_offset = 0;
    std::uint32_t ts_recent = 0;
    Instant ts_recent_stamp{};
    SeqNum last_ack_sent{}; ///< RFC 7323 4.3: TS.Recent is updated only for Last.ACK.sent.
    bool sack_ok = false;

    // ---- retransmission and recovery ----
    RttEstimator rtt;
    SackScoreboard scoreboard;
    std::unique_ptr<CongestionControl> cc;
    unsigned retries = 0;    ///< Consecutive RTO expiries for the oldest segment.
    bool rtt_timing = false; ///< Karn: one segment timed when timestamps are off.
    SeqNum rtt_seq{};
    Instant rtt_start{};
    bool in_recovery = false;
    SeqNum recover{};  ///< RFC 6582 "recover" / RFC 6675 RecoveryPoint.
    SeqNum high_rxt{}; ///< RFC 6675 HighRxt (exclusive end).
    unsigned dupacks = 0;
    /// What the retransmission timer currently stands for (RFC 8985 shares it, as Linux does).
    enum class RtxMode : std::uint8_t { kRto, kTlp, kReorder };
    RtxMode rtx_mode = RtxMode::kRto;
    Rack rack;
    Instant last_send{};    ///< For slow start after idle (RFC 5681 4.1).
    Instant last_receive{}; ///< For keepalive.
    unsigned keepalive_probes_sent = 0;
    unsigned persist_backoff = 0;
    unsigned persist_probes = 0; ///< Zero-window probes since the peer last ACKed anything.

    // ---- delayed ACK ----
    unsigned unacked_segments = 0; ///< In-order segments received since our last ACK.
    unsigned quickacks = 0;        ///< Remaining segments ACKed at once (connection start).
    bool ack_now = false;          ///< An ACK is owed now (sent with data if any goes out).

    // ---- RFC 5961 challenge ACK rate limit ----
    Instant challenge_window_start{};
    unsigned challenge_count = 0;

    TcpInfo stats;

    // connection.cpp
    void enter_established(Instant now);
    void enter_closed(std::error_code why);
    void enter_time_wait(Instant now);
    void notify(std::uint32_t ev) { events.on_tcp_events(self, ev); }
    void negotiate(const wire::TcpSegment& syn);
    void init_receive(SeqNum seg_seq, Instant now);
    std::uint32_t ts_now(Instant now) const;

    // connection_input.cpp
    void on_segment(const wire::TcpSegment& seg, Instant now);
    void syn_sent_input(const wire::TcpSegment& seg, Instant now);
    bool paws_reject(const wire::TcpSegment& seg, Instant now);
    bool acceptable(const wire::TcpSegment& seg) const;
    bool rst_input(const wire::TcpSegment& seg, Instant now);
    bool ack_input(const wire::TcpSegment& seg, Instant now);
    void new_ack(const wire::TcpSegment& seg, SeqNum ack, Instant now);
    void duplicate_ack(const wire::TcpSegment& seg, Instant now);
    void update_window(const wire::TcpSegment& seg);
    void fin_acked(Instant now);
    void data_input(const wire::TcpSegment& seg, Instant now);
    void fin_input(Instant now);
    void autotune(SeqNum seg_end);
    void take_rtt_sample(const wire::TcpSegment& seg, SeqNum ack, Instant now);
    void challenge_ack(Instant now);
    void enter_recovery(Instant now);
    void rack_update(Instant now);
    void rack_detect(Instant now);

    // connection_output.cpp
    void output(Instant now);
    bool send_new_data(Instant now);
    bool send_recovery(Instant now);
    void send_rack_lost(Instant now);
    void skip_sacked(std::uint32_t& len);
    std::uint32_t flight() const { return seq_distance(snd_una, snd_max); }
    std::uint32_t pipe() const;
    std::uint32_t transmit(SeqNum seq, std::uint32_t len, std::uint8_t flags, Instant now);
    /// transmit() of bytes sent before, counted in the retransmission statistics.
    std::uint32_t retransmit(SeqNum seq, std::uint32_t len, std::uint8_t flags, Instant now);
    bool need_fin() const;
    void send_syn(Instant now);
    void send_ack(Instant now);
    void send_rst(SeqNum seq, bool with_ack, Instant now);
    void retransmit_head(Instant now);
    std::uint16_t window_field();
    std::uint32_t receive_window() const;
    SeqNum ack_number() const;
    std::uint32_t max_payload() const;
    void fill_options(wire::TcpOptions& o, bool syn, Instant now);
    void schedule_ack(bool force, Instant now);
    void maybe_window_update(Instant now);

    // connection_timers.cpp
    void arm(TimerKind k, Instant when);
    void disarm(TimerKind k);
    bool armed(TimerKind k) const;
    void arm_retransmit(Instant now);
    void restart_retransmit(Instant now);
    void on_timer(TimerKind k, Instant now);
    void retransmit_timeout(Instant now);
    void tail_loss_probe(Instant now);
    void persist_timeout(Instant now);
    void keepalive_timeout(Instant now);
    void arm_keepalive(Instant now);
    void arm_persist(Instant now);
    bool sends_window_probe() const;
};

} // namespace multios::net::tcp
