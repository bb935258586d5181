// A running instance of the stack: its interfaces, its polling lcores and the sockets opened
// on it. See docs/api.md for the threading model.
//
//   NetworkStack stack;                       // reads $MULTIOS_NET_CONFIG when set
//   NetworkInterface eth0("eth0");
//   stack.add_interface(eth0).value();
//   stack.get_interface("eth0")->set_ip_address("192.168.1.10/24").value();
//   stack.start().value();                    // EAL, ports, lcores; returns once they run
//
// start() launches the lcores on their own threads (lcore 0 on a thread the stack creates),
// so the calling thread stays the application's. DPDK allows one EAL per process: one stack
// may be started per process, once (a second start() fails with EALREADY).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <multios/net/network_interface.hpp>
#include <multios/net/result.hpp>

namespace multios::net {

struct StackOptions {
    unsigned lcores = 1;                  ///< Polling lcores (threads), one CPU each.
    std::optional<std::string> pcap_file; ///< Capture every port's traffic (pcapng).
    std::optional<std::uint64_t> seed;    ///< ISNs, ports, impairments; unset: random.
    std::string eal_args;                 ///< Extra EAL arguments (no core selection).
    /// A TOML stack configuration (docs/config.md). Unset: $MULTIOS_NET_CONFIG if set.
    std::optional<std::string> config_file;
};

class NetworkStack {
  public:
    NetworkStack();
    explicit NetworkStack(StackOptions options);
    /// Stops the stack if it runs: every socket still open is reset, the lcores stop.
    ~NetworkStack();
    NetworkStack(const NetworkStack&) = delete;
    NetworkStack& operator=(const NetworkStack&) = delete;

    /// Attaches an interface (a handle: later changes to `iface` apply too). EEXIST for a
    /// second interface of that name, EBUSY once started.
    Result<void> add_interface(NetworkInterface& iface);
    /// The stack's interface of that name, or nullptr.
    NetworkInterface* get_interface(std::string_view name);

    /// The default gateway of one family ("10.0.0.1" or "fd00::1"). EINVAL when malformed.
    Result<void> set_gateway(std::string_view address);
    /// 1..128 lcores; EBUSY once started.
    Result<void> set_lcores(unsigned lcores);

    /// Reads the configuration file (if any), starts EAL, the ports and the lcores, and
    /// returns once they run and the IPv6 addresses have finished duplicate address
    /// detection (about a second; at most 5 s). Errors: EALREADY (a stack already started in this
    /// process), EINVAL (bad configuration; the message went to stderr), EPERM (not root / no
    /// CAP_NET_ADMIN), ENODEV (a device could not be created), ENOMEM (EAL memory).
    Result<void> start();
    /// Stops the lcores (idempotent). Blocking socket calls in other threads return
    /// ENETDOWN. The stack cannot be started again (EAL cannot restart).
    void stop();
    bool running() const;
    unsigned lcores() const;
    /// One line per interface: name, device, MAC, MTU, addresses.
    std::string describe() const;

    /// The process's default stack: the first one started (nullptr before).
    static NetworkStack* default_stack();

    struct Engine;
    /// For the socket implementation: the running engine (nullptr when not running).
    Engine* engine() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace multios::net
