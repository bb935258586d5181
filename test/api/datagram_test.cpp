// UDP datagrams with the kernel's UDP echo (port 7).
#include <catch2/catch.hpp>

#include "api_env.hpp"

namespace multios::net::api_test {

namespace {

void udp_echo(Family f) {
    Socket u(SocketType::Datagram);
    REQUIRE(u.set_receive_timeout(std::chrono::seconds(2)));
    std::array<std::byte, 2048> buf;
    const std::string msg = "datagram " + std::string(f == Family::V4 ? "v4" : "v6");
    Result<std::pair<std::size_t, SocketAddress>> r = fail(EAGAIN);
    for (int attempt = 0; attempt < 3 && !r; ++attempt) {
        REQUIRE(u.send_to(as_bytes(msg), kernel_at(f, 7)));
        r = u.recv_from(buf);
    }
    REQUIRE(r);
    CHECK(as_text(std::span(buf).first(r->first)) == msg);
    CHECK(r->second == kernel_at(f, 7));
    auto local = u.local_address();
    REQUIRE(local);
    CHECK(local->port != 0);
}

} // namespace

TEST_CASE("UDP send_to/recv_from with the kernel echo over IPv4", "[api][datagram]") {
    udp_echo(Family::V4);
}

TEST_CASE("UDP send_to/recv_from with the kernel echo over IPv6", "[api][datagram]") {
    udp_echo(Family::V6);
}

TEST_CASE("a connected datagram socket hears only its peer", "[api][datagram]") {
    Socket u(SocketType::Datagram);
    REQUIRE(u.bind(SocketAddress::any_v4(0)));
    const std::uint16_t port = u.local_address()->port;
    REQUIRE(u.connect(kernel_at(Family::V4, 7)));
    CHECK(*u.peer_address() == kernel_at(Family::V4, 7));
    // Another kernel socket (another port) writes to us first.
    const std::string cmd =
        "python3 -c 'import socket; "
        "socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b\"intruder\", (\"" +
        stack_at(Family::V4, 0).address.to_string() + "\", " + std::to_string(port) + "))'";
    int status = -1;
    run_command(cmd, &status);
    REQUIRE(status == 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    REQUIRE(u.set_receive_timeout(std::chrono::seconds(2)));
    REQUIRE(u.send("from the peer"));
    std::array<std::byte, 256> buf;
    auto r = u.recv(buf);
    REQUIRE(r);
    CHECK(as_text(std::span(buf).first(*r)) == "from the peer");
    REQUIRE(u.set_receive_timeout(std::chrono::milliseconds(300)));
    CHECK(err(u.recv(buf)) == EAGAIN);
}

TEST_CASE("UDP datagrams larger than the MTU are fragmented and echoed whole", "[api][datagram]") {
    for (Family f : {Family::V4, Family::V6}) {
        Socket u(SocketType::Datagram);
        REQUIRE(u.set_receive_timeout(std::chrono::seconds(2)));
        std::string msg(8000, '\0');
        for (std::size_t i = 0; i < msg.size(); ++i)
            msg[i] = static_cast<char>(i * 31 % 251);
        std::vector<std::byte> buf(16384);
        Result<std::pair<std::size_t, SocketAddress>> r = fail(EAGAIN);
        for (int attempt = 0; attempt < 3 && !r; ++attempt) {
            REQUIRE(u.send_to(as_bytes(msg), kernel_at(f, 7)));
            r = u.recv_from(buf);
        }
        REQUIRE(r);
        CHECK(as_text(std::span(buf).first(r->first)) == msg);
    }
}

} // namespace multios::net::api_test
