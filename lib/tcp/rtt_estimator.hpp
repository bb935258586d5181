// Retransmission timer computation (RFC 6298) and a windowed minimum RTT (for RACK, RFC 8985
// 6.2, and BBR). Read RFC 6298 sections 2 and 5 first. Sans-IO: samples and times are passed in;
// Karn's rule (RFC 6298 3: no samples from retransmitted segments) is the caller's job.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>

#include <multios/net/time.hpp>

namespace multios::net::tcp {

struct RttConfig {
    /// G in RFC 6298 2.2/2.3: the clock granularity, the floor of the variance term.
    Duration granularity = std::chrono::milliseconds(1);
    /// RFC 6298 2.4 says 1 s; Linux uses 200 ms (TCP_RTO_MIN). Ours defaults to Linux.
    Duration rto_min = std::chrono::milliseconds(200);
    /// RFC 6298 2.5: a maximum "MAY be placed ... provided it is at least 60 seconds".
    Duration rto_max = std::chrono::seconds(60);
    /// RFC 6298 2.1: RTO before the first sample.
    Duration rto_initial = std::chrono::seconds(1);
    /// Span of the windowed minimum RTT (Linux tcp_min_rtt_wlen: 5 minutes).
    Duration min_rtt_window = std::chrono::minutes(5);
};

/// Minimum of the samples seen during the last `window`, in fixed memory: the window is cut into
/// kSlots time slots, each keeping its own minimum. The answer covers between (kSlots-1)/kSlots
/// of the window and the whole window, which is precise enough for RACK and BBR.
class WindowedMinRtt {
  public:
    static constexpr unsigned kSlots = 8;

    explicit WindowedMinRtt(Duration window = std::chrono::minutes(5));
    void add(Duration sample, Instant now);
    /// Minimum over the live slots at the time of the last add(); Duration::max() if none.
    Duration min() const { return min_; }
    void reset();

  private:
    struct Slot {
        std::int64_t epoch = -1; ///< now / slot width; -1 = empty.
        Duration min = Duration::max();
    };
    Duration slot_width_;
    std::array<Slot, kSlots> slots_{};
    Duration min_ = Duration::max();
};

class RttEstimator {
  public:
    explicit RttEstimator(const RttConfig& config = {});

    /// Feeds one RTT measurement R taken at `now` (RFC 6298 2.2/2.3) and restarts the RTO from
    /// the new estimate (the back-off ends: RFC 6298 5.7 note, "a new RTT sample" recomputes RTO).
    /// Negative samples are ignored (returns false); absurdly large ones are clamped to 1 hour.
    bool sample(Duration rtt, Instant now);
    /// RFC 6298 5.5: the retransmission timer expired, so RTO = RTO * 2, capped at rto_max.
    void on_retransmit_timeout();
    /// Ends the exponential back-off without a new sample (RTO = the computed value again).
    void reset_backoff() { backoffs_ = 0; }

    bool has_sample() const { return has_sample_; }
    /// SRTT and RTTVAR; zero before the first sample.
    Duration srtt() const { return srtt_; }
    Duration rttvar() const { return rttvar_; }
    /// The current RTO including back-off, within [rto_min, rto_max].
    Duration rto() const;
    /// Number of back-offs since the last sample or reset_backoff().
    unsigned backoffs() const { return backoffs_; }
    /// Windowed minimum RTT; Duration::max() before the first sample.
    Duration min_rtt() const { return min_rtt_.min(); }
    const RttConfig& config() const { return config_; }

  private:
    Duration clamp_rto(Duration rto) const;

    RttConfig config_;
    bool has_sample_ = false;
    Duration srtt_{0};
    Duration rttvar_{0};
    Duration base_rto_;     ///< RTO from the estimate, before back-off.
    unsigned backoffs_ = 0; ///< Stops growing once the cap is reached.
    WindowedMinRtt min_rtt_;
};

} // namespace multios::net::tcp
