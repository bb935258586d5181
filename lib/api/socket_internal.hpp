// Calls shared by the Socket implementation files.
#pragma once

#include <multios/net/socket.hpp>

#include "api/socket_core.hpp"
#include "tcp/connection.hpp"

namespace multios::net::api {

/// Ends the protocol side of a socket that the application closed: the connection finishes
/// (or resets, linger 0; linger > 0 waits up to that many seconds for the acknowledgement),
/// listeners and datagram sockets close on every lcore.
Result<void> release_socket(Socket::Core& s, int linger);
/// The per-connection TCP settings: the stack's defaults with the socket's options applied.
tcp::TcpConfig tcp_config_for(const SocketOptions& o, const tcp::TcpConfig& defaults);
/// Opens the datagram (UDP) socket on every lcore, bound to `local` (port 0: ephemeral).
Result<void> open_datagram(Socket::Core& s, const SocketAddress& local);
/// The receive and send rings of a new stream socket.
void make_stream_rings(Socket::Core& s);

} // namespace multios::net::api
