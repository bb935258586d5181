#include "epoll_translate.hpp"

#include "epoll_tag.hpp"
#include "readiness_filter.hpp"

namespace multios::net::preload {

namespace {

// The await marks an edge-triggered registration with `interest` can be woken for.
std::uint8_t marks_for(std::uint32_t interest) {
    std::uint8_t wanted = 0;
    if ((interest & (EPOLLIN | EPOLLRDHUP)) != 0) {
        wanted |= kAwaitRead | kReadLag;
    }
    if ((interest & EPOLLOUT) != 0) {
        wanted |= kAwaitWrite;
    }
    return wanted;
}

// The marks whose condition holds in `revents`.
std::uint8_t satisfied(std::uint32_t revents) {
    std::uint8_t done = 0;
    if ((revents & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0) {
        done |= kAwaitRead | kReadLag;
    }
    if ((revents & (EPOLLOUT | EPOLLHUP | EPOLLERR)) != 0) {
        done |= kAwaitWrite;
    }
    return done;
}

// Marks kernel events (after the synthesised ones) for fds that already have a synthesised event
// this round, before translation overwrites the synthesised events' tags.
constexpr std::uint64_t kDuplicate = (std::uint64_t{kEpollTagMagic} << 32) | 0xffffffffU;

void mark_duplicates(epoll_event* events, int count, int synthesised) {
    for (int i = synthesised; i < count; ++i) {
        const auto fd = epoll_untag(events[i].data.u64);
        for (int j = 0; fd && j < synthesised; ++j) {
            if (epoll_untag(events[j].data.u64) == fd) {
                events[i].data.u64 = kDuplicate;
                break;
            }
        }
    }
}

} // namespace

int synthesise_edges(epoll_event* out, int room, int epfd, const EpollRegistry& registry,
                     FdMarks& marks, const EpollOps& ops, bool* still_awaiting) {
    int written = 0;
    for (const auto& [fd, interest] : registry.entries_of(epfd)) {
        // One-shot registrations are re-armed by the application: the kernel reports their level.
        if ((interest.events & EPOLLET) == 0 || (interest.events & EPOLLONESHOT) != 0) {
            continue;
        }
        const std::uint8_t awaited = marks.get(fd) & marks_for(interest.events);
        if (awaited == 0) {
            continue;
        }
        const std::uint32_t revents = epoll_revents(interest.events, ops.readiness(fd));
        const std::uint8_t done = awaited & satisfied(revents);
        // Readability is signalled by the eventfd, except after a lag: only the others force
        // the caller to poll.
        const bool forcing = (awaited & ~done & (kAwaitWrite | kReadLag)) != 0;
        if (forcing || (done != 0 && written == room)) {
            *still_awaiting = true;
        }
        if (done == 0 || written == room) {
            continue;
        }
        marks.clear(fd, done);
        out[written].events = revents;
        out[written].data.u64 = epoll_tag(fd);
        ++written;
    }
    return written;
}

namespace {

// For an edge-triggered registration, the kernel consumed an edge the shim did not pass on in
// full: remember what is still owed so that synthesise_edges delivers it.
void note_lost_edges(int fd, std::uint32_t interest, std::uint32_t kernel_events,
                     std::uint32_t revents, FdMarks& marks) {
    if ((interest & EPOLLET) == 0 || (interest & EPOLLONESHOT) != 0) {
        return;
    }
    if ((interest & EPOLLIN) != 0 && (kernel_events & EPOLLIN) != 0 && (revents & EPOLLIN) == 0) {
        marks.set(fd, kReadLag);
    }
    if ((interest & EPOLLOUT) != 0 && (revents & EPOLLOUT) == 0) {
        marks.set(fd, kAwaitWrite);
    }
}

} // namespace

int translate_events(epoll_event* events, int count, int synthesised, int epfd,
                     const EpollRegistry& registry, FdMarks& marks, const EpollOps& ops) {
    mark_duplicates(events, count, synthesised);
    int kept = 0;
    for (int i = 0; i < count; ++i) {
        const epoll_event got = events[i];
        if (got.data.u64 == kDuplicate) {
            continue; // already reported by a synthesised edge this round
        }
        const auto fd = epoll_untag(got.data.u64);
        const auto interest = fd ? registry.find(epfd, *fd) : std::nullopt;
        if (!interest) {
            // An application's own data (kernel fd), kept as is. A tag without a record is a
            // registration that outlived its fd (the shim could not remove it): dropped.
            if (!fd) {
                events[kept++] = got;
            }
            continue;
        }
        const std::uint32_t revents = epoll_revents(interest->events, ops.readiness(*fd));
        if (i >= synthesised) {
            note_lost_edges(*fd, interest->events, got.events, revents, marks);
        }
        if (revents == 0) {
            if ((interest->events & EPOLLONESHOT) != 0) {
                ops.rearm(epfd, *fd, interest->events);
            }
            continue;
        }
        events[kept].events = revents;
        events[kept].data.u64 = interest->data;
        ++kept;
    }
    return kept;
}

} // namespace multios::net::preload
