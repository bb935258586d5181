// UDP over libmultios-client against the kernel's UDP echo (kernel_peers.py, port 7).
#include <catch2/catch.hpp>

#include <cerrno>
#include <cstring>
#include <netinet/in.h>

#include <multios/net/client.h>

#include "netd_env.hpp"

namespace multios::net::netd_client_test {

TEST_CASE("datagram: sendto / recvfrom with the kernel's UDP echo", "[netd][udp]") {
    const int family = GENERATE(AF_INET, AF_INET6);
    INFO("family " << (family == AF_INET ? "IPv4" : "IPv6"));
    StackFd fd(mnet_socket(family, SOCK_DGRAM, 0));
    REQUIRE(fd);
    timeval tv{5, 0};
    REQUIRE(mnet_setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0);
    const Endpoint to = kernel_endpoint(family, kEchoPort);
    for (const std::size_t size : {std::size_t{1}, std::size_t{100}, std::size_t{1400}}) {
        INFO("datagram of " << size << " bytes");
        const auto data = pattern(size, static_cast<std::uint32_t>(size));
        REQUIRE(mnet_sendto(fd.get(), data.data(), data.size(), 0, to.sa(), to.len) ==
                static_cast<ssize_t>(size));
        std::vector<std::byte> got(2048);
        sockaddr_storage from{};
        socklen_t flen = sizeof from;
        const ssize_t n = mnet_recvfrom(fd.get(), got.data(), got.size(), 0,
                                        reinterpret_cast<sockaddr*>(&from), &flen);
        REQUIRE(n == static_cast<ssize_t>(size));
        got.resize(static_cast<std::size_t>(n));
        CHECK(got == data);
        CHECK(flen == to.len);
        CHECK(from.ss_family == family);
        CHECK(address_text(reinterpret_cast<sockaddr*>(&from)) == address_text(to.sa()));
        CHECK(port_of(reinterpret_cast<sockaddr*>(&from)) == kEchoPort);
    }
    // The socket was bound implicitly: it has a local port.
    sockaddr_storage local{};
    socklen_t llen = sizeof local;
    REQUIRE(mnet_getsockname(fd.get(), reinterpret_cast<sockaddr*>(&local), &llen) == 0);
    CHECK(port_of(reinterpret_cast<sockaddr*>(&local)) != 0);
}

TEST_CASE("datagram: a short buffer truncates the datagram, the rest is dropped", "[netd][udp]") {
    StackFd fd(mnet_socket(AF_INET, SOCK_DGRAM, 0));
    REQUIRE(fd);
    timeval tv{5, 0};
    REQUIRE(mnet_setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0);
    const Endpoint to = kernel_endpoint(AF_INET, kEchoPort);
    REQUIRE(mnet_sendto(fd.get(), "0123456789", 10, 0, to.sa(), to.len) == 10);
    REQUIRE(mnet_sendto(fd.get(), "second", 6, 0, to.sa(), to.len) == 6);
    char buf[16] = {};
    CHECK(mnet_recvfrom(fd.get(), buf, 4, 0, nullptr, nullptr) == 4);
    CHECK(std::string(buf, 4) == "0123");
    CHECK(mnet_recvfrom(fd.get(), buf, sizeof buf, 0, nullptr, nullptr) == 6);
    CHECK(std::string(buf, 6) == "second");
}

TEST_CASE("datagram: connected UDP uses send / recv", "[netd][udp]") {
    const int family = GENERATE(AF_INET, AF_INET6);
    StackFd fd = connect_stack(kernel_endpoint(family, kEchoPort), SOCK_DGRAM);
    REQUIRE(fd);
    timeval tv{5, 0};
    REQUIRE(mnet_setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0);
    REQUIRE(mnet_send(fd.get(), "connected", 9, 0) == 9);
    char buf[32] = {};
    REQUIRE(mnet_recv(fd.get(), buf, sizeof buf, 0) == 9);
    CHECK(std::string(buf, 9) == "connected");
    sockaddr_storage peer{};
    socklen_t plen = sizeof peer;
    REQUIRE(mnet_getpeername(fd.get(), reinterpret_cast<sockaddr*>(&peer), &plen) == 0);
    CHECK(port_of(reinterpret_cast<sockaddr*>(&peer)) == kEchoPort);
}

TEST_CASE("datagram: MSG_PEEK on UDP sees the whole datagram and keeps it", "[netd][udp]") {
    StackFd fd = connect_stack(kernel_endpoint(AF_INET6, kEchoPort), SOCK_DGRAM);
    REQUIRE(fd);
    REQUIRE(mnet_send(fd.get(), "peek-dgram", 10, 0) == 10);
    pollfd p{fd.get(), POLLIN, 0};
    REQUIRE(mnet_poll(&p, 1, 5000) == 1);
    char a[32] = {}, b[32] = {};
    CHECK(mnet_recv(fd.get(), a, sizeof a, MSG_PEEK) == 10);
    int avail = 0;
    REQUIRE(mnet_bytes_readable(fd.get(), &avail) == 0);
    CHECK(avail == 10);
    CHECK(mnet_recv(fd.get(), b, sizeof b, 0) == 10);
    CHECK(std::string(a, 10) == "peek-dgram");
    CHECK(std::string(b, 10) == "peek-dgram");
    errno = 0;
    CHECK(mnet_recv(fd.get(), b, sizeof b, MSG_DONTWAIT) == -1);
    CHECK(errno == EAGAIN);
}

} // namespace multios::net::netd_client_test
