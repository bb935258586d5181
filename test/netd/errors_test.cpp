// Errors of libmultios-client calls that never reach the stack, or that the daemon refuses.
#include <catch2/catch.hpp>

#include <cerrno>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

#include <multios/net/client.h>

#include "netd_env.hpp"

namespace multios::net::netd_client_test {

TEST_CASE("errors: families other than AF_INET/AF_INET6 are EAFNOSUPPORT", "[netd][errors]") {
    for (const int family : {AF_UNIX, AF_PACKET, AF_NETLINK, AF_UNSPEC}) {
        INFO("family " << family);
        errno = 0;
        CHECK(mnet_socket(family, SOCK_STREAM, 0) == -1);
        CHECK(errno == EAFNOSUPPORT);
    }
}

TEST_CASE("errors: unsupported types and protocols", "[netd][errors]") {
    errno = 0;
    CHECK(mnet_socket(AF_INET, SOCK_STREAM, IPPROTO_UDP) == -1);
    CHECK(errno == EPROTONOSUPPORT);
    errno = 0;
    CHECK(mnet_socket(AF_INET, SOCK_SEQPACKET, 0) == -1);
    CHECK(errno == ESOCKTNOSUPPORT);
}

TEST_CASE("errors: calls on fds that are not stack sockets are EBADF", "[netd][errors]") {
    int pipefd[2];
    REQUIRE(::pipe(pipefd) == 0);
    const int kfd = ::socket(AF_INET, SOCK_DGRAM, 0);
    REQUIRE(kfd >= 0);
    for (const int fd : {pipefd[0], kfd, -1, 100000}) {
        INFO("fd " << fd);
        CHECK(mnet_is_socket(fd) == 0);
        char buf[4];
        sockaddr_storage ss{};
        socklen_t len = sizeof ss;
        int v = 0;
        socklen_t vlen = sizeof v;
        const Endpoint to = kernel_endpoint(AF_INET, kEchoPort);
        errno = 0;
        CHECK(mnet_send(fd, "x", 1, 0) == -1);
        CHECK(errno == EBADF);
        errno = 0;
        CHECK(mnet_recv(fd, buf, sizeof buf, 0) == -1);
        CHECK(errno == EBADF);
        errno = 0;
        CHECK(mnet_connect(fd, to.sa(), to.len) == -1);
        CHECK(errno == EBADF);
        errno = 0;
        CHECK(mnet_bind(fd, to.sa(), to.len) == -1);
        CHECK(errno == EBADF);
        errno = 0;
        CHECK(mnet_listen(fd, 1) == -1);
        CHECK(errno == EBADF);
        errno = 0;
        CHECK(mnet_accept4(fd, nullptr, nullptr, 0) == -1);
        CHECK(errno == EBADF);
        errno = 0;
        CHECK(mnet_getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) == -1);
        CHECK(errno == EBADF);
        errno = 0;
        CHECK(mnet_getsockopt(fd, SOL_SOCKET, SO_ERROR, &v, &vlen) == -1);
        CHECK(errno == EBADF);
        errno = 0;
        CHECK(mnet_setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &v, sizeof v) == -1);
        CHECK(errno == EBADF);
        errno = 0;
        CHECK(mnet_shutdown(fd, SHUT_RDWR) == -1);
        CHECK(errno == EBADF);
        errno = 0;
        CHECK(mnet_readiness(fd) == -1);
        CHECK(errno == EBADF);
        errno = 0;
        CHECK(mnet_bytes_readable(fd, &v) == -1);
        CHECK(errno == EBADF);
        errno = 0;
        CHECK(mnet_dup_register(fd, 200) == -1);
        CHECK(errno == EBADF);
        errno = 0;
        CHECK(mnet_close(fd) == -1);
        CHECK(errno == EBADF);
    }
    // mnet_close refused them: the kernel fds are still open.
    CHECK(::fcntl(pipefd[0], F_GETFD) != -1);
    CHECK(::fcntl(kfd, F_GETFD) != -1);
    ::close(pipefd[0]);
    ::close(pipefd[1]);
    ::close(kfd);
}

TEST_CASE("errors: bad addresses are refused before they reach the daemon", "[netd][errors]") {
    StackFd fd(mnet_socket(AF_INET, SOCK_STREAM, 0));
    REQUIRE(fd);
    const Endpoint to = kernel_endpoint(AF_INET, kEchoPort);
    errno = 0;
    CHECK(mnet_connect(fd.get(), to.sa(), to.len - 1) == -1);
    CHECK(errno == EINVAL);
    errno = 0;
    CHECK(mnet_connect(fd.get(), nullptr, 0) == -1);
    CHECK(errno == EINVAL);
    sockaddr_storage un{};
    un.ss_family = AF_UNIX;
    errno = 0;
    CHECK(mnet_bind(fd.get(), reinterpret_cast<sockaddr*>(&un), sizeof un) == -1);
    CHECK(errno == EAFNOSUPPORT);
    // An IPv6 destination on an IPv4 socket.
    const Endpoint v6 = kernel_endpoint(AF_INET6, kEchoPort);
    errno = 0;
    CHECK(mnet_connect(fd.get(), v6.sa(), v6.len) == -1);
    CHECK(errno == EAFNOSUPPORT);
}

TEST_CASE("errors: socket options answer like Linux", "[netd][errors]") {
    const int family = GENERATE(AF_INET, AF_INET6);
    const int type = GENERATE(SOCK_STREAM, SOCK_DGRAM);
    StackFd fd(mnet_socket(family, type, 0));
    REQUIRE(fd);
    int v = -1;
    socklen_t len = sizeof v;
    REQUIRE(mnet_getsockopt(fd.get(), SOL_SOCKET, SO_TYPE, &v, &len) == 0);
    CHECK(v == type);
    REQUIRE(mnet_getsockopt(fd.get(), SOL_SOCKET, SO_DOMAIN, &v, &len) == 0);
    CHECK(v == family);
    REQUIRE(mnet_getsockopt(fd.get(), SOL_SOCKET, SO_PROTOCOL, &v, &len) == 0);
    CHECK(v == (type == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP));
    REQUIRE(mnet_getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &v, &len) == 0);
    CHECK(v == 0);
    // Null value/length pointers are EFAULT.
    errno = 0;
    CHECK(mnet_getsockopt(fd.get(), SOL_SOCKET, SO_TYPE, nullptr, &len) == -1);
    CHECK(errno == EFAULT);
}

TEST_CASE("errors: a datagram larger than the shared data area is EMSGSIZE", "[netd][errors]") {
    StackFd fd = connect_stack(kernel_endpoint(AF_INET, kEchoPort), SOCK_DGRAM);
    REQUIRE(fd);
    std::vector<char> huge(1 << 20, 'x');
    errno = 0;
    CHECK(mnet_send(fd.get(), huge.data(), huge.size(), 0) == -1);
    CHECK(errno == EMSGSIZE);
}

TEST_CASE("errors: a closed stack fd is no longer a stack socket", "[netd][errors]") {
    const int fd = mnet_socket(AF_INET6, SOCK_DGRAM, 0);
    REQUIRE(fd >= 0);
    CHECK(mnet_is_socket(fd) == 1);
    REQUIRE(mnet_close(fd) == 0);
    CHECK(mnet_is_socket(fd) == 0);
    errno = 0;
    CHECK(mnet_close(fd) == -1);
    CHECK(errno == EBADF);
}

} // namespace multios::net::netd_client_test
