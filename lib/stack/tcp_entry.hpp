// One slot of the TCP connection table: a tcp::Connection together with the two sinks it
// reports to and what the stack tracks about it (who holds its handle, which listener queue
// it sits in). The entry is heap-allocated once per connection, so the references the
// Connection keeps to its sinks stay valid while the table's slot vector grows.
#pragma once

#include <cstdint>
#include <optional>

#include "stack/stack_core.hpp"
#include "tcp/connection.hpp"

namespace multios::net {

class TcpEntry;

/// What the stack does with a connection's output and events (implemented by StackCore::Impl).
class TcpHost {
  public:
    virtual ~TcpHost() = default;
    virtual bool tcp_entry_send(TcpEntry& e, const tcp::OutgoingSegment& seg, Instant now) = 0;
    virtual void tcp_entry_events(TcpEntry& e, std::uint32_t events) = 0;
};

/// Where a connection is in its life as the application sees it.
enum class TcpStage : std::uint8_t {
    kActive,      ///< Opened by tcp_connect: the application holds the handle.
    kSynQueue,    ///< Passive, handshake not complete; counted in its listener's SYN queue.
    kAcceptQueue, ///< Passive, established, waiting for tcp_accept.
    kAccepted,    ///< Passive, handed out by tcp_accept.
};

class TcpEntry final : public tcp::SegmentSink, public tcp::EventSink {
  public:
    TcpEntry(TcpHost& host, const tcp::TcpConfig& cfg, const FourTuple& tuple,
             std::uint16_t local_mss, TimerWheel& wheel, std::optional<IfIndex> ifindex)
        : ifindex(ifindex), host_(host), conn(cfg, tuple, local_mss, wheel, *this, *this) {}

    bool send_segment(const FourTuple&, const tcp::OutgoingSegment& seg, Instant now) override {
        return host_.tcp_entry_send(*this, seg, now);
    }
    void on_tcp_events(tcp::Connection&, std::uint32_t events) override {
        host_.tcp_entry_events(*this, events);
    }

    std::uint32_t index = 0; ///< Slot in the table (set when inserted).
    TcpStage stage = TcpStage::kActive;
    TcpListenerId listener = 0;       ///< For passive connections.
    std::optional<IfIndex> ifindex;   ///< Forced interface (IPv6 link-local peers).
    std::uint8_t hop_limit = 0;       ///< IPv4 TTL / IPv6 hop limit; 0: the stack default.
    bool app_holds = false;           ///< The application has the handle (not yet closed).
    bool shut_wr = false;             ///< tcp_shutdown or tcp_close was called.
    bool in_ready = false;            ///< On the ready list for tcp_take_events.
    bool abort_after_call = false;    ///< Reset once the current call into `conn` returns.
    std::uint32_t pending_events = 0; ///< OR of events since the last tcp_take_events.

  private:
    TcpHost& host_;

  public:
    tcp::Connection conn; ///< Last: built after the sinks it refers to.
};

} // namespace multios::net
