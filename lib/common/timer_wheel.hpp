// Hierarchical timing wheel (Varghese & Lauck, "Hashed and Hierarchical Timing Wheels", SOSP
// 1987, scheme 7) on injected time: one wheel per lcore holds every protocol timer (TCP
// retransmit, delayed ACK, keepalive, TIME-WAIT, persist), so a tick never scans connections.
//
// Timers are intrusive: a TimerNode lives inside its owner, and the wheel only links it into
// fixed per-slot lists. schedule/cancel/reschedule are O(1) and allocate nothing.
//
// Resolution: deadlines are rounded UP to the tick grid `start + k * tick`. A timer fires in the
// first advance(now) with now >= its rounded deadline, so it never fires early and at most one
// tick late (plus however late the caller calls advance()).
//
// Layout: kLevels levels of 64 slots; a level-l slot spans 64^l ticks. A timer sits on the
// lowest level whose slot range separates its deadline from the current tick, and moves down
// (cascades) at most kLevels - 1 times before it fires. Deadlines beyond the top level's reach
// (64^kLevels ticks; 2^36 ms is 2 years at a 1 ms tick) wait in an overflow list that is
// re-sorted once per top-level rotation.
//
// Cost: advance() visits only occupied slots (found with one bitmap per level), so it costs
// O(kLevels) per occupied slot reached plus one step per timer cascaded or fired; idle ticks
// and timers that are armed but not yet near are never touched.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <utility>

#include <multios/net/time.hpp>

namespace multios::net {

class TimerWheel;

/// Doubly linked list hook; the wheel's per-slot list heads are bare links (sentinels).
struct TimerLink {
    TimerLink* prev = this;
    TimerLink* next = this;
};

/// One timer, embedded in its owner (e.g. a TCP connection holds one per timer kind).
/// `context` and `kind` tell the advance() callback whose timer fired and which one.
/// A node is neither copyable nor movable (the wheel points at it); destroying an armed node
/// cancels it, so a freed owner can never fire.
class TimerNode : private TimerLink {
  public:
    explicit TimerNode(void* context = nullptr, std::uint16_t kind = 0)
        : context_(context), kind_(kind) {}
    ~TimerNode();
    TimerNode(const TimerNode&) = delete;
    TimerNode& operator=(const TimerNode&) = delete;

    /// Sets the callback identity (for owners constructed before they know themselves).
    void bind(void* context, std::uint16_t kind) {
        context_ = context;
        kind_ = kind;
    }
    void* context() const { return context_; }
    std::uint16_t kind() const { return kind_; }
    bool armed() const { return wheel_ != nullptr; }
    /// The exact deadline last passed to schedule(); meaningful while armed.
    Instant deadline() const { return deadline_; }

  private:
    friend class TimerWheel;
    TimerWheel* wheel_ = nullptr;
    void* context_;
    Instant deadline_{};
    std::uint16_t where_ = 0; ///< list the node is on (see TimerWheel::kPending etc.)
    std::uint16_t kind_;
};

/// Work counters (cumulative). Tests bound them to prove that cost does not grow with the
/// number of armed timers.
struct TimerWheelStats {
    std::uint64_t slots_visited = 0;   ///< occupied slots (or overflow sweeps) processed
    std::uint64_t timers_cascaded = 0; ///< timers moved to a lower level or out of overflow
    std::uint64_t timers_fired = 0;
};

class TimerWheel {
  public:
    static constexpr unsigned kSlotBits = 6;
    static constexpr unsigned kSlots = 1u << kSlotBits;
    static constexpr unsigned kLevels = 6;

    /// `tick` is the resolution (> 0); `start` is tick 0 of the grid.
    TimerWheel(Duration tick, Instant start);
    ~TimerWheel();
    TimerWheel(const TimerWheel&) = delete;
    TimerWheel& operator=(const TimerWheel&) = delete;

    /// Arms `node` to fire at `deadline` (re-arms it, on this or another wheel, if armed).
    /// A deadline at or before the current tick fires at the next advance(), never inside the
    /// advance() that is running (so a callback that re-arms itself at "now" cannot loop).
    /// kNever disarms the node.
    void schedule(TimerNode& node, Instant deadline);
    /// Disarms `node`; no effect if it is not armed.
    void cancel(TimerNode& node);
    bool armed(const TimerNode& node) const { return node.wheel_ == this; }

    /// Fires, exactly once each and in tick order, every timer whose rounded deadline is
    /// <= `now`: calls `on_fire(TimerNode&)` with the node already disarmed, so the callback
    /// may re-arm it, arm or cancel any other node, or destroy nodes. Not re-entrant.
    /// Returns the number of timers fired. A `now` earlier than the last one is ignored.
    template <class F>
    std::size_t advance(Instant now, F&& on_fire);

    /// Earliest instant at which advance() may fire something, or kNever when nothing is
    /// armed. Never later than the earliest armed deadline rounded up to the tick grid. It is
    /// exact unless the earliest timer of a slot was cancelled or it sits in overflow; then it
    /// can be earlier (a spurious wake-up whose advance() only cascades).
    Instant next_deadline() const;

    /// Number of armed timers.
    std::size_t size() const { return size_; }
    Duration tick() const { return tick_; }
    const TimerWheelStats& stats() const { return stats_; }

  private:
    // `where_` codes: 0 = not armed, 1 + level * kSlots + slot = wheel slot, then lists.
    static constexpr std::uint16_t kNowhere = 0;
    static constexpr std::uint16_t kPending = 1 + kLevels * kSlots;
    static constexpr std::uint16_t kFiring = kPending + 1;
    static constexpr std::uint16_t kOverflow = kPending + 2;
    static constexpr std::uint64_t kNoTick = ~std::uint64_t{0};

    std::uint64_t ceil_tick(Instant t) const;
    std::uint64_t floor_tick(Instant t) const;
    Instant tick_instant(std::uint64_t tick) const;

    void insert(TimerNode& node, std::uint64_t tick);
    void place(TimerNode& node, std::uint64_t tick);
    void unlink(TimerNode& node);
    void push(TimerLink& list, TimerNode& node, std::uint16_t where);

    void begin_advance(Instant now);
    bool step();
    TimerNode* pop_firing();
    void end_advance();

    Duration tick_;
    Instant start_;
    std::uint64_t elapsed_ = 0; ///< current tick: everything before it has fired
    std::uint64_t target_ = 0;  ///< tick an advance() is running to
    bool advancing_ = false;
    std::size_t size_ = 0;
    std::array<std::uint64_t, kLevels> occupied_{}; ///< bit s set: slot s of the level non-empty
    std::array<std::array<TimerLink, kSlots>, kLevels> slots_;
    std::array<std::array<std::uint64_t, kSlots>, kLevels> slot_min_; ///< lower bound per slot
    TimerLink pending_;  ///< due before the current tick; fire at the next advance()
    TimerLink firing_;   ///< due in the running advance()
    TimerLink overflow_; ///< beyond the top level's current rotation
    std::uint64_t pending_min_ = kNoTick;
    std::uint64_t overflow_min_ = kNoTick;
    TimerWheelStats stats_;
};

template <class F>
std::size_t TimerWheel::advance(Instant now, F&& on_fire) {
    std::size_t fired = 0;
    begin_advance(now);
    // Timers scheduled at or before the current tick first, then each occupied slot up to
    // `now` in tick order; a callback that arms a timer inside (elapsed_, now] sees it fire
    // here, in order.
    do {
        while (TimerNode* n = pop_firing()) {
            ++fired;
            on_fire(*n);
        }
    } while (step());
    end_advance();
    return fired;
}

} // namespace multios::net
