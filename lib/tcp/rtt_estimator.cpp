#include "tcp/rtt_estimator.hpp"

#include <algorithm>

namespace multios::net::tcp {

namespace {
// A sample above this is a broken clock or a forged timestamp echo, not an RTT; clamping keeps
// 7 * SRTT far from overflowing a 64-bit nanosecond count.
constexpr Duration kMaxSample = std::chrono::hours(1);
constexpr unsigned kK = 4; // RFC 6298 2.2: K = 4
} // namespace

WindowedMinRtt::WindowedMinRtt(Duration window)
    : slot_width_(std::max(window / kSlots, Duration(1))) {}

void WindowedMinRtt::reset() {
    slots_ = {};
    min_ = Duration::max();
}

void WindowedMinRtt::add(Duration sample, Instant now) {
    const std::int64_t epoch = now.time_since_epoch() / slot_width_;
    Slot& slot = slots_[static_cast<std::uint64_t>(epoch) % kSlots];
    if (slot.epoch != epoch) {
        slot = Slot{epoch, sample};
    } else {
        slot.min = std::min(slot.min, sample);
    }
    // Slots from more than kSlots-1 epochs ago have aged out of the window.
    min_ = Duration::max();
    for (const Slot& s : slots_) {
        if (s.epoch >= 0 && epoch - s.epoch < static_cast<std::int64_t>(kSlots)) {
            min_ = std::min(min_, s.min);
        }
    }
}

RttEstimator::RttEstimator(const RttConfig& config)
    : config_(config), base_rto_(clamp_rto(config.rto_initial)), min_rtt_(config.min_rtt_window) {}

Duration RttEstimator::clamp_rto(Duration rto) const {
    // RFC 6298 2.4 (floor) and 2.5 (ceiling).
    return std::clamp(rto, config_.rto_min, std::max(config_.rto_min, config_.rto_max));
}

bool RttEstimator::sample(Duration rtt, Instant now) {
    if (rtt < Duration(0)) {
        return false;
    }
    rtt = std::min(rtt, kMaxSample);
    if (!has_sample_) {
        // RFC 6298 2.2: SRTT <- R, RTTVAR <- R/2.
        srtt_ = rtt;
        rttvar_ = rtt / 2;
        has_sample_ = true;
    } else {
        // RFC 6298 2.3, alpha = 1/8, beta = 1/4; RTTVAR is updated with the old SRTT.
        const Duration err = srtt_ > rtt ? srtt_ - rtt : rtt - srtt_;
        rttvar_ = (3 * rttvar_ + err) / 4;
        srtt_ = (7 * srtt_ + rtt) / 8;
    }
    // RFC 6298 2.2/2.3: RTO <- SRTT + max(G, K*RTTVAR).
    base_rto_ = clamp_rto(srtt_ + std::max(config_.granularity, kK * rttvar_));
    backoffs_ = 0;
    min_rtt_.add(rtt, now);
    return true;
}

void RttEstimator::on_retransmit_timeout() {
    // RFC 6298 5.5. Counting stops at the cap so the shift in rto() cannot overflow.
    if (rto() < config_.rto_max) {
        ++backoffs_;
    }
}

Duration RttEstimator::rto() const {
    Duration rto = base_rto_;
    for (unsigned i = 0; i < backoffs_ && rto < config_.rto_max; ++i) {
        rto *= 2;
    }
    return clamp_rto(rto);
}

} // namespace multios::net::tcp
