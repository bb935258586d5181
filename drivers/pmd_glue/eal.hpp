// EAL start-up: builds the EAL argument vector from our options (defaults that work on these
// machines, see /work/shared/DPDK-HERE.md), checks privileges and devices up front so that the
// user gets one clear line instead of EAL's log, and starts EAL once per process.
#pragma once

#include <string>
#include <vector>

#include <multios/net/result.hpp>

namespace multios::net::glue {

struct EalOptions {
    std::string program_name = "multios-net";
    /// Virtual devices, one --vdev each, in IfIndex order ("net_tap0,iface=mtap0", "net_ring0").
    std::vector<std::string> vdevs;
    /// Extra EAL arguments, split on whitespace and appended last so they override our
    /// defaults (-m, --log-level, ...). Core selection (-l/--lcores/-c) is refused here.
    std::string user_args;
    /// Number of lcores: lcore i runs on the i-th CPU this process may use (round-robin when
    /// there are more lcores than CPUs; they then share CPUs and rely on the idle back-off).
    unsigned lcores = 1;
    /// --file-prefix when running without hugepages; empty means "multios-<pid>".
    std::string file_prefix;
    /// Fail with "no ports found" when EAL starts without any ethdev port.
    bool require_ports = true;
};

/// What the host offers, probed once; separate so that argument building is testable.
struct HostFacts {
    bool hugepages_usable = false; ///< HugePages_Free > 0 and a hugetlbfs mount exists.
    bool privileged = false;       ///< euid 0 or CAP_NET_ADMIN in the effective set.
    bool has_tun = false;          ///< /dev/net/tun exists (net_tap needs it).
    /// CPUs in this process's affinity mask (sched_getaffinity), ascending; empty if unknown.
    std::vector<unsigned> cpus;
};

HostFacts probe_host();

/// The full argv (argv[0] = program name) that start_eal() would pass to rte_eal_init.
/// Fails (EINVAL) when user_args selects cores or lcores == 0.
Result<std::vector<std::string>> build_eal_args(const EalOptions& options, const HostFacts& host);

/// Checks privileges and devices, then calls rte_eal_init. On failure, last_error() holds one
/// line naming the cause: not root, no /dev/net/tun, EAL memory, bad vdev, no ports found.
/// Call once per process (EAL cannot be restarted, not even after stop_eal()).
Result<void> start_eal(const EalOptions& options);

/// True after a successful start_eal() and before stop_eal().
bool eal_running();

/// Releases EAL resources (rte_eal_cleanup). Close ports first (PortSet's destructor).
void stop_eal();

} // namespace multios::net::glue
