// Port set-up. Order follows the ethdev API contract: configure -> queue setup -> start;
// MTU and MAC are set once configured; promiscuous/all-multicast after start.
#include "pmd_glue/port.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string_view>

#include <fmt/format.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "pmd_glue/glue_error.hpp"
#include "pmd_glue/mbuf_sink.hpp"

namespace multios::net::glue {

namespace {

constexpr unsigned kPoolCache = 256; // per-lcore mempool cache (<= RTE_MEMPOOL_CACHE_MAX_SIZE)
// Bytes around the IP MTU in one frame: Ethernet header, one VLAN tag, FCS.
constexpr std::uint32_t kL2Overhead = RTE_ETHER_HDR_LEN + RTE_VLAN_HLEN + RTE_ETHER_CRC_LEN;

std::string mac_text(const MacAddress& mac) {
    const auto& b = mac.bytes;
    return fmt::format("{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", b[0], b[1], b[2], b[3], b[4],
                       b[5]);
}

int port_socket(std::uint16_t port_id) {
    int s = rte_eth_dev_socket_id(port_id);
    // Virtual devices have no NUMA node (SOCKET_ID_ANY): use the main lcore's.
    return s < 0 ? static_cast<int>(rte_socket_id()) : s;
}

std::uint32_t round_pool_size(std::uint32_t n) {
    // A mempool is most memory-efficient at 2^k - 1 elements (rte_mempool.h).
    std::uint32_t p = 1;
    while (p - 1 < n) {
        p <<= 1;
    }
    return p - 1;
}

std::string port_name(std::uint16_t port_id) {
    char name[RTE_ETH_NAME_MAX_LEN] = {};
    rte_eth_dev_get_name_by_port(port_id, name);
    return name;
}

Failure port_fail(std::uint16_t port_id, int rc, std::string_view what) {
    int err = rc < 0 ? -rc : rc;
    return glue_fail(err, fmt::format("multios-net: port {} ({}): {}: {}", port_id,
                                      port_name(port_id), what, rte_strerror(err)));
}

ChecksumOffloads checksum_capa(const rte_eth_dev_info& dev) {
    ChecksumOffloads c;
    c.rx_ipv4 = (dev.rx_offload_capa & RTE_ETH_RX_OFFLOAD_IPV4_CKSUM) != 0;
    c.rx_udp = (dev.rx_offload_capa & RTE_ETH_RX_OFFLOAD_UDP_CKSUM) != 0;
    c.rx_tcp = (dev.rx_offload_capa & RTE_ETH_RX_OFFLOAD_TCP_CKSUM) != 0;
    c.tx_ipv4 = (dev.tx_offload_capa & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM) != 0;
    c.tx_udp = (dev.tx_offload_capa & RTE_ETH_TX_OFFLOAD_UDP_CKSUM) != 0;
    c.tx_tcp = (dev.tx_offload_capa & RTE_ETH_TX_OFFLOAD_TCP_CKSUM) != 0;
    return c;
}

std::uint64_t rx_checksum_offloads(const ChecksumOffloads& c) {
    std::uint64_t o = 0;
    o |= c.rx_ipv4 ? RTE_ETH_RX_OFFLOAD_IPV4_CKSUM : 0;
    o |= c.rx_udp ? RTE_ETH_RX_OFFLOAD_UDP_CKSUM : 0;
    o |= c.rx_tcp ? RTE_ETH_RX_OFFLOAD_TCP_CKSUM : 0;
    return o;
}

/// The hash types we want spread: IP addresses for fragments and other protocols, addresses
/// and ports for TCP and UDP, exactly what steer::classify_frame computes in software.
constexpr std::uint64_t kWantedRss = RTE_ETH_RSS_IPV4 | RTE_ETH_RSS_FRAG_IPV4 |
                                     RTE_ETH_RSS_NONFRAG_IPV4_TCP | RTE_ETH_RSS_NONFRAG_IPV4_UDP |
                                     RTE_ETH_RSS_IPV6 | RTE_ETH_RSS_FRAG_IPV6 |
                                     RTE_ETH_RSS_NONFRAG_IPV6_TCP | RTE_ETH_RSS_NONFRAG_IPV6_UDP;

/// The symmetric key (0x6d5a repeated) at the length the PMD wants: the 16-bit period is what
/// makes both directions of a flow hash alike, whatever the key length.
std::vector<std::uint8_t> symmetric_key(std::size_t bytes) {
    std::vector<std::uint8_t> key(bytes);
    for (std::size_t i = 0; i < bytes; ++i) {
        key[i] = (i % 2 == 0) ? 0x6d : 0x5a;
    }
    return key;
}

/// RSS is worth configuring with several queues on a PMD that hashes IP flows and has an
/// indirection table (net_tap here reports neither usable: DPDK-HERE.md §3).
bool can_rss(const rte_eth_dev_info& dev, std::uint16_t queues) {
    return queues > 1 && (dev.flow_type_rss_offloads & kWantedRss) != 0 && dev.reta_size > 0 &&
           dev.hash_key_size > 0;
}

/// net_memif reports max_rx_pktlen 1518 but enforces no frame size: its tx splits a frame
/// over several ring buffers (descriptor chaining) and its rx copies them back into one mbuf
/// as long as the data room holds it (ours does: it is sized from the MTU), chaining mbufs
/// otherwise (the poll loop linearises those). So a larger MTU is ours to choose on it.
bool frame_size_unenforced(const rte_eth_dev_info& dev) {
    return dev.driver_name != nullptr && std::string_view(dev.driver_name) == "net_memif";
}

/// The largest MTU ethdev accepts for the port (its configure/set_mtu checks).
std::uint16_t ethdev_mtu_ceiling(const rte_eth_dev_info& dev) {
    const std::uint64_t by_frame = dev.max_rx_pktlen > RTE_ETHER_HDR_LEN + RTE_ETHER_CRC_LEN
                                       ? dev.max_rx_pktlen - RTE_ETHER_HDR_LEN - RTE_ETHER_CRC_LEN
                                       : 0;
    return static_cast<std::uint16_t>(std::min<std::uint64_t>(dev.max_mtu, by_frame));
}

/// The MTU ethdev is told: ours, or its ceiling on a PMD that does not enforce frame sizes.
std::uint16_t ethdev_mtu(const rte_eth_dev_info& dev, std::uint16_t mtu) {
    return frame_size_unenforced(dev) ? std::min(mtu, ethdev_mtu_ceiling(dev)) : mtu;
}

/// The PMD must take a frame of MTU + L2 overhead in one buffer (we never enable scatter:
/// single-segment mbufs keep the FrameSink a plain span).
Result<void> check_mtu(std::uint16_t port_id, const rte_eth_dev_info& dev, std::uint16_t mtu) {
    // ethdev's own frame-size rule: MTU + Ethernet header + CRC must fit max_rx_pktlen.
    const std::uint64_t frame = std::uint64_t{mtu} + RTE_ETHER_HDR_LEN + RTE_ETHER_CRC_LEN;
    const bool too_long = frame > dev.max_rx_pktlen && !frame_size_unenforced(dev);
    if (mtu < dev.min_mtu || mtu > dev.max_mtu || too_long) {
        // The usable ceiling is the lower of max_mtu and what one received frame may hold.
        const std::uint64_t ceiling = ethdev_mtu_ceiling(dev);
        return glue_fail(EINVAL, fmt::format("multios-net: port {} ({}, {}) cannot do MTU {} "
                                             "(this PMD allows {}..{})",
                                             port_id, port_name(port_id), dev.driver_name, mtu,
                                             dev.min_mtu, ceiling));
    }
    return {};
}

Result<void> set_mtu(std::uint16_t port_id, const rte_eth_dev_info& dev, std::uint16_t mtu) {
    int rc = rte_eth_dev_set_mtu(port_id, mtu);
    // PMDs without a runtime MTU setter (net_ring, net_null) still got the MTU through
    // rxmode.mtu at configure time, validated against their max_mtu.
    if (rc == -ENOTSUP && (mtu == RTE_ETHER_MTU || mtu <= dev.max_mtu)) {
        return {};
    }
    if (rc < 0) {
        return port_fail(port_id, rc, fmt::format("cannot set MTU {}", mtu));
    }
    return {};
}

Result<MacAddress> apply_mac(std::uint16_t port_id, const std::optional<MacAddress>& wanted) {
    rte_ether_addr addr{};
    if (wanted) {
        std::memcpy(addr.addr_bytes, wanted->bytes.data(), RTE_ETHER_ADDR_LEN);
        int rc = rte_eth_dev_default_mac_addr_set(port_id, &addr);
        if (rc < 0) {
            return port_fail(port_id, rc, fmt::format("cannot set MAC {}", mac_text(*wanted)));
        }
    }
    int rc = rte_eth_macaddr_get(port_id, &addr);
    if (rc < 0) {
        return port_fail(port_id, rc, "cannot read MAC");
    }
    MacAddress mac;
    std::memcpy(mac.bytes.data(), addr.addr_bytes, RTE_ETHER_ADDR_LEN);
    return mac;
}

/// A locally administered, unicast MAC (IEEE 802 U/L bit set) for PMDs that have no address
/// and do not filter on one (net_ring): 02:6d:6f:00:00:<ifindex>.
MacAddress local_mac(IfIndex ifindex) {
    return MacAddress{{0x02, 0x6d, 0x6f, 0x00, static_cast<std::uint8_t>(ifindex >> 8),
                       static_cast<std::uint8_t>(ifindex)}};
}

} // namespace

Result<std::unique_ptr<PortSet>> PortSet::open(const PortSetConfig& config) {
    if (config.queues == 0 || config.mtu < RTE_ETHER_MIN_MTU || config.mtu > 9000) {
        return glue_fail(EINVAL, fmt::format("multios-net: bad port config (queues {}, MTU {}; "
                                             "MTU must be 68..9000)",
                                             config.queues, config.mtu));
    }
    std::unique_ptr<PortSet> set(new PortSet());
    std::uint32_t room = std::max<std::uint32_t>(RTE_MBUF_DEFAULT_BUF_SIZE,
                                                 config.mtu + kL2Overhead + RTE_PKTMBUF_HEADROOM);
    set->data_room_ = static_cast<std::uint16_t>(room);
    set->frame_capacity_ = room - RTE_PKTMBUF_HEADROOM;
    if (auto r = set->create_pools(config); !r) {
        return fail(r.error());
    }
    std::uint16_t port_id = 0;
    RTE_ETH_FOREACH_DEV(port_id) {
        if (auto r = set->setup_port(port_id, config); !r) {
            return fail(r.error());
        }
    }
    if (set->ports_.empty()) {
        return glue_fail(ENODEV, "multios-net: no ports found: give at least one --vdev");
    }
    return set;
}

Result<void> PortSet::create_pools(const PortSetConfig& config) {
    std::vector<int> sockets; // socket of each port, to size each pool for its own ports
    std::uint16_t port_id = 0;
    RTE_ETH_FOREACH_DEV(port_id) {
        sockets.push_back(port_socket(port_id));
    }
    std::vector<int> distinct = sockets;
    std::sort(distinct.begin(), distinct.end());
    distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
    for (int socket : distinct) {
        auto nports =
            static_cast<std::uint32_t>(std::count(sockets.begin(), sockets.end(), socket));
        // Every descriptor can hold an mbuf, every lcore cache can hold kPoolCache (1.5x is
        // the mempool's flush threshold), every sink buffers a tx burst per port.
        std::uint32_t need = nports * config.queues * (config.rx_desc + config.tx_desc) +
                             config.lcores * (kPoolCache * 3 / 2) +
                             config.lcores * nports * MbufFrameSink::kTxBurst + config.extra_mbufs;
        std::uint32_t n = round_pool_size(need);
        std::string name = fmt::format("multios_mb_{}", socket);
        rte_mempool* mp =
            rte_pktmbuf_pool_create(name.c_str(), n, kPoolCache, 0, data_room_, socket);
        if (mp == nullptr) {
            return glue_fail(rte_errno,
                             fmt::format("multios-net: cannot create mbuf pool of {} x "
                                         "{} B on socket {}: {} (more EAL memory: -m)",
                                         n, data_room_, socket, rte_strerror(rte_errno)));
        }
        std::fprintf(stderr, "multios-net: mbuf pool on socket %d: %u mbufs of %u B\n", socket, n,
                     static_cast<unsigned>(data_room_));
        pools_.push_back(Pool{socket, mp});
        pool_mbufs_ = n;
    }
    return {};
}

Result<void> PortSet::setup_port(std::uint16_t port_id, const PortSetConfig& config) {
    rte_eth_dev_info dev{};
    if (int rc = rte_eth_dev_info_get(port_id, &dev); rc < 0) {
        return port_fail(port_id, rc, "cannot get device info");
    }
    if (config.queues > dev.max_rx_queues || config.queues > dev.max_tx_queues) {
        return glue_fail(
            EINVAL, fmt::format("multios-net: port {} ({}, {}) has at most {} rx/{} tx "
                                "queues; --lcores {} needs {} of each{}",
                                port_id, port_name(port_id), dev.driver_name, dev.max_rx_queues,
                                dev.max_tx_queues, config.lcores, config.queues,
                                std::string_view(dev.driver_name).find("af_packet") !=
                                        std::string_view::npos
                                    ? " (net_af_packet: add qpairs=N to the --vdev)"
                                    : ""));
    }
    if (auto r = check_mtu(port_id, dev, config.mtu); !r) {
        return r;
    }
    PortInfo info;
    info.ifindex = static_cast<IfIndex>(ports_.size());
    info.port_id = port_id;
    info.name = port_name(port_id);
    info.driver = dev.driver_name != nullptr ? dev.driver_name : "?";
    info.socket = port_socket(port_id);
    info.rx_queues = info.tx_queues = config.queues;
    info.csum = checksum_capa(dev);

    rte_eth_conf conf{};
    conf.rxmode.mtu = ethdev_mtu(dev, config.mtu);
    conf.rxmode.offloads = rx_checksum_offloads(info.csum);
    std::vector<std::uint8_t> key;
    if (can_rss(dev, config.queues)) {
        key = symmetric_key(dev.hash_key_size);
        conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
        conf.rx_adv_conf.rss_conf.rss_key = key.data();
        conf.rx_adv_conf.rss_conf.rss_key_len = dev.hash_key_size;
        conf.rx_adv_conf.rss_conf.rss_hf = dev.flow_type_rss_offloads & kWantedRss;
        info.rss = rte_eth_dev_configure(port_id, config.queues, config.queues, &conf) == 0;
        info.reta_size = info.rss ? dev.reta_size : 0;
        if (!info.rss) {
            // Software steering gives the same result, only with one hop more.
            conf.rxmode.mq_mode = RTE_ETH_MQ_RX_NONE;
            conf.rx_adv_conf.rss_conf = {};
            std::fprintf(stderr, "multios-net: port %u (%s): RSS refused, steering in software\n",
                         port_id, info.name.c_str());
        }
    }
    if (!info.rss) {
        if (int rc = rte_eth_dev_configure(port_id, config.queues, config.queues, &conf); rc < 0) {
            return port_fail(port_id, rc, "configure failed");
        }
    }
    info.rx_desc = config.rx_desc;
    info.tx_desc = config.tx_desc;
    if (int rc = rte_eth_dev_adjust_nb_rx_tx_desc(port_id, &info.rx_desc, &info.tx_desc); rc < 0) {
        return port_fail(port_id, rc, "cannot adjust descriptor counts");
    }
    rte_mempool* mp = pool_on(info.socket);
    rte_eth_rxconf rxconf = dev.default_rxconf;
    rxconf.offloads = conf.rxmode.offloads;
    rte_eth_txconf txconf = dev.default_txconf;
    txconf.offloads = conf.txmode.offloads;
    for (std::uint16_t q = 0; q < config.queues; ++q) {
        int rc = rte_eth_rx_queue_setup(port_id, q, info.rx_desc,
                                        static_cast<unsigned>(info.socket), &rxconf, mp);
        if (rc < 0) {
            return port_fail(port_id, rc, fmt::format("rx queue {} setup failed", q));
        }
        rc = rte_eth_tx_queue_setup(port_id, q, info.tx_desc, static_cast<unsigned>(info.socket),
                                    &txconf);
        if (rc < 0) {
            return port_fail(port_id, rc, fmt::format("tx queue {} setup failed", q));
        }
    }
    if (auto r = set_mtu(port_id, dev, ethdev_mtu(dev, config.mtu)); !r) {
        return r;
    }
    info.mtu = config.mtu;
    std::optional<MacAddress> wanted;
    if (info.ifindex < config.macs.size()) {
        wanted = config.macs[info.ifindex];
    }
    auto mac = apply_mac(port_id, wanted);
    if (!mac) {
        return fail(mac.error());
    }
    info.mac = mac->is_zero() ? local_mac(info.ifindex) : *mac;
    if (int rc = rte_eth_dev_start(port_id); rc < 0) {
        return port_fail(port_id, rc, "start failed");
    }
    // Not every PMD has these (net_null); a PMD without them delivers everything anyway.
    info.promiscuous = rte_eth_promiscuous_enable(port_id) == 0;
    info.allmulticast = rte_eth_allmulticast_enable(port_id) == 0;
    ports_.push_back(std::move(info));
    counters_.emplace_back(config.queues);
    return {};
}

std::uint16_t PortSet::min_reta_size() const {
    std::uint16_t m = 0;
    for (const auto& p : ports_) {
        if (p.rss && (m == 0 || p.reta_size < m)) {
            m = p.reta_size;
        }
    }
    return m;
}

void PortSet::program_reta(std::span<const std::uint16_t> reta) {
    for (auto& p : ports_) {
        if (!p.rss || reta.empty() || p.reta_size % reta.size() != 0) {
            continue;
        }
        std::vector<rte_eth_rss_reta_entry64> conf((p.reta_size + RTE_ETH_RETA_GROUP_SIZE - 1) /
                                                   RTE_ETH_RETA_GROUP_SIZE);
        for (std::uint16_t j = 0; j < p.reta_size; ++j) {
            auto& group = conf[j / RTE_ETH_RETA_GROUP_SIZE];
            group.mask |= std::uint64_t{1} << (j % RTE_ETH_RETA_GROUP_SIZE);
            group.reta[j % RTE_ETH_RETA_GROUP_SIZE] = reta[j % reta.size()];
        }
        if (int rc = rte_eth_dev_rss_reta_update(p.port_id, conf.data(), p.reta_size); rc < 0) {
            std::fprintf(stderr,
                         "multios-net: port %u (%s): RSS table refused (%s), steering in "
                         "software\n",
                         p.port_id, p.name.c_str(), rte_strerror(-rc));
            p.rss = false;
        }
    }
}

PortSet::~PortSet() {
    for (const auto& p : ports_) {
        rte_eth_dev_stop(p.port_id);
        rte_eth_dev_close(p.port_id);
    }
    for (const auto& p : pools_) {
        rte_mempool_free(p.mp);
    }
}

rte_mempool* PortSet::pool(IfIndex ifindex) const {
    return pool_on(ports_[ifindex].socket);
}

rte_mempool* PortSet::pool_on(int socket) const {
    for (const auto& p : pools_) {
        if (p.socket == socket) {
            return p.mp;
        }
    }
    return pools_.front().mp; // every port's socket has a pool (create_pools)
}

std::vector<PoolUsage> PortSet::pool_usage() const {
    std::vector<PoolUsage> out;
    out.reserve(pools_.size());
    for (const auto& p : pools_) {
        PoolUsage u;
        u.name = p.mp->name;
        u.socket = p.socket;
        // Two reads of a pool other lcores may be using: take one and derive the other, so
        // that in_use + available == size holds in the report.
        u.size = p.mp->size;
        u.available = std::min<std::uint32_t>(rte_mempool_avail_count(p.mp), u.size);
        u.in_use = u.size - u.available;
        out.push_back(std::move(u));
    }
    return out;
}

PortStats PortSet::stats(IfIndex ifindex) const {
    PortStats s;
    rte_eth_stats st{};
    if (rte_eth_stats_get(ports_[ifindex].port_id, &st) == 0) {
        s.ipackets = st.ipackets;
        s.opackets = st.opackets;
        s.ibytes = st.ibytes;
        s.obytes = st.obytes;
        s.imissed = st.imissed;
        s.ierrors = st.ierrors;
        s.oerrors = st.oerrors;
        s.rx_nombuf = st.rx_nombuf;
    }
    for (const auto& q : counters_[ifindex]) {
        s.glue += q;
    }
    return s;
}

std::string PortSet::link_status(IfIndex ifindex) const {
    rte_eth_link link{};
    if (rte_eth_link_get_nowait(ports_[ifindex].port_id, &link) < 0) {
        return "Link unknown";
    }
    char text[RTE_ETH_LINK_MAX_STR_LEN] = {};
    rte_eth_link_to_str(text, sizeof text, &link);
    return text;
}

std::string PortSet::describe(IfIndex ifindex) const {
    const PortInfo& p = ports_[ifindex];
    auto yn = [](bool b) {
        return b ? "on" : "off";
    };
    return fmt::format(
        "if{} port {} {} ({}) mac {} mtu {} socket {} queues {}/{} rss {} desc "
        "{}/{} promisc {} allmulti {} rx-csum ip4 {} udp {} tcp {} tx-csum ip4 {} udp {} "
        "tcp {} | {}",
        p.ifindex, p.port_id, p.name, p.driver, mac_text(p.mac), p.mtu, p.socket, p.rx_queues,
        p.tx_queues, yn(p.rss), p.rx_desc, p.tx_desc, yn(p.promiscuous), yn(p.allmulticast),
        yn(p.csum.rx_ipv4), yn(p.csum.rx_udp), yn(p.csum.rx_tcp), yn(p.csum.tx_ipv4),
        yn(p.csum.tx_udp), yn(p.csum.tx_tcp), link_status(ifindex));
}

void PortSet::print_counters(std::FILE* out,
                             const std::vector<std::vector<QueueCounters>>& queues) const {
    for (IfIndex i = 0; i < ports_.size(); ++i) {
        const PortInfo& p = ports_[i];
        PortStats s = stats(i);
        // stats() summed the live counters; the report uses the copies.
        s.glue = QueueCounters{};
        for (const auto& q : queues[i])
            s.glue += q;
        std::fprintf(
            out, "%s\n",
            fmt::format("if{} {} ({}) {}", i, p.name, mac_text(p.mac), link_status(i)).c_str());
        std::fprintf(out, "%s\n",
                     fmt::format("  pmd   rx {} pkts {} B  tx {} pkts {} B  imissed {}  ierrors {}"
                                 "  oerrors {}  rx_nombuf {}",
                                 s.ipackets, s.ibytes, s.opackets, s.obytes, s.imissed, s.ierrors,
                                 s.oerrors, s.rx_nombuf)
                         .c_str());
        for (std::uint16_t q = 0; q < queues[i].size(); ++q) {
            const QueueCounters& c = queues[i][q];
            std::fprintf(
                out, "%s\n",
                fmt::format("  q{}    rx {} pkts {} B  tx {} pkts {} B  tx_dropped {}  "
                            "alloc_failed {}  too_big {}  bad_commit {}  rx_linearized {}  "
                            "rx_too_big {}",
                            q, c.rx_packets, c.rx_bytes, c.tx_packets, c.tx_bytes, c.tx_dropped,
                            c.tx_alloc_failed, c.tx_too_big, c.tx_bad_commit, c.rx_linearized,
                            c.rx_too_big)
                    .c_str());
        }
    }
}

} // namespace multios::net::glue
