// A whole simulated network in one process: the scheduler, the frame pool, the nodes (real
// StackCores) and the links between their interfaces. Owns everything; nodes and links are
// referred to by index (stable, in creation order).
//
// Determinism: every random stream (each link direction's impairments, each stack's seed when
// the caller leaves it 0) derives from the one network seed by index, so the same topology
// built in the same order with the same seed gives the same events, bit for bit.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include <multios/net/time.hpp>

#include "sim/event_scheduler.hpp"
#include "sim/frame_pool.hpp"
#include "sim/link.hpp"
#include "sim/node.hpp"

namespace multios::net::sim {

using NodeId = std::uint32_t;
using LinkId = std::uint32_t;

/// The two directions of a duplex link and the interfaces it joined.
struct DuplexLink {
    LinkId a_to_b = 0, b_to_a = 0;
    IfIndex a_if = 0, b_if = 0;
};

class Network {
  public:
    /// Simulations start at a large instant, not 0, so stacks see plausible timestamps.
    static constexpr Instant kStart = instant_from_ns(1'000'000'000'000);

    explicit Network(std::uint64_t seed,
                     std::size_t frame_pool_capacity = FramePool::kDefaultCapacity);

    /// A node running a StackCore. A config seed of 0 is replaced by one derived from the
    /// network seed and the node's index.
    NodeId add_node(StackConfig config = {});
    /// Joins a new interface on `a` and one on `b` with a duplex link: `ab` configures frames
    /// from a to b, `ba` the way back.
    Result<DuplexLink> connect(NodeId a, const InterfaceConfig& a_if, NodeId b,
                               const InterfaceConfig& b_if, const LinkConfig& ab,
                               const LinkConfig& ba);

    Node& node(NodeId n) { return *nodes_[n]; }
    StackCore& stack(NodeId n) { return nodes_[n]->stack(); }
    Link& link(LinkId l) { return *links_[l]; }
    std::size_t node_count() const { return nodes_.size(); }
    std::size_t link_count() const { return links_.size(); }

    /// Runs the simulation up to virtual time `t` (after re-arming every node's timers, since
    /// the caller may have driven the stacks since the last run).
    void run_until(Instant t);
    /// run_until(now() + d).
    void run_for(Duration d) { run_until(now() + d); }
    Instant now() const { return scheduler_.now(); }

    /// Called for every frame any link delivers: (link, time, bytes). For traces and for the
    /// determinism checks; set before running.
    void set_delivery_observer(std::function<void(LinkId, Instant, std::span<const std::byte>)> fn);

    EventScheduler& scheduler() { return scheduler_; }
    FramePool& pool() { return pool_; }

  private:
    std::uint64_t seed_;
    EventScheduler scheduler_{kStart};
    FramePool pool_;
    // Links before nodes: members are destroyed in reverse order, so the nodes (whose stacks
    // may still write a frame while shutting down) go first, while their links still exist.
    std::vector<std::unique_ptr<Link>> links_;
    std::vector<std::unique_ptr<Node>> nodes_;
    std::function<void(LinkId, Instant, std::span<const std::byte>)> delivery_observer_;
};

} // namespace multios::net::sim
