// The rings over which lcores hand each other received frames (software steering, issue 4).
// Flow frames go over one single-producer/single-consumer ring per ordered lcore pair, so a
// hand-off is two lock-free index updates; learn-only copies of neighbor-discovery frames go
// over one multi-producer ring per destination (rare, and every lcore may send them).
// Created before the lcores start and destroyed after they stop; each ring end is then used
// by exactly one lcore.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <multios/net/result.hpp>

struct rte_ring;
struct rte_mbuf;

namespace multios::net::glue {

class SteerRings {
  public:
    /// Ring capacity in frames (a power of two; one slot stays empty in rte_ring).
    static constexpr unsigned kFlowRingSize = 2048;
    static constexpr unsigned kReplicaRingSize = 512;

    /// Rings for `lcores` lcores (nothing to create for one). Fails with ENOMEM and a
    /// last_error() line when EAL memory is short.
    static Result<std::unique_ptr<SteerRings>> create(unsigned lcores);
    /// Frees the rings; frames still in them go back to their pools.
    ~SteerRings();
    SteerRings(const SteerRings&) = delete;
    SteerRings& operator=(const SteerRings&) = delete;

    unsigned lcores() const { return lcores_; }
    /// Hands `n` frames from lcore `from` to lcore `to`; returns how many the ring took (the
    /// caller frees the rest). Only lcore `from` may call it for this pair.
    unsigned send(unsigned from, unsigned to, rte_mbuf* const* frames, unsigned n);
    /// Takes up to `max` frames that lcore `from` handed to `to`. Only lcore `to` calls it.
    unsigned receive(unsigned from, unsigned to, rte_mbuf** frames, unsigned max);
    /// Queues a learn-only copy for lcore `to` (any lcore may call it); false when full.
    bool send_replica(unsigned to, rte_mbuf* frame);
    unsigned receive_replicas(unsigned to, rte_mbuf** frames, unsigned max);

  private:
    explicit SteerRings(unsigned lcores) : lcores_(lcores) {}
    rte_ring* flow_ring(unsigned from, unsigned to) const { return flow_[from * lcores_ + to]; }

    unsigned lcores_;
    std::vector<rte_ring*> flow_;    ///< [from * lcores + to]; nullptr on the diagonal.
    std::vector<rte_ring*> replica_; ///< [to]
};

} // namespace multios::net::glue
