// A network interface of a NetworkStack: a name, the DPDK port it is bound to (a vdev string)
// and its addresses. A NetworkInterface is a handle: copies share one interface, so the object
// given to NetworkStack::add_interface and the pointer get_interface returns see the same
// settings. Settings are made before NetworkStack::start(), except addresses, which may be
// added to a running stack.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <multios/net/address.hpp>
#include <multios/net/result.hpp>

namespace multios::net {

class NetworkStack;

class NetworkInterface {
  public:
    /// `name` is the interface's name in the stack, and with no device set also the name of
    /// the TAP interface the default device creates ("net_tapN,iface=<name>", N its position
    /// among the stack's interfaces, 0 for the first).
    explicit NetworkInterface(std::string name);

    const std::string& name() const;

    /// The DPDK device: an EAL vdev such as "net_tap0,iface=tap0", "net_memif0,role=server",
    /// "net_af_packet0,iface=veth0". EBUSY once the stack started; EINVAL when empty.
    Result<void> set_device(std::string vdev);
    /// The device set, or empty when the default applies.
    std::string device() const;

    /// Adds an address with its prefix, "192.168.1.10/24" or "fd00::10/64" (a bare address
    /// is /32 or /128). Before start() it replaces a previously set address of the same
    /// family; on a running stack it is added to every lcore (the stack keeps the old ones, as
    /// `ip addr add` does). EINVAL on a malformed prefix.
    Result<void> set_ip_address(std::string_view prefix);
    Result<void> add_address(const IpPrefix& prefix);
    std::vector<IpPrefix> addresses() const;

    /// "02:00:00:00:00:02"; unset: the port's own address. EBUSY once started.
    Result<void> set_mac_address(std::string_view mac);
    std::optional<MacAddress> mac_address() const;
    /// 576..9000 (IPv6 needs 1280 and is disabled below it). EBUSY once started.
    Result<void> set_mtu(std::uint16_t mtu);
    std::uint16_t mtu() const;

    struct State;
    /// For the stack's implementation.
    const std::shared_ptr<State>& state() const { return state_; }

  private:
    std::shared_ptr<State> state_;
};

} // namespace multios::net
