// TCP streams against the kernel echo server (port 7): connect, addresses, data, EOF.
#include <catch2/catch.hpp>

#include "api_env.hpp"

namespace multios::net::api_test {

namespace {

void echo_round_trip(Family f) {
    Socket s(SocketType::Stream);
    REQUIRE(s.connect(kernel_at(f, 7)));

    auto local = s.local_address();
    REQUIRE(local);
    CHECK(local->address == stack_at(f, 0).address);
    CHECK(local->port != 0);
    auto peer = s.peer_address();
    REQUIRE(peer);
    CHECK(*peer == kernel_at(f, 7));

    const std::string msg = "hello from the multios stack";
    auto sent = s.send(msg);
    REQUIRE(sent);
    CHECK(*sent == msg.size());
    CHECK(recv_exact(s, msg.size()) == msg);

    // Our FIN: the echo server reads EOF and closes, so recv reports the end (0).
    REQUIRE(s.shutdown(ShutdownHow::Write));
    REQUIRE(s.set_receive_timeout(std::chrono::seconds(5)));
    std::array<std::byte, 64> buf;
    auto r = s.recv(buf);
    REQUIRE(r);
    CHECK(*r == 0);
    // After shutdown(Write) sending is a broken pipe.
    CHECK(err(s.send("late")) == EPIPE);
    CHECK(s.close());
}

} // namespace

TEST_CASE("echo over TCP/IPv4: addresses, data, EOF after shutdown(Write)", "[api][stream]") {
    echo_round_trip(Family::V4);
}

TEST_CASE("echo over TCP/IPv6: addresses, data, EOF after shutdown(Write)", "[api][stream]") {
    echo_round_trip(Family::V6);
}

TEST_CASE("a 1 MiB echo arrives intact and in order", "[api][stream]") {
    Socket s(SocketType::Stream);
    REQUIRE(s.connect(kernel_at(Family::V4, 7)));
    std::string data(1 << 20, '\0');
    for (std::size_t i = 0; i < data.size(); ++i)
        data[i] = static_cast<char>('a' + (i * 7 + i / 4096) % 26);
    std::string got;
    std::thread reader([&] { got = recv_exact(s, data.size(), std::chrono::seconds(30)); });
    auto sent = s.send(data);
    reader.join();
    REQUIRE(sent);
    CHECK(*sent == data.size());
    CHECK(got.size() == data.size());
    CHECK(got == data);
}

} // namespace multios::net::api_test
