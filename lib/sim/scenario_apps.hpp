// The applications a scenario runs on its nodes (ping, tcp_bulk, udp_cbr, http), written
// against the real StackCore socket API on the simulator's virtual time. Each app is one flow:
// it owns the sockets at both ends, acts at its start/stop times and on its own timers (events
// on the scheduler), and services its sockets when the stack reports them ready: each node's
// AppHub drains the stack's readiness lists once per activity and calls only the apps that
// own a ready socket (so a run's cost does not grow with flows x events).
// The samplers read each flow's cumulative counters (run_scenario.cpp); nothing here writes
// files.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <multios/net/time.hpp>

#include "sim/event_scheduler.hpp"
#include "sim/network.hpp"
#include "sim/node.hpp"
#include "sim/scenario.hpp"

namespace multios::net::sim {

/// Request latencies of an http flow (request handed to the stack -> last response byte
/// read). min, avg and max are exact; p50 and p99 come from LatencyHistogram (within 0.8%
/// of the sample they stand for).
struct RequestLatency {
    Duration min{}, avg{}, p50{}, p99{}, max{};
};

/// A flow's result for the summary table.
struct FlowSummary {
    std::string name;
    AppKind kind = AppKind::ping;
    std::string from, to;
    std::uint64_t bytes = 0; ///< Delivered to the receiving app (ping: echo replies).
    double goodput_bps = 0;  ///< bytes * 8 over the flow's active time.
    /// ping: requests, udp_cbr: datagrams, tcp_bulk: bytes queued, http: requests sent.
    std::uint64_t sent = 0;
    /// ping: replies, udp_cbr: datagrams, tcp_bulk: bytes read, http: responses complete.
    std::uint64_t received = 0;
    std::uint64_t retransmits = 0; ///< tcp_bulk, http (server side): segments retransmitted.
    /// tcp_bulk with `bytes`: start to last byte read; http with `requests`: to last response.
    std::optional<Duration> completed_in;
    std::optional<Duration> rtt_min, rtt_avg, rtt_max; ///< ping
    std::optional<RequestLatency> latency;             ///< http, once a response completed
    double requests_per_s = 0; ///< http: responses complete over the active time.
    std::string error; ///< Why the flow failed (connection refused, ...), empty if it did not.
    /// Lines printed after the tables (traceroute: the path, hop by hop).
    std::vector<std::string> report;
};

/// What a sampler reads from a flow at an instant.
struct FlowSample {
    std::uint64_t delivered_bytes = 0; ///< Cumulative, at the receiving app.
    /// The data sender's TCP state: tcp_bulk once connected, http the server side of its
    /// first open connection.
    std::optional<tcp::TcpInfo> tcp;
    std::optional<Duration> rtt; ///< ping: the latest round trip.
};

class AppHub;

class ScenarioApp : public EventTarget {
  public:
    virtual ~ScenarioApp() = default;
    ScenarioApp(const ScenarioApp&) = delete;
    ScenarioApp& operator=(const ScenarioApp&) = delete;

    /// Joins the hubs of the flow's two nodes (once, right after make_app): the app is
    /// called when a socket it watches there is ready.
    void attach(AppHub& from_hub, AppHub& to_hub);
    /// After stack activity on `node` (one of the flow's two nodes) that made one of the
    /// app's watched sockets ready, or that brought an answer to its pings.
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
    /// From attach: watch the sockets make_app opened (listener, UDP socket).
    virtual void on_attach() {}
    /// The hub of `node` (from_ or to_); only after attach.
    AppHub& hub(NodeId node) const { return node == from_ ? *from_hub_ : *to_hub_; }
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
    AppHub* from_hub_ = nullptr;
    AppHub* to_hub_ = nullptr;
};

/// The apps of one node (Node takes one NodeApp). After every stack activity it drains the
/// stack's readiness lists (tcp_take_events, udp_take_readable: the only party that does on
/// this node) and calls each app owning a ready socket once, in the order the apps were
/// added, which is the order the old call-everyone loop used: runs stay byte-identical.
class AppHub final : public NodeApp {
  public:
    void add(ScenarioApp& app);
    /// Calls `app` when the connection / listener / UDP socket (of this node's stack) is
    /// ready. A handle is watched by one app; unwatch closed connections.
    void watch_tcp(TcpConnId c, ScenarioApp& app);
    void unwatch_tcp(TcpConnId c);
    void watch_listener(TcpListenerId l, ScenarioApp& app);
    void watch_udp(UdpSocketId s, ScenarioApp& app);
    /// Gives `app` an echo identifier of its own on this node's ping client and calls it when
    /// a reply or an ICMP error for that identifier arrived (take_ping hands them over).
    std::uint16_t watch_ping(ScenarioApp& app);
    /// What arrived for echo identifier `id` since the last call, oldest first.
    struct PingMail {
        std::vector<PingReply> replies;
        std::vector<PingError> errors;
    };
    PingMail take_ping(std::uint16_t id);
    void on_activity(Node& node, Instant now) override;

  private:
    static constexpr std::uint16_t kFirstEchoId = 0x5153;

    std::uint32_t index_of(const ScenarioApp& app) const;
    /// Moves the stack's ping replies and errors into the boxes of their identifiers.
    void sort_ping_mail(StackCore& s);
    void mark(std::uint32_t index);

    std::vector<ScenarioApp*> apps_;
    std::unordered_map<const ScenarioApp*, std::uint32_t> index_;
    /// Echo identifier -> the app using it and what arrived for it.
    struct PingBox {
        std::uint32_t app = 0;
        PingMail mail;
    };
    std::unordered_map<std::uint16_t, PingBox> pings_;
    std::unordered_map<TcpConnId, std::uint32_t> tcp_;
    std::unordered_map<TcpListenerId, std::uint32_t> listeners_;
    std::unordered_map<UdpSocketId, std::uint32_t> udp_;
    std::vector<std::uint8_t> marked_;
    std::vector<std::uint32_t> due_; ///< Apps to call this activity (reused: no allocation).
};

/// Creates the app for `spec` (its receiving socket is opened now: a listener or a UDP
/// socket on `to`). Errors: the stack's (EADDRINUSE, ...).
Result<std::unique_ptr<ScenarioApp>> make_app(Network& net, const AppSpec& spec, NodeId from,
                                              NodeId to, Instant origin);

} // namespace multios::net::sim
