// CUBIC congestion control (RFC 9438). Read RFC 9438 section 4 first. Windows inside the
// algorithm are in segments (doubles) as in the RFC; cwnd itself is kept in octets by the base
// class. Time since the epoch start comes from the injected Instant of each ACK.
// HyStart++ (RFC 9406) is not implemented: slow start is plain RFC 5681/3465 slow start.
#pragma once

#include <optional>

#include "tcp/congestion/congestion_control.hpp"

namespace multios::net::tcp {

class Cubic final : public CongestionControl {
  public:
    static constexpr std::string_view kName = "cubic";

    explicit Cubic(const CcConfig& config);

    void on_ack(const AckSample& ack) override;
    void on_congestion_event(const CongestionEvent& event) override;
    void on_rto(Instant now, std::uint32_t flight_size, bool repeated) override;
    void on_idle_restart(Instant now) override;
    std::string_view name() const override { return kName; }

    /// RFC 9438 eq. 1: W_cubic(t) = C*(t-K)^3 + W_max, t = time since the epoch start.
    double w_cubic(Duration t) const;
    /// State of the current epoch, for statistics and tests (segments / seconds).
    double w_max() const { return w_max_; }
    double k_seconds() const { return k_; }
    double w_est() const { return w_est_; }
    std::optional<Instant> epoch_start() const { return epoch_start_; }
    /// RFC 9438 4.3: alpha_cubic = 3 * (1 - beta) / (1 + beta).
    double alpha_cubic() const { return alpha_cubic_; }

  private:
    void start_epoch(Instant now);
    void add_cwnd_bytes(double bytes);
    void forget_epoch();

    double alpha_cubic_;
    double w_max_ = 0;      ///< Window before the last reduction (segments).
    double cwnd_prior_ = 0; ///< cwnd before the last reduction (segments, RFC 9438 4.6).
    double k_ = 0;          ///< Seconds for W_cubic to return to W_max (RFC 9438 eq. 2).
    double cwnd_epoch_ = 0; ///< cwnd at the epoch start (segments).
    double w_est_ = 0;      ///< Reno-friendly estimate (segments, RFC 9438 4.3).
    double cwnd_frac_ = 0;  ///< Fractional octets of growth not yet added to cwnd.
    std::optional<Instant> epoch_start_;
    bool after_timeout_ = false; ///< RFC 9438 4.8: next epoch uses K = 0, W_max = cwnd.
};

} // namespace multios::net::tcp
