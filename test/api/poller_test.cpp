// Poller: level, edge and one-shot triggering; many sockets; the wait timeout.
#include <catch2/catch.hpp>

#include "api_env.hpp"

namespace multios::net::api_test {

namespace {

// Sends `text` to the echo server and waits until the echo is in the receive buffer
// (a non-registered helper poll would disturb the triggers under test, so: sleep).
void echo_arrives(Socket& s, std::string_view text) {
    REQUIRE(s.send(text));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
}

std::size_t wait_n(Poller& p, std::span<PollEvent> ev, std::chrono::milliseconds timeout) {
    auto n = p.wait(ev, timeout);
    REQUIRE(n);
    return *n;
}

} // namespace

TEST_CASE("Poller level-triggered: readable on every wait while data is unread", "[api][poller]") {
    Socket s(SocketType::Stream);
    REQUIRE(s.connect(kernel_at(Family::V4, 7)));
    Poller p;
    REQUIRE(p.add(s, poll_event::kReadable, 7, Trigger::Level));
    std::array<PollEvent, 8> ev;
    CHECK(wait_n(p, ev, std::chrono::milliseconds(100)) == 0);
    echo_arrives(s, "abc");
    for (int i = 0; i < 3; ++i) {
        REQUIRE(wait_n(p, ev, std::chrono::seconds(2)) == 1);
        CHECK(ev[0].user_data == 7);
        CHECK((ev[0].events & poll_event::kReadable) != 0);
    }
    CHECK(recv_exact(s, 3) == "abc");
    CHECK(wait_n(p, ev, std::chrono::milliseconds(100)) == 0);
}

TEST_CASE("Poller edge-triggered: readable once per new data", "[api][poller]") {
    Socket s(SocketType::Stream);
    REQUIRE(s.connect(kernel_at(Family::V4, 7)));
    Poller p;
    REQUIRE(p.add(s, poll_event::kReadable, 8, Trigger::Edge));
    std::array<PollEvent, 8> ev;
    echo_arrives(s, "abc");
    REQUIRE(wait_n(p, ev, std::chrono::seconds(2)) == 1);
    CHECK(ev[0].user_data == 8);
    // Not read, no new data: not reported again.
    CHECK(wait_n(p, ev, std::chrono::milliseconds(200)) == 0);
    echo_arrives(s, "def");
    REQUIRE(wait_n(p, ev, std::chrono::seconds(2)) == 1);
    CHECK(wait_n(p, ev, std::chrono::milliseconds(200)) == 0);
    CHECK(recv_exact(s, 6) == "abcdef");
}

TEST_CASE("Poller one-shot: reported once, then silent until modify() re-arms", "[api][poller]") {
    Socket s(SocketType::Stream);
    REQUIRE(s.connect(kernel_at(Family::V4, 7)));
    Poller p;
    REQUIRE(p.add(s, poll_event::kReadable, 9, Trigger::OneShot));
    std::array<PollEvent, 8> ev;
    echo_arrives(s, "abc");
    REQUIRE(wait_n(p, ev, std::chrono::seconds(2)) == 1);
    echo_arrives(s, "def");
    CHECK(wait_n(p, ev, std::chrono::milliseconds(200)) == 0);
    REQUIRE(p.modify(s, poll_event::kReadable, 10, Trigger::OneShot));
    REQUIRE(wait_n(p, ev, std::chrono::seconds(2)) == 1);
    CHECK(ev[0].user_data == 10);
    CHECK(wait_n(p, ev, std::chrono::milliseconds(200)) == 0);
}

TEST_CASE("Poller with 2000 UDP sockets: only the one that got a datagram is reported",
          "[api][poller]") {
    // MNT_API_UDP_SOCKETS overrides the count (to find how registration time scales).
    const std::size_t kSockets = std::stoul(env_or("MNT_API_UDP_SOCKETS", "2000"));
    std::vector<Socket> sockets;
    sockets.reserve(kSockets);
    Poller p;
    std::uint16_t chosen_port = 0;
    const auto opening = std::chrono::steady_clock::now();
    // Bounded: each bind takes up to ~300 ms while engine calls lose wakeups (see
    // /tmp/notes-apitest.md); past the budget the test goes on with the sockets it has.
    constexpr double kBudgetMs = 60000;
    for (std::size_t i = 0; i < kSockets && elapsed_ms(opening) < kBudgetMs; ++i) {
        Socket& u = sockets.emplace_back(SocketType::Datagram);
        // Small rings: 2000 sockets with the 256 KiB defaults would take a gigabyte.
        REQUIRE(u.set_receive_buffer(4096));
        REQUIRE(u.set_send_buffer(4096));
        REQUIRE(u.bind(SocketAddress::any_v4(0)));
        REQUIRE(p.add(u, poll_event::kReadable, i));
    }
    WARN(sockets.size() << " sockets opened and registered in " << elapsed_ms(opening) << " ms");
    CHECK(sockets.size() == kSockets);
    REQUIRE(sockets.size() >= 2);
    const std::size_t kChosen = sockets.size() * 5 / 8;
    chosen_port = sockets[kChosen].local_address()->port;
    CHECK(p.size() == sockets.size());
    std::vector<PollEvent> ev(kSockets);
    CHECK(wait_n(p, ev, std::chrono::milliseconds(0)) == 0);
    const std::string cmd = "python3 -c 'import socket; "
                            "socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b\"x\", (\"" +
                            stack_at(Family::V4, 0).address.to_string() + "\", " +
                            std::to_string(chosen_port) + "))'";
    int status = -1;
    run_command(cmd, &status);
    REQUIRE(status == 0);
    const std::size_t n = wait_n(p, ev, std::chrono::seconds(3));
    REQUIRE(n == 1);
    CHECK(ev[0].user_data == kChosen);
    CHECK((ev[0].events & poll_event::kReadable) != 0);
    std::array<std::byte, 16> buf;
    auto r = sockets[kChosen].recv_from(buf);
    REQUIRE(r);
    CHECK(as_text(std::span(buf).first(r->first)) == "x");
    CHECK(wait_n(p, ev, std::chrono::milliseconds(100)) == 0);
}

TEST_CASE("Poller wait with nothing ready returns 0 after about the timeout", "[api][poller]") {
    Socket s(SocketType::Stream);
    REQUIRE(s.connect(kernel_at(Family::V4, 7)));
    Poller p;
    REQUIRE(p.add(s, poll_event::kReadable, 1));
    std::array<PollEvent, 4> ev;
    const auto start = std::chrono::steady_clock::now();
    CHECK(wait_n(p, ev, std::chrono::milliseconds(300)) == 0);
    const double ms = elapsed_ms(start);
    CHECK(ms >= 290.0);
    CHECK(ms < 2000.0);
}

} // namespace multios::net::api_test
