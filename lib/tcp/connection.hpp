// One TCP connection: the RFC 9293 state machine with RFC 7323 (window scale, timestamps, PAWS),
// RFC 2018/6675 SACK loss recovery, RFC 8985 RACK-TLP, RFC 6298 RTO, RFC 5961 blind-attack
// defences, pluggable congestion control, Nagle, delayed ACK, zero-window probing, keepalive and
// TIME-WAIT. Read docs/tcp.md first.
//
// Sans-IO: segments and time come in (on_segment, on_timer), segments go out through the
// SegmentSink the owner provides (the stack wraps them in IP and Ethernet), and readiness changes
// go to the EventSink. Timers are TimerNodes on the owner's TimerWheel; the wheel's callback must
// call on_timer(). No clock, no rte_*, no allocation per segment: the congestion-control object
// at construction; the send and receive buffers when the first byte is written into each, the
// RACK ring when the first segment is sent (growing with the largest flight up to its bound)
// and the reassembly range table on the first out-of-order segment, each once. An established
// connection that has exchanged no data holds none of them (about 2 KB in all).
//
// Lifetime: the owner creates a connection, opens it (connect / accept_syn / accept_cookie),
// feeds it, and frees it once reapable() is true (state Closed and no timer armed). The
// connection never frees itself and never calls back into a method of its own owner other than
// the two sinks, so the owner checks reapable() after each call.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <system_error>

#include <multios/net/time.hpp>
#include <multios/net/wire/tcp.hpp>

#include "common/timer_wheel.hpp"
#include "tcp/congestion/congestion_control.hpp"
#include "tcp/four_tuple.hpp"
#include "tcp/recv_assembler.hpp"
#include "tcp/rtt_estimator.hpp"
#include "tcp/sack_scoreboard.hpp"
#include "tcp/send_buffer.hpp"
#include "tcp/seq.hpp"

