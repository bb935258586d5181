// The traceroute app (like `traceroute -I`): ICMP echo requests from `from` towards `to` with
// TTL (hop limit) 1, 2, 3, ..., `probes` per TTL, one every `interval`. The router where a
// probe's TTL runs out answers "time exceeded" from its own address; the destination answers
// with an echo reply, and then no higher TTL is sent. Probes are never retried: one without
// an answer by the end of the run is printed as "*", as traceroute does after its timeout.
#include <algorithm>

#include <fmt/format.h>

#include <multios/net/wire/icmp.hpp>

#include "sim/scenario_app_kinds.hpp"

namespace multios::net::sim::apps {

namespace {

/// One probe: its TTL and what answered it.
struct Probe {
    std::uint8_t ttl = 0;
    Instant sent_at;
    bool answered = false;
    bool reached = false;     ///< An echo reply: the destination itself.
    bool unreachable = false; ///< Destination unreachable: printed "!N", the trace ends.
    IpAddress from;
    Duration rtt{};
};

class TracerouteApp final : public ScenarioApp {
  public:
    TracerouteApp(Network& net, const AppSpec& spec, NodeId from, NodeId to, Instant origin)
        : ScenarioApp(net, spec, from, to, origin) {}

    void on_activity(Node& node, Instant now) override {
        if (&node != &net_.node(from_)) {
            return;
        }
        auto mail = hub(from_).take_ping(echo_id_);
        for (const PingReply& r : mail.replies) {
            Probe& p = answer(r.seq, r.from, now);
            p.reached = true;
            reply_bytes_ += &p == &scratch_ ? 0 : r.bytes;
        }
        for (const PingError& e : mail.errors) {
            const bool unreachable =
                e.type == (e.v6 ? wire::icmpv6::kDestUnreachable : wire::icmpv4::kDestUnreachable);
            answer(e.seq, e.from, now).unreachable = unreachable;
        }
        for (const Probe& p : probes_) {
            finished_ = finished_ || p.reached || p.unreachable;
        }
    }

    FlowSample sample() const override { return {}; }

    FlowSummary summary(Instant) const override {
        FlowSummary s = base_summary();
        s.bytes = reply_bytes_; // as for ping: the echo replies (from the destination)
        s.sent = probes_.size();
        s.received = static_cast<std::uint64_t>(std::count_if(
            probes_.begin(), probes_.end(), [](const Probe& p) { return p.answered; }));
        s.report = report();
        const bool reached =
            std::any_of(probes_.begin(), probes_.end(), [](const Probe& p) { return p.reached; });
        if (!reached) {
            s.error = fmt::format("{} not reached", spec_.to_address.to_string());
        }
        return s;
    }

  protected:
    void on_attach() override { echo_id_ = hub(from_).watch_ping(*this); }
    void start(Instant now) override { tick(now); }
    void stop(Instant) override {}

    void tick(Instant now) override {
        const std::uint8_t ttl = static_cast<std::uint8_t>(probes_.size() / spec_.probes + 1);
        const bool new_ttl = probes_.size() % spec_.probes == 0;
        if (new_ttl && (finished_ || ttl > spec_.max_hops)) {
            return; // Done: the destination (or an unreachable) answered a lower TTL.
        }
        // The sequence number is the probe's index (it fits: at most 255 x 10 probes).
        const auto seq = static_cast<std::uint16_t>(probes_.size());
        probes_.push_back(Probe{ttl, now, false, false, {}, {}});
        (void)net_.stack(from_).ping_send(spec_.to_address, echo_id_, seq, spec_.size, ttl, now);
        net_.scheduler().schedule(now + spec_.interval, *this, kTick);
    }

  private:
    /// The probe `seq` answered by `from` now (a scratch probe for an unknown or repeated
    /// sequence number, so a stray answer changes nothing).
    Probe& answer(std::uint16_t seq, const IpAddress& from, Instant now) {
        if (seq >= probes_.size() || probes_[seq].answered) {
            scratch_ = Probe{};
            return scratch_;
        }
        Probe& p = probes_[seq];
        p.answered = true;
        p.from = from;
        p.rtt = now - p.sent_at;
        return p;
    }

    /// traceroute's output: one line per TTL, the answering address and each probe's time.
    std::vector<std::string> report() const {
        std::vector<std::string> lines;
        lines.push_back(fmt::format("traceroute to {}, {} hops max, {} probes per hop",
                                    spec_.to_address.to_string(), spec_.max_hops, spec_.probes));
        for (std::size_t i = 0; i < probes_.size(); i += spec_.probes) {
            std::string line = fmt::format("{:>3}", probes_[i].ttl);
            std::optional<IpAddress> last;
            bool done = false;
            for (std::size_t j = i; j < std::min(probes_.size(), i + spec_.probes); ++j) {
                const Probe& p = probes_[j];
                if (!p.answered) {
                    line += "  *";
                    continue;
                }
                if (!last || *last != p.from) {
                    line += "  " + p.from.to_string();
                    last = p.from;
                }
                line += fmt::format("  {:.3f} ms{}",
                                    std::chrono::duration<double, std::milli>(p.rtt).count(),
                                    p.unreachable ? " !N" : "");
                done = done || p.reached || p.unreachable;
            }
            lines.push_back(std::move(line));
            if (done) {
                break; // Probes of higher TTLs sent before the answer came: not part of the path.
            }
        }
        return lines;
    }

    std::uint16_t echo_id_ = 0;
    std::vector<Probe> probes_;
    Probe scratch_;
    std::uint64_t reply_bytes_ = 0;
    bool finished_ = false;
};

} // namespace

Result<std::unique_ptr<ScenarioApp>> make_traceroute(Network& net, const AppSpec& spec, NodeId from,
                                                     NodeId to, Instant origin) {
    return std::unique_ptr<ScenarioApp>(new TracerouteApp(net, spec, from, to, origin));
}

} // namespace multios::net::sim::apps
