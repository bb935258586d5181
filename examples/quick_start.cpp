// quick_start: the native quick start of the issue, compiled exactly as quoted there (the
// lines between the two "quoted" comments are verbatim), plus a few lines that show what it
// got. It needs a peer: an HTTP server at 192.168.1.100:80 on the other side of TAP "eth0",
// and a client that connects to 192.168.1.10:8080 once it listens. CI builds that network in
// a private namespace (test/integration/examples.sh).
//
//   ip netns exec NS quick_start
//
// Not reading $MULTIOS_NET_CONFIG is part of the point: the interface is named "eth0" and gets
// its TAP device by default. Prints the server's answer and the accepted client, exits 0.
// ---- quoted from the issue, verbatim (file scope) ----
#include <multios/net.hpp>
using namespace multios::net;
// ---- end of the quoted file-scope lines ----

#include <array>
#include <cstdio>
#include <string_view>

int main() {
    // ---- quoted from the issue, verbatim ----
    // clang-format off
NetworkStack stack;
NetworkInterface eth0("eth0");                 // bound to a DPDK port (vdev string) by config or a setter
stack.add_interface(eth0).value();
stack.get_interface("eth0")->set_ip_address("192.168.1.10/24").value();
stack.start().value();

Socket socket(SocketType::Stream);
socket.connect(SocketAddress::parse("192.168.1.100:80").value()).value();
socket.send("GET / HTTP/1.1\r\n\r\n").value();   // std::string_view; also std::span<const std::byte>
std::array<std::byte, 1024> buffer;
std::size_t n = socket.recv(buffer).value();      // bytes received; 0 = peer closed

Socket server(SocketType::Stream);
server.bind(SocketAddress::parse("0.0.0.0:8080").value()).value();
server.listen(128).value();
auto [client, peer] = server.accept().value();
    // clang-format on
    // ---- end of the quoted code ----

    // What the quick start received: the HTTP answer, then the accepted client and its
    // first message (the test's client sends one line).
    std::printf("quick_start: received %zu bytes from 192.168.1.100:80:\n%.*s\n", n,
                static_cast<int>(n), reinterpret_cast<const char*>(buffer.data()));
    std::printf("quick_start: accepted a connection from %s\n", peer.to_string().c_str());
    std::array<std::byte, 256> line{};
    const std::size_t got = client.recv(line).value();
    std::printf("quick_start: the client said: %.*s\n", static_cast<int>(got),
                reinterpret_cast<const char*>(line.data()));
    client.send(std::string_view("bye from quick_start\n")).value();
    std::fflush(stdout);
    return 0;
}
