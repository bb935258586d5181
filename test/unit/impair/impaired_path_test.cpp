// ImpairedPath: the model and the delay line together, as the DPDK ports and the simulator
// drive them, with their counters.
#include <catch2/catch.hpp>

#include <array>
#include <vector>

#include "impair/impaired_path.hpp"

namespace multios::net::impair_test {
namespace {

using namespace std::chrono_literals;

constexpr Instant kT0 = instant_from_ns(9'000'000'000);

std::vector<int> release(ImpairedPath<int>& path, Instant now) {
    std::array<int, 64> buf{};
    const std::size_t n = path.release(now, buf);
    return {buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n)};
}

ImpairmentConfig config(double loss, Duration delay, double reorder) {
    ImpairmentConfig c;
    c.loss = loss;
    c.delay = delay;
    c.reorder = reorder;
    return c;
}

} // namespace

TEST_CASE("path without impairment forwards at once and holds nothing", "[impair]") {
    ImpairedPath<int> path(config(0, {}, 0), 1);
    for (int i = 0; i < 100; ++i) {
        REQUIRE(path.offer(i, kT0) == ImpairDisposition::forward);
    }
    CHECK(path.held() == 0);
    CHECK(path.next_release() == kNever);
    CHECK(path.counters().passed == 100);
    CHECK(path.counters().delayed == 0);
}

TEST_CASE("path delay: released at exactly now + delay, in FIFO order", "[impair]") {
    ImpairedPath<int> path(config(0, 50ms, 0), 1);
    CHECK(path.offer(1, kT0) == ImpairDisposition::queued);
    CHECK(path.offer(2, kT0 + 1ms) == ImpairDisposition::queued);
    CHECK(path.offer(3, kT0 + 1ms) == ImpairDisposition::queued);
    CHECK(path.next_release() == kT0 + 50ms);
    CHECK(release(path, kT0 + 50ms - 1ns).empty());
    CHECK(release(path, kT0 + 50ms) == std::vector<int>{1});
    CHECK(path.next_release() == kT0 + 51ms);
    CHECK(release(path, kT0 + 51ms) == std::vector<int>{2, 3});
    CHECK(path.counters().delayed == 3);
    CHECK(path.counters().passed == 3);
}

TEST_CASE("path reorder: a held packet swaps with the next one", "[impair]") {
    ImpairedPath<int> path(config(0, {}, 1.0), 1);
    // Every packet is chosen; with one held, the next is queued and the held one follows it.
    CHECK(path.offer(1, kT0) == ImpairDisposition::queued);
    CHECK(path.offer(2, kT0) == ImpairDisposition::queued);
    CHECK(path.offer(3, kT0) == ImpairDisposition::queued);
    CHECK(path.offer(4, kT0) == ImpairDisposition::queued);
    CHECK(release(path, kT0) == std::vector<int>{2, 1, 4, 3});
    CHECK(path.counters().reordered == 2);
    CHECK(path.counters().passed == 4);
    CHECK(path.counters().delayed == 0);
}

TEST_CASE("path reorder: with no next packet, the held one leaves after the bound", "[impair]") {
    ImpairedPath<int> path(config(0, {}, 1.0), 1);
    CHECK(path.offer(1, kT0) == ImpairDisposition::queued);
    CHECK(path.next_release() == kT0 + ImpairedPath<int>::kMinHold);
    CHECK(release(path, kT0 + 10ms - 1ns).empty());
    CHECK(release(path, kT0 + 10ms) == std::vector<int>{1});

    // With a delay above the bound, the bound is the delay.
    ImpairedPath<int> slow(config(0, 40ms, 1.0), 1);
    slow.offer(7, kT0);
    CHECK(slow.next_release() == kT0 + 40ms);
    CHECK(release(slow, kT0 + 40ms) == std::vector<int>{7});
}

TEST_CASE("path: a full delay line drops and counts", "[impair]") {
    ImpairedPath<int> path(config(0, 10ms, 0), 1, 4);
    int queued = 0;
    int dropped = 0;
    for (int i = 0; i < 6; ++i) {
        const auto d = path.offer(i, kT0);
        queued += d == ImpairDisposition::queued ? 1 : 0;
        dropped += d == ImpairDisposition::drop ? 1 : 0;
    }
    CHECK(queued == 4);
    CHECK(dropped == 2);
    CHECK(path.counters().dropped_full == 2);
    CHECK(path.counters().dropped_loss == 0);
    CHECK(path.counters().passed == 4);
    CHECK(release(path, kT0 + 10ms) == std::vector<int>{0, 1, 2, 3});
    // Room again once released.
    CHECK(path.offer(9, kT0 + 10ms) == ImpairDisposition::queued);
}

TEST_CASE("path loss: counted, and the count follows the seed", "[impair]") {
    ImpairedPath<int> a(config(0.25, {}, 0), 5);
    ImpairedPath<int> b(config(0.25, {}, 0), 5);
    std::vector<ImpairDisposition> da;
    std::vector<ImpairDisposition> db;
    for (int i = 0; i < 20'000; ++i) {
        da.push_back(a.offer(i, kT0));
        db.push_back(b.offer(i, kT0));
    }
    CHECK(da == db);
    const auto& c = a.counters();
    CHECK(c.passed + c.dropped_loss == 20'000);
    CHECK(c.dropped_loss > 4'500);
    CHECK(c.dropped_loss < 5'500);
}

TEST_CASE("path drain: every queued and held packet comes back", "[impair]") {
    ImpairedPath<int> path(config(0, 100ms, 0.5), 3);
    for (int i = 0; i < 10; ++i) {
        REQUIRE(path.offer(i, kT0) == ImpairDisposition::queued);
    }
    std::array<int, 16> buf{};
    CHECK(path.drain(buf) == 10);
    CHECK(path.held() == 0);
    CHECK(path.next_release() == kNever);
}

} // namespace multios::net::impair_test
