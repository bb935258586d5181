// The udp_cbr app: datagrams of `size` payload bytes from `from` to `to` at a constant bit
// rate (payload bits per second) between start and stop; the receiver counts what arrives.
// Send times are computed from the start instant, not accumulated, so they never drift.
#include <algorithm>

#include "sim/scenario_app_kinds.hpp"

namespace multios::net::sim::apps {

namespace {

class UdpCbrApp final : public ScenarioApp {
  public:
    UdpCbrApp(Network& net, const AppSpec& spec, NodeId from, NodeId to, Instant origin,
              UdpSocketId tx, UdpSocketId rx)
        : ScenarioApp(net, spec, from, to, origin), tx_(tx), rx_(rx),
          payload_(spec.size, std::byte{0x33}) {}

    void on_activity(Node& node, Instant) override {
        if (&node != &net_.node(to_)) {
            return;
        }
        net_.stack(to_).udp_drain(rx_, [this](const UdpDatagramView& d) {
            ++datagrams_in_;
            bytes_in_ += d.payload.size();
        });
    }

    FlowSample sample() const override {
        FlowSample s;
        s.delivered_bytes = bytes_in_;
        return s;
    }

    FlowSummary summary(Instant end) const override {
        FlowSummary s = base_summary();
        s.bytes = bytes_in_;
        const double secs = std::chrono::duration<double>(active_time(end)).count();
        s.goodput_bps = secs > 0 ? double(bytes_in_) * 8 / secs : 0;
        s.sent = sent_;
        s.received = datagrams_in_;
        return s;
    }

  protected:
    void on_attach() override { hub(to_).watch_udp(rx_, *this); }
    void start(Instant now) override { tick(now); }
    void stop(Instant) override {}
    void tick(Instant now) override {
        // A refused send (ARP still resolving, queue full) is a datagram lost at the source.
        (void)net_.stack(from_).udp_send_to(tx_, spec_.to_address, spec_.port, payload_, now);
        ++sent_;
        net_.scheduler().schedule(send_time(sent_), *this, kTick);
    }

  private:
    /// When datagram number `k` (from 0) leaves: start + k * size * 8 / rate.
    Instant send_time(std::uint64_t k) const {
        const unsigned __int128 ns =
            static_cast<unsigned __int128>(k) * spec_.size * 8 * 1'000'000'000ULL / spec_.rate_bps;
        return origin_ + spec_.start + Duration(static_cast<Duration::rep>(ns));
    }

    UdpSocketId tx_, rx_;
    std::vector<std::byte> payload_;
    std::uint64_t sent_ = 0, datagrams_in_ = 0, bytes_in_ = 0;
};

} // namespace

Result<std::unique_ptr<ScenarioApp>> make_udp_cbr(Network& net, const AppSpec& spec, NodeId from,
                                                  NodeId to, Instant origin) {
    auto rx = net.stack(to).udp_open(IpAddress{Ipv4Address{}}, spec.port);
    if (!rx) {
        return fail(rx.error());
    }
    auto tx = net.stack(from).udp_open(IpAddress{Ipv4Address{}}, 0);
    if (!tx) {
        return fail(tx.error());
    }
    return std::unique_ptr<ScenarioApp>(new UdpCbrApp(net, spec, from, to, origin, *tx, *rx));
}

} // namespace multios::net::sim::apps
