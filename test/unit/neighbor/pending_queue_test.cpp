// PendingQueue: FIFO per list, bounded arena, slots reused.
#include <catch2/catch.hpp>

#include <vector>

#include "neighbor/pending_queue.hpp"

using multios::net::PendingQueue;

namespace {
std::vector<std::byte> bytes(std::size_t n, std::uint8_t v) {
    return std::vector<std::byte>(n, std::byte{v});
}
} // namespace

TEST_CASE("pending queue: lists are FIFO and share a bounded arena", "[neighbor][pending]") {
    PendingQueue q(4, 100, 3);
    PendingQueue::List a;
    PendingQueue::List b;
    CHECK(q.push(a, bytes(10, 1)) == PendingQueue::PushResult::Queued);
    CHECK(q.push(b, bytes(20, 2)) == PendingQueue::PushResult::Queued);
    CHECK(q.push(a, bytes(30, 3)) == PendingQueue::PushResult::Queued);
    CHECK(q.push(a, bytes(101, 4)) == PendingQueue::PushResult::TooBig);
    CHECK(q.push(a, bytes(40, 4)) == PendingQueue::PushResult::Queued);
    CHECK(q.push(a, bytes(40, 5)) == PendingQueue::PushResult::ListFull);
    CHECK(q.push(b, bytes(40, 6)) == PendingQueue::PushResult::Exhausted);
    CHECK(q.free_slots() == 0);

    std::vector<std::pair<std::size_t, std::uint8_t>> seen;
    q.drain(a, [&](std::span<const std::byte> p) {
        seen.emplace_back(p.size(), static_cast<std::uint8_t>(p[0]));
    });
    CHECK(seen == std::vector<std::pair<std::size_t, std::uint8_t>>{{10, 1}, {30, 3}, {40, 4}});
    CHECK(a.empty());
    CHECK(q.free_slots() == 3);
    CHECK(q.discard(b) == 1);
    CHECK(q.free_slots() == 4);
    for (int i = 0; i < 3; ++i)
        CHECK(q.push(b, bytes(100, 7)) == PendingQueue::PushResult::Queued);
    CHECK(b.count == 3);
}
