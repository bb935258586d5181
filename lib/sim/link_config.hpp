// What one direction of a simulated link does to frames, and what it counts. Two Links with
// their own LinkConfig make a duplex link (asymmetric ones included).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include <multios/net/time.hpp>

#include "impair/gilbert_elliott.hpp"
#include "sim/red.hpp"

namespace multios::net::sim {

enum class QueueDiscipline : std::uint8_t {
    drop_tail, ///< Drop arrivals while the queue holds queue_packets frames.
    red,       ///< Random Early Detection (red.hpp), with the drop-tail limit as a backstop.
};

struct LinkConfig {
    Duration delay{};  ///< Propagation delay.
    Duration jitter{}; ///< Extra delay, uniform in [0, jitter]; never reorders by itself.
    /// Bits per second on the wire; 0: infinitely fast (no serialization delay).
    std::uint64_t rate_bps = 0;
    /// Frames the transmit queue holds, the one being serialized included (at least 1).
    std::size_t queue_packets = 1000;
    QueueDiscipline discipline = QueueDiscipline::drop_tail;
    RedConfig red;
    double loss = 0; ///< Independent (Bernoulli) loss probability per frame.
    /// Bursty loss on top of `loss` (either can drop a frame).
    std::optional<GilbertElliottConfig> burst_loss;
    double reorder = 0;   ///< Probability a frame is held back behind the next one.
    double duplicate = 0; ///< Probability a frame is delivered twice.
    double corrupt = 0;   ///< Probability one random bit of a frame is flipped.
    /// IP MTU: frames longer than mtu + 14 (the Ethernet header) are dropped.
    std::uint16_t mtu = 1500;
    /// Frames that can be on the wire (propagating) at once; size it to the bandwidth-delay
    /// product. Excess frames are dropped and counted.
    std::size_t in_flight_capacity = 16384;
};

struct LinkCounters {
    std::uint64_t sent = 0;              ///< Frames offered to the link.
    std::uint64_t delivered = 0;         ///< Frames handed to the receiver (duplicates too).
    std::uint64_t dropped_queue = 0;     ///< Tail drops: the transmit queue was full.
    std::uint64_t dropped_red = 0;       ///< Early drops by RED.
    std::uint64_t dropped_loss = 0;      ///< Lost on the wire (Bernoulli or Gilbert-Elliott).
    std::uint64_t dropped_mtu = 0;       ///< Longer than mtu + 14.
    std::uint64_t dropped_in_flight = 0; ///< More than in_flight_capacity frames on the wire.
    std::uint64_t dropped_no_buffer = 0; ///< A duplicate found the frame pool exhausted.
    std::uint64_t duplicated = 0;
    std::uint64_t corrupted = 0;
    std::uint64_t reordered = 0;
    std::size_t max_queue = 0; ///< Highest transmit queue occupancy seen.
};

} // namespace multios::net::sim
