// Random Early Detection (Floyd & Jacobson, "Random Early Detection Gateways for Congestion
// Avoidance", IEEE/ACM ToN 1993), the active queue management RFC 2309 section 3 recommends
// for routers: drop (or mark) arriving packets with a probability that grows with the
// *average* queue length, so that flows back off before the queue is full and short bursts
// still fit. Packet mode: thresholds count packets.
//
// The decision uses its own seeded generator (lib/impair's xoshiro256**) so a run is
// reproducible.
#pragma once

#include <cstddef>
#include <cstdint>

#include <multios/net/time.hpp>

#include "impair/prng.hpp"

namespace multios::net::sim {

struct RedConfig {
    double min_threshold = 5;  ///< min_th, packets: below it nothing is dropped early.
    double max_threshold = 15; ///< max_th, packets: at or above it every arrival is dropped.
    double max_p = 0.1;        ///< Drop probability reached as avg approaches max_th.
    double weight = 0.002;     ///< w_q, the EWMA weight of each new queue sample.
};

class Red {
  public:
    Red(const RedConfig& config, std::uint64_t seed);

    /// Decides for a packet arriving at a queue holding `queue_len` packets at `now`.
    /// `idle_since` is when the queue last became empty (used only when queue_len is 0) and
    /// `packet_time` the time to send one typical packet, to age the average over idle time.
    /// True: drop it early.
    bool should_drop(std::size_t queue_len, Instant now, Instant idle_since, Duration packet_time);

    double average() const { return avg_; }
    const RedConfig& config() const { return config_; }

  private:
    void update_average(std::size_t queue_len, Instant now, Instant idle_since,
                        Duration packet_time);

    RedConfig config_;
    prng::Xoshiro256 rng_;
    double avg_ = 0;
    /// Packets since the last early drop, -1 when avg was below min_th (the paper's `count`).
    long count_ = -1;
};

} // namespace multios::net::sim
