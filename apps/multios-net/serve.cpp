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

/// TCP part of the report: stack counters, each service, then each live connection like
/// `ss -ti` (local, remote, then tcp::format_tcp_info).
void print_tcp_report(std::FILE* out, const StackCore& stack, const TcpDispatcher& d,
                      const std::vector<ServedPort>& services) {
    const TcpCounters& t = stack.tcp_counters();
    fmt::print(out,
               "tcp: connections={} accepted={} active_opens={} passive_opens={} established={} "
               "resets_sent={} resets_received={} syn_cookies_sent={} syn_cookies_accepted={} "
               "syn_cookies_failed={} syn_queue_overflows={} accept_queue_overflows={} "
               "segs_in={} segs_out={} freed={}\n",
               stack.tcp_connection_count(), d.accepted(), t.active_opens, t.passive_opens,
               t.established, t.resets_sent, t.resets_received, t.syn_cookies_sent,
               t.syn_cookies_accepted, t.syn_cookies_failed, t.syn_queue_overflows,
               t.accept_queue_overflows, t.segs_in, t.segs_out, t.connections_freed);
    for (const auto& s : services)
        if (s.counting)
            fmt::print(out, "{}\n", describe_stats(*s.counting, s.port));
    std::string line;
    std::size_t shown = 0;
    stack.tcp_for_each([&](TcpConnId, const tcp::Connection& c) {
        if (shown++ >= kReportConnections)
            return;
        const FourTuple& tu = c.tuple();
        line = fmt::format("  {} {} ", endpoint(tu.local, tu.local_port),
                           endpoint(tu.remote, tu.remote_port));
        tcp::format_tcp_info(c.info(), line);
        fmt::print(out, "{}\n", line);
    });
    if (shown > kReportConnections)
        fmt::print(out, "  ... and {} more connections\n", shown - kReportConnections);
    std::fflush(out);
}

} // namespace

int run_serve(const cli::CliConfig& cfg) {
    if (!check_serve_options(cfg.serve))
        return cli::kExitUsage;
    install_signal_handlers();
    auto rt = Runtime::start(cfg);
    if (!rt)
        return cli::kExitFailed;
    StackCore& stack = rt->stack();
    std::vector<UdpSocketId> echo;
    for (auto port : cfg.serve.udp_echo_ports) {
        auto s = stack.udp_open(IpAddress{Ipv4Address{}}, port);
        if (!s) {
            std::fprintf(stderr, "multios-net: udp port %u: %s\n", port,
                         s.error().message().c_str());
            return cli::kExitFailed;
        }
        echo.push_back(*s);
    }
    std::vector<ServedPort> services = make_services(cfg.serve);
    TcpDispatcher tcp(stack);
    if (!listen_all(tcp, services))
        return cli::kExitFailed;

    std::printf("multios-net: serving\n%s", rt->describe().c_str());
    for (auto port : cfg.serve.udp_echo_ports)
        std::printf("  udp echo on port %u\n", port);
    for (auto& s : services)
        std::printf("  tcp %.*s on port %u\n", static_cast<int>(s.service().name().size()),
                    s.service().name().data(), s.port);
    std::fflush(stdout);

    auto report = [&] {
        rt->print_report(stdout);
        print_tcp_report(stdout, stack, tcp, services);
    };
    rt->loop().on_iteration = [&](Instant now) {
        for (auto s : echo)
            stack.udp_drain(s, [&](const UdpDatagramView& d) {
                // A full tx ring drops the echo (counted); UDP promises no more.
                (void)stack.udp_send_to(s, d.src, d.src_port, d.payload, now);
            });
        tcp.poll(now);
        if (g_dump.exchange(false))
            report();
    };
    rt->loop().run(g_stop);
    std::printf("multios-net: stopping\n");
    report();
    tcp.close_listeners(rt->now());
    return cli::kExitOk;
}

} // namespace multios::net::app
