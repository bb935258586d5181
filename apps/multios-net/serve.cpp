// `serve`: answer ARP/NDP/ping, echo or sink UDP, and run the TCP services (echo, discard, chargen,
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

/// What one UDP service did on one lcore.
struct UdpServiceStats {
    std::uint64_t datagrams = 0; ///< Received.
    std::uint64_t bytes = 0;     ///< Payload bytes received.
    std::uint64_t not_sent = 0;  ///< Echo only: replies refused (full tx ring, no neighbour).
    UdpServiceStats& operator+=(const UdpServiceStats& o) {
        datagrams += o.datagrams;
        bytes += o.bytes;
        not_sent += o.not_sent;
        return *this;
    }
};

/// A UDP service socket: echo (reply to the sender) or sink (count and drop).
struct UdpService {
    UdpSocketId socket;
    std::uint16_t port;
    bool echo;
    UdpServiceStats stats;
};

/// What `serve` runs on one lcore: UDP services, the TCP services and their dispatcher.
struct ServeShard {
    std::vector<UdpService> udp;
    std::vector<ServedPort> services;
    std::unique_ptr<TcpDispatcher> tcp;
};

/// One lcore's part of the report, copied on that lcore.
struct ServeSnapshot {
    LcoreSnapshot lcore;
    std::vector<UdpServiceStats> udp; ///< In ServeShard::udp order.
    std::uint64_t accepted = 0;
    std::vector<TcpServiceStats> services; ///< In ServeShard::services order.
    std::string connections;               ///< `ss -ti`-like lines, at most kReportConnections.
    std::size_t listed = 0, unlisted = 0;
};

ServeSnapshot take_snapshot(const Runtime& rt, const Shard& shard, const ServeShard& ss,
                            std::size_t line_budget) {
    ServeSnapshot snap;
    snap.lcore = rt.snapshot(shard);
    for (const auto& u : ss.udp)
        snap.udp.push_back(u.stats);
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

/// One line per UDP service, summed over lcores (every lcore opens every UDP port).
void print_udp_report(std::FILE* out, const std::vector<ServeSnapshot>& snaps,
                      const std::vector<UdpService>& udp) {
    for (std::size_t i = 0; i < udp.size(); ++i) {
        UdpServiceStats t;
        for (const auto& s : snaps)
            if (i < s.udp.size())
                t += s.udp[i];
        if (udp[i].echo)
            fmt::print(out, "udp echo port {}: datagrams={} bytes={} not_sent={}\n", udp[i].port,
                       t.datagrams, t.bytes, t.not_sent);
        else
            fmt::print(out, "udp sink port {}: datagrams={} bytes={}\n", udp[i].port, t.datagrams,
                       t.bytes);
    }
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

/// Opens one UDP service socket on every address. Prints why on failure.
bool open_udp(StackCore& stack, std::uint16_t port, bool echo, ServeShard& ss) {
    auto s = stack.udp_open(IpAddress{Ipv4Address{}}, port);
    if (!s) {
        std::fprintf(stderr, "multios-net: udp port %u: %s\n", port, s.error().message().c_str());
        return false;
    }
    ss.udp.push_back({*s, port, echo, {}});
    return true;
}

/// Receives what is queued on one UDP service: echoes it back or only counts it.
void drain_udp(StackCore& stack, UdpService& u, Instant now) {
    stack.udp_drain(u.socket, [&](const UdpDatagramView& d) {
        ++u.stats.datagrams;
        u.stats.bytes += d.payload.size();
        // A full tx ring drops the echo (counted); UDP promises no more.
        if (u.echo && !stack.udp_send_to(u.socket, d.src, d.src_port, d.payload, now))
            ++u.stats.not_sent;
    });
}

/// Opens this lcore's UDP service sockets and TCP listeners (every lcore listens on every
/// port, like SO_REUSEPORT: a connection stays on the lcore that owns its flow) and installs
/// its per-iteration work. Prints why on failure.
bool setup_shard(const cli::CliConfig& cfg, Shard& shard, ServeShard& ss) {
    StackCore& stack = *shard.stack;
    for (auto port : cfg.serve.udp_echo_ports)
        if (!open_udp(stack, port, true, ss))
            return false;
    for (auto port : cfg.serve.udp_sink_ports)
        if (!open_udp(stack, port, false, ss))
            return false;
    ss.services = make_services(cfg.serve);
    ss.tcp = std::make_unique<TcpDispatcher>(stack);
    if (!listen_all(*ss.tcp, ss.services))
        return false;
    shard.loop->on_iteration = [&stack, &ss](Instant now) {
        for (auto& u : ss.udp)
            drain_udp(stack, u, now);
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
    for (auto port : cfg.serve.udp_sink_ports)
        std::printf("  udp sink on port %u\n", port);
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
        print_udp_report(stdout, snaps, shards[0]->udp);
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
