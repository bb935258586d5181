// Readiness over libmultios-client: the stack fd is an eventfd the daemon keeps readable while
// the socket is readable, so plain poll(2) works on it; mnet_readiness / mnet_poll read the
// shared readiness words; dup'ed fds keep the socket open.
#include <catch2/catch.hpp>

#include <cerrno>
#include <poll.h>
#include <unistd.h>

#include <multios/net/client.h>

#include "netd_env.hpp"

namespace multios::net::netd_client_test {

namespace {

// Kernel poll(2) for POLLIN on a stack fd; the revents.
short kernel_poll(int fd, int timeout_ms) {
    pollfd p{fd, POLLIN, 0};
    const int n = ::poll(&p, 1, timeout_ms);
    return n > 0 ? p.revents : 0;
}

// Repeats a zero-timeout kernel poll until POLLIN is gone (at most 1 s): the eventfd is
// updated by the daemon, possibly just after the call that consumed the data returned.
bool pollin_clears(int fd) {
    const auto start = std::chrono::steady_clock::now();
    while (seconds_since(start) < 1.0) {
        if ((kernel_poll(fd, 0) & POLLIN) == 0)
            return true;
        ::usleep(5000);
    }
    return false;
}

} // namespace

TEST_CASE("readiness: kernel poll(2) on the stack fd follows the socket's readability",
          "[netd][readiness]") {
    const int family = GENERATE(AF_INET, AF_INET6);
    INFO("family " << (family == AF_INET ? "IPv4" : "IPv6"));
    StackFd fd = connect_stack(kernel_endpoint(family, kEchoPort));
    REQUIRE(fd);
    CHECK(mnet_is_socket(fd.get()) == 1);
    // Nothing to read yet.
    CHECK((kernel_poll(fd.get(), 0) & POLLIN) == 0);
    CHECK((mnet_readiness(fd.get()) & MNET_READABLE) == 0);
    CHECK((mnet_readiness(fd.get()) & MNET_WRITABLE) != 0);

    REQUIRE(send_all(fd.get(), "ping!", 5));
    // The echo arrives: the kernel fd becomes readable (blocking poll, woken by the daemon).
    CHECK((kernel_poll(fd.get(), 5000) & POLLIN) != 0);
    CHECK((mnet_readiness(fd.get()) & MNET_READABLE) != 0);
    char buf[16] = {};
    int got = 0;
    while (got < 5) {
        const ssize_t n = mnet_recv(fd.get(), buf + got, sizeof buf - got, 0);
        REQUIRE(n > 0);
        got += static_cast<int>(n);
    }
    CHECK(std::string(buf, 5) == "ping!");
    CHECK(pollin_clears(fd.get()));
    CHECK((mnet_readiness(fd.get()) & MNET_READABLE) == 0);

    // A kernel poll set may mix a stack fd with a kernel pipe.
    int pipefd[2];
    REQUIRE(::pipe(pipefd) == 0);
    REQUIRE(::write(pipefd[1], "k", 1) == 1);
    REQUIRE(send_all(fd.get(), "again", 5));
    pollfd set[2] = {{pipefd[0], POLLIN, 0}, {fd.get(), POLLIN, 0}};
    const auto start = std::chrono::steady_clock::now();
    while ((set[1].revents & POLLIN) == 0 && seconds_since(start) < 5)
        REQUIRE(::poll(set, 2, 5000) >= 1);
    CHECK((set[0].revents & POLLIN) != 0);
    CHECK((set[1].revents & POLLIN) != 0);
    ::close(pipefd[0]);
    ::close(pipefd[1]);
    REQUIRE(recv_exact(fd.get(), buf, 5));
    CHECK(pollin_clears(fd.get()));
}

TEST_CASE("readiness: EOF makes the stack fd readable for kernel poll(2)", "[netd][readiness]") {
    StackFd fd = connect_stack(kernel_endpoint(AF_INET, kEchoPort));
    REQUIRE(fd);
    REQUIRE(mnet_shutdown(fd.get(), SHUT_WR) == 0);
    // The echo peer closes after our FIN: readable at EOF, recv 0, and it stays readable.
    CHECK((kernel_poll(fd.get(), 5000) & (POLLIN | POLLHUP)) != 0);
    char c;
    CHECK(mnet_recv(fd.get(), &c, 1, 0) == 0);
    CHECK((kernel_poll(fd.get(), 0) & (POLLIN | POLLHUP)) != 0);
}

TEST_CASE("readiness: a listener's fd becomes readable with a pending connection",
          "[netd][readiness]") {
    StackFd lfd(mnet_socket(AF_INET, SOCK_STREAM, 0));
    REQUIRE(lfd);
    const Endpoint any = make_endpoint(AF_INET, "0.0.0.0", 8002);
    REQUIRE(mnet_bind(lfd.get(), any.sa(), any.len) == 0);
    REQUIRE(mnet_listen(lfd.get(), 4) == 0);
    CHECK((kernel_poll(lfd.get(), 0) & POLLIN) == 0);
    const int kfd = kernel_connect(stack_endpoint(AF_INET, 8002));
    REQUIRE(kfd >= 0);
    CHECK((kernel_poll(lfd.get(), 5000) & POLLIN) != 0);
    StackFd afd(mnet_accept4(lfd.get(), nullptr, nullptr, SOCK_NONBLOCK));
    CHECK(afd);
    CHECK(mnet_nonblocking(afd.get()) == 1);
    CHECK(pollin_clears(lfd.get()));
    ::close(kfd);
}

TEST_CASE("readiness: mnet_wait_change wakes when a socket becomes readable", "[netd][readiness]") {
    StackFd fd = connect_stack(kernel_endpoint(AF_INET6, kEchoPort));
    REQUIRE(fd);
    (void)mnet_wait_change(0); // consume earlier changes
    while (mnet_wait_change(0) == 1) {
    }
    REQUIRE(send_all(fd.get(), "w", 1));
    const auto start = std::chrono::steady_clock::now();
    while ((mnet_readiness(fd.get()) & MNET_READABLE) == 0 && seconds_since(start) < 5)
        (void)mnet_wait_change(1000);
    CHECK((mnet_readiness(fd.get()) & MNET_READABLE) != 0);
    CHECK(seconds_since(start) < 5);
}

TEST_CASE("readiness: mnet_poll over several stack fds", "[netd][readiness]") {
    StackFd a = connect_stack(kernel_endpoint(AF_INET, kEchoPort));
    StackFd b = connect_stack(kernel_endpoint(AF_INET6, kEchoPort));
    REQUIRE(a);
    REQUIRE(b);
    pollfd set[3] = {{a.get(), POLLIN, 0}, {b.get(), POLLIN, 0}, {-1, POLLIN, 0}};
    // Nothing readable: timeout 0 returns 0 at once; a short timeout expires.
    CHECK(mnet_poll(set, 3, 0) == 0);
    const auto start = std::chrono::steady_clock::now();
    CHECK(mnet_poll(set, 3, 200) == 0);
    CHECK(seconds_since(start) >= 0.18);
    REQUIRE(send_all(b.get(), "b", 1));
    REQUIRE(mnet_poll(set, 3, 5000) == 1);
    CHECK(set[0].revents == 0);
    CHECK((set[1].revents & POLLIN) != 0);
    CHECK(set[2].revents == 0);
    // POLLOUT is reported for both.
    pollfd out[2] = {{a.get(), POLLOUT, 0}, {b.get(), POLLOUT, 0}};
    CHECK(mnet_poll(out, 2, 0) == 2);
    // A kernel fd in the set is POLLNVAL (mnet_poll is for stack sockets only).
    int pipefd[2];
    REQUIRE(::pipe(pipefd) == 0);
    pollfd mixed{pipefd[0], POLLIN, 0};
    CHECK(mnet_poll(&mixed, 1, 0) == 1);
    CHECK(mixed.revents == POLLNVAL);
    ::close(pipefd[0]);
    ::close(pipefd[1]);
}

TEST_CASE("readiness: after mnet_dup_register, closing one fd keeps the socket open",
          "[netd][readiness]") {
    StackFd fd = connect_stack(kernel_endpoint(AF_INET, kEchoPort));
    REQUIRE(fd);
    const int dupfd = ::dup(fd.get());
    REQUIRE(dupfd >= 0);
    REQUIRE(mnet_dup_register(fd.get(), dupfd) == dupfd);
    StackFd second(dupfd);
    CHECK(mnet_is_socket(dupfd) == 1);
    const int first = fd.get();
    REQUIRE(mnet_close(fd.release()) == 0);
    CHECK(mnet_is_socket(first) == 0);
    // The socket lives on through the other fd: an echo round trip.
    REQUIRE(send_all(second.get(), "still here", 10));
    char buf[10];
    REQUIRE(recv_exact(second.get(), buf, sizeof buf));
    CHECK(std::string(buf, 10) == "still here");
    // Readiness of the dup follows the same socket.
    CHECK((mnet_readiness(second.get()) & MNET_WRITABLE) != 0);
    // Closing the last fd closes the socket: the echo peer sees EOF and the number is free.
    REQUIRE(mnet_close(second.release()) == 0);
    CHECK(mnet_is_socket(dupfd) == 0);
    errno = 0;
    CHECK(mnet_send(dupfd, "x", 1, 0) == -1);
    CHECK(errno == EBADF);
}

} // namespace multios::net::netd_client_test
