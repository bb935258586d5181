// A program outside the tree that uses the installed library through pkg-config only.
#include <cstdio>

#include <multios/net.hpp>

int main() {
    using namespace multios::net;
    auto prefix = IpPrefix::parse("192.0.2.10/24");
    if (!prefix || !prefix->contains(*IpAddress::parse("192.0.2.200")))
        return 1;
    const unsigned char header[] = {0x45, 0x00, 0x00, 0x1c, 0x00, 0x01, 0x00, 0x00, 0x40, 0x01,
                                    0x00, 0x00, 0xc0, 0x00, 0x02, 0x01, 0xc0, 0x00, 0x02, 0x0a};
    const auto sum = wire::internet_checksum(wire::as_bytes(header, sizeof header));
    std::printf("prefix %s, checksum %04x\n", prefix->to_string().c_str(), sum);
    // The socket API links and behaves without a running stack: every call says ENETDOWN.
    Socket socket(SocketType::Stream);
    auto connected = socket.connect(SocketAddress::parse("[2001:db8::1]:80").value());
    std::printf("connect without a stack: %s\n", connected.error().message().c_str());
    if (connected.error() != std::errc::network_down || NetworkStack::default_stack() != nullptr)
        return 1;
    return sum == 0xf6d4 ? 0 : 1;
}
