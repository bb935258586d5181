// One simulated host or router: a real StackCore (the same sans-IO core the DPDK runtime
// drives) whose FrameSink writes into the simulation's frame pool and whose interfaces are the
// ends of links. The node turns the stack's next_deadline() into scheduler events and hands
// it every frame its links deliver, always with the scheduler's virtual time.
#pragma once

#include <cstdint>
#include <vector>

#include <multios/net/time.hpp>

#include "common/frame_sink.hpp"
#include "sim/event_scheduler.hpp"
#include "sim/frame_pool.hpp"
#include "sim/link.hpp"
#include "stack/stack_core.hpp"

namespace multios::net::sim {

class Node;

/// Application logic running on a node (ping, bulk transfer, ...): called after every stack
/// activity (a delivered frame, a timer poll), at virtual time `now`, to service sockets.
class NodeApp {
  public:
    virtual void on_activity(Node& node, Instant now) = 0;

  protected:
    ~NodeApp() = default;
};

struct NodeCounters {
    std::uint64_t frames_in = 0, frames_out = 0;
    std::uint64_t polls = 0;
    /// Frames the stack sent on an interface with no link (dropped).
    std::uint64_t unattached_drops = 0;
    /// begin_frame found the frame pool exhausted (the stack counts its own drop too).
    std::uint64_t pool_exhausted = 0;
};

class Node final : public FrameSink, public LinkReceiver, public EventTarget {
  public:
    Node(EventScheduler& scheduler, FramePool& pool, const StackConfig& config);
    Node(const Node&) = delete;
    Node& operator=(const Node&) = delete;

    StackCore& stack() { return stack_; }
    const StackCore& stack() const { return stack_; }

    /// Adds an interface to the stack; frames it sends go into `out` (nullptr: none yet).
    Result<IfIndex> add_interface(const InterfaceConfig& cfg, Link* out);
    /// Connects interface `i`'s transmit side to `out`.
    void attach_output(IfIndex i, Link& out);
    /// Interface `i` sends nowhere from now on (its frames are counted as unattached drops).
    void detach_output(IfIndex i);

    /// Runs `app` after every stack activity (nullptr: none). Not owned.
    void set_app(NodeApp* app) { app_ = app; }

    /// Re-reads the stack's next deadline and schedules a poll for it. Call after driving the
    /// stack from outside an event (ping_send, tcp_connect, ...): the stack may have armed a
    /// timer the scheduler does not know about. Network::run_until does it for every node.
    void rearm();

    const NodeCounters& counters() const { return counters_; }

    // FrameSink: the stack writes straight into a pool slot.
    std::span<std::byte> begin_frame(IfIndex ifindex, std::size_t max_len) override;
    void commit_frame(std::size_t len) override;
    void abort_frame() override;

    // LinkReceiver
    void on_frame(IfIndex ifindex, FrameHandle h, Instant now) override;
    // EventTarget: a timer poll.
    void on_event(Instant now, std::uint64_t tag) override;

  private:
    void after_activity(Instant now);

    EventScheduler& scheduler_;
    FramePool& pool_;
    StackCore stack_;
    std::vector<Link*> outputs_; ///< Indexed by IfIndex.
    NodeApp* app_ = nullptr;
    FrameHandle open_frame_ = 0;
    IfIndex open_ifindex_ = 0;
    bool frame_open_ = false;
    /// The one poll event still expected (older ones carry a stale generation).
    std::uint64_t wake_generation_ = 0;
    Instant wake_at_ = kNever;
    NodeCounters counters_;
};

} // namespace multios::net::sim
