// Pluggable congestion control, one object per connection (allocated when the connection is
// created, never per ACK). Read RFC 5681 (slow start, congestion avoidance, fast recovery),
// RFC 3465 (appropriate byte counting), RFC 6928 (initial window) and RFC 7661/5681 4.1 (restart
// after idle) first. The hooks are shaped so that a rate-based algorithm (BBR) fits as well: every
// ACK carries the delivery-rate sample fields and an algorithm may set a pacing rate.
//
// Division of labour: the connection state machine detects losses, keeps the recovery point
// (RFC 6582 "recover"), Karn's rule and the scoreboard; these classes only own cwnd, ssthresh and
// the pacing rate. All sizes are in octets.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string_view>

#include <multios/net/time.hpp>

namespace multios::net::tcp {

struct CcConfig {
    std::uint32_t smss = 1460;
    /// Initial window in octets; 0 = RFC 6928: min(10*SMSS, max(2*SMSS, 14600)).
    std::uint32_t initial_window = 0;
    /// RFC 5681 3.1: "initial value of ssthresh SHOULD be set arbitrarily high".
    std::uint32_t initial_ssthresh = std::numeric_limits<std::uint32_t>::max();
    /// RFC 3465 2.2: slow-start growth per ACK is at most L*SMSS; L = 2 is the RFC's limit.
    std::uint32_t abc_limit_segments = 2;
    /// CUBIC (RFC 9438 4.1 / 4.6): C and beta_cubic, fast convergence (4.7).
    double cubic_c = 0.4;
    double cubic_beta = 0.7;
    bool cubic_fast_convergence = true;
};

/// What one incoming ACK told the sender (filled by the state machine, consumed per ACK).
struct AckSample {
    Instant now{};
    /// Octets newly cumulatively acknowledged plus octets newly SACKed by this ACK.
    std::uint32_t acked_bytes = 0;
    /// RTT measured from this ACK (Karn-valid), if any, and the current smoothed RTT (0 = none).
    std::optional<Duration> rtt;
    Duration srtt{0};
    /// Octets in flight (RFC 6675 pipe, or FlightSize) after processing this ACK.
    std::uint32_t bytes_in_flight = 0;
    /// RFC 7661: false when the sender did not use its cwnd (application- or rwnd-limited);
    /// window-based algorithms do not grow cwnd then.
    bool cwnd_limited = true;
    /// Delivery-rate sample (draft-cheng-iccrg-delivery-rate-estimation) for BBR: the total
    /// octets delivered so far, and the octets delivered over `interval` for this sample.
    std::uint64_t delivered = 0;
    std::uint64_t sample_delivered = 0;
    Duration sample_interval{0};
    /// The sample was taken while the application, not the network, limited sending.
    bool is_app_limited = false;
};

/// Entry into loss recovery (fast retransmit, RFC 5681 3.2 step 2, RFC 6675 5 step 4).
struct CongestionEvent {
    Instant now{};
    /// RFC 5681 FlightSize: octets outstanding when the loss was detected.
    std::uint32_t flight_size = 0;
    /// Non-SACK NewReno (RFC 6582 3.2 step 2) inflates cwnd by the duplicate ACKs already seen
    /// (pass 3); SACK-based recovery (RFC 6675) sets cwnd = ssthresh (pass 0).
    std::uint32_t inflation_segments = 0;
};

class CongestionControl {
  public:
    explicit CongestionControl(const CcConfig& config);
    virtual ~CongestionControl() = default;
    CongestionControl(const CongestionControl&) = delete;
    CongestionControl& operator=(const CongestionControl&) = delete;

    /// Every ACK that acknowledges new data (cumulatively or by SACK). Grows cwnd outside recovery.
    virtual void on_ack(const AckSample& ack) = 0;
    /// Fast-retransmit entry: ssthresh and cwnd reduced (NewReno halves, CUBIC multiplies by 0.7).
    virtual void on_congestion_event(const CongestionEvent& event) = 0;
    /// RFC 6582 3.2 step 3 / RFC 5681 3.2 step 4 (non-SACK only): one more duplicate ACK in
    /// recovery inflates cwnd by SMSS.
    virtual void on_dup_ack_in_recovery();
    /// RFC 6582 3.2 step 5 (non-SACK only): a partial ACK of `acked_bytes` deflates cwnd by the
    /// amount acknowledged and adds back SMSS if at least SMSS was acknowledged.
    virtual void on_partial_ack(std::uint32_t acked_bytes);
    /// Full ACK of the recovery point (RFC 6582 3.2 step 6, "option 1": cwnd = min(ssthresh,
    /// max(FlightSize, SMSS) + SMSS)); SACK recovery ends with cwnd = ssthresh when FlightSize
    /// is that large.
    virtual void on_recovery_exit(Instant now, std::uint32_t flight_size);
    /// Retransmission timeout (RFC 5681 3.1): ssthresh by equation (4) unless this segment timed
    /// out before (`repeated`: "the value of ssthresh is held constant"), cwnd = loss window.
    virtual void on_rto(Instant now, std::uint32_t flight_size, bool repeated);
    /// Sending resumes after an idle period longer than the RTO (RFC 5681 4.1, RFC 7661):
    /// cwnd = min(cwnd, restart window), restart window = min(initial window, cwnd).
    virtual void on_idle_restart(Instant now);
    virtual std::string_view name() const = 0;
    /// The handshake fixed the MSS: start over with `smss` exactly as an object newly built
    /// with it would (initial window, cwnd, ssthresh). Only before the first hook above is
    /// called, so the algorithm's own state is still that of a new object; this saves the
    /// connection a second allocation per handshake.
    void restart_with_smss(std::uint32_t smss);

    std::uint32_t cwnd() const { return cwnd_; }
    std::uint32_t ssthresh() const { return ssthresh_; }
    bool in_slow_start() const { return cwnd_ < ssthresh_; }
    bool in_recovery() const { return in_recovery_; }
    /// Octets per second; 0 = the algorithm does not pace (BBR will).
    virtual std::uint64_t pacing_rate() const { return 0; }
    std::uint32_t smss() const { return config_.smss; }
    std::uint32_t initial_window() const { return initial_window_; }

  protected:
    /// RFC 3465 2.2 / RFC 5681 3.1: slow start grows by min(acked, L*SMSS), not past ssthresh.
    /// Returns the acked octets left over for congestion avoidance (0 if slow start used them).
    std::uint32_t slow_start(std::uint32_t acked_bytes);
    /// RFC 5681 equation (4): max(FlightSize / 2, 2*SMSS).
    std::uint32_t half_flight(std::uint32_t flight_size) const;
    void set_cwnd(std::uint64_t bytes);

    CcConfig config_;
    std::uint32_t initial_window_;
    std::uint32_t cwnd_;
    std::uint32_t ssthresh_;
    bool in_recovery_ = false;
};

/// RFC 6928: min(10*MSS, max(2*MSS, 14600)).
std::uint32_t rfc6928_initial_window(std::uint32_t smss);

/// Creates the algorithm named `name` ("newreno", "cubic"); nullptr for an unknown name.
std::unique_ptr<CongestionControl> make_congestion_control(std::string_view name,
                                                           const CcConfig& config);

} // namespace multios::net::tcp
