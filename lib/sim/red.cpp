#include "sim/red.hpp"

#include <cmath>

namespace multios::net::sim {

Red::Red(const RedConfig& config, std::uint64_t seed) : config_(config), rng_(seed) {}

void Red::update_average(std::size_t queue_len, Instant now, Instant idle_since,
                         Duration packet_time) {
    const double w = config_.weight;
    if (queue_len == 0 && packet_time.count() > 0 && now > idle_since) {
        // Floyd-Jacobson section 4: over an idle period the average decays as if m empty
        // samples had arrived, m = idle time / typical transmission time; without it a
        // queue that drained long ago would still look congested.
        const double m = static_cast<double>((now - idle_since).count()) /
                         static_cast<double>(packet_time.count());
        avg_ *= std::pow(1.0 - w, m);
        return;
    }
    avg_ = (1.0 - w) * avg_ + w * static_cast<double>(queue_len);
}

bool Red::should_drop(std::size_t queue_len, Instant now, Instant idle_since,
                      Duration packet_time) {
    update_average(queue_len, now, idle_since, packet_time);
    if (avg_ < config_.min_threshold) {
        count_ = -1;
        return false;
    }
    if (avg_ >= config_.max_threshold) {
        // Above max_th every arrival is dropped (Floyd-Jacobson section 4).
        count_ = 0;
        return true;
    }
    ++count_;
    const double pb = config_.max_p * (avg_ - config_.min_threshold) /
                      (config_.max_threshold - config_.min_threshold);
    // p_a = p_b / (1 - count * p_b) spreads the drops out evenly instead of in clusters
    // (section 7 of the paper); once count * p_b reaches 1 the drop is certain.
    const double denom = 1.0 - static_cast<double>(count_) * pb;
    const double pa = denom <= 0.0 ? 1.0 : pb / denom;
    if (rng_.uniform() < pa) {
        count_ = 0;
        return true;
    }
    return false;
}

} // namespace multios::net::sim
