// The impairment layer on DPDK ports (--loss/--delay/--reorder): glue::Impairment over the
// sans-IO ImpairedPath, one path per port per direction, each with its own random stream
// derived from the run's seed. Frames it drops it frees; frames it holds it frees too when it
// is destroyed, which must happen before the mbuf pools go (Runtime tears it down between the
// sink's last flush and the ports).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "impair/impaired_path.hpp"
#include "pmd_glue/impairment.hpp"

namespace multios::net::glue {

class MbufImpairment final : public Impairment {
  public:
    /// `configs[ifindex]` for every port; a port whose config is not active() passes frames
    /// straight through. `seed` is the run's base seed (--seed N, or a random one).
    MbufImpairment(std::span<const ImpairmentConfig> configs, std::uint64_t seed,
                   std::size_t capacity_per_direction = DelayLine<rte_mbuf*>::kDefaultCapacity);
    /// Frees every frame still held.
    ~MbufImpairment() override;
    MbufImpairment(const MbufImpairment&) = delete;
    MbufImpairment& operator=(const MbufImpairment&) = delete;

    std::uint16_t on_rx(IfIndex ifindex, rte_mbuf** pkts, std::uint16_t n, Instant now) override;
    std::uint16_t on_tx(IfIndex ifindex, rte_mbuf** pkts, std::uint16_t n, Instant now) override;
    std::uint16_t release_rx(IfIndex ifindex, rte_mbuf** out, std::uint16_t room,
                             Instant now) override;
    std::uint16_t release_tx(IfIndex ifindex, rte_mbuf** out, std::uint16_t room,
                             Instant now) override;
    Instant next_release() const override;

    /// Frees every held frame now (also done by the destructor); returns how many.
    std::size_t free_held();

    std::size_t port_count() const { return ports_.size(); }
    bool active(IfIndex ifindex) const;
    /// Counters of one port's direction; zeros for an unknown ifindex.
    const ImpairCounters& rx_counters(IfIndex ifindex) const;
    const ImpairCounters& tx_counters(IfIndex ifindex) const;
    /// Frames held now on all ports and directions.
    std::size_t held() const;

  private:
    using Path = ImpairedPath<rte_mbuf*>;
    struct PortPaths {
        bool active;
        Path rx;
        Path tx;
    };
    static std::uint16_t filter(Path& path, rte_mbuf** pkts, std::uint16_t n, Instant now);
    Path* path(IfIndex ifindex, bool rx);

    std::vector<PortPaths> ports_; // [ifindex], sized once
};

} // namespace multios::net::glue
