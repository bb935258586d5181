// The run-to-completion loop of one lcore: receive bursts from its queue of every port, hand
// each frame to the PacketProcessor (or, with several lcores, to the lcore that owns its flow),
// take the frames other lcores handed over, run control messages, timers and application work,
// send what was produced. Time is read from the TSC once per iteration and passed down as
// `now` (STYLE.md §3).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <vector>

#include <multios/net/time.hpp>

#include "common/datagram_handoff.hpp"
#include "pmd_glue/tsc_clock.hpp"
#include "pmd_glue/wait_word.hpp"
#include "stack/packet_processor.hpp"

struct rte_mbuf;

namespace multios::net::steer {
class FlowSteering;
}

namespace multios::net::glue {

class PortSet;
class MbufFrameSink;
class Capture;
class Impairment;
class SteerRings;
class LcoreMailboxes;

struct PollLoopConfig {
    /// This loop's lcore index (0 = main); also its rx and tx queue on every port.
    std::uint16_t queue = 0;
    std::uint16_t burst = 32; ///< rx burst size, 1..kMaxBurst.
    /// Idle back-off: after `spin_iterations` empty iterations each further empty iteration
    /// adds rte_pause(); after `pause_iterations` more, the loop sleeps, starting at
    /// `min_sleep` and doubling up to `max_sleep`, never past the processor's next deadline.
    unsigned spin_iterations = 256;
    unsigned pause_iterations = 4096;
    Duration min_sleep = std::chrono::microseconds(10);
    Duration max_sleep = std::chrono::milliseconds(1);
};

struct LoopCounters {
    std::uint64_t iterations = 0;
    std::uint64_t busy_iterations = 0; ///< Iterations that moved at least one frame.
    std::uint64_t sleeps = 0;
    std::uint64_t slept_ns = 0;
    // Software steering (several lcores): frames handed to / taken from other lcores.
    std::uint64_t steered_out = 0;
    std::uint64_t steered_in = 0;
    std::uint64_t steer_full = 0; ///< Dropped: the ring to the owner was full.
    std::uint64_t replicas_out = 0;
    std::uint64_t replicas_in = 0;
    std::uint64_t replica_full = 0; ///< Learn-only copies not sent: ring full.
    std::uint64_t messages = 0;     ///< Control messages run.
};

class PollLoop final : public DatagramHandoff {
  public:
    static constexpr std::uint16_t kMaxBurst = 64;

    /// All references must outlive the loop. `sink` is the FrameSink `processor` writes to.
    PollLoop(PortSet& ports, PacketProcessor& processor, MbufFrameSink& sink,
             const PollLoopConfig& config = {});

    /// Application work run on this lcore once per iteration, after processor.poll(now)
    /// and before the tx flush (CLI ping, UDP echo). Assigned before run(); not per packet.
    std::function<void(Instant)> on_iteration;
    /// The socket API's work on this lcore (lib/api), run after on_iteration; returns true when
    /// it did something (the loop then does not back off).
    std::function<bool(Instant)> app_work;

    void set_capture(Capture* capture);
    void set_impairment(Impairment* impairment);
    /// Several lcores: every received frame goes where `steering` says (software steering);
    /// frames for other lcores travel over `rings`. Both outlive the loop; set before run().
    void set_steering(const steer::FlowSteering* steering, SteerRings* rings);
    /// DatagramHandoff: copies `frame` into a chain of mbufs from `ifindex`'s pool and queues it
    /// on the ring to `lcore` (set_steering first). Called from inside processor.receive().
    bool hand_off(std::uint16_t lcore, IfIndex ifindex, std::span<const std::byte> frame) override;
    /// Control messages for this lcore are run once per iteration.
    void set_mailboxes(LcoreMailboxes* mailboxes);
    /// Wakes the loop out of its idle sleep (from any thread): rung after posting a message or
    /// handing an application socket to this lcore, so the request does not wait out a sleep.
    void ring_doorbell() { doorbell_.signal(); }

    /// Iterates until `stop` becomes true (set it from a signal handler), then flushes the
    /// sink and the capture.
    void run(const std::atomic<bool>& stop);
    /// One iteration without back-off; true when any frame was received or sent.
    bool run_once();

    /// The loop's clock (TSC based); the Instant of the current iteration is last_now().
    Instant now() const { return clock_.now(); }
    Instant last_now() const { return now_; }
    const LoopCounters& counters() const { return counters_; }

  private:
    std::uint32_t poll_port(IfIndex ifindex);
    /// The frame's bytes (linearized into scratch if chained); empty when it cannot be.
    std::span<const std::byte> frame_of(IfIndex ifindex, rte_mbuf* m);
    void deliver(IfIndex ifindex, rte_mbuf* m);
    /// Delivers, hands over or replicates each frame as the steering decides; frees them.
    void route_burst(IfIndex ifindex, rte_mbuf** pkts, std::uint16_t n);
    void replicate(rte_mbuf* m);
    void flush_steered();
    /// Frames other lcores handed to this one; returns how many.
    std::uint32_t drain_steered();
    IfIndex ifindex_of(const rte_mbuf* m) const;
    void idle_wait(unsigned& idle, Duration& sleep);

    PortSet& ports_;
    PacketProcessor& processor_;
    MbufFrameSink& sink_;
    PollLoopConfig config_;
    TscClock clock_;
    Instant now_{};
    std::vector<std::uint16_t> port_ids_; // [ifindex]
    std::vector<std::byte> scratch_;      // linearizes multi-segment frames, sized once
    LoopCounters counters_;
    Capture* capture_ = nullptr;
    Impairment* impairment_ = nullptr;
    const steer::FlowSteering* steering_ = nullptr;
    SteerRings* rings_ = nullptr;
    LcoreMailboxes* mailboxes_ = nullptr;
    WaitWord doorbell_;
    std::uint32_t doorbell_ticket_ = 0;            ///< Read before each iteration's checks.
    std::vector<IfIndex> ifindex_by_port_;         // [port_id]
    std::vector<std::vector<rte_mbuf*>> to_lcore_; // per destination, one burst's worth
};

} // namespace multios::net::glue
