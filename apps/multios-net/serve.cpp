// `serve`: answer ARP/NDP/ping, echo UDP on the given ports, until SIGINT/SIGTERM.
#include <cstdio>
#include <vector>

#include "commands.hpp"
#include "runtime.hpp"

namespace multios::net::app {

int run_serve(const cli::CliConfig& cfg) {
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
    std::printf("multios-net: serving\n%s", rt->describe().c_str());
    for (auto port : cfg.serve.udp_echo_ports)
        std::printf("  udp echo on port %u\n", port);
    std::fflush(stdout);

    rt->loop().on_iteration = [&](Instant now) {
        for (auto s : echo)
            stack.udp_drain(s, [&](const UdpDatagramView& d) {
                // A full tx ring drops the echo (counted); UDP promises no more.
                (void)stack.udp_send_to(s, d.src, d.src_port, d.payload, now);
            });
        if (g_dump.exchange(false))
            rt->print_report(stdout);
    };
    rt->loop().run(g_stop);
    std::printf("multios-net: stopping\n");
    rt->print_report(stdout);
    return cli::kExitOk;
}

} // namespace multios::net::app