namespace multios::net::tcp {

enum class TcpState : std::uint8_t {
    kClosed,
    kListen, ///< Only listeners are in it; a Connection never is.
    kSynSent,
    kSynReceived,
    kEstablished,
    kFinWait1,
    kFinWait2,
    kCloseWait,
    kClosing,
    kLastAck,
    kTimeWait,
};

/// "ESTABLISHED", "SYN-SENT", ... as RFC 9293 spells them.
std::string_view to_string(TcpState s);

/// Per-connection tunables. Defaults follow Linux where the RFCs leave a choice.
struct TcpConfig {
    /// Buffers are allocated when the first byte goes into them, and then their memory is
    /// committed only as data fills them (tcp/byte_storage.hpp), so idle connections stay cheap.
    /// The sizes are reported as configured whether or not they are allocated yet.
    std::size_t send_buffer = 1024 * 1024;
    /// Receive buffer: the largest window ever advertised (auto-tuning grows the advertised
    /// window towards it from `initial_receive_window`).
    std::size_t receive_buffer = 1024 * 1024;
    std::size_t initial_receive_window = 64 * 1024;
    bool window_scaling = true; ///< RFC 7323 2.
    bool timestamps = true;     ///< RFC 7323 3-5 (and PAWS).
    bool sack = true;           ///< RFC 2018 / RFC 6675.
    bool rack = true;           ///< RFC 8985 RACK-TLP.
    bool nodelay = false;       ///< Disables Nagle (RFC 9293 3.7.4).
    Duration delayed_ack = std::chrono::milliseconds(40);
    /// RFC 9293 3.8.6.3 / Linux quick-ack: ACK every segment for the first ones.
    unsigned quickack_segments = 16;
    Duration time_wait = std::chrono::seconds(60); ///< 2*MSL.
    Duration fin_wait2_timeout = std::chrono::seconds(60);
    unsigned syn_retries = 6;
    unsigned synack_retries = 5;
    /// Retransmissions of one segment before the connection is abandoned (ETIMEDOUT).
    unsigned max_retransmits = 15;
    bool keepalive = false;
    Duration keepalive_idle = std::chrono::hours(2);
    Duration keepalive_interval = std::chrono::seconds(75);
    unsigned keepalive_probes = 9;
    /// RFC 5961 7: challenge ACKs per second per connection.
    unsigned challenge_acks_per_second = 10;
    std::string_view congestion = "cubic"; ///< make_congestion_control() name.
    RttConfig rtt;
};

/// A segment to transmit. Ports and addresses come from the connection's tuple; the sink
/// writes the header (data offset from the options present), options, payload and checksum.
struct OutgoingSegment {
    std::uint32_t seq = 0;
    std::uint32_t ack = 0;
    std::uint8_t flags = 0;
    std::uint16_t window = 0; ///< Already shifted by our window scale.
    std::uint16_t urgent = 0;
    /// Options to emit: mss != 0, has_window_scale, sack_permitted, has_timestamps,
    /// sack[0..sack_count).
    wire::TcpOptions options;
    ByteSlices payload;
};

class SegmentSink {
  public:
    virtual ~SegmentSink() = default;
    /// Sends `seg` for `tuple` (local = source). False when it could not be sent (no route,
    /// no buffer); the connection treats that as a loss and relies on its timers.
    virtual bool send_segment(const FourTuple& tuple, const OutgoingSegment& seg, Instant now) = 0;
};

/// Readiness bits (level-triggered meaning, reported on change).
namespace tcpevent {
inline constexpr std::uint32_t kConnected = 1u << 0; ///< Handshake done (either side).
inline constexpr std::uint32_t kReadable = 1u << 1;  ///< Data, or the peer's FIN (recv gives 0).
inline constexpr std::uint32_t kWritable = 1u << 2;  ///< Send buffer has room again.
inline constexpr std::uint32_t kClosed = 1u << 3;    ///< Reached CLOSED; error() says why.
} // namespace tcpevent

class Connection;

class EventSink {
  public:
    virtual ~EventSink() = default;
    virtual void on_tcp_events(Connection& c, std::uint32_t events) = 0;
};

/// Timer kinds (TimerNode::kind()).
enum class TimerKind : std::uint16_t {
    kRetransmit, ///< RTO, SYN/SYN-ACK retransmission, RACK reordering timer, TLP.
    kDelayedAck,
    kPersist,   ///< Zero-window probes.
    kKeepalive, ///< Also the FIN-WAIT-2 timeout.
    kTimeWait,
    kCount,
};

/// Statistics in the spirit of `ss -ti` / Linux struct tcp_info.
struct TcpInfo {
    TcpState state = TcpState::kClosed;
    std::string_view congestion;
    std::uint32_t snd_mss = 0, rcv_mss = 0;
    std::uint8_t snd_wscale = 0, rcv_wscale = 0;
    bool sack = false, timestamps = false;
    std::uint32_t cwnd = 0, ssthresh = 0; ///< Octets.
    Duration srtt{0}, rttvar{0}, rto{0}, min_rtt{0};
    std::uint32_t snd_wnd = 0, rcv_wnd = 0;
    std::uint32_t unacked = 0, sacked = 0;
    std::uint32_t lost = 0;       ///< Segments RACK judged lost and not yet retransmitted.
    std::uint64_t bytes_sent = 0; ///< Payload octets sent, retransmissions included.
    std::uint64_t bytes_retrans = 0;
    std::uint64_t bytes_acked = 0;
    std::uint64_t bytes_received = 0; ///< Payload octets accepted in order.
    std::uint64_t segs_out = 0, segs_in = 0;
    std::uint64_t data_segs_out = 0, data_segs_in = 0;
    std::uint64_t total_retrans = 0; ///< Segments retransmitted.
    std::uint64_t rto_count = 0;
    std::uint64_t fast_recoveries = 0;
    std::uint64_t challenge_acks = 0;
    std::uint64_t paws_drops = 0;
    std::uint64_t ooo_drops = 0; ///< Out-of-order segments dropped (range table full).
};

class Connection {
  public:
    /// Sizes the buffers (allocated on first use). `local_mss` is the MSS we advertise (interface
    /// MTU minus headers); the send MSS is min(peer's MSS option, local_mss).
    Connection(const TcpConfig& config, const FourTuple& tuple, std::uint16_t local_mss,
               TimerWheel& wheel, SegmentSink& out, EventSink& events);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // ---- opening ----
    /// Active open: sends SYN with `iss`, enters SYN-SENT.
    void connect(std::uint32_t iss, Instant now);
    /// Passive open for a SYN a listener accepted: records the peer's options, sends SYN-ACK
    /// with `iss`, enters SYN-RECEIVED.
    void accept_syn(const wire::TcpSegment& syn, std::uint32_t iss, Instant now);
    /// Passive open completed by a valid SYN-cookie ACK (`ack` is that ACK, which may carry
    /// data): enters ESTABLISHED with ISS = ack.ack - 1, IRS = ack.seq - 1, send MSS `mss`,
    /// no window scaling, SACK or timestamps.
    void accept_cookie(const wire::TcpSegment& ack, std::uint16_t mss, Instant now);

