// setsockopt/getsockopt levels and names as the client passes them, mapped onto Socket's
// options. Options Linux programs commonly set that the stack has no equivalent for
// (TCP_CORK, TCP_DEFER_ACCEPT, IP_TOS, ...) are accepted and echoed back by getsockopt without
// effect (docs/netd.md lists them); anything else is ENOPROTOOPT, as the kernel would say.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "stack_socket.hpp"

namespace multios::net::netd {

/// 0 or an errno.
int set_socket_option(StackSocket& s, int level, int name, std::span<const std::byte> value);
/// Writes the value into `out` (truncated to its size); returns the bytes written or -errno.
long get_socket_option(StackSocket& s, int level, int name, std::span<std::byte> out);

} // namespace multios::net::netd
