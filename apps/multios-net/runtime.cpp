#include "runtime.hpp"

#include <csignal>
#include <cstdio>

#include "config/tcp_defaults.hpp"

namespace multios::net::app {

std::atomic<bool> g_stop{false};
std::atomic<bool> g_dump{false};

namespace {

extern "C" void on_stop_signal(int) {
    g_stop.store(true);
}
extern "C" void on_dump_signal(int) {
    g_dump.store(true);
}

glue::RuntimeConfig runtime_config(const cli::CliConfig& cfg) {
    glue::RuntimeConfig rc;
    for (const auto& p : cfg.ports) {
        glue::RuntimePort port;
        port.vdev = p.vdev;
        port.addresses = p.ips;
        port.mac = p.mac;
        port.mtu = p.mtu;
        port.impairment.loss = p.loss;
        port.impairment.delay = std::chrono::duration_cast<Duration>(
            std::chrono::duration<double, std::milli>(p.delay_ms));
        port.impairment.reorder = p.reorder;
        rc.ports.push_back(std::move(port));
    }
    rc.lcores = cfg.global.lcores;
    rc.pcap_file = cfg.global.pcap_file;
    rc.seed = cfg.global.seed;
    for (const auto& a : cfg.global.eal_args)
        rc.eal_args += (rc.eal_args.empty() ? "" : " ") + a;
    rc.gateway_v4 = cfg.global.gateway_v4;
    rc.gateway_v6 = cfg.global.gateway_v6;
    return rc;
}

} // namespace

void install_signal_handlers() {
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    sa.sa_handler = on_dump_signal;
    sigaction(SIGUSR1, &sa, nullptr);
}

std::unique_ptr<Runtime> start_runtime(const cli::CliConfig& cfg,
                                       const Runtime::ShardSetup& setup) {
    // parse_cli() has already merged the --config file into `cfg`, [tcp] included.
    glue::RuntimeConfig rc = runtime_config(cfg);
    config::apply_tcp_section(cfg.global.tcp, rc.tcp);
    return Runtime::start(rc, setup);
}

} // namespace multios::net::app
