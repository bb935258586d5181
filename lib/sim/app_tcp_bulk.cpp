// The tcp_bulk app: a listener on `to`, an active open from `from` at start, then the sender
// keeps the connection's send buffer full from a bounded app buffer until `bytes` are queued
// (then FIN) or until stop (then FIN); the receiver reads everything. Congestion control and
// SACK are per-connection TcpConfig options of the real stack.
#include <algorithm>
#include <cerrno>
#include <vector>

#include "sim/scenario_app_kinds.hpp"

namespace multios::net::sim::apps {

namespace {

constexpr std::uint32_t kBacklog = 8;

/// The TcpConfig keeps the congestion name as a string_view: point it at a literal.
tcp::TcpConfig flow_config(const AppSpec& spec) {
    tcp::TcpConfig c;
    c.congestion =
        spec.congestion == "newreno" ? std::string_view("newreno") : std::string_view("cubic");
    c.sack = spec.sack;
    return c;
}

IpAddress unspecified_like(const IpAddress& a) {
    return a.is_v4() ? IpAddress{Ipv4Address{}} : IpAddress{Ipv6Address{}};
}

class TcpBulkApp final : public ScenarioApp {
  public:
    TcpBulkApp(Network& net, const AppSpec& spec, NodeId from, NodeId to, Instant origin,
               TcpListenerId listener)
        : ScenarioApp(net, spec, from, to, origin), listener_(listener),
          buffer_(spec.app_buffer, std::byte{0x5a}) {}

    void on_activity(Node& node, Instant now) override {
        if (&node == &net_.node(from_)) {
            pump(now);
        }
        if (&node == &net_.node(to_)) {
            drain(now);
        }
    }

    FlowSample sample() const override {
        FlowSample s;
        s.delivered_bytes = received_;
        if (conn_) {
            if (auto info = net_.stack(from_).tcp_info(*conn_)) {
                s.tcp = *info;
            }
        }
        return s;
    }

    FlowSummary summary(Instant end) const override {
        FlowSummary s = base_summary();
        s.bytes = received_;
        s.sent = queued_;
        s.received = received_;
        const Instant last = completed_at_ ? *completed_at_ : end;
        const double secs = std::chrono::duration<double>(
                                std::min(active_time(end), last - (origin_ + spec_.start)))
                                .count();
        s.goodput_bps = secs > 0 ? double(received_) * 8 / secs : 0;
        if (completed_at_) {
            s.completed_in = *completed_at_ - (origin_ + spec_.start);
        }
        if (const auto smp = sample(); smp.tcp) {
            s.retransmits = smp.tcp->total_retrans;
        }
        s.error = error_;
        return s;
    }

  protected:
    void on_attach() override { hub(to_).watch_listener(listener_, *this); }

    void start(Instant now) override {
        tcp::TcpConfig cfg = flow_config(spec_);
        TcpOpenOptions o;
        o.config = cfg;
        auto c = net_.stack(from_).tcp_connect(spec_.to_address, spec_.port, now, o);
        if (!c) {
            error_ = "connect: " + c.error().message();
            return;
        }
        conn_ = *c;
        hub(from_).watch_tcp(*conn_, *this);
        pump(now);
    }

    void stop(Instant now) override { finish_sending(now); }

  private:
    void finish_sending(Instant now) {
        if (conn_ && !fin_sent_) {
            fin_sent_ = true;
            (void)net_.stack(from_).tcp_shutdown(*conn_, now);
        }
    }

    void pump(Instant now) {
        if (!conn_ || fin_sent_ || stopped_) {
            return;
        }
        StackCore& s = net_.stack(from_);
        for (;;) {
            std::size_t n = buffer_.size();
            if (spec_.bytes != 0) {
                n = static_cast<std::size_t>(std::min<std::uint64_t>(n, spec_.bytes - queued_));
            }
            if (n == 0) {
                // RFC 9293 3.10.4: CLOSE in SYN-SENT deletes the TCB with the queued data, so
                // a transfer that fit in the send buffer waits for ESTABLISHED (kConnected
                // calls pump again).
                const tcp::Connection* c = s.tcp_connection(*conn_);
                if (c != nullptr && c->state() != tcp::TcpState::kSynSent) {
                    finish_sending(now);
                }
                return;
            }
            const auto r = s.tcp_send(*conn_, std::span(buffer_).first(n), now);
            if (!r) {
                if (r.error().value() != EAGAIN && error_.empty()) {
                    error_ = "send: " + r.error().message();
                }
                return;
            }
            queued_ += *r;
        }
    }

    void drain(Instant now) {
        StackCore& s = net_.stack(to_);
        if (!accepted_) {
            auto c = s.tcp_accept(listener_);
            if (!c) {
                return;
            }
            accepted_ = *c;
            hub(to_).watch_tcp(*accepted_, *this);
        }
        for (;;) {
            const auto r = s.tcp_recv(*accepted_, buffer_, now);
            if (!r) {
                return; // EAGAIN, or the connection failed (the sender reports it)
            }
            if (*r == 0) {
                // End of stream: everything the sender queued has arrived.
                if (!completed_at_ && spec_.bytes != 0 && received_ == spec_.bytes) {
                    completed_at_ = now;
                }
                s.tcp_close(*accepted_, now);
                hub(to_).unwatch_tcp(*accepted_);
                accepted_.reset();
                return;
            }
            received_ += *r;
            if (!completed_at_ && spec_.bytes != 0 && received_ == spec_.bytes) {
                completed_at_ = now;
            }
        }
    }

    TcpListenerId listener_;
    std::vector<std::byte> buffer_; ///< The app buffer: bounded, reused for every call.
    std::optional<TcpConnId> conn_;
    std::optional<TcpConnId> accepted_;
    std::uint64_t queued_ = 0, received_ = 0;
    bool fin_sent_ = false;
    std::optional<Instant> completed_at_;
    std::string error_;
};

} // namespace

Result<std::unique_ptr<ScenarioApp>> make_tcp_bulk(Network& net, const AppSpec& spec, NodeId from,
                                                   NodeId to, Instant origin) {
    TcpListenOptions o;
    o.config = flow_config(spec);
    auto l = net.stack(to).tcp_listen(unspecified_like(spec.to_address), spec.port, kBacklog, o);
    if (!l) {
        return fail(l.error());
    }
    return std::unique_ptr<ScenarioApp>(new TcpBulkApp(net, spec, from, to, origin, *l));
}

} // namespace multios::net::sim::apps
