// Non-blocking sockets and the receive/send timeouts.
#include <catch2/catch.hpp>

#include "api_env.hpp"

namespace multios::net::api_test {

TEST_CASE("non-blocking recv with nothing to read: EAGAIN", "[api][nonblocking]") {
    Socket s(SocketType::Stream);
    REQUIRE(s.connect(kernel_at(Family::V4, 7)));
    REQUIRE(s.set_nonblocking(true));
    CHECK(s.nonblocking());
    std::array<std::byte, 64> buf;
    CHECK(err(s.recv(buf)) == EAGAIN);
}

TEST_CASE("non-blocking connect: EINPROGRESS, then writable and no error", "[api][nonblocking]") {
    for (Family f : {Family::V4, Family::V6}) {
        Socket s(SocketType::Stream);
        REQUIRE(s.set_nonblocking(true));
        CHECK(err(s.connect(kernel_at(f, 7))) == EINPROGRESS);
        Poller p;
        REQUIRE(p.add(s, poll_event::kWritable, 42));
        std::array<PollEvent, 4> ev;
        auto n = p.wait(ev, std::chrono::seconds(5));
        REQUIRE(n);
        REQUIRE(*n == 1);
        CHECK(ev[0].user_data == 42);
        CHECK((ev[0].events & poll_event::kWritable) != 0);
        CHECK((ev[0].events & poll_event::kError) == 0);
        CHECK_FALSE(s.error());
        CHECK(s.peer_address());
        // The connection works.
        REQUIRE(s.send("ping"));
        REQUIRE(s.set_nonblocking(false));
        CHECK(recv_exact(s, 4) == "ping");
    }
}

TEST_CASE("non-blocking connect to a closed port: writable with error ECONNREFUSED",
          "[api][nonblocking]") {
    Socket s(SocketType::Stream);
    REQUIRE(s.set_nonblocking(true));
    CHECK(err(s.connect(kernel_at(Family::V4, 1))) == EINPROGRESS);
    Poller p;
    REQUIRE(p.add(s, poll_event::kWritable, 1));
    std::array<PollEvent, 4> ev;
    auto n = p.wait(ev, std::chrono::seconds(5));
    REQUIRE(n);
    REQUIRE(*n == 1);
    CHECK((ev[0].events & poll_event::kError) != 0);
    CHECK(s.error().value() == ECONNREFUSED);
    CHECK_FALSE(s.error()); // reading SO_ERROR clears it
}

TEST_CASE("non-blocking accept with no connection: EAGAIN", "[api][nonblocking]") {
    Socket l(SocketType::Stream);
    REQUIRE(l.bind(SocketAddress::any_v4(0)));
    REQUIRE(l.listen());
    REQUIRE(l.set_nonblocking(true));
    CHECK(err(l.accept()) == EAGAIN);
}

TEST_CASE("receive timeout of 200 ms on an idle connection: EAGAIN after it", "[api][timeouts]") {
    Socket s(SocketType::Stream);
    REQUIRE(s.connect(kernel_at(Family::V4, 7)));
    REQUIRE(s.set_receive_timeout(std::chrono::milliseconds(200)));
    std::array<std::byte, 64> buf;
    const auto start = std::chrono::steady_clock::now();
    auto r = s.recv(buf);
    const double ms = elapsed_ms(start);
    CHECK(err(r) == EAGAIN);
    CHECK(ms >= 190.0);
    CHECK(ms < 2000.0);
}

TEST_CASE("send timeout against a peer that never reads: partial count or EAGAIN",
          "[api][timeouts]") {
    Socket s(SocketType::Stream);
    REQUIRE(s.connect(kernel_at(Family::V4, 10)));
    REQUIRE(s.set_send_timeout(std::chrono::milliseconds(500)));
    std::vector<std::byte> big(64u << 20, std::byte{'z'});
    const auto start = std::chrono::steady_clock::now();
    auto r = s.send(big);
    const double ms = elapsed_ms(start);
    if (r) {
        CHECK(*r > 0);
        CHECK(*r < big.size());
    } else {
        CHECK(err(r) == EAGAIN);
    }
    CHECK(ms >= 450.0);
    CHECK(ms < 5000.0);
    // The peer still does not read: a second send cannot take everything either.
    auto again = s.send(big);
    if (again)
        CHECK(*again < big.size());
    else
        CHECK(err(again) == EAGAIN);
    REQUIRE(s.set_linger(std::chrono::seconds(0))); // do not leave the data queued
}

} // namespace multios::net::api_test
