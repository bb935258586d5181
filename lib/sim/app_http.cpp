// The http app: an HTTP/1.1 server on `to` (a listener on `port`) and a client on `from` that
// opens `connections` persistent connections at start and runs requests over them, one at a
// time per connection (the next request leaves when the previous response is complete; no
// pipelining from this client, though the server handles pipelined requests). `requests` in
// total (0: until stop), back to back, or at most `rate` per second per connection. Each
// request's latency runs from the instant the client hands it to its stack to the instant the
// last byte of the response is read. Message framing lives in http_message.cpp.
#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <deque>
#include <vector>

#include <fmt/format.h>

#include "sim/http_message.hpp"
#include "sim/latency_histogram.hpp"
#include "sim/scenario_app_kinds.hpp"

namespace multios::net::sim::apps {

namespace {

/// Requests a server connection holds unanswered before it stops reading (the peer then
/// sees TCP flow control): with reads of kServerRead bytes, at most this + kServerRead / 18
/// (the shortest request) are ever queued.
constexpr std::size_t kMaxPending = 16;
constexpr std::size_t kServerRead = 1024;
constexpr std::size_t kClientRead = 16 * 1024;
/// Response bodies are sent from this much filler at a time.
constexpr std::size_t kBodyChunk = 16 * 1024;

const std::array<std::byte, kBodyChunk>& body_filler() {
    static const std::array<std::byte, kBodyChunk> filler = [] {
        std::array<std::byte, kBodyChunk> a;
        a.fill(std::byte{'x'});
        return a;
    }();
    return filler;
}

std::span<const std::byte> as_bytes(const char* p, std::size_t n) {
    return {reinterpret_cast<const std::byte*>(p), n};
}

tcp::TcpConfig flow_config(const AppSpec& spec) {
    tcp::TcpConfig c;
    // As web servers set TCP_NODELAY: the last partial segment of a response leaves at once
    // instead of waiting (Nagle) for the ACK of the previous ones.
    c.nodelay = true;
    c.congestion =
        spec.congestion == "newreno" ? std::string_view("newreno") : std::string_view("cubic");
    c.sack = spec.sack;
    return c;
}

IpAddress unspecified_like(const IpAddress& a) {
    return a.is_v4() ? IpAddress{Ipv4Address{}} : IpAddress{Ipv6Address{}};
}

/// A request the server read and has not answered completely yet.
struct Pending {
    std::uint64_t body = 0;
    bool keep_alive = true;
    std::string_view error_status; ///< Non-empty: answer with this status and close.
};

/// One accepted connection on the server.
struct ServerConn {
    TcpConnId id = 0;
    http::RequestParser parser;
    std::deque<Pending> pending;
    std::array<char, 192> head{};
    std::size_t head_len = 0, head_off = 0;
    std::uint64_t body_left = 0;
    bool responding = false;
    bool last_response = false; ///< The response being sent ends the connection.
    bool stop_reading = false;  ///< EOF read, a malformed request, or a closing request.
};

/// One of the client's persistent connections.
struct ClientConn {
    std::optional<TcpConnId> id;
    http::ResponseParser parser;
    std::array<char, 512> request{};
    std::size_t request_len = 0, request_off = 0;
    bool busy = false;     ///< A request is out, its response not complete.
    bool fin_sent = false; ///< No more requests: shut down.
    Instant sent_at{};
    std::uint64_t sent = 0;
};

class HttpApp final : public ScenarioApp {
  public:
    HttpApp(Network& net, const AppSpec& spec, NodeId from, NodeId to, Instant origin,
            TcpListenerId listener)
        : ScenarioApp(net, spec, from, to, origin), listener_(listener), clients_(spec.connections),
          rx_(kClientRead) {
        target_ =
            spec.request_path.empty() ? fmt::format("/{}", spec.response_size) : spec.request_path;
        host_ = spec.to_address.to_string();
    }

    void on_activity(Node& node, Instant now) override {
        if (&node == &net_.node(to_)) {
            serve(now);
        }
        if (&node == &net_.node(from_)) {
            for (ClientConn& c : clients_) {
                client(c, now);
            }
        }
    }

