#include "common/timer_wheel.hpp"

#include <algorithm>
#include <bit>
#include <cassert>
#include <limits>

namespace multios::net {

namespace {

/// Ticks covered by one slot of `level` (64^level).
constexpr std::uint64_t slot_span(unsigned level) {
    return std::uint64_t{1} << (TimerWheel::kSlotBits * level);
}

bool empty(const TimerLink& list) {
    return list.next == &list;
}

} // namespace

TimerNode::~TimerNode() {
    if (wheel_ != nullptr)
        wheel_->cancel(*this);
}

TimerWheel::TimerWheel(Duration tick, Instant start)
    : tick_(tick.count() > 0 ? tick : Duration(1)), start_(start) {
    for (auto& level : slot_min_)
        level.fill(kNoTick);
}

TimerWheel::~TimerWheel() {
    // Disarm whatever is still linked, so that a node outliving the wheel does not reach back.
    auto drain = [this](TimerLink& list) {
        while (!empty(list)) {
            auto& node = static_cast<TimerNode&>(*list.next);
            unlink(node);
            node.wheel_ = nullptr;
        }
    };
    for (auto& level : slots_)
        for (auto& slot : level)
            drain(slot);
    drain(pending_);
    drain(firing_);
    drain(overflow_);
}

std::uint64_t TimerWheel::floor_tick(Instant t) const {
    if (t <= start_)
        return 0;
    // Unsigned difference: exact even when the span exceeds the signed range.
    const auto diff =
        static_cast<std::uint64_t>(to_ns(t)) - static_cast<std::uint64_t>(to_ns(start_));
    return diff / static_cast<std::uint64_t>(tick_.count());
}

std::uint64_t TimerWheel::ceil_tick(Instant t) const {
    if (t <= start_)
        return 0;
    const auto diff =
        static_cast<std::uint64_t>(to_ns(t)) - static_cast<std::uint64_t>(to_ns(start_));
    const auto tick = static_cast<std::uint64_t>(tick_.count());
    return diff / tick + (diff % tick != 0 ? 1 : 0);
}

Instant TimerWheel::tick_instant(std::uint64_t tick) const {
    const auto step = static_cast<std::uint64_t>(tick_.count());
    const auto room = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) -
                      static_cast<std::uint64_t>(to_ns(start_));
    if (tick > room / step)
        return kNever - Duration(1); // a real deadline centuries away: still not "never"
    return instant_from_ns(
        static_cast<std::int64_t>(static_cast<std::uint64_t>(to_ns(start_)) + tick * step));
}

void TimerWheel::push(TimerLink& list, TimerNode& node, std::uint16_t where) {
    TimerLink& n = node;
    n.prev = list.prev;
    n.next = &list;
    list.prev->next = &n;
    list.prev = &n;
    node.where_ = where;
}

void TimerWheel::unlink(TimerNode& node) {
    TimerLink& n = node;
    n.prev->next = n.next;
    n.next->prev = n.prev;
    n.prev = n.next = &n;
    if (node.where_ >= 1 && node.where_ < kPending) {
        const unsigned index = node.where_ - 1u;
        const unsigned level = index / kSlots;
        const unsigned slot = index % kSlots;
        if (empty(slots_[level][slot])) {
            occupied_[level] &= ~(std::uint64_t{1} << slot);
            slot_min_[level][slot] = kNoTick;
        }
    } else if (node.where_ == kPending && empty(pending_)) {
        pending_min_ = kNoTick;
    } else if (node.where_ == kOverflow && empty(overflow_)) {
        overflow_min_ = kNoTick;
    }
    node.where_ = kNowhere;
}

void TimerWheel::schedule(TimerNode& node, Instant deadline) {
    if (node.wheel_ != nullptr)
        node.wheel_->cancel(node);
    if (deadline == kNever)
        return;
    node.deadline_ = deadline;
    node.wheel_ = this;
    ++size_;
    insert(node, ceil_tick(deadline));
}

void TimerWheel::insert(TimerNode& node, std::uint64_t tick) {
    if (tick <= elapsed_) {
        // Already due: the next advance() fires it (never the running one: no livelock).
        push(pending_, node, kPending);
        pending_min_ = std::min(pending_min_, tick);
        return;
    }
    place(node, tick);
}

