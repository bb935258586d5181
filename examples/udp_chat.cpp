// udp_chat: a datagram chat. Every line typed is sent to the peer as one UDP datagram;
// every datagram that arrives is printed with its sender. Two threads share one socket: the
// main thread reads stdin and sends, a second thread blocks in recv_from.
//
//   MULTIOS_NET_CONFIG=config/test-net.toml udp_chat --port 9000 --peer 10.99.0.1:9001
//
// Without --peer it answers whoever wrote last. Ends at the end of stdin (after --linger
// seconds, to hear late answers) or on SIGINT.
#include <multios/net.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

using namespace multios::net;

namespace {

struct Options {
    std::uint16_t port = 9000;
    std::optional<SocketAddress> peer;
    int linger_seconds = 1;
};

bool parse_args(int argc, char** argv, Options& opt) {
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string arg = argv[i];
        if (arg == "--port") {
            const int p = std::atoi(argv[i + 1]);
            if (p < 1 || p > 65535)
                return false;
            opt.port = static_cast<std::uint16_t>(p);
        } else if (arg == "--peer") {
            auto a = SocketAddress::parse(argv[i + 1]);
            if (!a)
                return false;
            opt.peer = *a;
        } else if (arg == "--linger") {
            opt.linger_seconds = std::atoi(argv[i + 1]);
        } else {
            return false;
        }
    }
    return argc % 2 == 1;
}

} // namespace

int main(int argc, char** argv) {
    Options opt;
    if (!parse_args(argc, argv, opt)) {
        std::fprintf(stderr, "usage: udp_chat [--port N] [--peer ADDRESS:PORT] [--linger S]\n"
                             "       the stack's interfaces come from $MULTIOS_NET_CONFIG\n");
        return 2;
    }
    NetworkStack stack;
    if (auto r = stack.start(); !r) {
        std::fprintf(stderr, "udp_chat: cannot start the stack: %s\n", r.error().message().c_str());
        return 1;
    }
    Socket socket(SocketType::Datagram);
    // [::] takes IPv4 and IPv6 datagrams alike.
    if (auto r = socket.bind(SocketAddress::any_v6(opt.port)); !r) {
        std::fprintf(stderr, "udp_chat: bind: %s\n", r.error().message().c_str());
        return 1;
    }
    std::printf("udp_chat: listening on port %u\n", static_cast<unsigned>(opt.port));
    std::fflush(stdout);

    std::mutex peer_mutex;
    std::optional<SocketAddress> peer = opt.peer;
    std::thread receiver([&] {
        std::array<std::byte, 65536> buf;
        for (;;) {
            auto got = socket.recv_from(buf);
            if (!got)
                return; // EBADF once the main thread closes the socket
            const auto& [n, from] = *got;
            std::printf("%s: %.*s\n", from.to_string().c_str(), static_cast<int>(n),
                        reinterpret_cast<const char*>(buf.data()));
            std::fflush(stdout);
            std::lock_guard lock(peer_mutex);
            if (!opt.peer)
                peer = from;
        }
    });
    std::string line;
    unsigned sent = 0;
    while (std::getline(std::cin, line)) {
        std::optional<SocketAddress> to;
        {
            std::lock_guard lock(peer_mutex);
            to = peer;
        }
        if (!to) {
            std::fprintf(stderr, "udp_chat: nobody to send to yet (use --peer)\n");
            continue;
        }
        auto r = socket.send_to(std::as_bytes(std::span(line.data(), line.size())), *to);
        if (!r)
            std::fprintf(stderr, "udp_chat: send: %s\n", r.error().message().c_str());
        else
            ++sent;
    }
    std::this_thread::sleep_for(std::chrono::seconds(opt.linger_seconds));
    (void)socket.close(); // wakes the receiver thread
    receiver.join();
    std::fprintf(stderr, "udp_chat: sent %u datagrams\n", sent);
    return 0;
}
