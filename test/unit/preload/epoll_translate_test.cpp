// epoll_wait results for sets holding stack sockets: tags back to the application's data,
// readiness filtering, stale registrations, one-shot re-arming and synthesised edges.
#include "epoll_registry.hpp"
#include "epoll_tag.hpp"
#include "epoll_translate.hpp"
#include "fake_stack.hpp"
#include "fd_marks.hpp"

#include <catch2/catch.hpp>
#include <memory>
#include <poll.h>
#include <sys/epoll.h>

using namespace multios::net::preload;
using namespace multios::net::preload_test;

namespace multios::net::preload_test {

epoll_event kernel_event(std::uint32_t events, std::uint64_t data) {
    epoll_event event{};
    event.events = events;
    event.data.u64 = data;
    return event;
}

} // namespace multios::net::preload_test

TEST_CASE("tagged events get the application's data and filtered events", "[preload]") {
    reset_fake();
    fake().readiness[5] = POLLIN;
    fake().readiness[6] = 0;
    EpollRegistry registry;
    auto marks = std::make_unique<FdMarks>();
    registry.add(10, 5, {EPOLLIN | EPOLLOUT, 0x1111});
    registry.add(10, 6, {EPOLLOUT, 0x2222});
    epoll_event events[3] = {
        kernel_event(EPOLLIN | EPOLLOUT, epoll_tag(5)), // eventfd readable and writable
        kernel_event(EPOLLIN, 0x7fff12345678),          // a kernel fd's own data
        kernel_event(EPOLLOUT, epoll_tag(6)),           // eventfd writable, socket is not
    };
    const int n = translate_events(events, 3, 0, 10, registry, *marks, kFakeEpollOps);
    REQUIRE(n == 2);
    CHECK(events[0].data.u64 == 0x1111);
    CHECK(events[0].events == EPOLLIN); // POLLOUT not in the readiness word
    CHECK(events[1].data.u64 == 0x7fff12345678);
    CHECK(events[1].events == EPOLLIN);
}

TEST_CASE("events of unknown tags are dropped as stale registrations", "[preload]") {
    reset_fake();
    fake().readiness[7] = POLLIN;
    EpollRegistry registry;
    auto marks = std::make_unique<FdMarks>();
    epoll_event events[1] = {kernel_event(EPOLLIN, epoll_tag(7))};
    CHECK(translate_events(events, 1, 0, 10, registry, *marks, kFakeEpollOps) == 0);
}

TEST_CASE("a one-shot event that filters to nothing is re-armed", "[preload]") {
    reset_fake();
    fake().readiness[5] = 0;
    EpollRegistry registry;
    auto marks = std::make_unique<FdMarks>();
    registry.add(10, 5, {EPOLLOUT | EPOLLONESHOT, 1});
    epoll_event events[1] = {kernel_event(EPOLLOUT, epoll_tag(5))};
    CHECK(translate_events(events, 1, 0, 10, registry, *marks, kFakeEpollOps) == 0);
    REQUIRE(fake().rearmed.size() == 1);
    CHECK(fake().rearmed[0] == std::pair{10, 5});
}

TEST_CASE("an edge-triggered writer that hit EAGAIN gets an EPOLLOUT edge once writable",
          "[preload]") {
    reset_fake();
    fake().readiness[5] = 0;
    EpollRegistry registry;
    auto marks = std::make_unique<FdMarks>();
    registry.add(10, 5, {EPOLLIN | EPOLLOUT | EPOLLET, 0x55});
    marks->set(5, kAwaitWrite); // send returned EAGAIN

    epoll_event events[4]{};
    bool awaiting = false;
    CHECK(synthesise_edges(events, 4, 10, registry, *marks, kFakeEpollOps, &awaiting) == 0);
    CHECK(awaiting); // not writable yet: the caller must keep polling

    fake().readiness[5] = POLLOUT;
    awaiting = false;
    REQUIRE(synthesise_edges(events, 4, 10, registry, *marks, kFakeEpollOps, &awaiting) == 1);
    CHECK_FALSE(awaiting);
    CHECK(marks->get(5) == 0); // consumed: one edge per EAGAIN
    // The kernel reported the same fd too: merged into the synthesised event.
    events[1] = kernel_event(EPOLLOUT, epoll_tag(5));
    const int n = translate_events(events, 2, 1, 10, registry, *marks, kFakeEpollOps);
    REQUIRE(n == 1);
    CHECK(events[0].data.u64 == 0x55);
    CHECK(events[0].events == EPOLLOUT);

    awaiting = false;
    CHECK(synthesise_edges(events, 4, 10, registry, *marks, kFakeEpollOps, &awaiting) == 0);
    CHECK_FALSE(awaiting);
}

