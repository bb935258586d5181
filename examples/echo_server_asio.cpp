// echo_server_asio: a TCP echo server written as ordinary Boost.Asio code with C++20
// coroutines. The only change from a kernel-socket version is the socket types:
// multios::net::asio::tcp_acceptor and tcp_socket instead of boost::asio::ip::tcp's.
//
//   MULTIOS_NET_CONFIG=config/test-net.toml echo_server_asio --port 7
//
// Each connection is one coroutine: read what arrives, write it back (asio::async_write
// finishes partial writes), until the client closes. Stops on SIGINT/SIGTERM.
#include <multios/net.hpp>
#include <multios/net/asio.hpp>

#include <array>
#include <atomic>
#include <cstdio>
#include <cstdlib>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace asio = boost::asio;
using asio::use_awaitable;
using multios::net::NetworkStack;

namespace {

std::atomic<unsigned long> g_connections{0};
std::atomic<unsigned long long> g_bytes{0};

asio::awaitable<void> echo(multios::net::asio::tcp_socket socket) {
    std::array<char, 16384> data;
    for (;;) {
        boost::system::error_code ec;
        const std::size_t n = co_await socket.async_read_some(
            asio::buffer(data), asio::redirect_error(use_awaitable, ec));
        if (ec)
            break; // eof: the client closed; anything else ends the connection too
        co_await asio::async_write(socket, asio::buffer(data, n), use_awaitable);
        g_bytes += n;
    }
}

asio::awaitable<void> listen(multios::net::asio::tcp_acceptor& acceptor) {
    for (;;) {
        auto socket = co_await acceptor.async_accept(use_awaitable);
        ++g_connections;
        asio::co_spawn(acceptor.get_executor(), echo(std::move(socket)), asio::detached);
    }
}

} // namespace

int main(int argc, char** argv) {
    unsigned short port = 7;
    if (argc == 3 && std::string_view(argv[1]) == "--port")
        port = static_cast<unsigned short>(std::atoi(argv[2]));
    else if (argc != 1) {
        std::fprintf(stderr, "usage: echo_server_asio [--port N]\n"
                             "       the stack's interfaces come from $MULTIOS_NET_CONFIG\n");
        return 2;
    }
    NetworkStack stack;
    if (auto r = stack.start(); !r) {
        std::fprintf(stderr, "echo_server_asio: cannot start the stack: %s\n",
                     r.error().message().c_str());
        return 1;
    }
    asio::io_context io;
    // [::]:port takes IPv4 and IPv6 connections.
    multios::net::asio::tcp_acceptor acceptor(io, {asio::ip::tcp::v6(), port});
    asio::co_spawn(io, listen(acceptor), asio::detached);
    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](auto, auto) {
        acceptor.close(); // the pending accept completes with operation_aborted
        io.stop();
    });
    std::printf("echo_server_asio: echoing on port %u\n", static_cast<unsigned>(port));
    std::fflush(stdout);
    io.run();
    std::printf("echo_server_asio: %lu connections, %llu bytes echoed\n", g_connections.load(),
                g_bytes.load());
    return 0;
}
