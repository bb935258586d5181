// EAL start-up. Flag choices are measured on the project's machines (DPDK-HERE.md §1, §7):
// --no-pci keeps EAL off the VM's only NIC; without hugepages --no-huge needs -m and a private
// config (--no-shconf plus a unique --file-prefix) so that concurrent processes do not clash;
// with hugepages --in-memory avoids leftover rtemap files (it is refused together with --no-huge).
#include "pmd_glue/eal.hpp"

#include <cerrno>
#include <fstream>
#include <sstream>
#include <string_view>

#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>

#include "pmd_glue/glue_error.hpp"

namespace multios::net::glue {

namespace {

bool g_running = false;

constexpr int kCapNetAdmin = 12; // linux/capability.h CAP_NET_ADMIN

/// Value of a "Key: value" line in a /proc file, or "" when absent.
std::string proc_field(const char* path, std::string_view key) {
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        if (line.size() > key.size() && line.compare(0, key.size(), key) == 0 &&
            line[key.size()] == ':') {
            auto pos = line.find_first_not_of(" \t", key.size() + 1);
            return pos == std::string::npos ? std::string{} : line.substr(pos);
        }
    }
    return {};
}

bool has_hugetlbfs_mount() {
    std::ifstream in("/proc/mounts");
    std::string dev, dir, type;
    std::string rest;
    while (in >> dev >> dir >> type && std::getline(in, rest)) {
        if (type == "hugetlbfs") {
            return true;
        }
    }
    return false;
}

bool has_cap_net_admin() {
    std::string eff = proc_field("/proc/self/status", "CapEff");
    if (eff.empty()) {
        return false;
    }
    unsigned long long mask = std::strtoull(eff.c_str(), nullptr, 16);
    return ((mask >> kCapNetAdmin) & 1ULL) != 0;
}

bool is_core_option(std::string_view arg) {
    return arg == "-l" || arg == "-c" || arg == "--lcores" || arg.starts_with("--lcores=") ||
           (arg.size() > 2 && (arg.starts_with("-l") || arg.starts_with("-c")) && arg[1] != '-');
}

/// Driver part of a vdev string: "net_tap0,iface=x" -> "net_tap0".
std::string vdev_name(const std::string& vdev) {
    return vdev.substr(0, vdev.find(','));
}

bool wants_tap(const EalOptions& options) {
    for (const auto& v : options.vdevs) {
        if (v.starts_with("net_tap") || v.starts_with("net_tun")) {
            return true;
        }
    }
    return false;
}

std::string memory_hint(const HostFacts& host) {
    return host.hugepages_usable
               ? "hugepages are reserved: check HugePages_Free in /proc/meminfo"
               : "running without hugepages: give more memory with --eal-args '-m 1024'";
}

/// Probes each vdev after rte_eal_init so that a failure names the exact vdev (a --vdev on
/// the EAL command line fails the whole init with ENODEV and no name). Port ids are handed
/// out in probe order, so IfIndex i is the i-th vdev.
Result<void> probe_vdevs(const EalOptions& options) {
    for (const auto& v : options.vdevs) {
        int rc = rte_dev_probe(v.c_str());
        if (rc < 0) {
            return glue_fail(-rc, fmt::format("multios-net: probe failed for vdev '{}' ({}): "
                                              "check the driver name and its arguments",
                                              vdev_name(v), rte_strerror(-rc)));
        }
    }
    return {};
}

/// CPUs this process may run on: lcores go there, so that `taskset` and cgroups are honoured.
std::vector<unsigned> allowed_cpus() {
    cpu_set_t set;
    CPU_ZERO(&set);
    std::vector<unsigned> out;
    if (sched_getaffinity(0, sizeof set, &set) != 0) {
        return out;
    }
    for (unsigned c = 0; c < CPU_SETSIZE; ++c) {
        if (CPU_ISSET(c, &set)) {
            out.push_back(c);
        }
    }
    return out;
}

/// EAL's lcore map "--lcores=0@c0,1@c1,...": lcore i on allowed CPU i mod count. With more
/// lcores than CPUs (allowed: CONTRACTS.md asks that N = CPUs works, and a test may ask for
/// more) several lcores share a CPU; the poll loop's idle back-off keeps them from starving
/// each other.
std::string lcore_map(unsigned lcores, const std::vector<unsigned>& cpus) {
    if (cpus.empty()) {
        return lcores == 1 ? "-l0" : fmt::format("-l0-{}", lcores - 1);
    }
    std::string map = "--lcores=";
    for (unsigned i = 0; i < lcores; ++i) {
        map += fmt::format("{}{}@{}", i == 0 ? "" : ",", i, cpus[i % cpus.size()]);
    }
    return map;
}

} // namespace

