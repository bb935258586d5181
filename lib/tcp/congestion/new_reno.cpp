#include "tcp/congestion/new_reno.hpp"

namespace multios::net::tcp {

void NewReno::on_ack(const AckSample& ack) {
    // RFC 6582 / RFC 6675: no growth during fast recovery (inflation is separate); RFC 7661: no
    // growth when the window was not the limit.
    if (in_recovery_ || !ack.cwnd_limited || ack.acked_bytes == 0) {
        return;
    }
    std::uint32_t acked = ack.acked_bytes;
    if (in_slow_start()) {
        acked = slow_start(acked);
    }
    if (acked == 0) {
        return;
    }
    // RFC 3465 2.1: count acknowledged octets; each time a full cwnd has been acknowledged,
    // grow by one SMSS (RFC 5681 3.1 "approximately one full-sized segment per RTT").
    bytes_acked_ += acked;
    if (bytes_acked_ >= cwnd_) {
        bytes_acked_ -= cwnd_;
        set_cwnd(std::uint64_t{cwnd_} + config_.smss);
    }
}

void NewReno::on_congestion_event(const CongestionEvent& event) {
    // RFC 5681 3.2 step 2 (equation 4) and step 3 / RFC 6582 3.2 step 2.
    ssthresh_ = half_flight(event.flight_size);
    set_cwnd(std::uint64_t{ssthresh_} + std::uint64_t{event.inflation_segments} * config_.smss);
    bytes_acked_ = 0;
    in_recovery_ = true;
}

void NewReno::on_rto(Instant now, std::uint32_t flight_size, bool repeated) {
    CongestionControl::on_rto(now, flight_size, repeated);
    bytes_acked_ = 0;
}

} // namespace multios::net::tcp
