// The simulator's discrete-event scheduler: a virtual clock and a queue of timed events. Time
// only moves when the next event runs, so an idle minute costs nothing and a busy one costs
// only its events; nothing here (or anywhere in lib/sim) reads a real clock.
//
// Determinism: events run in (time, insertion sequence) order. Two events for the same
// instant run in the order they were scheduled, on every machine and every build, so one
// scenario and one seed always give one event sequence.
//
// Events cannot be cancelled: owners that move a timer (a node's next stack deadline) give
// each event a tag and ignore the ones they no longer expect. That keeps the queue a plain
// binary heap with no per-event allocation beyond its amortized growth.
#pragma once

#include <cstdint>
#include <queue>
#include <vector>

#include <multios/net/time.hpp>

namespace multios::net::sim {

/// Something an event calls back: a link, a node. The tag is the owner's to interpret.
class EventTarget {
  public:
    virtual void on_event(Instant now, std::uint64_t tag) = 0;

  protected:
    ~EventTarget() = default;
};

class EventScheduler {
  public:
    explicit EventScheduler(Instant start = Instant{}) : now_(start) {}

    /// The virtual time: that of the event running, or where run_until stopped.
    Instant now() const { return now_; }

    /// Calls target.on_event(at, tag) once the clock reaches `at`. An `at` in the past runs at
    /// now() (after the events already queued for now()): time never goes backwards.
    void schedule(Instant at, EventTarget& target, std::uint64_t tag);

    /// Runs every event due at or before `t` in order (including those they schedule), then
    /// sets the clock to `t`. A `t` before now() runs nothing and leaves the clock alone.
    void run_until(Instant t);

    /// Runs the next event, if any; false when the queue is empty.
    bool run_next();

    /// When the next event is due (kNever when none is queued).
    Instant next_event_time() const;
    std::size_t pending() const { return queue_.size(); }
    /// Events run so far (for events-per-second benchmarks).
    std::uint64_t executed() const { return executed_; }

  private:
    struct Event {
        Instant at;
        std::uint64_t seq = 0;
        EventTarget* target = nullptr;
        std::uint64_t tag = 0;
    };
    /// Orders the heap so that the earliest (time, sequence) is on top.
    struct Later {
        bool operator()(const Event& a, const Event& b) const {
            return a.at != b.at ? a.at > b.at : a.seq > b.seq;
        }
    };

    Instant now_;
    std::uint64_t next_seq_ = 0;
    std::uint64_t executed_ = 0;
    std::priority_queue<Event, std::vector<Event>, Later> queue_;
};

} // namespace multios::net::sim