    FlowSample sample() const override {
        FlowSample s;
        s.delivered_bytes = bytes_;
        if (!servers_.empty()) {
            // The response direction of the first open connection: its cwnd shows slow start
            // on a fresh connection and what keep-alive keeps of it.
            if (auto info = net_.stack(to_).tcp_info(servers_.front()->id)) {
                s.tcp = *info;
            }
        }
        return s;
    }

    FlowSummary summary(Instant end) const override {
        FlowSummary s = base_summary();
        s.bytes = bytes_;
        s.sent = issued_;
        s.received = latency_.count();
        const Instant last = completed_at_ ? *completed_at_ : end;
        const double secs = std::chrono::duration<double>(
                                std::min(active_time(end), last - (origin_ + spec_.start)))
                                .count();
        s.goodput_bps = secs > 0 ? double(bytes_) * 8 / secs : 0;
        s.requests_per_s = secs > 0 ? double(latency_.count()) / secs : 0;
        if (completed_at_) {
            s.completed_in = *completed_at_ - (origin_ + spec_.start);
        }
        if (latency_.count() > 0) {
            s.latency = RequestLatency{latency_.min(), latency_.mean(), *latency_.quantile(0.5),
                                       *latency_.quantile(0.99), latency_.max()};
        }
        s.retransmits = retransmits_closed_;
        for (const auto& c : servers_) {
            if (auto info = net_.stack(to_).tcp_info(c->id)) {
                s.retransmits += info->total_retrans;
            }
        }
        s.error = error_;
        if (not_ok_ > 0) {
            s.error += fmt::format("{}{} responses not 200", s.error.empty() ? "" : ", ", not_ok_);
        }
        return s;
    }

  protected:
    void on_attach() override { hub(to_).watch_listener(listener_, *this); }

    void start(Instant now) override {
        TcpOpenOptions o;
        o.config = flow_config(spec_);
        for (ClientConn& c : clients_) {
            auto id = net_.stack(from_).tcp_connect(spec_.to_address, spec_.port, now, o);
            if (!id) {
                note_error("connect: " + id.error().message());
                continue;
            }
            c.id = *id;
            hub(from_).watch_tcp(*id, *this);
        }
        if (spec_.request_rate > 0) {
            net_.scheduler().schedule(tick_time(1), *this, kTick);
        }
    }

    void stop(Instant now) override {
        for (ClientConn& c : clients_) {
            client(c, now); // no new requests: idle connections shut down now
        }
    }

    void tick(Instant now) override {
        ++grants_;
        for (ClientConn& c : clients_) {
            client(c, now);
        }
        if (more_requests()) {
            net_.scheduler().schedule(tick_time(grants_), *this, kTick);
        }
    }

  private:
    /// With a rate: the instant request number k (from 0) of every connection may leave.
    Instant tick_time(std::uint64_t k) const {
        const double ns = double(k) * 1e9 / spec_.request_rate;
        return origin_ + spec_.start + Duration(static_cast<Duration::rep>(std::llround(ns)));
    }

    bool more_requests() const {
        return !stopped_ && (spec_.requests == 0 || issued_ < spec_.requests);
    }

    void note_error(const std::string& what) {
        if (error_.empty()) {
            error_ = what;
        }
    }

    // ---- client ----

    void client(ClientConn& c, Instant now) {
        if (!c.id) {
            return;
        }
        StackCore& s = net_.stack(from_);
        if (!read_responses(c, s, now)) {
            return;
        }
        const tcp::Connection* conn = s.tcp_connection(*c.id);
        if (conn == nullptr || conn->state() != tcp::TcpState::kEstablished) {
            return; // still connecting (or closing): requests wait for ESTABLISHED
        }
        if (!c.busy && !c.fin_sent && may_issue(c)) {
            c.request_len = http::format_request(target_, host_, c.request);
            c.request_off = 0;
            c.busy = true;
            c.sent_at = now;
            ++c.sent;
            ++issued_;
        }
        while (c.request_off < c.request_len) {
            const auto r = s.tcp_send(
                *c.id, as_bytes(c.request.data() + c.request_off, c.request_len - c.request_off),
                now);
            if (!r) {
                if (r.error().value() != EAGAIN) {
                    note_error("send: " + r.error().message());
                }
                return;
            }
            c.request_off += *r;
        }
        if (!c.busy && !c.fin_sent && !more_requests()) {
            c.fin_sent = true;
            (void)s.tcp_shutdown(*c.id, now);
        }
    }

