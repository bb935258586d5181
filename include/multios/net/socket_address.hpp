// An IP address and a port: the endpoint of a TCP connection or a UDP exchange.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include <multios/net/address.hpp>
#include <multios/net/result.hpp>

namespace multios::net {

struct SocketAddress {
    IpAddress address;
    std::uint16_t port = 0;

    /// "192.168.1.100:80", "[fd00::1]:80", "[fe80::1%0]" is not supported. The port is
    /// required (0..65535). EINVAL on anything else.
    static Result<SocketAddress> parse(std::string_view text);
    /// "0.0.0.0:port" or "[::]:port".
    static SocketAddress any_v4(std::uint16_t port);
    static SocketAddress any_v6(std::uint16_t port);

    bool is_v4() const { return address.is_v4(); }
    /// The inverse of parse().
    std::string to_string() const;
    friend bool operator==(const SocketAddress&, const SocketAddress&) = default;
};

} // namespace multios::net
