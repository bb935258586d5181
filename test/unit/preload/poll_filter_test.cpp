// The shim's poll result for stack sockets: readiness words replace what the kernel saw on the
// eventfd, and the mixed poll loop waits for stack changes instead of spinning.
#include "deadline.hpp"
#include "epoll_tag.hpp"
#include "fake_stack.hpp"
#include "readiness_filter.hpp"
#include "wait_loop.hpp"

#include <catch2/catch.hpp>
#include <poll.h>
#include <sys/epoll.h>

using namespace multios::net::preload;
using namespace multios::net::preload_test;

TEST_CASE("poll_revents keeps requested ready bits and always errors and hang-ups", "[preload]") {
    CHECK(poll_revents(POLLIN, POLLIN | POLLOUT) == POLLIN);
    CHECK(poll_revents(POLLOUT, POLLIN) == 0);
    CHECK(poll_revents(POLLIN | POLLOUT, POLLOUT) == POLLOUT);
    // POSIX: POLLERR and POLLHUP are reported whether requested or not.
    CHECK(poll_revents(POLLOUT, POLLERR) == POLLERR);
    CHECK(poll_revents(0, POLLHUP | POLLIN) == POLLHUP);
    // POLLRDHUP only when asked for.
    CHECK(poll_revents(POLLIN, POLLIN | POLLRDHUP) == POLLIN);
    CHECK(poll_revents(POLLIN | POLLRDHUP, POLLIN | POLLRDHUP) == (POLLIN | POLLRDHUP));
    // The *NORM bands follow POLLIN/POLLOUT, as on kernel sockets.
    CHECK(poll_revents(POLLRDNORM, POLLIN) == POLLRDNORM);
    CHECK(poll_revents(POLLWRNORM, POLLOUT) == POLLWRNORM);
    // A socket closed meanwhile (readiness -1) is an invalid fd.
    CHECK(poll_revents(POLLIN, -1) == POLLNVAL);
}

TEST_CASE("epoll_revents ignores control flags and reports errors unrequested", "[preload]") {
    CHECK(epoll_revents(EPOLLIN | EPOLLET, POLLIN | POLLOUT) == EPOLLIN);
    CHECK(epoll_revents(EPOLLIN | EPOLLOUT | EPOLLONESHOT, POLLOUT) == EPOLLOUT);
    CHECK(epoll_revents(EPOLLIN, POLLERR | POLLHUP) == (EPOLLERR | EPOLLHUP));
    CHECK(epoll_revents(EPOLLIN | EPOLLRDHUP, POLLIN | POLLRDHUP) == (EPOLLIN | EPOLLRDHUP));
    CHECK(epoll_revents(EPOLLOUT, POLLIN) == 0);
    CHECK(epoll_revents(EPOLLIN, -1) == 0);
}

TEST_CASE("epoll tags round-trip fds and reject other data", "[preload]") {
    CHECK(epoll_untag(epoll_tag(0)) == 0);
    CHECK(epoll_untag(epoll_tag(1023)) == 1023);
    CHECK(epoll_untag(epoll_tag(0x7fffffff)) == 0x7fffffff);
    CHECK_FALSE(epoll_untag(7).has_value());
    CHECK_FALSE(epoll_untag(0x00007fffdeadbeefULL).has_value()); // a user-space pointer
    CHECK_FALSE(epoll_untag((std::uint64_t{kEpollTagMagic} << 32) | 0x80000000U).has_value());
    CHECK(epoll_tag(5) >> 32 == kEpollTagMagic);
}

TEST_CASE("Deadline rounds up and never goes negative", "[preload]") {
    const Deadline forever(-1, 0);
    CHECK(forever.remaining_ms(1'000'000'000) == -1);
    const Deadline ten(10, 0);
    CHECK(ten.remaining_ms(0) == 10);
    CHECK(ten.remaining_ms(9'500'000) == 1); // 0.5 ms left rounds up
    CHECK(ten.remaining_ms(10'000'000) == 0);
    CHECK(ten.remaining_ms(50'000'000) == 0);
    const Deadline zero(0, 0);
    CHECK(zero.remaining_ms(0) == 0);
}

TEST_CASE("poll_mixed reports stack writability from the readiness word", "[preload]") {
    reset_fake();
    fake().readiness[5] = POLLOUT;
    pollfd fds[2] = {{3, POLLIN, 0}, {5, POLLOUT, 0}};
    int kernel_calls = 0;
    int kernel_timeout = 99;
    const int ready = poll_mixed(fds, 2, -1, kFakeOps, [&](int timeout_ms) {
        ++kernel_calls;
        kernel_timeout = timeout_ms;
        fds[0].revents = 0;
        fds[1].revents = POLLOUT; // the eventfd is always writable
        return 1;
    });
    CHECK(ready == 1);
    CHECK(kernel_calls == 1);
    CHECK(kernel_timeout == 0); // ready before the kernel call: the kernel must not block
    CHECK(fds[0].revents == 0);
    CHECK(fds[1].revents == POLLOUT);
}

TEST_CASE("poll_mixed drops the eventfd's writability and waits for a stack change", "[preload]") {
    reset_fake();
    fake().readiness[5] = 0; // connecting: not writable yet
    pollfd fds[1] = {{5, POLLOUT, 0}};
    int kernel_calls = 0;
    const int ready = poll_mixed(fds, 1, -1, kFakeOps, [&](int) {
        if (++kernel_calls == 3) {
            fake().readiness[5] = POLLOUT; // the connection completed meanwhile
        }
        fds[0].revents = POLLOUT;
        return 1;
    });
    CHECK(ready == 1);
    CHECK(fds[0].revents == POLLOUT);
    // Two rounds found nothing and slept in wait_change (not a hot spin) before the third.
    CHECK(fake().wait_calls == 2);
}

TEST_CASE("poll_mixed honours the timeout when a stack socket never becomes ready", "[preload]") {
    reset_fake();
    fake().readiness[5] = 0;
    pollfd fds[2] = {{5, POLLOUT, 0}, {4, POLLIN, 0}};
    int kernel_calls = 0;
    const int ready = poll_mixed(fds, 2, 5, kFakeOps, [&](int timeout_ms) {
        ++kernel_calls;
        CHECK(timeout_ms >= 0);
        CHECK(timeout_ms <= 5);
        fds[0].revents = POLLOUT;
        fds[1].revents = 0;
        return 1;
    });
    CHECK(ready == 0);
    CHECK(fds[0].revents == 0);
    CHECK(fake().now_ns >= 5'000'000);
    CHECK(kernel_calls <= 6); // one kernel poll per 1 ms slice
}

TEST_CASE("poll_mixed passes kernel results and kernel errors through", "[preload]") {
    reset_fake();
    fake().readiness[5] = POLLIN | POLLHUP;
    pollfd fds[2] = {{4, POLLIN, 0}, {5, POLLOUT, 0}};
    const int ready = poll_mixed(fds, 2, 0, kFakeOps, [&](int) {
        fds[0].revents = POLLIN;
        fds[1].revents = POLLIN | POLLOUT;
        return 2;
    });
    CHECK(ready == 2);
    CHECK(fds[0].revents == POLLIN);
    CHECK(fds[1].revents == POLLHUP); // hang-up always, POLLIN not requested, POLLOUT not ready

    errno = 0;
    const int failed = poll_mixed(fds, 2, 0, kFakeOps, [&](int) {
        errno = EINTR;
        return -1;
    });
    CHECK(failed == -1);
    CHECK(errno == EINTR);
}
