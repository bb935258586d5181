// epoll_wait results for sets holding stack sockets. Kernel events carrying a shim tag
// (epoll_tag.hpp) are mapped back to the application's epoll_data and their events replaced by
// the socket's readiness, filtered by the application's interest; an event that filters to
// nothing is dropped (and an EPOLLONESHOT registration, which the kernel just disarmed, is
// re-armed). Edge-triggered registrations also get edges the eventfd cannot produce: after a
// receive or send on the socket failed with EAGAIN (FdMarks), the edge is synthesised as soon as
// the readiness word shows the socket readable or writable again.
#pragma once

#include "epoll_registry.hpp"
#include "fd_marks.hpp"

#include <cstdint>
#include <sys/epoll.h>

namespace multios::net::preload {

struct EpollOps {
    int (*readiness)(int fd); ///< mnet_readiness
    /// Re-arms a one-shot registration (EPOLL_CTL_MOD with the tag and these events).
    void (*rearm)(int epfd, int fd, std::uint32_t events);
};

/// Writes up to `room` synthesised edges (still tagged) to `out` for the edge-triggered stack
/// registrations of epfd whose awaited condition now holds, consuming those marks. Sets
/// `*still_awaiting` when an awaited condition does not hold yet (the caller must not block
/// in the kernel for long then). Returns the number written.
int synthesise_edges(epoll_event* out, int room, int epfd, const EpollRegistry& registry,
                     FdMarks& marks, const EpollOps& ops, bool* still_awaiting);

/// Translates events[0, count) in place as described above; events[0, synthesised) came from
/// synthesise_edges (kernel events for the same fds are dropped as duplicates). For
/// edge-triggered registrations, a kernel edge that filtered to less than the kernel saw sets
/// the marks that make synthesise_edges deliver the rest later. Returns the new count.
int translate_events(epoll_event* events, int count, int synthesised, int epfd,
                     const EpollRegistry& registry, FdMarks& marks, const EpollOps& ops);

} // namespace multios::net::preload
