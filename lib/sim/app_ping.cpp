// The ping app: echo requests from `from` to `to` every `interval` (count of them, or until
// stop), through the stack's ping client; records every round trip.
#include <algorithm>

#include "sim/scenario_app_kinds.hpp"

namespace multios::net::sim::apps {

namespace {

constexpr std::uint8_t kTtl = 64;

class PingApp final : public ScenarioApp {
  public:
    PingApp(Network& net, const AppSpec& spec, NodeId from, NodeId to, Instant origin)
        : ScenarioApp(net, spec, from, to, origin) {}

    void on_activity(Node& node, Instant) override {
        if (&node != &net_.node(from_)) {
            return;
        }
        auto mail = hub(from_).take_ping(echo_id_);
        for (const PingReply& r : mail.replies) {
            const Duration rtt = r.received_at - r.sent_at;
            ++received_;
            bytes_ += r.bytes;
            last_rtt_ = rtt;
            rtt_sum_ += rtt;
            rtt_min_ = received_ == 1 ? rtt : std::min(rtt_min_, rtt);
            rtt_max_ = std::max(rtt_max_, rtt);
        }
        errors_ += mail.errors.size();
    }

    FlowSample sample() const override {
        FlowSample s;
        s.delivered_bytes = bytes_;
        s.rtt = last_rtt_;
        return s;
    }

    FlowSummary summary(Instant end) const override {
        FlowSummary s = base_summary();
        s.bytes = bytes_;
        const double secs = std::chrono::duration<double>(active_time(end)).count();
        s.goodput_bps = secs > 0 ? double(bytes_) * 8 / secs : 0;
        s.sent = sent_;
        s.received = received_;
        if (received_ > 0) {
            s.rtt_min = rtt_min_;
            s.rtt_max = rtt_max_;
            s.rtt_avg = rtt_sum_ / static_cast<Duration::rep>(received_);
        }
        if (errors_ > 0) {
            s.error = std::to_string(errors_) + " ICMP errors";
        }
        return s;
    }

  protected:
    void on_attach() override { echo_id_ = hub(from_).watch_ping(*this); }
    void start(Instant now) override { tick(now); }
    void stop(Instant) override {}
    void tick(Instant now) override {
        if (spec_.count != 0 && sent_ >= spec_.count) {
            return;
        }
        ++sent_;
        // A refused send (no route, ARP queue full) is a lost request, as for ping(8).
        (void)net_.stack(from_).ping_send(spec_.to_address, echo_id_,
                                          static_cast<std::uint16_t>(sent_), spec_.size, kTtl, now);
        net_.scheduler().schedule(now + spec_.interval, *this, kTick);
    }

  private:
    std::uint16_t echo_id_ = 0;
    std::uint64_t sent_ = 0, received_ = 0, bytes_ = 0, errors_ = 0;
    std::optional<Duration> last_rtt_;
    Duration rtt_sum_{}, rtt_min_{}, rtt_max_{};
};

} // namespace

Result<std::unique_ptr<ScenarioApp>> make_ping(Network& net, const AppSpec& spec, NodeId from,
                                               NodeId to, Instant origin) {
    return std::unique_ptr<ScenarioApp>(new PingApp(net, spec, from, to, origin));
}

} // namespace multios::net::sim::apps
