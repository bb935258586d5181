// select/pselect over sets holding stack sockets run as poll over a pollfd array (then the same
// filtering as poll applies). The bit mapping follows Linux fs/select.c: a read bit is set for
// POLLIN, hang-up or error; a write bit for POLLOUT or error; an except bit for POLLPRI.
#pragma once

#include <cstddef>
#include <poll.h>
#include <sys/select.h>

namespace multios::net::preload {

/// True when a set (any of them may be null) holds an fd below nfds for which is_stack is true.
bool sets_hold_stack_fd(int nfds, const fd_set* readfds, const fd_set* writefds,
                        const fd_set* exceptfds, int (*is_stack)(int fd));

/// One pollfd per fd below nfds (at most FD_SETSIZE) present in a set; returns how many were
/// written to `out` (room for FD_SETSIZE entries).
std::size_t sets_to_pollfds(int nfds, const fd_set* readfds, const fd_set* writefds,
                            const fd_set* exceptfds, pollfd* out);

/// Rewrites the sets from poll results (fds not ready are cleared) and returns the number of
/// bits set, as select does; -1 when an entry is POLLNVAL (select fails with EBADF then).
int pollfds_to_sets(const pollfd* fds, std::size_t count, fd_set* readfds, fd_set* writefds,
                    fd_set* exceptfds);

} // namespace multios::net::preload