TEST_CASE("read marks give early edges but never force polling", "[preload]") {
    reset_fake();
    fake().readiness[5] = 0;
    EpollRegistry registry;
    auto marks = std::make_unique<FdMarks>();
    registry.add(10, 5, {EPOLLIN | EPOLLET, 0x55});
    marks->set(5, kAwaitRead);
    epoll_event events[2]{};
    bool awaiting = false;
    CHECK(synthesise_edges(events, 2, 10, registry, *marks, kFakeEpollOps, &awaiting) == 0);
    CHECK_FALSE(awaiting); // the eventfd signals readability itself
    fake().readiness[5] = POLLIN;
    REQUIRE(synthesise_edges(events, 2, 10, registry, *marks, kFakeEpollOps, &awaiting) == 1);
    CHECK(events[0].events == EPOLLIN);
}

TEST_CASE("level-triggered and one-shot registrations get no synthesised edges", "[preload]") {
    reset_fake();
    fake().readiness[5] = POLLOUT;
    fake().readiness[6] = POLLOUT;
    EpollRegistry registry;
    auto marks = std::make_unique<FdMarks>();
    registry.add(10, 5, {EPOLLOUT, 1});
    registry.add(10, 6, {EPOLLOUT | EPOLLET | EPOLLONESHOT, 2});
    marks->set(5, kAwaitWrite);
    marks->set(6, kAwaitWrite);
    epoll_event events[2]{};
    bool awaiting = false;
    CHECK(synthesise_edges(events, 2, 10, registry, *marks, kFakeEpollOps, &awaiting) == 0);
    CHECK_FALSE(awaiting);
}

TEST_CASE("a consumed kernel edge the readiness word did not show yet is owed later", "[preload]") {
    reset_fake();
    fake().readiness[5] = 0; // the eventfd fired before the readiness word caught up
    EpollRegistry registry;
    auto marks = std::make_unique<FdMarks>();
    registry.add(10, 5, {EPOLLIN | EPOLLET, 9});
    epoll_event events[2] = {kernel_event(EPOLLIN, epoll_tag(5))};
    CHECK(translate_events(events, 1, 0, 10, registry, *marks, kFakeEpollOps) == 0);
    CHECK((marks->get(5) & kReadLag) != 0);

    bool awaiting = false;
    CHECK(synthesise_edges(events, 2, 10, registry, *marks, kFakeEpollOps, &awaiting) == 0);
    CHECK(awaiting); // a lag forces polling, unlike a plain read mark
    fake().readiness[5] = POLLIN;
    awaiting = false;
    REQUIRE(synthesise_edges(events, 2, 10, registry, *marks, kFakeEpollOps, &awaiting) == 1);
    CHECK(events[0].events == EPOLLIN);
    CHECK(marks->get(5) == 0);
}

TEST_CASE("FdMarks ignores fds outside its range", "[preload]") {
    auto marks = std::make_unique<FdMarks>();
    marks->set(-1, kAwaitRead);
    marks->set(kFdMarkLimit, kAwaitRead);
    CHECK(marks->get(-1) == 0);
    CHECK(marks->get(kFdMarkLimit) == 0);
    marks->set(3, kAwaitRead | kEpollWithStack);
    CHECK(marks->take(3, kEpollWithStack) == kEpollWithStack);
    CHECK(marks->get(3) == kAwaitRead);
    CHECK(marks->take(3, kEpollWithStack) == 0);
}
