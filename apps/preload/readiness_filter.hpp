// What poll/select/epoll report for a stack socket. The kernel sees only the socket's eventfd:
// its readability mirrors the stack socket's, but an eventfd is always writable and never
// reports an error or hang-up, so for stack fds the shim replaces the kernel's answer with one
// computed from the client library's readiness word (mnet_readiness: POLL* bits).
#pragma once

#include <cstdint>

namespace multios::net::preload {

/// poll(2) revents of a stack socket with interest `requested` and readiness `readiness`:
/// the requested bits that are ready, plus POLLERR and POLLHUP whenever set (poll reports
/// those unrequested). POLLRDNORM/POLLWRNORM follow POLLIN/POLLOUT as they do for kernel sockets.
short poll_revents(short requested, int readiness);

/// epoll_wait events of a stack socket registered with `interest` (EPOLLET, EPOLLONESHOT and
/// the other control flags are ignored here: the kernel applies them to the eventfd).
std::uint32_t epoll_revents(std::uint32_t interest, int readiness);

} // namespace multios::net::preload
