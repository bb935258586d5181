// The virtual clock: events in (time, insertion) order, run_until bounds, no time travel.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "sim/event_scheduler.hpp"

using namespace multios::net;
using namespace multios::net::sim;

namespace multios::net::sim_test {
namespace {

/// Logs (time, tag) of each call; may schedule a follow-up from inside the callback.
struct Logger final : EventTarget {
    EventScheduler* sched = nullptr;
    std::vector<std::pair<std::int64_t, std::uint64_t>> log;
    std::uint64_t follow_up_tag = 0; // when a call has this tag, schedule tag+100 at the same time
    void on_event(Instant now, std::uint64_t tag) override {
        log.emplace_back(to_ns(now), tag);
        if (tag == follow_up_tag && sched != nullptr) {
            sched->schedule(now, *this, tag + 100);
        }
    }
};

} // namespace
} // namespace multios::net::sim_test

using multios::net::sim_test::Logger;

TEST_CASE("scheduler runs events by time, ties in insertion order", "[sim]") {
    EventScheduler s(instant_from_ns(0));
    Logger l;
    s.schedule(instant_from_ns(30), l, 1);
    s.schedule(instant_from_ns(10), l, 2);
    s.schedule(instant_from_ns(30), l, 3);
    s.schedule(instant_from_ns(10), l, 4);
    s.schedule(instant_from_ns(20), l, 5);
    s.run_until(instant_from_ns(100));
    const std::vector<std::pair<std::int64_t, std::uint64_t>> want{
        {10, 2}, {10, 4}, {20, 5}, {30, 1}, {30, 3}};
    CHECK(l.log == want);
    CHECK(s.executed() == 5);
    CHECK(to_ns(s.now()) == 100);
}

TEST_CASE("run_until stops at its bound and leaves later events queued", "[sim]") {
    EventScheduler s(instant_from_ns(0));
    Logger l;
    s.schedule(instant_from_ns(50), l, 1);
    s.schedule(instant_from_ns(51), l, 2);
    s.run_until(instant_from_ns(50)); // inclusive bound
    REQUIRE(l.log.size() == 1);
    CHECK(to_ns(s.now()) == 50);
    CHECK(s.pending() == 1);
    CHECK(to_ns(s.next_event_time()) == 51);
    s.run_until(instant_from_ns(10)); // backwards: nothing runs, clock stays
    CHECK(to_ns(s.now()) == 50);
    CHECK(l.log.size() == 1);
}

TEST_CASE("an event scheduled in the past runs now, after those already due now", "[sim]") {
    EventScheduler s(instant_from_ns(0));
    Logger l;
    l.sched = &s;
    l.follow_up_tag = 1;
    s.schedule(instant_from_ns(40), l, 1); // schedules tag 101 at 40 from inside
    s.schedule(instant_from_ns(40), l, 2);
    s.run_until(instant_from_ns(40));
    const std::vector<std::pair<std::int64_t, std::uint64_t>> want{{40, 1}, {40, 2}, {40, 101}};
    CHECK(l.log == want);
    s.schedule(instant_from_ns(5), l, 7); // in the past
    s.run_next();
    CHECK(l.log.back() == std::pair<std::int64_t, std::uint64_t>{40, 7});
    CHECK_FALSE(s.run_next());
    CHECK(s.next_event_time() == kNever);
}
