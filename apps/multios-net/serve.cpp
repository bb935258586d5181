// `serve`: answer ARP/NDP/ping, echo UDP, and run the TCP services (echo, discard, chargen,
// http) on the given ports until SIGINT/SIGTERM; the report at exit and on SIGUSR1.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include <fmt/format.h>

#include "commands.hpp"
#include "http_server.hpp"
#include "runtime.hpp"
#include "tcp_dispatcher.hpp"
#include "tcp_services.hpp"

namespace multios::net::app {

namespace {

/// A TCP service and the port it listens on.
struct ServedPort {
    std::uint16_t port;
    std::unique_ptr<CountingTcpService> counting; ///< The built-in services (reported).
    std::unique_ptr<TcpService> other;            ///< http: not counted here.
    TcpService& service() { return counting ? *counting : *other; }
};

/// Checks what the pure parser could not: the --root directory. Prints why on failure.
bool check_serve_options(const cli::ServeOptions& s) {
    if (!s.http_root)
        return true;
    std::error_code ec;
    if (!std::filesystem::is_directory(*s.http_root, ec)) {
        std::fprintf(stderr, "multios-net serve: --root %s: not a directory\n",
                     s.http_root->c_str());
        return false;
    }
    return true;
}

/// The TCP services the command line asks for, one per port.
std::vector<ServedPort> make_services(const cli::ServeOptions& s) {
    std::vector<ServedPort> out;
    for (auto p : s.tcp_echo_ports)
        out.push_back({p, make_echo_service(), nullptr});
    for (auto p : s.tcp_discard_ports)
        out.push_back({p, make_discard_service(), nullptr});
    for (auto p : s.tcp_chargen_ports)
        out.push_back({p, make_chargen_service(), nullptr});
    if (s.http_port && s.http_root)
        out.push_back({*s.http_port, nullptr, make_http_service(*s.http_root)});
    return out;
}

bool listen_all(TcpDispatcher& d, std::vector<ServedPort>& services) {
    for (auto& s : services) {
        auto r = d.listen(s.port, s.service());
        if (!r) {
            std::fprintf(stderr, "multios-net: tcp port %u: %s\n", s.port,
                         r.error().message().c_str());
            return false;
        }
    }
    return true;
}

/// Connections listed one by one in a report; a SYN flood leaves thousands half-open.
constexpr std::size_t kReportConnections = 256;

/// "10.0.0.2:7" or "[fd00::2]:7".
std::string endpoint(const IpAddress& a, std::uint16_t port) {
    if (a.is_v6())
        return fmt::format("[{}]:{}", a.to_string(), port);
    return fmt::format("{}:{}", a.to_string(), port);
}

/// What `serve` runs on one lcore: UDP echo sockets, the TCP services and their dispatcher.
struct ServeShard {
    std::vector<UdpSocketId> udp_echo;
    std::vector<ServedPort> services;
    std::unique_ptr<TcpDispatcher> tcp;
};

/// One lcore's part of the report, copied on that lcore.
struct ServeSnapshot {
    LcoreSnapshot lcore;
    std::uint64_t accepted = 0;
    std::vector<TcpServiceStats> services; ///< In ServeShard::services order.
    std::string connections;               ///< `ss -ti`-like lines, at most kReportConnections.
    std::size_t listed = 0, unlisted = 0;
};

ServeSnapshot take_snapshot(const Runtime& rt, const Shard& shard, const ServeShard& ss,
                            std::size_t line_budget) {
    ServeSnapshot snap;
    snap.lcore = rt.snapshot(shard);
    snap.accepted = ss.tcp->accepted();
    for (const auto& s : ss.services)
        snap.services.push_back(s.counting ? s.counting->stats() : TcpServiceStats{});
    std::string line;
    shard.stack->tcp_for_each([&](TcpConnId, const tcp::Connection& c) {
        if (snap.listed >= line_budget) {
            ++snap.unlisted;
            return;
        }
        ++snap.listed;
        const FourTuple& tu = c.tuple();
        line = fmt::format("  {} {} ", endpoint(tu.local, tu.local_port),
                           endpoint(tu.remote, tu.remote_port));
        tcp::format_tcp_info(c.info(), line);
        snap.connections += line;
        snap.connections += '\n';
    });
    return snap;
}

/// TCP part of the report: counters summed over lcores, each service's totals, then each live
/// connection like `ss -ti` (local, remote, then tcp::format_tcp_info).
void print_tcp_report(std::FILE* out, const std::vector<ServeSnapshot>& snaps,
                      const std::vector<ServedPort>& services) {
    std::vector<LcoreSnapshot> lcores;
    std::size_t connections = 0, unlisted = 0;
    std::uint64_t accepted = 0;
    std::vector<TcpServiceStats> totals(services.size());
    for (const auto& s : snaps) {
        lcores.push_back(s.lcore);
        connections += s.lcore.connections;
        accepted += s.accepted;
        unlisted += s.unlisted;
        for (std::size_t i = 0; i < totals.size() && i < s.services.size(); ++i)
            totals[i] += s.services[i];
    }
    const TcpCounters t = Runtime::total_tcp(lcores);
    fmt::print(out,
               "tcp: connections={} accepted={} active_opens={} passive_opens={} established={} "
               "resets_sent={} resets_received={} syn_cookies_sent={} syn_cookies_accepted={} "
               "syn_cookies_failed={} syn_queue_overflows={} accept_queue_overflows={} "
               "segs_in={} segs_out={} freed={}\n",
               connections, accepted, t.active_opens, t.passive_opens, t.established, t.resets_sent,
               t.resets_received, t.syn_cookies_sent, t.syn_cookies_accepted, t.syn_cookies_failed,
               t.syn_queue_overflows, t.accept_queue_overflows, t.segs_in, t.segs_out,
               t.connections_freed);
    for (std::size_t i = 0; i < services.size(); ++i)
        if (services[i].counting)
            fmt::print(out, "{}\n",
                       describe_stats(services[i].counting->name(), totals[i], services[i].port));
    for (const auto& s : snaps)
        std::fputs(s.connections.c_str(), out);
    if (unlisted != 0)
        fmt::print(out, "  ... and {} more connections\n", unlisted);
    std::fflush(out);
}

/// Opens this lcore's UDP echo sockets and TCP listeners (every lcore listens on every port,
/// like SO_REUSEPORT: a connection stays on the lcore that owns its flow) and installs its
/// per-iteration work. Prints why on failure.
bool setup_shard(const cli::CliConfig& cfg, Shard& shard, ServeShard& ss) {
    StackCore& stack = *shard.stack;
    for (auto port : cfg.serve.udp_echo_ports) {
        auto s = stack.udp_open(IpAddress{Ipv4Address{}}, port);
        if (!s) {
            std::fprintf(stderr, "multios-net: udp port %u: %s\n", port,
                         s.error().message().c_str());
            return false;
        }
        ss.udp_echo.push_back(*s);
    }
    ss.services = make_services(cfg.serve);
    ss.tcp = std::make_unique<TcpDispatcher>(stack);
    if (!listen_all(*ss.tcp, ss.services))
        return false;
    shard.loop->on_iteration = [&stack, &ss](Instant now) {
        for (auto s : ss.udp_echo)
            stack.udp_drain(s, [&](const UdpDatagramView& d) {
                // A full tx ring drops the echo (counted); UDP promises no more.
                (void)stack.udp_send_to(s, d.src, d.src_port, d.payload, now);
            });
        ss.tcp->poll(now);
    };
    return true;
}

} // namespace

int run_serve(const cli::CliConfig& cfg) {
    if (!check_serve_options(cfg.serve))
        return cli::kExitUsage;
    install_signal_handlers();
    std::vector<std::unique_ptr<ServeShard>> shards(cfg.global.lcores);
    auto rt = start_runtime(cfg, [&](Shard& shard) {
        shards[shard.lcore] = std::make_unique<ServeShard>();
        return setup_shard(cfg, shard, *shards[shard.lcore]);
    });
    if (!rt)
        return cli::kExitFailed;

    std::printf("multios-net: serving on %u lcore%s\n%s", rt->lcore_count(),
                rt->lcore_count() == 1 ? "" : "s", rt->describe().c_str());
    for (auto port : cfg.serve.udp_echo_ports)
        std::printf("  udp echo on port %u\n", port);
    for (auto& s : shards[0]->services)
        std::printf("  tcp %.*s on port %u\n", static_cast<int>(s.service().name().size()),
                    s.service().name().data(), s.port);
    std::fflush(stdout);

    auto report = [&] {
        std::vector<ServeSnapshot> snaps(rt->lcore_count());
        const std::size_t budget = kReportConnections / rt->lcore_count() + 1;
        rt->run_on_each(
            [&](Shard& s) { snaps[s.lcore] = take_snapshot(*rt, s, *shards[s.lcore], budget); });
        std::vector<LcoreSnapshot> lcores;
        for (const auto& s : snaps)
            lcores.push_back(s.lcore);
        rt->print_report(stdout, lcores);
        print_tcp_report(stdout, snaps, shards[0]->services);
    };
    auto work = rt->loop().on_iteration;
    rt->loop().on_iteration = [&](Instant now) {
        work(now);
        if (g_dump.exchange(false))
            report();
    };
    rt->loop().run(g_stop);
    std::printf("multios-net: stopping\n");
    rt->stop_workers();
    report();
    for (auto& s : shards)
        s->tcp->close_listeners(rt->now());
    return cli::kExitOk;
}

} // namespace multios::net::app
