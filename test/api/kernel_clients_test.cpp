// A listening socket serving many kernel clients at once.
#include <catch2/catch.hpp>

#include <future>
#include <set>
#include <sstream>

#include "api_env.hpp"

namespace multios::net::api_test {

namespace {

constexpr std::uint16_t kManyPort = 40301;
constexpr int kClients = 50;

// 50 threads connect at once, send "hi N", expect "re N", print their local ports.
std::string many_clients_script(const std::string& address) {
    return "python3 -c 'import socket, sys, threading\n"
           "ports, ok = [], []\n"
           "def one(i):\n"
           "    s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=20)\n"
           "    ports.append(s.getsockname()[1])\n"
           "    s.sendall(b\"hi %02d\" % i)\n"
           "    data = b\"\"\n"
           "    while len(data) < 5:\n"
           "        chunk = s.recv(16)\n"
           "        if not chunk: break\n"
           "        data += chunk\n"
           "    if data == b\"re %02d\" % i: ok.append(i)\n"
           "    s.close()\n"
           "ts = [threading.Thread(target=one, args=(i,)) for i in range(" +
           std::to_string(kClients) +
           ")]\n"
           "[t.start() for t in ts]\n"
           "[t.join() for t in ts]\n"
           "print(\"ok\", len(ok))\n"
           "print(\"ports\", *ports)\n' " +
           address + " " + std::to_string(kManyPort) + " 2>&1";
}

} // namespace

TEST_CASE("50 concurrent kernel connections: all accepted, data exchanged, peer addresses",
          "[api][listen]") {
    Socket l(SocketType::Stream);
    REQUIRE(l.bind(SocketAddress::any_v4(kManyPort)));
    REQUIRE(l.listen(128));
    REQUIRE(l.set_receive_timeout(std::chrono::seconds(20))); // bounds each accept
    auto clients = std::async(std::launch::async, [] {
        return run_command(many_clients_script(stack_at(Family::V4, 0).address.to_string()));
    });
    std::set<std::uint16_t> peer_ports;
    int served = 0;
    for (int i = 0; i < kClients; ++i) {
        auto a = l.accept();
        if (!a) {
            UNSCOPED_INFO("accept " << i << ": " << a.error().message());
            break;
        }
        auto& [conn, peer] = *a;
        CHECK(peer.address == kernel_at(Family::V4, 0).address);
        CHECK(*conn.peer_address() == peer);
        CHECK(conn.local_address()->port == kManyPort);
        peer_ports.insert(peer.port);
        REQUIRE(conn.set_receive_timeout(std::chrono::seconds(10)));
        const std::string hello = recv_exact(conn, 5);
        if (hello.size() == 5 && hello.starts_with("hi ")) {
            REQUIRE(conn.send("re " + hello.substr(3)));
            ++served;
        }
        REQUIRE(conn.close());
    }
    const std::string out = clients.get();
    INFO(out);
    CHECK(served == kClients);
    CHECK(out.find("ok " + std::to_string(kClients) + "\n") != std::string::npos);
    // The kernel clients' ports are exactly the peers the listener saw.
    std::set<std::uint16_t> client_ports;
    const auto at = out.find("ports ");
    REQUIRE(at != std::string::npos);
    std::istringstream in(out.substr(at + 6));
    unsigned p = 0;
    while (in >> p)
        client_ports.insert(static_cast<std::uint16_t>(p));
    CHECK(client_ports == peer_ports);
    CHECK(peer_ports.size() == static_cast<std::size_t>(kClients));
}

} // namespace multios::net::api_test
