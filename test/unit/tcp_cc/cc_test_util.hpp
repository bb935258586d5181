// Drives a congestion controller through round trips on injected time.
#pragma once

#include <algorithm>

#include "tcp/congestion/congestion_control.hpp"

namespace multios::net::tcp_cc_test {

/// Acknowledges one cwnd of data in ACKs of `ack_size` octets spread evenly over one RTT that
/// starts at `start`; returns the end of the round trip.
inline Instant run_round_trip(tcp::CongestionControl& cc, Instant start, Duration rtt,
                              std::uint32_t ack_size) {
    const std::uint32_t window = cc.cwnd();
    const std::uint32_t acks = std::max<std::uint32_t>(1, window / ack_size);
    for (std::uint32_t i = 0; i < acks; ++i) {
        tcp::AckSample ack;
        ack.now = start + rtt * (i + 1) / acks;
        ack.acked_bytes = ack_size;
        ack.rtt = rtt;
        ack.srtt = rtt;
        ack.bytes_in_flight = window;
        cc.on_ack(ack);
    }
    return start + rtt;
}

inline tcp::AckSample ack_of(std::uint32_t bytes, Instant now) {
    tcp::AckSample ack;
    ack.now = now;
    ack.acked_bytes = bytes;
    return ack;
}

} // namespace multios::net::tcp_cc_test
