#include "tcp/congestion/cubic.hpp"

#include <algorithm>
#include <cmath>

namespace multios::net::tcp {

namespace {
double seconds(Duration d) {
    return std::chrono::duration<double>(d).count();
}
} // namespace

Cubic::Cubic(const CcConfig& config)
    : CongestionControl(config),
      alpha_cubic_(3.0 * (1.0 - config_.cubic_beta) / (1.0 + config_.cubic_beta)) {}

double Cubic::w_cubic(Duration t) const {
    const double d = seconds(t) - k_;
    return config_.cubic_c * d * d * d + w_max_;
}

void Cubic::forget_epoch() {
    epoch_start_.reset();
    cwnd_frac_ = 0;
}

void Cubic::start_epoch(Instant now) {
    epoch_start_ = now;
    cwnd_epoch_ = static_cast<double>(cwnd_) / config_.smss;
    w_est_ = cwnd_epoch_; // RFC 9438 4.3: W_est starts at cwnd_epoch.
    if (after_timeout_ || w_max_ <= cwnd_epoch_) {
        // RFC 9438 4.8 (first epoch after an RTO), or no reduction to recover from (slow start
        // ended at ssthresh): the curve starts at its plateau with the current window.
        w_max_ = cwnd_epoch_;
        cwnd_prior_ = cwnd_epoch_;
        k_ = 0;
        after_timeout_ = false;
        return;
    }
    k_ = std::cbrt((w_max_ - cwnd_epoch_) / config_.cubic_c); // RFC 9438 eq. 2.
}

void Cubic::add_cwnd_bytes(double bytes) {
    cwnd_frac_ += bytes;
    const double whole = std::floor(cwnd_frac_);
    cwnd_frac_ -= whole;
    set_cwnd(static_cast<std::uint64_t>(cwnd_) + static_cast<std::uint64_t>(whole));
}

void Cubic::on_ack(const AckSample& ack) {
    if (in_recovery_ || !ack.cwnd_limited || ack.acked_bytes == 0) {
        return; // As NewReno: no growth in recovery or when not cwnd-limited (RFC 7661).
    }
    std::uint32_t acked = ack.acked_bytes;
    if (in_slow_start()) {
        acked = slow_start(acked);
        if (acked == 0) {
            return;
        }
    }
    if (!epoch_start_) {
        start_epoch(ack.now);
    }
    const double smss = config_.smss;
    const double cwnd_seg = cwnd_ / smss;
    const double segs_acked = acked / smss;
    const Duration t = ack.now - *epoch_start_;

    // RFC 9438 4.3: W_est grows by alpha_cubic per RTT (alpha per acked segment / cwnd), with
    // alpha = 1 once W_est has reached cwnd_prior ("the cwnd at the time of most recently
    // setting ssthresh").
    const double alpha = w_est_ >= cwnd_prior_ ? 1.0 : alpha_cubic_;
    w_est_ += alpha * segs_acked / cwnd_seg;

    if (w_cubic(t) < w_est_) {
        // Reno-friendly region: "cwnd SHOULD be set to W_est".
        add_cwnd_bytes(std::max(0.0, w_est_ * smss - cwnd_));
        return;
    }
    // RFC 9438 4.4/4.5 concave and convex regions: aim at W_cubic one RTT ahead, clamped to
    // [cwnd, 1.5 cwnd], and grow by (target - cwnd) / cwnd per acknowledged segment.
    const Duration rtt = ack.srtt > Duration(0) ? ack.srtt : ack.rtt.value_or(Duration(0));
    const double target = std::clamp(w_cubic(t + rtt), cwnd_seg, 1.5 * cwnd_seg);
    add_cwnd_bytes((target - cwnd_seg) / cwnd_seg * acked);
}

void Cubic::on_congestion_event(const CongestionEvent& event) {
    const double cwnd_seg = static_cast<double>(cwnd_) / config_.smss;
    cwnd_prior_ = cwnd_seg;
    // RFC 9438 4.7 fast convergence: a flow whose window keeps shrinking releases bandwidth.
    if (config_.cubic_fast_convergence && cwnd_seg < w_max_) {
        w_max_ = cwnd_seg * (1.0 + config_.cubic_beta) / 2.0;
    } else {
        w_max_ = cwnd_seg;
    }
    // RFC 9438 4.6: ssthresh = cwnd * beta_cubic, cwnd at least 2 segments.
    const auto reduced = static_cast<std::uint64_t>(cwnd_ * config_.cubic_beta);
    ssthresh_ = static_cast<std::uint32_t>(
        std::clamp<std::uint64_t>(reduced, 2 * std::uint64_t{config_.smss}, 0x7fffffff));
    set_cwnd(std::uint64_t{ssthresh_} + std::uint64_t{event.inflation_segments} * config_.smss);
    in_recovery_ = true;
    forget_epoch();
}

void Cubic::on_rto(Instant /*now*/, std::uint32_t /*flight_size*/, bool repeated) {
    // RFC 9438 4.8: Reno's reaction (cwnd = 1 segment) but ssthresh from beta_cubic.
    in_recovery_ = false;
    if (!repeated) {
        const auto reduced = static_cast<std::uint64_t>(cwnd_ * config_.cubic_beta);
        ssthresh_ = static_cast<std::uint32_t>(
            std::clamp<std::uint64_t>(reduced, 2 * std::uint64_t{config_.smss}, 0x7fffffff));
    }
    set_cwnd(config_.smss);
    after_timeout_ = true;
    forget_epoch();
}

void Cubic::on_idle_restart(Instant now) {
    CongestionControl::on_idle_restart(now);
    // The curve's clock must not count the idle time: the next ACK starts a new epoch from the
    // restart window towards the W_max remembered.
    forget_epoch();
}

} // namespace multios::net::tcp
