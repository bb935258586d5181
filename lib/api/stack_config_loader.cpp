#include "api/stack_config_loader.hpp"

#include <cstdio>
#include <variant>

#include "api/interface_state.hpp"
#include "config/stack_config_file.hpp"
#include "config/tcp_defaults.hpp"

namespace multios::net {

namespace {

void merge_interface(NetworkInterface::State& st, const config::InterfaceSection& f) {
    std::lock_guard lock(st.mutex);
    if (st.device.empty() && f.device)
        st.device = *f.device;
    if (st.addresses.empty())
        st.addresses = f.addresses;
    if (!st.mac && f.mac)
        st.mac = f.mac;
    if (st.mtu == 1500 && f.mtu)
        st.mtu = *f.mtu;
    st.loss = f.loss;
    st.delay_ms = f.delay_ms;
    st.reorder = f.reorder;
}

} // namespace

Result<void> apply_config_file(const std::string& path, StackOptions& options,
                               std::deque<NetworkInterface>& interfaces,
                               std::optional<Ipv4Address>& gateway_v4,
                               std::optional<Ipv6Address>& gateway_v6, TcpStackConfig& tcp) {
    auto loaded = config::load_stack_config(path);
    if (auto* err = std::get_if<config::ConfigError>(&loaded)) {
        std::fprintf(stderr, "multios-net: %s\n", err->message.c_str());
        return fail(EINVAL);
    }
    const auto& file = std::get<config::FileConfig>(loaded);
    for (const auto& f : file.interfaces) {
        NetworkInterface* mine = nullptr;
        for (auto& i : interfaces)
            if (i.name() == f.name)
                mine = &i;
        if (mine == nullptr)
            mine = &interfaces.emplace_back(f.name);
        merge_interface(*mine->state(), f);
    }
    if (options.lcores == 1 && file.lcores)
        options.lcores = *file.lcores;
    if (!options.seed && file.seed)
        options.seed = file.seed;
    if (!options.pcap_file && file.pcap)
        options.pcap_file = file.pcap;
    if (options.eal_args.empty())
        options.eal_args = file.eal_args;
    if (!gateway_v4)
        gateway_v4 = file.gateway_v4;
    if (!gateway_v6)
        gateway_v6 = file.gateway_v6;
    config::apply_tcp_section(file.tcp, tcp);
    return {};
}

} // namespace multios::net
