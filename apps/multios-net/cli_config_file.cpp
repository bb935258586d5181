// `multios-net --config FILE` (cli_config_file.hpp): turns the file's interfaces into ports
// and fills the global options the command line did not give.
#include "cli_config_file.hpp"

#include <fmt/format.h>

namespace multios::net::cli {

namespace {

PortConfig port_from(const config::InterfaceSection& i) {
    PortConfig p;
    p.vdev = i.device_or_default();
    p.ips = i.addresses;
    p.mac = i.mac;
    p.mtu = i.mtu;
    p.loss = i.loss;
    p.delay_ms = static_cast<double>(i.delay_ms);
    p.reorder = i.reorder;
    return p;
}

/// Port options written before any --vdev apply to the first port, which is now the file's
/// first interface: each one given replaces the file's value (--ip replaces the whole list).
void override_first_port(PortConfig& to, const PortConfig& cli, const GivenOptions& given) {
    if (!cli.ips.empty())
        to.ips = cli.ips;
    if (cli.mac)
        to.mac = cli.mac;
    if (cli.mtu)
        to.mtu = cli.mtu;
    if (given.loss)
        to.loss = cli.loss;
    if (given.delay)
        to.delay_ms = cli.delay_ms;
    if (given.reorder)
        to.reorder = cli.reorder;
}

void merge_ports(CliConfig& cfg, const config::FileConfig& file) {
    // Any --vdev on the command line describes the ports itself: the file's are not used.
    if (file.interfaces.empty() || cfg.given.vdev)
        return;
    std::vector<PortConfig> ports;
    for (const auto& i : file.interfaces)
        ports.push_back(port_from(i));
    override_first_port(ports.front(), cfg.ports.front(), cfg.given);
    cfg.ports = std::move(ports);
}

void merge_globals(CliConfig& cfg, const config::FileConfig& file) {
    GlobalOptions& g = cfg.global;
    if (!g.gateway_v4)
        g.gateway_v4 = file.gateway_v4;
    if (!g.gateway_v6)
        g.gateway_v6 = file.gateway_v6;
    if (!g.pcap_file)
        g.pcap_file = file.pcap;
    if (!g.seed)
        g.seed = file.seed;
    if (!cfg.given.lcores && file.lcores)
        g.lcores = *file.lcores;
    if (!cfg.given.eal && !file.eal_args.empty()) {
        // Checked by the parser: the quotes are balanced and no word picks lcores.
        if (auto words = config::eal_words(file.eal_args))
            g.eal_args = std::move(*words);
    }
    g.tcp = file.tcp;
}

} // namespace

std::optional<std::string> merge_config_file(CliConfig& cfg, const config::FileConfig& file) {
    merge_ports(cfg, file);
    merge_globals(cfg, file);
    for (const auto& p : cfg.ports) {
        bool has_v6 = false;
        for (const auto& ip : p.ips)
            has_v6 = has_v6 || ip.address.is_v6();
        // RFC 8200 section 5: every link carrying IPv6 must have an MTU of 1280 or more.
        if (has_v6 && p.mtu && *p.mtu < kMinMtuV6)
            return fmt::format("port '{}': MTU {} with IPv6 addresses (the file and the command "
                               "line together): IPv6 needs at least {}",
                               p.vdev, *p.mtu, kMinMtuV6);
    }
    return std::nullopt;
}

std::optional<std::string> load_config_file(CliConfig& cfg) {
    if (!cfg.global.config_file)
        return std::nullopt;
    auto loaded = config::load_stack_config(*cfg.global.config_file);
    if (auto* e = std::get_if<config::ConfigError>(&loaded))
        return e->message;
    return merge_config_file(cfg, std::get<config::FileConfig>(loaded));
}

} // namespace multios::net::cli
