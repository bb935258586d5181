// Listener and connection routing for `serve` (see tcp_dispatcher.hpp).
#include "tcp_dispatcher.hpp"

#include <algorithm>
#include <chrono>

namespace multios::net::app {

namespace {

/// How often handles that went stale without a last event are dropped from the table.
constexpr Duration kSweepInterval = std::chrono::milliseconds(200);

} // namespace

Result<void> TcpDispatcher::listen(std::uint16_t port, TcpService& service, std::uint32_t backlog) {
    // The unspecified IPv6 address listens on every address of both families
    // (StackCore::tcp_listen), like a Linux socket with IPV6_V6ONLY off.
    auto l = stack_.tcp_listen(IpAddress{Ipv6Address{}}, port, backlog);
    if (!l)
        return fail(l.error());
    listeners_.push_back(Listener{*l, port, &service});
    if (std::find(services_.begin(), services_.end(), &service) == services_.end())
        services_.push_back(&service);
    return Result<void>{};
}

void TcpDispatcher::poll(Instant now) {
    conn_events_.clear();
    ready_listeners_.clear();
    stack_.tcp_take_events(
        [this](TcpConnId c, std::uint32_t ev) { conn_events_.emplace_back(c, ev); },
        [this](TcpListenerId l) { ready_listeners_.push_back(l); });
    for (TcpListenerId id : ready_listeners_)
        for (const Listener& l : listeners_)
            if (l.id == id)
                accept_all(l, now);
    for (auto [c, ev] : conn_events_)
        forward(c, ev, now);
    for (TcpService* s : services_)
        s->on_iteration(stack_, now);
    if (now - last_sweep_ >= kSweepInterval)
        sweep(now);
}

void TcpDispatcher::accept_all(const Listener& l, Instant now) {
    // The listener is reported once when its accept queue becomes non-empty: empty it.
    for (;;) {
        auto c = stack_.tcp_accept(l.id);
        if (!c)
            return; // EAGAIN: the queue is empty.
        ++accepted_;
        routes_[*c] = l.service;
        l.service->on_accept(stack_, *c, now);
        if (!stack_.tcp_connection(*c))
            routes_.erase(*c); // Closed during on_accept (e.g. FIN already there).
    }
}

void TcpDispatcher::forward(TcpConnId c, std::uint32_t events, Instant now) {
    auto it = routes_.find(c);
    if (it == routes_.end())
        return; // Not accepted yet (on_accept will look at it), or already closed.
    TcpService* service = it->second;
    service->on_events(stack_, c, events, now);
    if (events & tcp::tcpevent::kClosed) {
        // The stack keeps a CLOSED connection until its handle is released (like a socket
        // descriptor), so release it here whatever the service did; on a handle the service
        // already closed this is a no-op.
        stack_.tcp_close(c, now);
        routes_.erase(c);
    } else if (!stack_.tcp_connection(c)) {
        routes_.erase(c); // The service's tcp_close/tcp_abort released it.
    }
}

void TcpDispatcher::sweep(Instant now) {
    last_sweep_ = now;
    std::erase_if(routes_, [this](const auto& r) { return !stack_.tcp_connection(r.first); });
}

void TcpDispatcher::close_listeners(Instant now) {
    for (const Listener& l : listeners_)
        stack_.tcp_close_listener(l.id, now);
    listeners_.clear();
}

} // namespace multios::net::app