    bool may_issue(const ClientConn& c) const {
        return more_requests() && (spec_.request_rate <= 0 || c.sent < grants_);
    }

    /// Reads what arrived; false when the connection is gone.
    bool read_responses(ClientConn& c, StackCore& s, Instant now) {
        for (;;) {
            const auto r = s.tcp_recv(*c.id, rx_, now);
            if (!r) {
                if (r.error().value() == EAGAIN) {
                    return true;
                }
                note_error((c.sent == 0 ? "connect: " : "recv: ") + r.error().message());
                drop_client(c, s, now);
                return false;
            }
            if (*r == 0) {
                if (c.busy) {
                    note_error("server closed the connection before the response ended");
                }
                drop_client(c, s, now);
                return false;
            }
            bytes_ += *r;
            const bool ok = c.parser.feed(std::span(rx_).first(*r), [&](const http::Response& m) {
                latency_.record(now - c.sent_at);
                c.busy = false;
                if (m.status != 200) {
                    ++not_ok_;
                }
                if (spec_.requests != 0 && latency_.count() == spec_.requests) {
                    completed_at_ = now;
                }
            });
            if (!ok) {
                note_error(fmt::format("response: {}", http::parse_error_name(c.parser.error())));
                s.tcp_abort(*c.id, now);
                hub(from_).unwatch_tcp(*c.id);
                c.id.reset();
                return false;
            }
        }
    }

    void drop_client(ClientConn& c, StackCore& s, Instant now) {
        s.tcp_close(*c.id, now);
        hub(from_).unwatch_tcp(*c.id);
        c.id.reset();
    }

    // ---- server ----

    void serve(Instant now) {
        StackCore& s = net_.stack(to_);
        for (;;) {
            auto id = s.tcp_accept(listener_);
            if (!id) {
                break;
            }
            auto c = std::make_unique<ServerConn>();
            c->id = *id;
            hub(to_).watch_tcp(*id, *this);
            servers_.push_back(std::move(c));
        }
        for (std::size_t i = 0; i < servers_.size();) {
            if (server(*servers_[i], s, now)) {
                ++i;
            } else {
                servers_.erase(servers_.begin() + static_cast<std::ptrdiff_t>(i));
            }
        }
    }

    /// Reads requests and writes responses until neither makes progress; false once the
    /// connection is closed and forgotten.
    bool server(ServerConn& c, StackCore& s, Instant now) {
        bool progress = true;
        while (progress) {
            progress = false;
            if (!write_responses(c, s, now)) {
                return close_server(c, s, now);
            }
            if (!c.stop_reading && c.pending.size() < kMaxPending) {
                const auto r = s.tcp_recv(c.id, std::span(rx_).first(kServerRead), now);
                if (!r && r.error().value() != EAGAIN) {
                    return close_server(c, s, now); // reset or failed: nothing to answer
                }
                if (r) {
                    progress = true;
                    if (*r == 0) {
                        c.stop_reading = true; // the client is done
                    } else {
                        read_requests(c, std::span(rx_).first(*r));
                    }
                }
            }
            if (c.stop_reading && !c.responding && c.pending.empty()) {
                return close_server(c, s, now);
            }
        }
        return true;
    }

    void read_requests(ServerConn& c, std::span<const std::byte> data) {
        const bool ok = c.parser.feed(data, [&](const http::Request& r) {
            if (c.stop_reading) {
                return; // after a closing request nothing more is answered (RFC 9112 9.6)
            }
            Pending p;
            p.keep_alive = r.keep_alive;
            if (r.method != "GET") {
                // RFC 9110 9.1: a method the server does not implement gets a 501.
                p.error_status = "501 Not Implemented";
            } else {
                p.body = http::size_from_target(r.target).value_or(spec_.response_size);
            }
            c.stop_reading = !p.keep_alive || !p.error_status.empty();
            c.pending.push_back(p);
        });
        if (!ok && !c.stop_reading) {
            note_error(fmt::format("server: {}", http::parse_error_name(c.parser.error())));
            c.pending.push_back(Pending{0, false, http::error_status(c.parser.error())});
            c.stop_reading = true;
        }
    }

