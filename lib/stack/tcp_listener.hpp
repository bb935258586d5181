// TCP listening sockets (RFC 9293 3.10.7.2 LISTEN): the bound (address, port), a SYN queue
// (a count of embryonic connections, which live in the connection table) and an accept queue
// of established connections, both bounded by the backlog. Handles carry a generation like
// connection handles.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include <multios/net/address.hpp>

#include "stack/stack_core.hpp"

namespace multios::net {

struct TcpListener {
    bool open = false;
    IpAddress local;
    std::uint16_t port = 0;
    std::uint32_t backlog = 1;
    std::uint32_t generation = 1;
    std::uint32_t syn_queue = 0;    ///< Passive connections still in the handshake.
    std::deque<TcpConnId> accepted; ///< Established, not yet taken (<= backlog).
    bool reported = false;          ///< On the ready-listener list.

    bool syn_queue_full() const { return syn_queue >= backlog; }
    bool accept_queue_full() const { return accepted.size() >= backlog; }
};

class TcpListeners {
  public:
    /// Opens a listener; EADDRINUSE when another listener has exactly this (address, port).
    /// Different addresses on one port coexist (0.0.0.0 and :: included); input prefers the
    /// most specific one.
    Result<TcpListenerId> open(const IpAddress& local, std::uint16_t port, std::uint32_t backlog);
    /// Closes it (the caller first empties its queues).
    void close(TcpListenerId id);

    TcpListener* resolve(TcpListenerId id);
    TcpListenerId handle(std::uint32_t index) const;

    /// Best listener for a segment to `dst`:`port`: the exact address, then the unspecified
    /// address of the same family, then "::" for IPv4 too.
    std::optional<TcpListenerId> match(const IpAddress& dst, std::uint16_t port) const;
    /// True when some listener is bound to `port` on an address that covers `local`.
    bool port_in_use(const IpAddress& local, std::uint16_t port) const;

  private:
    std::vector<TcpListener> slots_;
};

} // namespace multios::net