void TimerWheel::place(TimerNode& node, std::uint64_t tick) {
    // The highest 6-bit group in which the deadline differs from the current tick picks the
    // level: every lower group will be passed through (cascaded) on the way there.
    const std::uint64_t differ = (tick ^ elapsed_) | (kSlots - 1);
    const unsigned level = (63u - static_cast<unsigned>(std::countl_zero(differ))) / kSlotBits;
    if (level >= kLevels) {
        push(overflow_, node, kOverflow);
        overflow_min_ = std::min(overflow_min_, tick);
        return;
    }
    const auto slot = static_cast<unsigned>((tick >> (kSlotBits * level)) & (kSlots - 1));
    push(slots_[level][slot], node, static_cast<std::uint16_t>(1 + level * kSlots + slot));
    occupied_[level] |= std::uint64_t{1} << slot;
    slot_min_[level][slot] = std::min(slot_min_[level][slot], tick);
}

void TimerWheel::cancel(TimerNode& node) {
    if (node.wheel_ != this) {
        if (node.wheel_ != nullptr)
            node.wheel_->cancel(node);
        return;
    }
    unlink(node);
    node.wheel_ = nullptr;
    --size_;
}

void TimerWheel::begin_advance(Instant now) {
    assert(!advancing_ && "TimerWheel::advance is not re-entrant");
    advancing_ = true;
    target_ = std::max(elapsed_, floor_tick(now));
    // Timers that became due before this call fire first: their ticks are the earliest.
    while (!empty(pending_)) {
        auto& node = static_cast<TimerNode&>(*pending_.next);
        unlink(node);
        push(firing_, node, kFiring);
    }
}

bool TimerWheel::step() {
    // Levels hold disjoint, increasing tick ranges (level l lies inside the current level-l+1
    // slot), so the first occupied slot of the lowest non-empty level is the next one due.
    for (unsigned level = 0; level < kLevels; ++level) {
        if (occupied_[level] == 0)
            continue;
        const auto slot = static_cast<unsigned>(std::countr_zero(occupied_[level]));
        const std::uint64_t rotation = slot_span(level) * kSlots;
        const std::uint64_t at = (elapsed_ & ~(rotation - 1)) + slot * slot_span(level);
        if (at > target_)
            return false;
        elapsed_ = at;
        ++stats_.slots_visited;
        TimerLink& list = slots_[level][slot];
        while (!empty(list)) {
            auto& node = static_cast<TimerNode&>(*list.next);
            unlink(node);
            const std::uint64_t tick = level == 0 ? at : ceil_tick(node.deadline_);
            if (level != 0)
                ++stats_.timers_cascaded;
            if (tick <= elapsed_)
                push(firing_, node, kFiring);
            else
                place(node, tick);
        }
        return true;
    }
    if (empty(overflow_))
        return false;
    // Everything on the levels has fired: move to the next top-level rotation and re-sort the
    // overflow list once for it.
    const std::uint64_t boundary = (elapsed_ | (slot_span(kLevels) - 1)) + 1;
    if (boundary == 0 || boundary > target_)
        return false;
    elapsed_ = boundary;
    ++stats_.slots_visited;
    TimerLink sweep;
    while (!empty(overflow_)) {
        auto& node = static_cast<TimerNode&>(*overflow_.next);
        unlink(node);
        push(sweep, node, kOverflow);
    }
    while (!empty(sweep)) {
        auto& node = static_cast<TimerNode&>(*sweep.next);
        TimerLink& n = node;
        n.prev->next = n.next;
        n.next->prev = n.prev;
        n.prev = n.next = &n;
        ++stats_.timers_cascaded;
        const std::uint64_t tick = ceil_tick(node.deadline_);
        if (tick <= elapsed_)
            push(firing_, node, kFiring);
        else
            place(node, tick);
    }
    return true;
}

TimerNode* TimerWheel::pop_firing() {
    if (empty(firing_))
        return nullptr;
    auto& node = static_cast<TimerNode&>(*firing_.next);
    unlink(node);
    node.wheel_ = nullptr;
    --size_;
    ++stats_.timers_fired;
    return &node;
}

void TimerWheel::end_advance() {
    elapsed_ = std::max(elapsed_, target_);
    advancing_ = false;
}

Instant TimerWheel::next_deadline() const {
    if (!empty(firing_))
        return tick_instant(elapsed_); // asked from inside a callback: more fire right now
    if (!empty(pending_))
        return tick_instant(pending_min_);
    for (unsigned level = 0; level < kLevels; ++level) {
        if (occupied_[level] == 0)
            continue;
        const auto slot = static_cast<unsigned>(std::countr_zero(occupied_[level]));
        const std::uint64_t rotation = slot_span(level) * kSlots;
        const std::uint64_t at = (elapsed_ & ~(rotation - 1)) + slot * slot_span(level);
        return tick_instant(std::max(at, slot_min_[level][slot]));
    }
    if (!empty(overflow_))
        return tick_instant(overflow_min_);
    return kNever;
}

} // namespace multios::net
