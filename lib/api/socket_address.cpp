#include <multios/net/socket_address.hpp>

#include <charconv>

#include <fmt/format.h>

namespace multios::net {

namespace {

std::optional<std::uint16_t> parse_port(std::string_view text) {
    unsigned value = 0;
    const auto* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc{} || ptr != end || value > 65535)
        return std::nullopt;
    return static_cast<std::uint16_t>(value);
}

} // namespace

Result<SocketAddress> SocketAddress::parse(std::string_view text) {
    std::string_view host, port;
    if (!text.empty() && text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
            return fail(EINVAL);
        host = text.substr(1, close - 1);
        port = text.substr(close + 2);
    } else {
        const auto colon = text.rfind(':');
        if (colon == std::string_view::npos)
            return fail(EINVAL);
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
    }
    auto address = IpAddress::parse(host);
    auto number = parse_port(port);
    // "[1.2.3.4]:80" and "fd00::1:80" (ambiguous) are refused: brackets are for IPv6 only.
    if (!address || !number || (text.front() == '[') != address->is_v6())
        return fail(EINVAL);
    return SocketAddress{*address, *number};
}

SocketAddress SocketAddress::any_v4(std::uint16_t port) {
    return SocketAddress{Ipv4Address{}, port};
}

SocketAddress SocketAddress::any_v6(std::uint16_t port) {
    return SocketAddress{Ipv6Address{}, port};
}

std::string SocketAddress::to_string() const {
    if (address.is_v4())
        return fmt::format("{}:{}", address.to_string(), port);
    return fmt::format("[{}]:{}", address.to_string(), port);
}

} // namespace multios::net
