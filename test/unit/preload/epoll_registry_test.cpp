// The shim's record of stack sockets in epoll sets: what close() and epoll fd reuse rely on.
#include "epoll_registry.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <sys/epoll.h>

using namespace multios::net::preload;

TEST_CASE("registry keeps interest per (epoll, fd) and modifies only existing records",
          "[preload]") {
    EpollRegistry registry;
    registry.add(10, 5, {EPOLLIN, 0xabc});
    registry.add(11, 5, {EPOLLOUT | EPOLLET, 0xdef});
    REQUIRE(registry.find(10, 5).has_value());
    CHECK(registry.find(10, 5)->events == EPOLLIN);
    CHECK(registry.find(10, 5)->data == 0xabc);
    CHECK(registry.find(11, 5)->data == 0xdef);
    CHECK_FALSE(registry.find(10, 6).has_value());

    CHECK(registry.modify(10, 5, {EPOLLIN | EPOLLOUT, 0x123}));
    CHECK(registry.find(10, 5)->events == (EPOLLIN | EPOLLOUT));
    CHECK(registry.find(10, 5)->data == 0x123);
    CHECK_FALSE(registry.modify(10, 6, {EPOLLIN, 1}));
    CHECK_FALSE(registry.find(10, 6).has_value());

    CHECK(registry.remove(10, 5));
    CHECK_FALSE(registry.remove(10, 5));
    CHECK_FALSE(registry.find(10, 5).has_value());
    CHECK(registry.find(11, 5).has_value());
}

TEST_CASE("closing a stack fd yields every epoll set it was in, once", "[preload]") {
    EpollRegistry registry;
    registry.add(10, 5, {EPOLLIN, 1});
    registry.add(12, 5, {EPOLLIN, 2});
    registry.add(10, 6, {EPOLLIN, 3});
    auto sets = registry.take_fd(5);
    std::sort(sets.begin(), sets.end());
    CHECK(sets == std::vector<int>{10, 12});
    CHECK_FALSE(registry.find(10, 5).has_value());
    CHECK_FALSE(registry.find(12, 5).has_value());
    CHECK(registry.find(10, 6).has_value()); // another fd in the same set stays
    CHECK(registry.take_fd(5).empty());
    CHECK(registry.count(10) == 1);
    CHECK(registry.count(12) == 0);
}

TEST_CASE("dropping an epoll set forgets its records and the fds' memberships", "[preload]") {
    EpollRegistry registry;
    registry.add(10, 5, {EPOLLIN, 1});
    registry.add(10, 6, {EPOLLIN, 2});
    registry.add(11, 5, {EPOLLIN, 3});
    const auto entries = registry.entries_of(10);
    REQUIRE(entries.size() == 2);
    CHECK(entries[0].first == 5);
    CHECK(entries[1].first == 6);

    registry.drop_epoll(10);
    CHECK(registry.count(10) == 0);
    CHECK(registry.entries_of(10).empty());
    // fd 5's membership of set 10 is gone too: closing it now names only set 11.
    CHECK(registry.take_fd(5) == std::vector<int>{11});
    CHECK(registry.take_fd(6).empty());
}

TEST_CASE("re-adding a record replaces it without duplicating memberships", "[preload]") {
    EpollRegistry registry;
    registry.add(10, 5, {EPOLLIN, 1});
    registry.add(10, 5, {EPOLLOUT, 2});
    CHECK(registry.count(10) == 1);
    CHECK(registry.find(10, 5)->data == 2);
    CHECK(registry.take_fd(5) == std::vector<int>{10});
}
