// A TCP service run by `serve` (echo, discard, chargen, http): the dispatcher in serve.cpp owns
// the listeners, accepts connections, and forwards each connection's readiness to the service
// that accepted it. A service owns its connections from on_accept until it calls tcp_close or
// tcp_abort on them (or sees tcpevent::kClosed, after which the dispatcher forgets the handle).
#pragma once

#include <cstdint>
#include <string_view>

#include "stack/stack_core.hpp"

namespace multios::net::app {

class TcpService {
  public:
    virtual ~TcpService() = default;
    /// "echo", "discard", "chargen", "http".
    virtual std::string_view name() const = 0;
    /// A connection accepted on this service's port.
    virtual void on_accept(StackCore& stack, TcpConnId c, Instant now) = 0;
    /// Readiness changed (tcp::tcpevent bits). After kClosed the handle is stale.
    virtual void on_events(StackCore& stack, TcpConnId c, std::uint32_t events, Instant now) = 0;
    /// Once per poll-loop iteration, for services that produce data without being asked.
    virtual void on_iteration(StackCore& stack, Instant now) {
        (void)stack;
        (void)now;
    }
};

} // namespace multios::net::app
