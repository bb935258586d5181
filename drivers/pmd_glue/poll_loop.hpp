// The run-to-completion loop of one lcore: receive bursts from every port, hand each frame to
// the PacketProcessor, run its timers, run application work, send what was produced. Time is
// read from the TSC once per iteration and passed down as `now` (STYLE.md §3).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <vector>

#include <multios/net/time.hpp>

#include "pmd_glue/tsc_clock.hpp"
#include "stack/packet_processor.hpp"

struct rte_mbuf;

namespace multios::net::glue {

class PortSet;
class MbufFrameSink;
class Capture;
class Impairment;

struct PollLoopConfig {
    std::uint16_t queue = 0;  ///< rx queue of every port this loop polls (its lcore's).
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
};

class PollLoop {
  public:
    static constexpr std::uint16_t kMaxBurst = 64;

    /// All references must outlive the loop. `sink` is the FrameSink `processor` writes to.
    PollLoop(PortSet& ports, PacketProcessor& processor, MbufFrameSink& sink,
             const PollLoopConfig& config = {});

    /// Application work run on this lcore once per iteration, after processor.poll(now)
    /// and before the tx flush (CLI ping, UDP echo). Assigned before run(); not per packet.
    std::function<void(Instant)> on_iteration;

    void set_capture(Capture* capture);
    void set_impairment(Impairment* impairment);

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
    void deliver(IfIndex ifindex, rte_mbuf* m);
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
};

} // namespace multios::net::glue
