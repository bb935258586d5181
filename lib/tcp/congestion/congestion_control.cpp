#include "tcp/congestion/congestion_control.hpp"

#include <algorithm>

#include "tcp/congestion/cubic.hpp"
#include "tcp/congestion/new_reno.hpp"

namespace multios::net::tcp {

namespace {
CcConfig sanitized(CcConfig config) {
    // A zero SMSS would divide by zero below; the MSS floor itself is the connection's job.
    config.smss = std::max<std::uint32_t>(config.smss, 1);
    config.abc_limit_segments = std::max<std::uint32_t>(config.abc_limit_segments, 1);
    return config;
}
} // namespace

std::uint32_t rfc6928_initial_window(std::uint32_t smss) {
    const std::uint64_t mss = smss;
    return static_cast<std::uint32_t>(
        std::min<std::uint64_t>(10 * mss, std::max<std::uint64_t>(2 * mss, 14600)));
}

CongestionControl::CongestionControl(const CcConfig& config)
    : config_(sanitized(config)),
      initial_window_(config_.initial_window != 0 ? config_.initial_window
                                                  : rfc6928_initial_window(config_.smss)),
      cwnd_(initial_window_), ssthresh_(config_.initial_ssthresh) {}

void CongestionControl::restart_with_smss(std::uint32_t smss) {
    CcConfig c = config_;
    c.smss = smss;
    config_ = sanitized(c);
    initial_window_ =
        config_.initial_window != 0 ? config_.initial_window : rfc6928_initial_window(config_.smss);
    cwnd_ = initial_window_;
    ssthresh_ = config_.initial_ssthresh;
    in_recovery_ = false;
}

void CongestionControl::set_cwnd(std::uint64_t bytes) {
    // Never below one segment, never beyond what 32-bit sequence space can have outstanding.
    cwnd_ = static_cast<std::uint32_t>(
        std::clamp<std::uint64_t>(bytes, config_.smss, std::uint64_t{0x7fffffff}));
}

std::uint32_t CongestionControl::half_flight(std::uint32_t flight_size) const {
    return std::max(flight_size / 2, 2 * config_.smss);
}

std::uint32_t CongestionControl::slow_start(std::uint32_t acked_bytes) {
    // RFC 3465 2.2: "cwnd += min(N, L*SMSS)" per ACK, with N the newly acknowledged octets.
    const std::uint32_t limit = config_.abc_limit_segments * config_.smss;
    const std::uint32_t growth = std::min(acked_bytes, limit);
    const std::uint64_t room = ssthresh_ - cwnd_; // Caller checked cwnd_ < ssthresh_.
    if (growth < room) {
        set_cwnd(std::uint64_t{cwnd_} + growth);
        return 0;
    }
    // Reaching ssthresh: stop there and leave the rest of this ACK to congestion avoidance.
    set_cwnd(ssthresh_);
    return acked_bytes - static_cast<std::uint32_t>(room);
}

void CongestionControl::on_dup_ack_in_recovery() {
    if (in_recovery_) {
        set_cwnd(std::uint64_t{cwnd_} + config_.smss); // RFC 6582 3.2 step 3.
    }
}

void CongestionControl::on_partial_ack(std::uint32_t acked_bytes) {
    if (!in_recovery_) {
        return;
    }
    // RFC 6582 3.2 step 5: "deflate the congestion window by the amount of new data
    // acknowledged ..., then add back one SMSS ... if the partial ACK acknowledges at least one
    // SMSS of new data".
    std::uint64_t w = cwnd_ > acked_bytes ? cwnd_ - acked_bytes : 0;
    if (acked_bytes >= config_.smss) {
        w += config_.smss;
    }
    set_cwnd(w);
}

void CongestionControl::on_recovery_exit(Instant /*now*/, std::uint32_t flight_size) {
    if (!in_recovery_) {
        return;
    }
    in_recovery_ = false;
    // RFC 6582 3.2 step 6, option (1): avoids a burst when little is outstanding.
    const std::uint64_t w = std::uint64_t{std::max(flight_size, config_.smss)} + config_.smss;
    set_cwnd(std::min<std::uint64_t>(ssthresh_, w));
}

void CongestionControl::on_rto(Instant /*now*/, std::uint32_t flight_size, bool repeated) {
    in_recovery_ = false;
    if (!repeated) {
        ssthresh_ = half_flight(flight_size); // RFC 5681 equation (4).
    }
    set_cwnd(config_.smss); // RFC 5681 3.1: LW = 1 full-sized segment.
}

void CongestionControl::on_idle_restart(Instant /*now*/) {
    // RFC 5681 4.1: RW = min(IW, cwnd); cwnd = RW.
    set_cwnd(std::min(initial_window_, cwnd_));
}

std::unique_ptr<CongestionControl> make_congestion_control(std::string_view name,
                                                           const CcConfig& config) {
    if (name == NewReno::kName) {
        return std::make_unique<NewReno>(config);
    }
    if (name == Cubic::kName) {
        return std::make_unique<Cubic>(config);
    }
    return nullptr;
}

} // namespace multios::net::tcp
