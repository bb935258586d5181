// api::IntrusiveMpsc: the lock-free list through which application threads hand sockets to an
// lcore. take_all() returns items oldest first; under four concurrent producers every item is
// taken exactly once.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "api/intrusive_mpsc.hpp"

namespace multios::net::api_unit_test {

namespace {

struct Item {
    int producer = 0;
    int index = 0;
    Item* next = nullptr;
};

using ItemList = api::IntrusiveMpsc<Item, &Item::next>;

} // namespace

TEST_CASE("IntrusiveMpsc take_all returns what was pushed, oldest first", "[api-unit]") {
    ItemList list;
    CHECK(list.empty());
    CHECK(list.take_all() == nullptr);

    std::vector<Item> items(5);
    for (int i = 0; i < 5; ++i) {
        items[static_cast<std::size_t>(i)].index = i;
        list.push(&items[static_cast<std::size_t>(i)]);
    }
    CHECK_FALSE(list.empty());
    std::vector<int> order;
    for (Item* it = list.take_all(); it != nullptr; it = it->next)
        order.push_back(it->index);
    CHECK(order == std::vector<int>{0, 1, 2, 3, 4});
    CHECK(list.empty());
    CHECK(list.take_all() == nullptr);

    // Items may be pushed again once taken (the socket API re-queues sockets).
    list.push(&items[3]);
    list.push(&items[1]);
    Item* again = list.take_all();
    REQUIRE(again != nullptr);
    CHECK(again->index == 3);
    REQUIRE(again->next != nullptr);
    CHECK(again->next->index == 1);
    CHECK(again->next->next == nullptr);
}

TEST_CASE("IntrusiveMpsc: 4 producers x 100k pushes, each item taken exactly once", "[api-unit]") {
    constexpr int kProducers = 4;
    constexpr int kPerProducer = 100'000;
    std::vector<std::vector<Item>> items(kProducers, std::vector<Item>(kPerProducer));
    ItemList list;
    std::atomic<int> running{kProducers};

    std::vector<std::thread> producers;
    for (int p = 0; p < kProducers; ++p) {
        producers.emplace_back([&, p] {
            for (int i = 0; i < kPerProducer; ++i) {
                Item& it = items[static_cast<std::size_t>(p)][static_cast<std::size_t>(i)];
                it.producer = p;
                it.index = i;
                list.push(&it);
            }
            running.fetch_sub(1);
        });
    }

    std::vector<std::vector<int>> seen(kProducers, std::vector<int>(kPerProducer, 0));
    std::vector<int> last(kProducers, -1);
    int taken = 0, out_of_order = 0, batches = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (taken < kProducers * kPerProducer && std::chrono::steady_clock::now() < deadline) {
        const bool producers_done = running.load() == 0;
        Item* it = list.take_all();
        batches += it != nullptr ? 1 : 0;
        for (; it != nullptr; it = it->next) {
            ++seen[static_cast<std::size_t>(it->producer)][static_cast<std::size_t>(it->index)];
            // Oldest first: one producer's items come out in the order it pushed them.
            if (it->index <= last[static_cast<std::size_t>(it->producer)])
                ++out_of_order;
            last[static_cast<std::size_t>(it->producer)] = it->index;
            ++taken;
        }
        if (producers_done && list.empty())
            break;
    }
    for (auto& t : producers)
        t.join();
    for (Item* it = list.take_all(); it != nullptr; it = it->next) // nothing may remain
        ++seen[static_cast<std::size_t>(it->producer)][static_cast<std::size_t>(it->index)],
            ++taken;

    int missing = 0, duplicated = 0;
    for (const auto& per : seen)
        for (int count : per) {
            missing += count == 0 ? 1 : 0;
            duplicated += count > 1 ? 1 : 0;
        }
    CHECK(taken == kProducers * kPerProducer);
    CHECK(missing == 0);
    CHECK(duplicated == 0);
    CHECK(out_of_order == 0);
    CHECK(batches >= 1);
}

} // namespace multios::net::api_unit_test
