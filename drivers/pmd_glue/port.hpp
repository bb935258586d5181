// Ports: every ethdev port that EAL probed (one per --vdev, in order) becomes interface
// IfIndex 0..n-1. Each port gets rx/tx queues (one pair per lcore), symmetric RSS where the
// PMD has it (several queues), descriptor rings
// clamped to what the PMD allows, a shared per-socket mbuf pool sized for all of them, its MTU
// and MAC, promiscuous + all-multicast (IPv6 NDP needs multicast), and checksum offloads when
// the PMD has them.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <multios/net/address.hpp>
#include <multios/net/result.hpp>

#include "common/frame_sink.hpp"
#include "pmd_glue/counters.hpp"

struct rte_mempool;

namespace multios::net::glue {

struct PortSetConfig {
    std::uint16_t mtu = 1500; ///< IP MTU, 68..9000.
    std::uint16_t queues = 1; ///< rx and tx queues per port (one per lcore).
    std::uint16_t rx_desc = 1024;
    std::uint16_t tx_desc = 1024;
    unsigned lcores = 1;
    /// MAC per IfIndex; a missing entry or nullopt keeps the PMD's address.
    std::vector<std::optional<MacAddress>> macs;
    /// Mbufs beyond the rings and caches: frames the application or capture holds.
    std::uint32_t extra_mbufs = 2048;
};

/// Checksum offloads: rx ones are enabled when the PMD has them (the stack may then trust
/// RTE_MBUF_F_RX_*_CKSUM_GOOD); tx ones are only reported (the stack checksums in software).
struct ChecksumOffloads {
    bool rx_ipv4 = false;
    bool rx_udp = false;
    bool rx_tcp = false;
    bool tx_ipv4 = false;
    bool tx_udp = false;
    bool tx_tcp = false;
};

struct PortInfo {
    IfIndex ifindex = 0;
    std::uint16_t port_id = 0;
    std::string name;   ///< Device name, e.g. "net_tap0".
    std::string driver; ///< e.g. "net_tap".
    /// The port's address; for a PMD that reports none (net_ring) a local 02:6d:6f:00:00:<if>.
    MacAddress mac;
    std::uint16_t mtu = 1500;
    int socket = 0;
    std::uint16_t rx_queues = 1;
    std::uint16_t tx_queues = 1;
    std::uint16_t rx_desc = 0; ///< After clamping to the PMD's limits.
    std::uint16_t tx_desc = 0;
    bool promiscuous = false;
    bool allmulticast = false;
    ChecksumOffloads csum;
    /// The PMD spreads received frames over the queues by the symmetric Toeplitz hash
    /// (steer::kSymmetricRssKey); its indirection table has `reta_size` entries.
    bool rss = false;
    std::uint16_t reta_size = 0;
};

/// Occupancy of one mbuf pool. `in_use` counts the mbufs outside the pool: those in rx rings
/// (a PMD keeps one per filled descriptor), in tx rings not yet completed, in the sink's
/// pending bursts, in the impairment layer and wherever the stack holds a frame. Mbufs in the
/// per-lcore caches count as available (rte_mempool_avail_count includes the caches).
struct PoolUsage {
    std::string name;
    int socket = 0;
    std::uint32_t in_use = 0;
    std::uint32_t available = 0;
    std::uint32_t size = 0; ///< in_use + available.
};

/// rte_eth_stats of a port plus the glue's own counters summed over its queues.
struct PortStats {
    std::uint64_t ipackets = 0;
    std::uint64_t opackets = 0;
    std::uint64_t ibytes = 0;
    std::uint64_t obytes = 0;
    std::uint64_t imissed = 0;
    std::uint64_t ierrors = 0;
    std::uint64_t oerrors = 0;
    std::uint64_t rx_nombuf = 0;
    QueueCounters glue;
};

class PortSet {
  public:
    /// Configures and starts every available ethdev port. EAL must be running. On failure
    /// last_error() names the port and the cause (e.g. an MTU the PMD cannot do).
    static Result<std::unique_ptr<PortSet>> open(const PortSetConfig& config);
    /// Stops and closes the ports, then frees the pools. Destroy every MbufFrameSink (which
    /// holds pending mbufs) before this.
    ~PortSet();
    PortSet(const PortSet&) = delete;
    PortSet& operator=(const PortSet&) = delete;

    std::size_t size() const { return ports_.size(); }
    const PortInfo& info(IfIndex ifindex) const { return ports_[ifindex]; }
    /// The mbuf pool on the socket of `ifindex`'s port.
    rte_mempool* pool(IfIndex ifindex) const;
    std::uint32_t mbufs_per_pool() const { return pool_mbufs_; }
    /// Each pool's occupancy now, in socket order (one pool per socket that has a port).
    /// Reads the pool's ring and every lcore's cache: a report's cost, not a per-packet one.
    std::vector<PoolUsage> pool_usage() const;
    /// Bytes an mbuf can hold after its headroom (the largest frame begin_frame can give).
    std::uint32_t frame_capacity() const { return frame_capacity_; }

    QueueCounters& queue_counters(IfIndex ifindex, std::uint16_t queue) {
        return counters_[ifindex][queue];
    }
    const QueueCounters& queue_counters(IfIndex ifindex, std::uint16_t queue) const {
        return counters_[ifindex][queue];
    }
    PortStats stats(IfIndex ifindex) const;
    /// "Link up at 10 Gbps FDX Autoneg" (rte_eth_link_get_nowait, does not wait).
    std::string link_status(IfIndex ifindex) const;
    /// One line: name, driver, MAC, MTU, queues/descriptors, promisc, offloads.
    std::string describe(IfIndex ifindex) const;
    /// The smallest indirection table among RSS ports (0 when no port does RSS): the size the
    /// software steering must use so that every NIC table can mirror it.
    std::uint16_t min_reta_size() const;
    /// Programs every RSS port's indirection table from `reta` (a power-of-two size no larger
    /// than the port's): entry j of the port gets reta[j mod reta.size()], so the NIC's choice
    /// for any hash equals the software steering's. A port that refuses loses `rss` (software
    /// steering still puts every frame right); the reason is logged once on stderr.
    void program_reta(std::span<const std::uint16_t> reta);
    /// A readable block of all counters of all ports and queues.
    void print_counters(std::FILE* out) const { print_counters(out, counters_); }
    /// The same with the glue's queue counters given as copies ([ifindex][queue]) that each
    /// queue's lcore made: while the lcores run, only they may read their counters.
    void print_counters(std::FILE* out,
                        const std::vector<std::vector<QueueCounters>>& queues) const;

  private:
    PortSet() = default;
    Result<void> create_pools(const PortSetConfig& config);
    Result<void> setup_port(std::uint16_t port_id, const PortSetConfig& config);
    rte_mempool* pool_on(int socket) const;

    struct Pool {
        int socket;
        rte_mempool* mp;
    };
    std::vector<PortInfo> ports_;
    std::vector<std::vector<QueueCounters>> counters_; // [ifindex][queue]
    std::vector<Pool> pools_;
    std::uint32_t pool_mbufs_ = 0;
    std::uint32_t frame_capacity_ = 0;
    std::uint16_t data_room_ = 0;
};

} // namespace multios::net::glue