HostFacts probe_host() {
    HostFacts host;
    std::string free_pages = proc_field("/proc/meminfo", "HugePages_Free");
    host.hugepages_usable = !free_pages.empty() &&
                            std::strtoul(free_pages.c_str(), nullptr, 10) > 0 &&
                            has_hugetlbfs_mount();
    host.privileged = geteuid() == 0 || has_cap_net_admin();
    struct stat st {};
    host.has_tun = stat("/dev/net/tun", &st) == 0;
    host.cpus = allowed_cpus();
    return host;
}

Result<std::vector<std::string>> build_eal_args(const EalOptions& options, const HostFacts& host) {
    if (options.lcores == 0) {
        return glue_fail(EINVAL, "multios-net: lcore count must be at least 1");
    }
    std::vector<std::string> user;
    std::istringstream split(options.user_args);
    for (std::string arg; split >> arg;) {
        if (is_core_option(arg)) {
            return glue_fail(EINVAL, fmt::format("multios-net: EAL argument '{}' is not allowed in "
                                                 "--eal-args: lcores are set by --lcores",
                                                 arg));
        }
        user.push_back(std::move(arg));
    }
    std::vector<std::string> args{options.program_name};
    args.push_back(lcore_map(options.lcores, host.cpus));
    // net_tap logs harmless errors at every start on these kernels (no multiq qdisc, so no
    // rte_flow; no secondary process to notify); a real TAP failure still reaches the user as
    // our own probe error. `--eal "--log-level=pmd.net.tap:info"` brings them back.
    args.insert(args.end(), {"--no-pci", "--no-telemetry", "--log-level=lib.eal:warning",
                             "--log-level=pmd.net.tap:critical"});
    if (host.hugepages_usable) {
        args.push_back("--in-memory");
    } else {
        std::string prefix = options.file_prefix.empty()
                                 ? fmt::format("multios-{}", static_cast<long>(getpid()))
                                 : options.file_prefix;
        args.insert(args.end(),
                    {"--no-huge", "-m", "512", "--no-shconf", "--file-prefix=" + prefix});
    }
    // Vdevs are probed after init (probe_vdevs), not passed as --vdev: see there.
    args.insert(args.end(), user.begin(), user.end());
    return args;
}

Result<void> start_eal(const EalOptions& options) {
    if (g_running) {
        return glue_fail(EALREADY, "multios-net: EAL is already running in this process");
    }
    HostFacts host = probe_host();
    if (!host.privileged) {
        return glue_fail(EPERM, "multios-net: needs root (or CAP_NET_ADMIN) to create TAP/ports");
    }
    if (wants_tap(options) && !host.has_tun) {
        return glue_fail(ENODEV, "multios-net: net_tap needs /dev/net/tun, which is missing "
                                 "(modprobe tun, or pass --device /dev/net/tun to the container)");
    }
    auto args = build_eal_args(options, host);
    if (!args) {
        return fail(args.error());
    }
    // EAL may keep pointers into argv: the strings live until the process ends.
    static std::vector<std::string> storage;
    static std::vector<char*> argv;
    storage = std::move(args.value());
    argv.clear();
    for (auto& s : storage) {
        argv.push_back(s.data());
    }
    argv.push_back(nullptr);
    rte_errno = 0;
    int rc = rte_eal_init(static_cast<int>(storage.size()), argv.data());
    if (rc < 0) {
        int err = rte_errno;
        if (err == ENOMEM || err == EACCES || err == ENOSPC) {
            return glue_fail(err, fmt::format("multios-net: EAL could not get memory ({}); {}",
                                              rte_strerror(err), memory_hint(host)));
        }
        if (err == 0) {
            // DPDK-HERE.md §1: a clash on the shared config leaves rte_errno at 0.
            return glue_fail(EBUSY, "multios-net: EAL init failed (config in use: another "
                                    "process with the same --file-prefix?)");
        }
        return glue_fail(err, fmt::format("multios-net: EAL init failed: {} (check --eal-args)",
                                          rte_strerror(err)));
    }
    g_running = true;
    if (auto probed = probe_vdevs(options); !probed) {
        return probed;
    }
    if (options.require_ports && rte_eth_dev_count_avail() == 0) {
        return glue_fail(ENODEV, "multios-net: no ports found: give at least one --vdev "
                                 "(e.g. net_tap0,iface=mtap0)");
    }
    return {};
}

bool eal_running() {
    return g_running;
}

void stop_eal() {
    if (g_running) {
        rte_eal_cleanup();
        g_running = false;
    }
}

} // namespace multios::net::glue
