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
    /// Per-socket options, inherited by the connections it accepts (TcpListenOptions).
    std::optional<tcp::TcpConfig> config;
    std::uint8_t hop_limit = 0; ///< 0: the stack default.
    bool v6only = false;        ///< A "::" listener that does not take IPv4 (IPV6_V6ONLY).
    bool reuse_port = false;    ///< Shares its exact (address, port) (SO_REUSEPORT).
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
    /// Opens a listener; EADDRINUSE when another listener has exactly this (address, port),
    /// unless all of them (including this one) set `o.reuse_port`. Different addresses on one
    /// port coexist (0.0.0.0 and :: included); input prefers the most specific one.
    /// Connections (TIME-WAIT included) never block a listener: SO_REUSEADDR behaviour.
    Result<TcpListenerId> open(const IpAddress& local, std::uint16_t port, std::uint32_t backlog,
                               const TcpListenOptions& o = {});
    /// Closes it (the caller first empties its queues).
    void close(TcpListenerId id);

    TcpListener* resolve(TcpListenerId id);
    const TcpListener* resolve(TcpListenerId id) const;
    TcpListenerId handle(std::uint32_t index) const;

    /// Best listener for a segment to `dst`:`port`: the exact address, then the unspecified
    /// address of the same family, then "::" (not v6only) for IPv4 too. When several
    /// reuse_port listeners share that best binding, `flow_hash` (a hash of the segment's
    /// 4-tuple) picks one, so one flow always reaches the same listener while the set of
    /// listeners does not change.
    std::optional<TcpListenerId> match(const IpAddress& dst, std::uint16_t port,
                                       std::uint64_t flow_hash = 0) const;
    /// True when some listener is bound to `port` on an address that covers `local`.
    bool port_in_use(const IpAddress& local, std::uint16_t port) const;

  private:
    /// Slot of the `n`-th open listener on `port` whose match_rank for `dst` is `rank`.
    std::uint32_t nth_of_rank(const IpAddress& dst, std::uint16_t port, int rank,
                              std::uint32_t n) const;

    std::vector<TcpListener> slots_;
};

} // namespace multios::net
