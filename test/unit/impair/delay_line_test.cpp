// DelayLine: FIFO release at the due time, one packet held behind the next, bounded size.
#include <catch2/catch.hpp>

#include <array>
#include <vector>

#include "impair/delay_line.hpp"

namespace multios::net::impair_test {
namespace {

using namespace std::chrono_literals;

constexpr Instant kT0 = instant_from_ns(5'000'000'000);

std::vector<int> pop(DelayLine<int>& line, Instant now) {
    std::array<int, 16> buf{};
    const std::size_t n = line.pop_due(now, buf);
    return {buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n)};
}

} // namespace

TEST_CASE("delay line: packets leave at their release time, in FIFO order", "[impair]") {
    DelayLine<int> line(8);
    CHECK(line.next_due() == kNever);
    CHECK(line.push(1, kT0 + 10ms) == DelayLinePush::queued);
    CHECK(line.push(2, kT0 + 11ms) == DelayLinePush::queued);
    CHECK(line.push(3, kT0 + 12ms) == DelayLinePush::queued);
    CHECK(line.next_due() == kT0 + 10ms);
    CHECK(pop(line, kT0 + 10ms - 1ns).empty());
    CHECK(pop(line, kT0 + 10ms) == std::vector<int>{1});
    CHECK(pop(line, kT0 + 12ms) == std::vector<int>{2, 3});
    CHECK(line.empty());
}

TEST_CASE("delay line: an earlier release time does not overtake", "[impair]") {
    DelayLine<int> line(8);
    line.push(1, kT0 + 20ms);
    line.push(2, kT0 + 5ms); // e.g. a shorter delay configured later
    CHECK(pop(line, kT0 + 10ms).empty());
    CHECK(pop(line, kT0 + 20ms) == std::vector<int>{1, 2});
}

TEST_CASE("delay line: a held packet leaves right after the next one", "[impair]") {
    DelayLine<int> line(8);
    CHECK(line.hold(1, kT0, kT0 + 10ms) == DelayLinePush::held);
    CHECK(line.size() == 1);
    CHECK(pop(line, kT0).empty());
    CHECK(line.push(2, kT0 + 1ms) == DelayLinePush::queued);
    // The held one takes the follower's release time.
    CHECK(pop(line, kT0 + 1ms) == std::vector<int>{2, 1});
}

TEST_CASE("delay line: a second hold while one is held is a plain push", "[impair]") {
    DelayLine<int> line(8);
    line.hold(1, kT0, kT0 + 10ms);
    CHECK(line.hold(2, kT0, kT0 + 10ms) == DelayLinePush::queued);
    CHECK(pop(line, kT0) == std::vector<int>{2, 1});
}

TEST_CASE("delay line: a held packet with no follower leaves at its deadline", "[impair]") {
    DelayLine<int> line(8);
    line.push(1, kT0);
    line.hold(2, kT0, kT0 + 10ms);
    CHECK(line.next_due() == kT0);
    CHECK(pop(line, kT0) == std::vector<int>{1});
    CHECK(line.next_due() == kT0 + 10ms);
    CHECK(pop(line, kT0 + 10ms - 1ns).empty());
    CHECK(pop(line, kT0 + 10ms) == std::vector<int>{2});
    CHECK(line.empty());
    // A deadline before the release time is raised to it.
    line.hold(3, kT0 + 50ms, kT0 + 10ms);
    CHECK(line.next_due() == kT0 + 50ms);
}

TEST_CASE("delay line: bounded; the held packet counts", "[impair]") {
    DelayLine<int> line(3);
    CHECK(line.push(1, kT0) == DelayLinePush::queued);
    CHECK(line.hold(2, kT0, kT0 + 10ms) == DelayLinePush::held);
    // The push would put both the new and the held packet in the FIFO: 4 > 3.
    CHECK(line.push(3, kT0) == DelayLinePush::queued);
    CHECK(line.size() == 3);
    CHECK(line.push(4, kT0) == DelayLinePush::full);
    CHECK(line.hold(5, kT0, kT0) == DelayLinePush::full);
    CHECK(line.size() == 3);
}

TEST_CASE("delay line: pop_due respects the room it is given", "[impair]") {
    DelayLine<int> line(8);
    for (int i = 0; i < 5; ++i) {
        line.push(i, kT0);
    }
    std::array<int, 2> two{};
    CHECK(line.pop_due(kT0, two) == 2);
    CHECK(two == std::array<int, 2>{0, 1});
    CHECK(line.size() == 3);
}

TEST_CASE("delay line: drain hands back everything, held one last", "[impair]") {
    DelayLine<int> line(8);
    line.push(1, kT0 + 1000ms);
    line.push(2, kT0 + 1000ms);
    line.hold(3, kT0 + 1000ms, kT0 + 2000ms);
    std::array<int, 8> buf{};
    REQUIRE(line.drain(buf) == 3);
    CHECK(buf[0] == 1);
    CHECK(buf[1] == 2);
    CHECK(buf[2] == 3);
    CHECK(line.empty());
    CHECK(line.next_due() == kNever);
}

} // namespace multios::net::impair_test
