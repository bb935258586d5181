// One direction of a simulated link: transmit queue (drop-tail or RED), serialization at the
// link rate, then the wire: loss, corruption, duplication, reordering, propagation delay and
// jitter, then delivery to the receiving interface. Driven by the EventScheduler; frames are
// FramePool handles, owned by the link from offer() until they are delivered or dropped.
//
// The wire's loss/reorder/delay decisions are lib/impair's ImpairmentModel, and its delay
// line is lib/impair's DelayLine: the same code as the real ports' --loss/--delay/--reorder
// (issue 7: one implementation). Bursty loss is lib/impair's GilbertElliott.
//
// Every random draw comes from generators seeded from the link's seed, and a fixed number of
// draws is made per frame whatever the outcome, so changing one impairment's probability does
// not reshuffle the others' decisions.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>

#include <multios/net/time.hpp>

#include "common/frame_sink.hpp"
#include "impair/delay_line.hpp"
#include "impair/gilbert_elliott.hpp"
#include "impair/impairment_model.hpp"
#include "impair/prng.hpp"
#include "sim/event_scheduler.hpp"
#include "sim/frame_fifo.hpp"
#include "sim/frame_pool.hpp"
#include "sim/link_config.hpp"
#include "sim/red.hpp"

namespace multios::net::sim {

/// The far end of a link: takes ownership of each delivered frame (releases it to the pool).
class LinkReceiver {
  public:
    virtual void on_frame(IfIndex ifindex, FrameHandle h, Instant now) = 0;

  protected:
    ~LinkReceiver() = default;
};

class Link final : public EventTarget {
  public:
    /// Ethernet header bytes allowed on top of the MTU.
    static constexpr std::size_t kEthernetHeader = 14;

    Link(EventScheduler& scheduler, FramePool& pool, const LinkConfig& config, std::uint64_t seed);
    Link(const Link&) = delete;
    Link& operator=(const Link&) = delete;

    /// Where frames go: `receiver` gets them as interface `ifindex`. Without a receiver they
    /// are counted as delivered and released.
    void attach(LinkReceiver& receiver, IfIndex ifindex);

    /// Queues frame `h` for transmission at `now` (the scheduler's now); the link owns it.
    void offer(FrameHandle h, Instant now);

    /// Called with (time, occupancy) every time the transmit queue length changes.
    void set_queue_observer(std::function<void(Instant, std::size_t)> fn);
    /// Called with (time, bytes) for every frame just before it is delivered.
    void set_delivery_observer(std::function<void(Instant, std::span<const std::byte>)> fn);

    /// Time to put `len` bytes on the wire at the configured rate (rounded up to 1 ns).
    Duration serialization_time(std::size_t len) const;

    const LinkCounters& counters() const { return counters_; }
    std::size_t queue_length() const { return queue_.size(); }
    /// Frames propagating (in the delay line).
    std::size_t in_flight() const { return line_.size(); }
    const LinkConfig& config() const { return config_; }

    void on_event(Instant now, std::uint64_t tag) override;

  private:
    enum EventKind : std::uint64_t { kTxDone = 0, kRelease = 1 };

    bool admit(FrameHandle h, Instant now);
    void start_transmission(Instant now);
    void transmission_done(Instant now);
    void on_wire(FrameHandle h, Instant now);
    void flip_random_bit(FrameHandle h, std::uint64_t draw);
    void put_in_flight(FrameHandle h, Instant release_at, bool hold, Instant now);
    void arm_release(Instant now);
    void release_due(Instant now);
    void drop(FrameHandle h, std::uint64_t& reason);
    void queue_changed(Instant now);

    EventScheduler& scheduler_;
    FramePool& pool_;
    LinkConfig config_;
    ImpairmentModel model_;
    std::optional<GilbertElliott> burst_;
    prng::Xoshiro256 rng_;
    Red red_;
    FrameFifo queue_;
    DelayLine<FrameHandle> line_;
    LinkReceiver* receiver_ = nullptr;
    IfIndex ifindex_ = 0;
    Instant idle_since_{};
    /// Generation of the one release event we still expect; older ones are ignored.
    std::uint64_t release_generation_ = 0;
    Instant release_armed_ = kNever;
    LinkCounters counters_;
    std::function<void(Instant, std::size_t)> queue_observer_;
    std::function<void(Instant, std::span<const std::byte>)> delivery_observer_;
};

} // namespace multios::net::sim
