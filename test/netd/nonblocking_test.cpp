// Non-blocking and timed calls over libmultios-client: EAGAIN, EINPROGRESS + poll + SO_ERROR,
// refused connections, SO_RCVTIMEO.
#include <catch2/catch.hpp>

#include <cerrno>
#include <netinet/in.h>

#include <multios/net/client.h>

#include "netd_env.hpp"

namespace multios::net::netd_client_test {

TEST_CASE("nonblocking: connect -> EINPROGRESS, poll POLLOUT, SO_ERROR 0, recv EAGAIN",
          "[netd][nonblocking]") {
    const int family = GENERATE(AF_INET, AF_INET6);
    INFO("family " << (family == AF_INET ? "IPv4" : "IPv6"));
    StackFd fd(mnet_socket(family, SOCK_STREAM | SOCK_NONBLOCK, 0));
    REQUIRE(fd);
    CHECK(mnet_nonblocking(fd.get()) == 1);
    const Endpoint to = kernel_endpoint(family, kEchoPort);
    errno = 0;
    REQUIRE(mnet_connect(fd.get(), to.sa(), to.len) == -1);
    REQUIRE(errno == EINPROGRESS);
    pollfd p{fd.get(), POLLOUT, 0};
    REQUIRE(mnet_poll(&p, 1, 5000) == 1);
    CHECK((p.revents & POLLOUT) != 0);
    CHECK((p.revents & POLLERR) == 0);
    int err = -1;
    socklen_t elen = sizeof err;
    REQUIRE(mnet_getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &elen) == 0);
    CHECK(err == 0);
    CHECK(elen == sizeof err);
    char buf[16];
    errno = 0;
    CHECK(mnet_recv(fd.get(), buf, sizeof buf, 0) == -1);
    CHECK(errno == EAGAIN);
    // Still usable: one echo through the non-blocking socket.
    REQUIRE(mnet_send(fd.get(), "nb", 2, 0) == 2);
    p = {fd.get(), POLLIN, 0};
    REQUIRE(mnet_poll(&p, 1, 5000) == 1);
    CHECK(mnet_recv(fd.get(), buf, sizeof buf, 0) == 2);
}

TEST_CASE("nonblocking: mnet_set_nonblocking switches a blocking socket", "[netd][nonblocking]") {
    StackFd fd = connect_stack(kernel_endpoint(AF_INET, kEchoPort));
    REQUIRE(fd);
    CHECK(mnet_nonblocking(fd.get()) == 0);
    REQUIRE(mnet_set_nonblocking(fd.get(), 1) == 0);
    CHECK(mnet_nonblocking(fd.get()) == 1);
    char c;
    errno = 0;
    CHECK(mnet_recv(fd.get(), &c, 1, 0) == -1);
    CHECK(errno == EAGAIN);
    REQUIRE(mnet_set_nonblocking(fd.get(), 0) == 0);
    // MSG_DONTWAIT on a blocking socket.
    errno = 0;
    CHECK(mnet_recv(fd.get(), &c, 1, MSG_DONTWAIT) == -1);
    CHECK(errno == EAGAIN);
    // accept on a non-blocking listener with nothing pending.
    StackFd lfd(mnet_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
    REQUIRE(lfd);
    const Endpoint any = make_endpoint(AF_INET, "0.0.0.0", 8001);
    REQUIRE(mnet_bind(lfd.get(), any.sa(), any.len) == 0);
    REQUIRE(mnet_listen(lfd.get(), 4) == 0);
    errno = 0;
    CHECK(mnet_accept4(lfd.get(), nullptr, nullptr, 0) == -1);
    CHECK(errno == EAGAIN);
}

TEST_CASE("nonblocking: connect to a closed kernel port is ECONNREFUSED", "[netd][nonblocking]") {
    const int family = GENERATE(AF_INET, AF_INET6);
    INFO("family " << (family == AF_INET ? "IPv4" : "IPv6"));
    const Endpoint to = kernel_endpoint(family, kClosedPort);
    SECTION("blocking") {
        StackFd fd(mnet_socket(family, SOCK_STREAM, 0));
        REQUIRE(fd);
        const auto start = std::chrono::steady_clock::now();
        errno = 0;
        CHECK(mnet_connect(fd.get(), to.sa(), to.len) == -1);
        CHECK(errno == ECONNREFUSED);
        CHECK(seconds_since(start) < 5);
    }
    SECTION("non-blocking: poll reports it, SO_ERROR says ECONNREFUSED") {
        StackFd fd(mnet_socket(family, SOCK_STREAM | SOCK_NONBLOCK, 0));
        REQUIRE(fd);
        errno = 0;
        REQUIRE(mnet_connect(fd.get(), to.sa(), to.len) == -1);
        REQUIRE(errno == EINPROGRESS);
        pollfd p{fd.get(), POLLOUT, 0};
        REQUIRE(mnet_poll(&p, 1, 5000) == 1);
        CHECK((p.revents & (POLLERR | POLLHUP)) != 0);
        int err = 0;
        socklen_t elen = sizeof err;
        REQUIRE(mnet_getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &elen) == 0);
        CHECK(err == ECONNREFUSED);
        // SO_ERROR is cleared by reading it.
        REQUIRE(mnet_getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &elen) == 0);
        CHECK(err == 0);
    }
}

