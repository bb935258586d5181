#include "sim/event_scheduler.hpp"

#include <algorithm>

namespace multios::net::sim {

void EventScheduler::schedule(Instant at, EventTarget& target, std::uint64_t tag) {
    queue_.push(Event{std::max(at, now_), next_seq_++, &target, tag});
}

bool EventScheduler::run_next() {
    if (queue_.empty()) {
        return false;
    }
    // Copied out before the pop: the callback may schedule, which can move the heap's storage.
    const Event e = queue_.top();
    queue_.pop();
    now_ = e.at;
    ++executed_;
    e.target->on_event(now_, e.tag);
    return true;
}

void EventScheduler::run_until(Instant t) {
    while (!queue_.empty() && queue_.top().at <= t) {
        run_next();
    }
    now_ = std::max(now_, t);
}

Instant EventScheduler::next_event_time() const {
    return queue_.empty() ? kNever : queue_.top().at;
}

} // namespace multios::net::sim
