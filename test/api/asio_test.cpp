// The Boost.Asio sockets (<multios/net/asio.hpp>) against the kernel peers: coroutines,
// futures and callbacks; composed operations; accept from kernel clients; UDP; cancellation.
#include <catch2/catch.hpp>

#include <array>
#include <future>
#include <string>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>

#include <multios/net/asio.hpp>

#include "api_env.hpp"

namespace multios::net::api_test {

namespace {

namespace ba = boost::asio;
using tcp = ba::ip::tcp;
using udp = ba::ip::udp;

template <class Endpoint>
Endpoint endpoint_of(const SocketAddress& a) {
    return Endpoint(ba::ip::make_address(a.address.to_string()), a.port);
}

// Runs the io_context on its own thread for the test's duration.
struct IoThread {
    ba::io_context io;
    ba::executor_work_guard<ba::io_context::executor_type> work = ba::make_work_guard(io);
    std::thread thread{[this] {
        io.run();
    }};
    ~IoThread() {
        work.reset();
        io.stop();
        thread.join();
    }
};

ba::awaitable<std::string> echo_once(tcp::endpoint server, std::string message) {
    multios::net::asio::tcp_socket socket(co_await ba::this_coro::executor);
    co_await socket.async_connect(server, ba::use_awaitable);
    co_await ba::async_write(socket, ba::buffer(message), ba::use_awaitable);
    std::string reply(message.size(), '\0');
    co_await ba::async_read(socket, ba::buffer(reply), ba::use_awaitable);
    co_return reply;
}

} // namespace

TEST_CASE("asio: a coroutine connects, writes and reads back through the kernel echo",
          "[api][asio]") {
    for (Family f : {Family::V4, Family::V6}) {
        ba::io_context io;
        // 300 kB: async_write and async_read need many partial operations.
        std::string message(300000, 'x');
        for (std::size_t i = 0; i < message.size(); ++i)
            message[i] = static_cast<char>('a' + i % 26);
        auto result = ba::co_spawn(
            io, echo_once(endpoint_of<tcp::endpoint>(kernel_at(f, 7)), message), ba::use_future);
        io.run();
        CHECK(result.get() == message);
    }
}

TEST_CASE("asio: use_future and callbacks complete on the io_context's thread", "[api][asio]") {
    IoThread t;
    multios::net::asio::tcp_socket socket(t.io);
    socket.async_connect(endpoint_of<tcp::endpoint>(kernel_at(Family::V4, 7)), ba::use_future)
        .get();
    CHECK(socket.remote_endpoint().port() == 7);
    const std::string hello = "hello asio";
    CHECK(socket.async_write_some(ba::buffer(hello), ba::use_future).get() == hello.size());
    std::promise<std::pair<boost::system::error_code, std::size_t>> got;
    std::array<char, 64> buf{};
    std::thread::id ran_on;
    socket.async_read_some(ba::buffer(buf), [&](boost::system::error_code ec, std::size_t n) {
        ran_on = std::this_thread::get_id();
        got.set_value({ec, n});
    });
    auto [ec, n] = got.get_future().get();
    CHECK(!ec);
    CHECK(std::string(buf.data(), n) == hello.substr(0, n));
    CHECK(ran_on == t.thread.get_id());
}

TEST_CASE("asio: a refused connect reports connection_refused", "[api][asio]") {
    ba::io_context io;
    multios::net::asio::tcp_socket socket(io);
    boost::system::error_code result;
    socket.async_connect(endpoint_of<tcp::endpoint>(kernel_at(Family::V4, 1)),
                         [&](boost::system::error_code ec) { result = ec; });
    io.run();
    CHECK(result == ba::error::connection_refused);
}

TEST_CASE("asio: the acceptor takes kernel connections (async_accept both forms)", "[api][asio]") {
    IoThread t;
    multios::net::asio::tcp_acceptor acceptor(t.io, tcp::endpoint(tcp::v6(), 7301));
    auto first = acceptor.async_accept(ba::use_future);
    auto client = std::async(std::launch::async, [] {
        return run_command("python3 -c \"import socket; s=socket.create_connection(('" +
                           stack_at(Family::V4, 7301).address.to_string() +
                           "',7301), timeout=5); s.sendall(b'ping'); print(s.recv(16).decode())\"");
    });
    multios::net::asio::tcp_socket accepted = first.get();
    std::array<char, 4> buf{};
    ba::read(accepted, ba::buffer(buf));
    CHECK(std::string(buf.data(), 4) == "ping");
    ba::write(accepted, ba::buffer(std::string("pong")));
    CHECK(client.get().find("pong") != std::string::npos);

    multios::net::asio::tcp_socket peer(t.io);
    auto second = acceptor.async_accept(peer, ba::use_future);
    auto client2 = std::async(std::launch::async, [] {
        return run_command("python3 -c \"import socket; s=socket.create_connection(('" +
                           stack_at(Family::V6, 7301).address.to_string() +
                           "',7301), timeout=5); print(s.recv(16).decode())\"");
    });
    second.get();
    CHECK(peer.is_open());
    ba::write(peer, ba::buffer(std::string("v6!")));
    peer.close();
    CHECK(client2.get().find("v6!") != std::string::npos);
}

TEST_CASE("asio: close cancels a pending read with operation_aborted", "[api][asio]") {
    IoThread t;
    multios::net::asio::tcp_socket socket(t.io);
    socket.connect(endpoint_of<tcp::endpoint>(kernel_at(Family::V4, 9))); // discards: never answers
    std::array<char, 16> buf{};
    auto pending = socket.async_read_some(ba::buffer(buf), ba::use_future);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    ba::post(t.io, [&] { socket.close(); });
    try {
        pending.get();
        FAIL("the read completed");
    } catch (const boost::system::system_error& e) {
        CHECK(e.code() == ba::error::operation_aborted);
    }
}

TEST_CASE("asio: UDP send_to and receive_from with the kernel echo", "[api][asio]") {
    IoThread t;
    multios::net::asio::udp_socket socket(t.io, udp::endpoint(udp::v6(), 0));
    for (Family f : {Family::V4, Family::V6}) {
        const std::string message = f == Family::V4 ? "udp over v4" : "udp over v6";
        const auto to = endpoint_of<udp::endpoint>(kernel_at(f, 7));
        CHECK(socket.async_send_to(ba::buffer(message), to, ba::use_future).get() ==
              message.size());
        std::array<char, 256> buf{};
        udp::endpoint from;
        const std::size_t n =
            socket.async_receive_from(ba::buffer(buf), from, ba::use_future).get();
        CHECK(from == to);
        // The kernel peer echoes the datagram (and may append its ttl report).
        CHECK(std::string(buf.data(), n).find(message) != std::string::npos);
    }
}

TEST_CASE("asio: destroying the io_context abandons pending operations", "[api][asio]") {
    auto socket_holder = std::make_unique<ba::io_context>();
    bool called = false;
    {
        multios::net::asio::tcp_socket socket(*socket_holder);
        socket.connect(endpoint_of<tcp::endpoint>(kernel_at(Family::V4, 9)));
        std::array<char, 16> buf{};
        socket.async_read_some(ba::buffer(buf),
                               [&](boost::system::error_code, std::size_t) { called = true; });
        socket_holder->run_for(std::chrono::milliseconds(50));
        socket_holder.reset(); // pending read: its handler is destroyed, not called
    }
    CHECK_FALSE(called);
}

} // namespace multios::net::api_test