    /// Sends as much of the pending responses as the stack takes; false on a send error.
    bool write_responses(ServerConn& c, StackCore& s, Instant now) {
        for (;;) {
            if (!c.responding) {
                if (c.pending.empty()) {
                    return true;
                }
                const Pending p = c.pending.front();
                c.pending.pop_front();
                c.head_len = p.error_status.empty()
                                 ? http::format_response_head(p.body, p.keep_alive, c.head)
                                 : http::format_error_response(p.error_status, c.head);
                c.head_off = 0;
                c.body_left = p.body;
                c.last_response = !p.keep_alive || !p.error_status.empty();
                c.responding = true;
            }
            while (c.head_off < c.head_len) {
                // Head and the start of the body in one send (as writev would): no separate
                // small segment for the head.
                const std::size_t h = c.head_len - c.head_off;
                const auto b = static_cast<std::size_t>(
                    std::min<std::uint64_t>(c.body_left, stage_.size() - h));
                std::memcpy(stage_.data(), c.head.data() + c.head_off, h);
                std::memcpy(stage_.data() + h, body_filler().data(), b);
                const auto r = s.tcp_send(c.id, std::span(stage_).first(h + b), now);
                if (!r) {
                    return r.error().value() == EAGAIN;
                }
                const std::size_t head_part = std::min(*r, h);
                c.head_off += head_part;
                c.body_left -= *r - head_part;
            }
            while (c.body_left > 0) {
                const auto n = static_cast<std::size_t>(
                    std::min<std::uint64_t>(c.body_left, body_filler().size()));
                const auto r = s.tcp_send(c.id, std::span(body_filler()).first(n), now);
                if (!r) {
                    return r.error().value() == EAGAIN;
                }
                c.body_left -= *r;
            }
            c.responding = false;
            if (c.last_response) {
                c.pending.clear();
                c.stop_reading = true;
                return true;
            }
        }
    }

    bool close_server(ServerConn& c, StackCore& s, Instant now) {
        if (auto info = s.tcp_info(c.id)) {
            retransmits_closed_ += info->total_retrans;
        }
        // Queued response bytes still go out: tcp_close sends FIN after them.
        s.tcp_close(c.id, now);
        hub(to_).unwatch_tcp(c.id);
        return false;
    }

    TcpListenerId listener_;
    std::string target_, host_;
    std::vector<ClientConn> clients_;
    std::vector<std::unique_ptr<ServerConn>> servers_;
    std::vector<std::byte> rx_; ///< Read buffer, shared by both ends (used one call at a time).
    std::array<std::byte, kBodyChunk> stage_{}; ///< A response head + the start of its body.
    LatencyHistogram latency_;
    std::uint64_t bytes_ = 0, issued_ = 0, grants_ = 1, not_ok_ = 0;
    std::uint64_t retransmits_closed_ = 0;
    std::optional<Instant> completed_at_;
    std::string error_;
};

} // namespace

Result<std::unique_ptr<ScenarioApp>> make_http(Network& net, const AppSpec& spec, NodeId from,
                                               NodeId to, Instant origin) {
    TcpListenOptions o;
    o.config = flow_config(spec);
    // The backlog holds every client connection even if they all arrive before an accept.
    const auto backlog = static_cast<std::uint32_t>(std::max<std::size_t>(8, spec.connections));
    auto l = net.stack(to).tcp_listen(unspecified_like(spec.to_address), spec.port, backlog, o);
    if (!l) {
        return fail(l.error());
    }
    return std::unique_ptr<ScenarioApp>(new HttpApp(net, spec, from, to, origin, *l));
}

} // namespace multios::net::sim::apps
