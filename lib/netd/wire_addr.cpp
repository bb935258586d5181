#include "netd/wire_addr.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>

namespace multios::net::netd {

namespace {

constexpr std::uint8_t kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

bool is_v4_mapped(const std::uint8_t* b16) {
    return std::memcmp(b16, kMappedPrefix, sizeof kMappedPrefix) == 0;
}

} // namespace

Result<WireAddr> wire_from_sockaddr(const sockaddr* addr, socklen_t len) {
    if (addr == nullptr || len < static_cast<socklen_t>(sizeof(sa_family_t)))
        return fail(EINVAL);
    WireAddr w;
    if (addr->sa_family == AF_INET) {
        if (len < static_cast<socklen_t>(sizeof(sockaddr_in)))
            return fail(EINVAL);
        sockaddr_in in{};
        std::memcpy(&in, addr, sizeof in);
        w.family = AF_INET;
        w.port = ntohs(in.sin_port);
        std::memcpy(w.bytes, &in.sin_addr, 4);
        return w;
    }
    if (addr->sa_family == AF_INET6) {
        if (len < static_cast<socklen_t>(sizeof(sockaddr_in6)))
            return fail(EINVAL);
        sockaddr_in6 in6{};
        std::memcpy(&in6, addr, sizeof in6);
        w.port = ntohs(in6.sin6_port);
        const auto* b = reinterpret_cast<const std::uint8_t*>(&in6.sin6_addr);
        if (is_v4_mapped(b)) {
            w.family = AF_INET;
            std::memcpy(w.bytes, b + 12, 4);
        } else {
            w.family = AF_INET6;
            w.scope_id = in6.sin6_scope_id;
            std::memcpy(w.bytes, b, 16);
        }
        return w;
    }
    return fail(EAFNOSUPPORT);
}

socklen_t sockaddr_from_wire(const WireAddr& w, int domain, sockaddr* out, socklen_t room) {
    sockaddr_storage ss{};
    socklen_t full = 0;
    if (w.family == AF_INET && domain != AF_INET6) {
        auto* in = reinterpret_cast<sockaddr_in*>(&ss);
        in->sin_family = AF_INET;
        in->sin_port = htons(w.port);
        std::memcpy(&in->sin_addr, w.bytes, 4);
        full = sizeof(sockaddr_in);
    } else if (w.family == AF_INET || w.family == AF_INET6) {
        auto* in6 = reinterpret_cast<sockaddr_in6*>(&ss);
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(w.port);
        auto* b = reinterpret_cast<std::uint8_t*>(&in6->sin6_addr);
        if (w.family == AF_INET) {
            std::memcpy(b, kMappedPrefix, sizeof kMappedPrefix);
            std::memcpy(b + 12, w.bytes, 4);
        } else {
            std::memcpy(b, w.bytes, 16);
            in6->sin6_scope_id = w.scope_id;
        }
        full = sizeof(sockaddr_in6);
    } else {
        ss.ss_family = AF_UNSPEC;
        full = sizeof(sa_family_t);
    }
    if (out != nullptr && room > 0)
        std::memcpy(out, &ss, std::min(room, full));
    return full;
}

Result<SocketAddress> socket_address_from_wire(const WireAddr& w) {
    SocketAddress a;
    a.port = w.port;
    if (w.family == AF_INET) {
        Ipv4Address v4;
        std::copy_n(w.bytes, 4, v4.bytes.begin());
        a.address = v4;
        return a;
    }
    if (w.family == AF_INET6) {
        Ipv6Address v6;
        std::copy_n(w.bytes, 16, v6.bytes.begin());
        a.address = v6;
        return a;
    }
    return fail(EAFNOSUPPORT);
}

WireAddr wire_from_socket_address(const SocketAddress& a) {
    WireAddr w;
    w.port = a.port;
    if (a.address.is_v4()) {
        w.family = AF_INET;
        std::copy_n(a.address.v4().bytes.begin(), 4, w.bytes);
    } else {
        w.family = AF_INET6;
        std::copy_n(a.address.v6().bytes.begin(), 16, w.bytes);
    }
    return w;
}

} // namespace multios::net::netd
