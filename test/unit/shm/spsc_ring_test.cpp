// SpscRing: FIFO order, full and empty, the largest message, wrap-around of the slot array and
// of the 32-bit indices; and a fork()ed producer streaming 1,000,000 numbered messages to the
// parent with spin_then_wait wake-ups in both directions.
#include <catch2/catch.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <new>
#include <vector>

#include "fork_child.hpp"
#include "shm/segment.hpp"
#include "shm/shared_wait.hpp"
#include "shm/spsc_ring.hpp"

namespace multios::net::shm_test {

using shm::RingHeader;
using shm::SharedSegment;
using shm::SharedWait;
using shm::SpscRing;
using namespace std::chrono_literals;

namespace {

std::array<std::byte, 8> number(std::uint64_t v) {
    std::array<std::byte, 8> b{};
    std::memcpy(b.data(), &v, sizeof v);
    return b;
}

std::uint64_t number_of(const std::byte* p) {
    std::uint64_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

} // namespace

TEST_CASE("SpscRing: format fits a power-of-two slot count", "[shm]") {
    alignas(64) std::array<std::byte, 192 + 64 * 6> mem{};
    auto ring = SpscRing::format(mem.data(), mem.size(), 64);
    REQUIRE(ring);
    CHECK(ring->slot_count() == 4);
    CHECK(ring->slot_size() == 64);
    CHECK(ring->max_message() == 60);
    CHECK(ring->empty());
    CHECK(SpscRing::bytes_needed(64, 4) == 192 + 256);
}

TEST_CASE("SpscRing: format rejects bad geometry", "[shm]") {
    alignas(64) std::array<std::byte, 1024> mem{};
    CHECK(SpscRing::format(mem.data(), mem.size(), 0).error() == std::errc::invalid_argument);
    CHECK(SpscRing::format(mem.data(), mem.size(), 12).error() == std::errc::invalid_argument);
    CHECK(SpscRing::format(mem.data(), 192 + 63, 64).error() == std::errc::invalid_argument);
    CHECK(SpscRing::format(mem.data() + 8, 512, 64).error() == std::errc::invalid_argument);
    CHECK(SpscRing::format(nullptr, 1024, 64).error() == std::errc::invalid_argument);
}

TEST_CASE("SpscRing: FIFO order, full, empty", "[shm]") {
    alignas(64) std::array<std::byte, 192 + 32 * 8> mem{};
    auto ring = SpscRing::format(mem.data(), mem.size(), 32);
    REQUIRE(ring);
    REQUIRE(ring->slot_count() == 8);
    std::array<std::byte, 32> out{};
    CHECK_FALSE(ring->try_pop(out));
    for (std::uint64_t i = 0; i < 8; ++i)
        REQUIRE(ring->try_push(number(i)));
    CHECK_FALSE(ring->try_push(number(99))); // full
    CHECK_FALSE(ring->empty());
    for (std::uint64_t i = 0; i < 8; ++i) {
        auto n = ring->try_pop(out);
        REQUIRE(n);
        CHECK(*n == 8);
        CHECK(number_of(out.data()) == i);
    }
    CHECK(ring->empty());
    CHECK_FALSE(ring->try_pop(out));
}

TEST_CASE("SpscRing: the largest message fits, one byte more does not", "[shm]") {
    alignas(64) std::array<std::byte, 192 + 64 * 2> mem{};
    auto ring = SpscRing::format(mem.data(), mem.size(), 64);
    REQUIRE(ring);
    std::vector<std::byte> big(60);
    for (std::size_t i = 0; i < big.size(); ++i)
        big[i] = static_cast<std::byte>(i + 1);
    CHECK_FALSE(ring->try_push(std::vector<std::byte>(61)));
    REQUIRE(ring->try_push(big));
    REQUIRE(ring->try_push({})); // an empty message is a message
    std::vector<std::byte> out(60);
    CHECK(ring->try_pop(out) == std::optional<std::size_t>(60));
    CHECK(out == big);
    CHECK(ring->try_pop(out) == std::optional<std::size_t>(0));
}

TEST_CASE("SpscRing: a short output buffer truncates but reports the length", "[shm]") {
    alignas(64) std::array<std::byte, 192 + 64> mem{};
    auto ring = SpscRing::format(mem.data(), mem.size(), 64);
    REQUIRE(ring);
    REQUIRE(ring->try_push(number(0x1122334455667788)));
    std::array<std::byte, 4> out{};
    CHECK(ring->try_pop(out) == std::optional<std::size_t>(8));
    CHECK(ring->empty());
}

TEST_CASE("SpscRing: wrap-around of the slots and of the 32-bit indices", "[shm]") {
    alignas(64) std::array<std::byte, 192 + 16 * 4> mem{};
    auto formatted = SpscRing::format(mem.data(), mem.size(), 16);
    REQUIRE(formatted);
    // Start just below 2^32 so the free-running indices wrap during the test.
    auto* hdr = std::launder(reinterpret_cast<RingHeader*>(mem.data()));
    hdr->head.store(0xfffffffa);
    hdr->tail.store(0xfffffffa);
    auto producer = SpscRing::open(mem.data(), mem.size());
    auto consumer = SpscRing::open(mem.data(), mem.size());
    REQUIRE(producer);
    REQUIRE(consumer);
    std::array<std::byte, 16> out{};
    std::uint64_t next_in = 0, next_out = 0;
    for (int round = 0; round < 50; ++round) {
        const int burst = 1 + round % 4;
        for (int i = 0; i < burst; ++i)
            REQUIRE(producer->try_push(number(next_in++)));
        for (int i = 0; i < burst; ++i) {
            REQUIRE(consumer->try_pop(out) == std::optional<std::size_t>(8));
            REQUIRE(number_of(out.data()) == next_out++);
        }
    }
    CHECK(hdr->tail.load() < 0x100u); // wrapped
    CHECK(consumer->empty());
}

TEST_CASE("SpscRing: a fork()ed producer streams 1,000,000 messages in order", "[shm]") {
    constexpr std::uint64_t kMessages = 1'000'000;
    // Layout: two wake-up words on their own cache line, then the ring at offset 64.
    auto seg = SharedSegment::create("multios-test-ring", 64 + SpscRing::bytes_needed(64, 256));
    REQUIRE(seg);
    auto* data_ready = new (seg->data()) SharedWait{};
    auto* space_ready = new (seg->data() + 8) SharedWait{};
    REQUIRE(SpscRing::format(seg->data() + 64, seg->size() - 64, 64));
    const auto start = std::chrono::steady_clock::now();

    const pid_t pid = fork_child([&] {
        auto ring = SpscRing::open(seg->data() + 64, seg->size() - 64);
        if (!ring)
            return 1;
        for (std::uint64_t i = 0; i < kMessages; ++i) {
            const auto msg = number(i);
            if (!space_ready->spin_then_wait([&] { return ring->try_push(msg); }, 20us, 10s))
                return 2;
            data_ready->signal();
        }
        return 0;
    });

    auto ring = SpscRing::open(seg->data() + 64, seg->size() - 64);
    REQUIRE(ring);
    std::array<std::byte, 64> out{};
    std::uint64_t received = 0, out_of_order = 0;
    std::optional<std::size_t> n;
    while (received < kMessages) {
        if (!data_ready->spin_then_wait([&] { return (n = ring->try_pop(out)).has_value(); }, 20us,
                                        10s))
            break;
        space_ready->signal();
        if (*n != 8 || number_of(out.data()) != received)
            ++out_of_order;
        ++received;
    }
    const int child = wait_child(pid);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    CHECK(child == 0);
    CHECK(received == kMessages);
    CHECK(out_of_order == 0);
    CHECK(ring->empty());
    CHECK(elapsed < 20s);
}

} // namespace multios::net::shm_test
