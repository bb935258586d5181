// Error codes of the socket calls, as a Linux program would see them.
#include <catch2/catch.hpp>

#include "api_env.hpp"

namespace multios::net::api_test {

namespace {
// Ports on the stack used only by these tests.
constexpr std::uint16_t kInUsePort = 40101;
constexpr std::uint16_t kReusePort = 40102;
} // namespace

TEST_CASE("connect to a closed kernel port: ECONNREFUSED", "[api][errors]") {
    for (Family f : {Family::V4, Family::V6}) {
        Socket s(SocketType::Stream);
        CHECK(err(s.connect(kernel_at(f, 1))) == ECONNREFUSED);
    }
}

TEST_CASE("two listeners on one port without reuse_port: EADDRINUSE", "[api][errors]") {
    Socket a(SocketType::Stream), b(SocketType::Stream);
    REQUIRE(a.bind(SocketAddress::any_v4(kInUsePort)));
    REQUIRE(a.listen());
    // The port is claimed by bind or by listen: either may report it.
    Result<void> r = b.bind(SocketAddress::any_v4(kInUsePort));
    if (r)
        r = b.listen();
    CHECK(err(r) == EADDRINUSE);
}

TEST_CASE("two listeners on one port with reuse_port on both: both listen", "[api][errors]") {
    Socket a(SocketType::Stream), b(SocketType::Stream);
    REQUIRE(a.set_reuse_port(true));
    REQUIRE(b.set_reuse_port(true));
    REQUIRE(a.bind(SocketAddress::any_v4(kReusePort)));
    REQUIRE(a.listen());
    REQUIRE(b.bind(SocketAddress::any_v4(kReusePort)));
    CHECK(b.listen());
}

TEST_CASE("connect on a connected socket: EISCONN", "[api][errors]") {
    Socket s(SocketType::Stream);
    REQUIRE(s.connect(kernel_at(Family::V4, 7)));
    CHECK(err(s.connect(kernel_at(Family::V4, 7))) == EISCONN);
}

TEST_CASE("data calls on an unconnected stream socket: ENOTCONN", "[api][errors]") {
    Socket s(SocketType::Stream);
    std::array<std::byte, 16> buf;
    CHECK(err(s.send("x")) == ENOTCONN);
    CHECK(err(s.recv(buf)) == ENOTCONN);
    CHECK(err(s.peer_address()) == ENOTCONN);
    CHECK(err(s.shutdown()) == ENOTCONN);
    CHECK(err(s.tcp_info()) == ENOTCONN);
}

TEST_CASE("every call after close: EBADF", "[api][errors]") {
    Socket s(SocketType::Stream);
    REQUIRE(s.connect(kernel_at(Family::V4, 7)));
    REQUIRE(s.close());
    CHECK_FALSE(s.is_open());
    std::array<std::byte, 16> buf;
    CHECK(err(s.send("x")) == EBADF);
    CHECK(err(s.recv(buf)) == EBADF);
    CHECK(err(s.connect(kernel_at(Family::V4, 7))) == EBADF);
    CHECK(err(s.close()) == EBADF);
    Socket u(SocketType::Datagram);
    REQUIRE(u.bind(SocketAddress::any_v4(0)));
    REQUIRE(u.close());
    CHECK(err(u.send_to(as_bytes("x"), kernel_at(Family::V4, 7))) == EBADF);
    CHECK(err(u.recv_from(buf)) == EBADF);
}

TEST_CASE("invalid arguments and states: EINVAL", "[api][errors]") {
    Socket s(SocketType::Stream);
    CHECK(err(s.set_ttl(0)) == EINVAL);
    CHECK(err(s.set_ttl(256)) == EINVAL);
    CHECK(err(s.set_receive_buffer(100)) == EINVAL);
    // accept on a socket that does not listen
    CHECK(err(s.accept()) == EINVAL);
    // a second bind
    REQUIRE(s.bind(SocketAddress::any_v4(0)));
    CHECK(err(s.bind(SocketAddress::any_v4(0))) == EINVAL);
    // listen on a connected socket
    Socket c(SocketType::Stream);
    REQUIRE(c.connect(kernel_at(Family::V4, 7)));
    CHECK(err(c.listen()) == EINVAL);
    // malformed addresses
    CHECK(err(SocketAddress::parse("10.99.0.1")) == EINVAL);
    CHECK(err(SocketAddress::parse("10.99.0.1:70000")) == EINVAL);
    CHECK(err(SocketAddress::parse("not an address:80")) == EINVAL);
    // recv_from on a datagram socket that was never bound: nothing can arrive
    Socket u(SocketType::Datagram);
    std::array<std::byte, 16> buf;
    CHECK(err(u.recv_from(buf)) == EINVAL);
    // Poller::wait with no room for events
    Poller p;
    CHECK(err(p.wait({}, std::chrono::milliseconds(0))) == EINVAL);
}

TEST_CASE("a 70000-byte UDP datagram: EMSGSIZE", "[api][errors]") {
    Socket u(SocketType::Datagram);
    std::vector<std::byte> big(70000, std::byte{0x55});
    CHECK(err(u.send_to(big, kernel_at(Family::V4, 7))) == EMSGSIZE);
    CHECK(err(u.send_to(big, kernel_at(Family::V6, 7))) == EMSGSIZE);
}

} // namespace multios::net::api_test