    // ---- input ----
    /// A segment for this connection's tuple (checksum already verified).
    void on_segment(const wire::TcpSegment& seg, Instant now);
    /// The wheel fired one of this connection's timers.
    void on_timer(TimerKind kind, Instant now);
    /// ICMP "fragmentation needed" / "packet too big" for this connection: new path MTU.
    void on_path_mtu(std::uint32_t mtu, Instant now);
    /// The same for an ICMP message that quotes our segment with sequence number
    /// `quoted_seq`: ignored unless SND.UNA <= quoted_seq < SND.NXT (RFC 5927 4.1: a blind
    /// attacker cannot then shrink our segments with forged ICMP; HARDENING.md row 11).
    void on_path_mtu(std::uint32_t mtu, std::uint32_t quoted_seq, Instant now);

    // ---- application ----
    /// Queues bytes for sending; returns how many were taken (0 when the buffer is full or the
    /// connection can no longer send: check error()/state()).
    std::size_t send(std::span<const std::byte> data, Instant now);
    /// Reads in-order bytes; returns the count. 0 with eof() true means the peer closed.
    std::size_t recv(std::span<std::byte> out, Instant now);
    /// Half-close: FIN after the queued data (RFC 9293 CLOSE in ESTABLISHED/CLOSE-WAIT).
    void shutdown_send(Instant now);
    /// The application is done with the connection: shutdown_send(), and an RST instead when
    /// received data was left unread (RFC 9293 3.10.4 note, RFC 2525 2.17).
    void close(Instant now);
    /// Sends RST (when synchronized) and enters CLOSED at once.
    void abort(Instant now);
    void set_nodelay(bool on);
    /// SO_KEEPALIVE. Turning it off in FIN-WAIT-2 keeps that state's timeout (same timer).
    void set_keepalive(bool on, Instant now);
    /// TCP_KEEPIDLE / TCP_KEEPINTVL / TCP_KEEPCNT (RFC 1122 4.2.3.6). When keepalive is on and
    /// no probe is outstanding, the timer is re-armed to fire `idle` after the last segment
    /// received (at once if that is past); probes already in flight keep their schedule and
    /// use the new interval and count from the next one.
    void set_keepalive_params(Duration idle, Duration interval, unsigned probes, Instant now);
    /// The tunables in effect (the stack default or the per-socket TcpConfig, as modified by
    /// the setters above).
    const TcpConfig& config() const;

    // ---- queries ----
    TcpState state() const;
    const FourTuple& tuple() const;
    /// In-order bytes ready for recv().
    std::size_t readable() const;
    /// The peer's FIN was received and every byte before it was read.
    bool eof() const;
    /// Bytes send() would take now.
    std::size_t writable() const;
    /// Bytes queued and not yet acknowledged.
    std::size_t unacknowledged() const;
    /// Why the connection closed: ECONNREFUSED, ECONNRESET, ETIMEDOUT, or no error.
    std::error_code error() const;
    /// CLOSED and no timer armed: the owner may free it.
    bool reapable() const;
    /// RFC 9293 3.10.7.4 (TIME-WAIT note) / RFC 6191: a SYN for this tuple while in TIME-WAIT
    /// may start a new incarnation when it cannot be an old duplicate: its SEG.SEQ is beyond
    /// RCV.NXT, or (with timestamps) its TSval is newer than TS.Recent. The owner then frees
    /// this connection and hands the SYN to the listener.
    bool accepts_new_syn(const wire::TcpSegment& syn) const;
    /// True for connections opened by accept_syn/accept_cookie.
    bool passive() const;
    TcpInfo info() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// Appends one connection's statistics, `ss -ti` style, to `out` (no trailing newline).
void format_tcp_info(const TcpInfo& info, std::string& out);

} // namespace multios::net::tcp
