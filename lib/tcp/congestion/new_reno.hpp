// NewReno congestion control: RFC 5681 slow start and congestion avoidance with appropriate byte
// counting (RFC 3465), fast recovery with partial ACKs (RFC 6582; the inflation and deflation
// hooks live in CongestionControl).
#pragma once

#include "tcp/congestion/congestion_control.hpp"

namespace multios::net::tcp {

class NewReno final : public CongestionControl {
  public:
    static constexpr std::string_view kName = "newreno";

    explicit NewReno(const CcConfig& config) : CongestionControl(config) {}

    void on_ack(const AckSample& ack) override;
    void on_congestion_event(const CongestionEvent& event) override;
    void on_rto(Instant now, std::uint32_t flight_size, bool repeated) override;
    std::string_view name() const override { return kName; }

  private:
    std::uint32_t bytes_acked_ = 0; ///< RFC 3465 2.1 congestion-avoidance byte counter.
};

} // namespace multios::net::tcp