TEST_CASE("nonblocking: SO_RCVTIMEO makes a blocking recv return EAGAIN after the timeout",
          "[netd][nonblocking]") {
    StackFd fd = connect_stack(kernel_endpoint(AF_INET, kSinkPort));
    REQUIRE(fd);
    const timeval tv{0, 300000};
    REQUIRE(mnet_setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0);
    timeval back{};
    socklen_t blen = sizeof back;
    REQUIRE(mnet_getsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &back, &blen) == 0);
    CHECK(back.tv_sec == 0);
    CHECK(back.tv_usec == 300000);
    char c;
    const auto start = std::chrono::steady_clock::now();
    errno = 0;
    CHECK(mnet_recv(fd.get(), &c, 1, 0) == -1);
    const double took = seconds_since(start);
    CHECK(errno == EAGAIN);
    CHECK(took >= 0.28);
    CHECK(took < 2.0);
}

TEST_CASE("nonblocking: SO_RCVTIMEO bounds a blocking accept", "[netd][nonblocking]") {
    StackFd lfd(mnet_socket(AF_INET6, SOCK_STREAM, 0));
    REQUIRE(lfd);
    const Endpoint any = make_endpoint(AF_INET6, "::", 8004);
    REQUIRE(mnet_bind(lfd.get(), any.sa(), any.len) == 0);
    REQUIRE(mnet_listen(lfd.get(), 4) == 0);
    const timeval tv{0, 200000};
    REQUIRE(mnet_setsockopt(lfd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0);
    const auto start = std::chrono::steady_clock::now();
    errno = 0;
    CHECK(mnet_accept4(lfd.get(), nullptr, nullptr, 0) == -1);
    CHECK(errno == EAGAIN);
    CHECK(seconds_since(start) >= 0.18);
    CHECK(seconds_since(start) < 2.0);
}

TEST_CASE("nonblocking: SO_SNDTIMEO bounds a blocking connect to an address nobody has",
          "[netd][nonblocking]") {
    // Nobody answers ARP/ND for .99 / ::99: the handshake cannot complete; Linux returns
    // EINPROGRESS when the send timeout expires.
    const int family = GENERATE(AF_INET, AF_INET6);
    INFO("family " << (family == AF_INET ? "IPv4" : "IPv6"));
    StackFd fd(mnet_socket(family, SOCK_STREAM, 0));
    REQUIRE(fd);
    const timeval tv{0, 300000};
    REQUIRE(mnet_setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) == 0);
    const Endpoint to = make_endpoint(family,
                                      family == AF_INET ? env_or("MNT_V4_UNUSED", "10.99.0.99")
                                                        : env_or("MNT_V6_UNUSED", "fd99::99"),
                                      kEchoPort);
    const auto start = std::chrono::steady_clock::now();
    errno = 0;
    CHECK(mnet_connect(fd.get(), to.sa(), to.len) == -1);
    const int err = errno;
    const double took = seconds_since(start);
    INFO("errno " << err << ", " << took << " s");
    CHECK((err == EINPROGRESS || err == EHOSTUNREACH || err == ETIMEDOUT));
    CHECK(took < 5.0);
}

} // namespace multios::net::netd_client_test
