// Endpoints between the client's sockaddr world and the daemon's SocketAddress world.
// IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) travel as IPv4: that is what they mean on a
// dual-stack socket, and the daemon's sockets take IPv4 endpoints on IPv6 listeners.
#pragma once

#include <sys/socket.h>

#include <multios/net/result.hpp>
#include <multios/net/socket_address.hpp>

#include "netd/protocol.hpp"

namespace multios::net::netd {

/// Client: from a caller's sockaddr. EINVAL (short/null), EAFNOSUPPORT (other families).
Result<WireAddr> wire_from_sockaddr(const sockaddr* addr, socklen_t len);
/// Client: writes `w` for a socket of `domain` (AF_INET6 sockets see IPv4 peers as v4-mapped)
/// into out[0, room) (truncated like the kernel does) and returns the full length.
socklen_t sockaddr_from_wire(const WireAddr& w, int domain, sockaddr* out, socklen_t room);

/// Daemon: EAFNOSUPPORT for family 0 or anything else than AF_INET/AF_INET6.
Result<SocketAddress> socket_address_from_wire(const WireAddr& w);
WireAddr wire_from_socket_address(const SocketAddress& a);

} // namespace multios::net::netd
