// Runs `serve`'s TCP services on the stack: one listener per port (on "::", which takes IPv4
// too), accepts every established connection, remembers which service owns it, forwards its
// readiness changes there and gives each service its once-per-iteration call.
//
// Handles go stale when a service closes its connection or the stack reports kClosed; the
// dispatcher drops a handle from its table then (and a periodic sweep catches the rest), so the
// table never holds more than the stack's live connections.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <multios/net/result.hpp>
#include <multios/net/time.hpp>

#include "stack/stack_core.hpp"
#include "tcp_service.hpp"

namespace multios::net::app {

/// Both the SYN queue and the accept queue of each listener (StackCore::tcp_listen).
inline constexpr std::uint32_t kServeBacklog = 1024;

class TcpDispatcher {
  public:
    explicit TcpDispatcher(StackCore& stack) : stack_(stack) {}
    TcpDispatcher(const TcpDispatcher&) = delete;
    TcpDispatcher& operator=(const TcpDispatcher&) = delete;

    /// Listens on TCP `port` on every address of the stack, IPv4 and IPv6, for `service`
    /// (which must outlive the dispatcher). The stack's error (EADDRINUSE, ...) on failure.
    Result<void> listen(std::uint16_t port, TcpService& service,
                        std::uint32_t backlog = kServeBacklog);

    /// One poll-loop iteration: accepts, forwards readiness, calls every on_iteration.
    void poll(Instant now);

    /// Stops listening (connections already accepted finish on their own).
    void close_listeners(Instant now);

    /// Connections accepted since the start.
    std::uint64_t accepted() const { return accepted_; }
    /// Handles the dispatcher still routes (open or not yet seen closed).
    std::size_t routed() const { return routes_.size(); }

  private:
    struct Listener {
        TcpListenerId id;
        std::uint16_t port;
        TcpService* service;
    };

    void accept_all(const Listener& l, Instant now);
    void forward(TcpConnId c, std::uint32_t events, Instant now);
    void sweep(Instant now);

    StackCore& stack_;
    std::vector<Listener> listeners_;
    std::vector<TcpService*> services_; ///< Each once, for on_iteration.
    std::unordered_map<TcpConnId, TcpService*> routes_;
    // Filled by tcp_take_events and handled after it returns, so that services may call
    // tcp_* (which can raise new events) without touching the stack's list being walked.
    // Reused every iteration: no allocation once warmed up.
    std::vector<std::pair<TcpConnId, std::uint32_t>> conn_events_;
    std::vector<TcpListenerId> ready_listeners_;
    std::uint64_t accepted_ = 0;
    Instant last_sweep_{};
};

} // namespace multios::net::app
