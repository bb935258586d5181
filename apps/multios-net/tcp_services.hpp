// The small TCP services of `serve`: echo (RFC 862), discard (RFC 863) and chargen (RFC 864).
// Each keeps a little state per connection (bounded: a fixed-size scratch buffer shared by all
// connections plus a few counters each) and counts what it moved, for the report.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "tcp_service.hpp"

namespace multios::net::app {

/// Totals of one service since it started.
struct TcpServiceStats {
    std::uint64_t accepted = 0;  ///< Connections handed to the service.
    std::uint64_t finished = 0;  ///< Connections it closed after the peer's FIN.
    std::uint64_t failed = 0;    ///< Connections that ended in an error (reset, timeout).
    std::uint64_t bytes_in = 0;  ///< Bytes read from peers.
    std::uint64_t bytes_out = 0; ///< Bytes queued for sending.
    std::uint64_t open = 0;      ///< Connections the service holds now.
};

/// A TcpService that counts; the built-in services all are.
class CountingTcpService : public TcpService {
  public:
    const TcpServiceStats& stats() const { return stats_; }

  protected:
    TcpServiceStats stats_;
};

/// RFC 862 over TCP: every byte received is sent back. Reads only as much as the send buffer
/// can take (backpressure: a slow reader stops our reading, so the peer's window closes); after
/// the peer's FIN, the bytes already read are sent and then the connection is closed.
std::unique_ptr<CountingTcpService> make_echo_service();

/// RFC 863: reads and counts every byte, sends nothing; closes after the peer's FIN.
std::unique_ptr<CountingTcpService> make_discard_service();

/// RFC 864: sends 72-character lines of rotating printable ASCII (each ending in CR LF) as fast
/// as the send buffer drains, discards what it receives, and closes when the peer closes.
std::unique_ptr<CountingTcpService> make_chargen_service();

/// The RFC 864 stream from its beginning: line i (from 0) holds the 72 printable ASCII
/// characters starting at character i mod 95 of " !\"#...~", then CR LF. `offset` is a
/// position in that endless stream; fills `out` and returns the position after it.
std::uint64_t chargen_fill(std::uint64_t offset, std::span<std::byte> out);

/// One line of the report for a service: "echo port 7: open=.. accepted=.. in=.. out=..".
std::string describe_stats(const CountingTcpService& s, std::uint16_t port);
/// The same line from totals (e.g. summed over lcores).
std::string describe_stats(std::string_view name, const TcpServiceStats& st, std::uint16_t port);
TcpServiceStats& operator+=(TcpServiceStats& a, const TcpServiceStats& b);

} // namespace multios::net::app
