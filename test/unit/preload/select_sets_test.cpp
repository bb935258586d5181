// select over stack sockets runs as poll: fd_set <-> pollfd conversion with Linux's mapping.
#include "fake_stack.hpp"
#include "select_sets.hpp"

#include <catch2/catch.hpp>
#include <poll.h>
#include <sys/select.h>

using namespace multios::net::preload;
using namespace multios::net::preload_test;

TEST_CASE("select sets become one pollfd per fd with merged interest", "[preload]") {
    fd_set readfds;
    fd_set writefds;
    FD_ZERO(&readfds);
    FD_ZERO(&writefds);
    FD_SET(3, &readfds);
    FD_SET(3, &writefds);
    FD_SET(7, &writefds);
    FD_SET(9, &readfds); // not below nfds: ignored, as select does
    pollfd fds[FD_SETSIZE];
    const std::size_t count = sets_to_pollfds(9, &readfds, &writefds, nullptr, fds);
    REQUIRE(count == 2);
    CHECK(fds[0].fd == 3);
    CHECK((fds[0].events & POLLIN) != 0);
    CHECK((fds[0].events & POLLOUT) != 0);
    CHECK(fds[1].fd == 7);
    CHECK((fds[1].events & POLLIN) == 0);
    CHECK((fds[1].events & POLLOUT) != 0);
}

TEST_CASE("poll results become select bits, errors count for reads and writes", "[preload]") {
    fd_set readfds;
    fd_set writefds;
    fd_set exceptfds;
    FD_ZERO(&readfds);
    FD_ZERO(&writefds);
    FD_ZERO(&exceptfds);
    for (int fd : {3, 4, 5}) {
        FD_SET(fd, &readfds);
        FD_SET(fd, &writefds);
        FD_SET(fd, &exceptfds);
    }
    pollfd fds[FD_SETSIZE];
    REQUIRE(sets_to_pollfds(6, &readfds, &writefds, &exceptfds, fds) == 3);
    fds[0].revents = POLLIN;  // fd 3: readable
    fds[1].revents = POLLERR; // fd 4: error -> readable and writable (fs/select.c)
    fds[2].revents = 0;       // fd 5: nothing
    CHECK(pollfds_to_sets(fds, 3, &readfds, &writefds, &exceptfds) == 3);
    CHECK(FD_ISSET(3, &readfds));
    CHECK_FALSE(FD_ISSET(3, &writefds));
    CHECK(FD_ISSET(4, &readfds));
    CHECK(FD_ISSET(4, &writefds));
    CHECK_FALSE(FD_ISSET(5, &readfds));
    CHECK_FALSE(FD_ISSET(5, &writefds));
    CHECK_FALSE(FD_ISSET(3, &exceptfds));
    CHECK_FALSE(FD_ISSET(4, &exceptfds));
}

TEST_CASE("an invalid fd in select sets fails the whole call", "[preload]") {
    fd_set readfds;
    FD_ZERO(&readfds);
    FD_SET(3, &readfds);
    pollfd fds[FD_SETSIZE];
    REQUIRE(sets_to_pollfds(4, &readfds, nullptr, nullptr, fds) == 1);
    fds[0].revents = POLLNVAL;
    CHECK(pollfds_to_sets(fds, 1, &readfds, nullptr, nullptr) == -1);
}

TEST_CASE("sets_hold_stack_fd looks only below nfds", "[preload]") {
    reset_fake();
    fake().readiness[8] = 0;
    fd_set readfds;
    FD_ZERO(&readfds);
    FD_SET(2, &readfds);
    FD_SET(8, &readfds);
    CHECK(sets_hold_stack_fd(9, &readfds, nullptr, nullptr, fake_is_stack));
    CHECK_FALSE(sets_hold_stack_fd(8, &readfds, nullptr, nullptr, fake_is_stack));
    CHECK_FALSE(sets_hold_stack_fd(9, nullptr, nullptr, nullptr, fake_is_stack));
}
