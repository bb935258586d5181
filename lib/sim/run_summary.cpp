#include "sim/run_summary.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "sim/series_recorder.hpp"

namespace multios::net::sim {

std::uint64_t LinkSummary::drops() const {
    return total_drops(counters);
}

std::optional<double> jain_fairness(const std::vector<double>& x) {
    double sum = 0, squares = 0;
    for (const double v : x) {
        sum += v;
        squares += v * v;
    }
    if (x.empty() || squares <= 0) {
        return std::nullopt;
    }
    return sum * sum / (double(x.size()) * squares);
}

namespace {

std::string ms(const std::optional<Duration>& d) {
    return d ? fmt::format("{:.3f}", std::chrono::duration<double, std::milli>(*d).count())
             : std::string("-");
}

std::string flow_detail(const FlowSummary& f) {
    switch (f.kind) {
    case AppKind::ping:
        return fmt::format("{}/{} replies, rtt min/avg/max {}/{}/{} ms", f.received, f.sent,
                           ms(f.rtt_min), ms(f.rtt_avg), ms(f.rtt_max));
    case AppKind::tcp_bulk:
        return fmt::format("{} retransmits{}", f.retransmits,
                           f.completed_in ? fmt::format(", done in {} ms", ms(f.completed_in))
                                          : std::string());
    case AppKind::udp_cbr:
        return fmt::format("{}/{} datagrams", f.received, f.sent);
    case AppKind::http: {
        std::string d =
            fmt::format("{}/{} requests, {:.1f} req/s", f.received, f.sent, f.requests_per_s);
        if (f.latency) {
            const RequestLatency& l = *f.latency;
            d += fmt::format(", latency min/avg/p50/p99/max {}/{}/{}/{}/{} ms", ms(l.min),
                             ms(l.avg), ms(l.p50), ms(l.p99), ms(l.max));
        }
        if (f.completed_in) {
            d += fmt::format(", done in {} ms", ms(f.completed_in));
        }
        return d;
    }
    case AppKind::traceroute:
        return fmt::format("{}/{} probes answered", f.received, f.sent);
    }
    return {};
}

} // namespace

std::string format_summary(const RunSummary& s) {
    std::string out =
        fmt::format("simulated {:.3f} s, seed {}, {} events\n\n",
                    std::chrono::duration<double>(s.simulated).count(), s.seed, s.events);
    out += fmt::format("{:<16} {:<10} {:<16} {:>12} {:>14}  {}\n", "flow", "kind", "path", "bytes",
                       "goodput Mbit/s", "details");
    for (const FlowSummary& f : s.flows) {
        out += fmt::format("{:<16} {:<10} {:<16} {:>12} {:>14.3f}  {}{}\n", f.name,
                           app_kind_name(f.kind), f.from + ">" + f.to, f.bytes, f.goodput_bps / 1e6,
                           flow_detail(f), f.error.empty() ? std::string() : " [" + f.error + "]");
    }
    std::size_t w = 24; // long link names widen the column instead of breaking the table
    for (const LinkSummary& l : s.links) {
        w = std::max(w, l.name.size());
    }
    out += fmt::format("\n{:<{}} {:>10} {:>10} {:>8} {:>8} {:>8} {:>9}\n", "link", w, "sent",
                       "delivered", "drops", "queue", "loss", "max queue");
    for (const LinkSummary& l : s.links) {
        const LinkCounters& c = l.counters;
        out += fmt::format("{:<{}} {:>10} {:>10} {:>8} {:>8} {:>8} {:>9}\n", l.name, w, c.sent,
                           c.delivered, l.drops(), c.dropped_queue + c.dropped_red, c.dropped_loss,
                           c.max_queue);
    }
    out += format_routers(s.routers);
    if (s.tcp_fairness) {
        out += fmt::format("\nJain's fairness index over the TCP flows: {:.4f}\n", *s.tcp_fairness);
    }
    for (const FlowSummary& f : s.flows) {
        if (!f.report.empty()) {
            out += fmt::format("\n{} ({} > {}):\n", f.name, f.from, f.to);
            for (const std::string& line : f.report) {
                out += line + "\n";
            }
        }
    }
    return out;
}

} // namespace multios::net::sim
