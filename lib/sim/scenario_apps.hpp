// The applications a scenario runs on its nodes (ping, tcp_bulk, udp_cbr), written against
// the real StackCore socket API on the simulator's virtual time. Each app is one flow: it
// owns the sockets at both ends, acts at its start/stop times and on its own timers (events on
// the scheduler), and services its sockets after every stack activity on its two nodes.
// The samplers read each flow's cumulative counters (run_scenario.cpp); nothing here writes
// files.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <multios/net/time.hpp>

#include "sim/event_scheduler.hpp"
#include "sim/network.hpp"
#include "sim/node.hpp"
#include "sim/scenario.hpp"

namespace multios::net::sim {

/// A flow's result for the summary table.
struct FlowSummary {
    std::string name;
    AppKind kind = AppKind::ping;
    std::string from, to;
    std::uint64_t bytes = 0;       ///< Delivered to the receiving app (ping: echo replies).
    double goodput_bps = 0;        ///< bytes * 8 over the flow's active time.
    std::uint64_t sent = 0;        ///< ping: requests, udp_cbr: datagrams, tcp_bulk: bytes queued.
    std::uint64_t received = 0;    ///< ping: replies, udp_cbr: datagrams, tcp_bulk: bytes read.
    std::uint64_t retransmits = 0; ///< tcp_bulk: segments retransmitted.
    std::optional<Duration> completed_in; ///< tcp_bulk with `bytes`: start to last byte read.
    std::optional<Duration> rtt_min, rtt_avg, rtt_max; ///< ping
    std::string error; ///< Why the flow failed (connection refused, ...), empty if it did not.
};

/// What a sampler reads from a flow at an instant.
struct FlowSample {
    std::uint64_t delivered_bytes = 0; ///< Cumulative, at the receiving app.
    std::optional<tcp::TcpInfo> tcp;   ///< The sender's TCP state (tcp_bulk once connected).
    std::optional<Duration> rtt;       ///< ping: the latest round trip.
};

class ScenarioApp : public EventTarget {
  public:
    virtual ~ScenarioApp() = default;
    ScenarioApp(const ScenarioApp&) = delete;
    ScenarioApp& operator=(const ScenarioApp&) = delete;

    /// After stack activity on `node` (one of the flow's two nodes).
    virtual void on_activity(Node& node, Instant now) = 0;
    virtual FlowSample sample() const = 0;
    /// `end`: when the run stopped.
    virtual FlowSummary summary(Instant end) const = 0;

    const AppSpec& spec() const { return spec_; }
    NodeId from() const { return from_; }
    NodeId to() const { return to_; }

    void on_event(Instant now, std::uint64_t tag) override;

  protected:
    enum Tag : std::uint64_t { kStart = 0, kStop = 1, kTick = 2 };

    /// Schedules the start (and stop) events relative to `origin`, the run's time zero.
    ScenarioApp(Network& net, const AppSpec& spec, NodeId from, NodeId to, Instant origin);
    virtual void start(Instant now) = 0;
    virtual void stop(Instant now) = 0;
    virtual void tick(Instant) {}
    /// The flow's active time up to `end` (from start to stop or end).
    Duration active_time(Instant end) const;
    FlowSummary base_summary() const;

    Network& net_;
    AppSpec spec_;
    NodeId from_, to_;
    Instant origin_;
    bool stopped_ = false;
};

/// The apps of one node, called after every stack activity there (Node takes one NodeApp).
class AppHub final : public NodeApp {
  public:
    void add(ScenarioApp& app) { apps_.push_back(&app); }
    void on_activity(Node& node, Instant now) override;

  private:
    std::vector<ScenarioApp*> apps_;
};

/// Creates the app for `spec` (its receiving socket is opened now: a listener or a UDP
/// socket on `to`). Errors: the stack's (EADDRINUSE, ...).
Result<std::unique_ptr<ScenarioApp>> make_app(Network& net, const AppSpec& spec, NodeId from,
                                              NodeId to, Instant origin);

} // namespace multios::net::sim
