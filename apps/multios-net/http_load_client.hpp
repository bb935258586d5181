// One keep-alive HTTP/1.1 client connection of `multios-net load`: it sends a GET, reads the
// whole response (head, then the body framed by Content-Length or chunked coding, RFC 9112
// 6.3), records the request's latency and starts the next request on the same connection.
// When the server closes after a response (Connection: close, HTTP/1.0) it reconnects; an
// error (refused, reset, timeout, malformed response, non-2xx status) is counted and the
// connection is reopened after a short pause. Advanced once per poll-loop iteration on the
// lcore that owns its stack; it never blocks.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

#include <multios/net/address.hpp>
#include <multios/net/time.hpp>

#include "http_message.hpp"
#include "latency_histogram.hpp"
#include "stack/stack_core.hpp"

namespace multios::net::app {

/// Why requests failed, by kind (wrk's "socket errors" and "non-2xx" split a little finer).
struct LoadErrors {
    std::uint64_t connect = 0;  ///< Refused, unreachable, or no handshake in time.
    std::uint64_t closed = 0;   ///< Reset, or closed by the server before the full response.
    std::uint64_t timeout = 0;  ///< No byte of the response for kLoadIdleTimeout.
    std::uint64_t status = 0;   ///< A complete response with a status outside 2xx.
    std::uint64_t protocol = 0; ///< A malformed response, or bytes after it (none were asked).

    std::uint64_t total() const { return connect + closed + timeout + status + protocol; }
    void add(const LoadErrors& o);
};

/// What the connections of one lcore did; each connection adds to its lcore's.
struct LoadTally {
    std::uint64_t ok = 0;         ///< Complete 2xx responses.
    std::uint64_t bytes = 0;      ///< Response bytes received (heads and bodies).
    std::uint64_t reconnects = 0; ///< Connections opened after the first.
    LoadErrors errors;
    LatencyHistogram latency; ///< Of successful requests: request queued to last byte.

    std::uint64_t finished() const { return ok + errors.total(); }
    void add(const LoadTally& o);
};

/// Whether a connection may start another request (the lcore's share of -n and -d).
class LoadBudget {
  public:
    virtual ~LoadBudget() = default;
    /// Takes one request from the budget; false once the run is over.
    virtual bool take(Instant now) = 0;
};

/// A request with no response byte for this long counts as timed out.
inline constexpr Duration kLoadIdleTimeout = std::chrono::seconds(10);
/// No handshake within this long: a connect error.
inline constexpr Duration kLoadConnectTimeout = std::chrono::seconds(5);
/// Pause before reopening a connection after an error (a refused port must not spin).
inline constexpr Duration kLoadRetryPause = std::chrono::milliseconds(10);

class HttpLoadConnection;
/// The live TCP handle of each connection of an lcore, for dispatching its events; every
/// HttpLoadConnection keeps its own entry up to date as it reconnects.
using LoadConnIndex = std::unordered_map<TcpConnId, HttpLoadConnection*>;

/// What a connection needs from its lcore; everything must outlive the connection.
struct LoadContext {
    StackCore& stack;
    IpAddress host;
    std::uint16_t port = 0;
    std::string_view request;     ///< The whole request, sent as is each time.
    std::span<std::byte> scratch; ///< Receive buffer shared by the lcore's connections.
    LoadTally& tally;
    LoadBudget& budget;
    LoadConnIndex& index;
};

class HttpLoadConnection {
  public:
    explicit HttpLoadConnection(const LoadContext& ctx) : ctx_(ctx) {}
    HttpLoadConnection(const HttpLoadConnection&) = delete;
    HttpLoadConnection& operator=(const HttpLoadConnection&) = delete;

    /// TCP events for this connection (from tcp_take_events).
    void on_events(std::uint32_t events, Instant now);
    /// Sends, receives, checks timeouts and (re)opens as needed; asks the budget before each
    /// request.
    void step(Instant now);
    /// Closes the connection (FIN); a request in flight is dropped uncounted.
    void close(Instant now);

    /// A request was sent (or is being sent) and its response is not complete yet.
    bool in_flight() const { return phase_ == Phase::kSending || phase_ == Phase::kReceiving; }

  private:
    enum class Phase { kClosed, kConnecting, kReady, kSending, kReceiving, kRetryWait, kDone };

    void open(Instant now);
    /// Connected, no request in flight: start one if the budget allows.
    void step_ready(Instant now);
    void start_request(Instant now);
    void send_some(Instant now);
    void receive_some(Instant now);
    /// Takes bytes of the response; false when the response was malformed.
    bool feed(std::string_view data, Instant now);
    std::string_view take_head(std::string_view data);
    std::string_view take_body(std::string_view data);
    void complete(Instant now);
    void fail(std::uint64_t LoadErrors::*kind, Instant now);
    void drop_conn(Instant now, bool abort);
    void reset_response();

    LoadContext ctx_;

    Phase phase_ = Phase::kClosed;
    TcpConnId conn_ = 0;
    bool has_conn_ = false;
    bool opened_before_ = false;
    bool peer_closed_ = false;
    Instant phase_since_{}; ///< Connect started, retry pause started.
    Instant request_start_{};
    Instant last_rx_{};
    std::size_t sent_ = 0;

    // The response being read.
    std::string head_buf_; ///< Head bytes while the head is incomplete (bounded).
    bool have_head_ = false;
    http::ResponseHead head_;
    http::BodyFraming framing_ = http::BodyFraming::kNone;
    std::uint64_t body_left_ = 0;
    http::ChunkedDecoder chunked_;
    bool response_done_ = false;
};

} // namespace multios::net::app
