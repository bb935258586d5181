// epoll with stack sockets. A stack fd's eventfd is registered in the application's epoll set
// under a shim tag (epoll_tag.hpp) and the application's interest and data are kept in the
// EpollRegistry; epoll_wait translates the results back (epoll_translate.hpp). EPOLLET and
// EPOLLONESHOT are the kernel's, applied to the eventfd. Sets without stack sockets never touch
// the registry.
#undef _FORTIFY_SOURCE
#include "client_call.hpp"
#include "deadline.hpp"
#include "epoll_tag.hpp"
#include "epoll_translate.hpp"
#include "export.hpp"
#include "real_libc.hpp"
#include "shim_state.hpp"
#include "wait_loop.hpp"

#include <cerrno>
#include <new>
#include <sys/epoll.h>

using namespace multios::net::preload;

namespace {

constinit RealFunction<int (*)(int)> real_epoll_create{"epoll_create"};
constinit RealFunction<int (*)(int)> real_epoll_create1{"epoll_create1"};
constinit RealFunction<int (*)(int, int, int, epoll_event*)> real_epoll_ctl{"epoll_ctl"};
constinit RealFunction<int (*)(int, epoll_event*, int, int)> real_epoll_wait{"epoll_wait"};
constinit RealFunction<int (*)(int, epoll_event*, int, int, const sigset_t*)> real_epoll_pwait{
    "epoll_pwait"};

void rearm(int epfd, int fd, std::uint32_t events) {
    epoll_event event{};
    event.events = events;
    event.data.u64 = epoll_tag(fd);
    real_epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &event);
}

int readiness(int fd) {
    return client_stack_ops().readiness(fd);
}

constinit const EpollOps g_epoll_ops{readiness, rearm};

// A new epoll fd number: records of an older set at that number (closed behind the shim's
// back, e.g. by close_range) must not apply to it.
int fresh_epoll(int epfd) {
    if (epfd >= 0) {
        forget_epoll_fd(epfd);
    }
    return epfd;
}

int stack_epoll_ctl(int epfd, int op, int fd, epoll_event* event) {
    if (op == EPOLL_CTL_DEL) {
        const int result = real_epoll_ctl(epfd, op, fd, event);
        if (result == 0) {
            epoll_registry().remove(epfd, fd);
        }
        return result;
    }
    if (event == nullptr) {
        errno = EFAULT;
        return -1;
    }
    const EpollRegistry::Interest interest{event->events, event->data.u64};
    epoll_event tagged = *event;
    tagged.data.u64 = epoll_tag(fd);
    // Record first: an event may arrive on another thread as soon as the kernel has the tag.
    // An existing record stays as it is (the kernel answers EEXIST).
    const bool recorded = op == EPOLL_CTL_ADD && !epoll_registry().find(epfd, fd).has_value();
    try {
        if (recorded) {
            epoll_registry().add(epfd, fd, interest);
        }
    } catch (const std::bad_alloc&) {
        errno = ENOMEM;
        return -1;
    }
    const int result = real_epoll_ctl(epfd, op, fd, &tagged);
    if (op == EPOLL_CTL_ADD) {
        if (result != 0) {
            const int saved = errno;
            if (recorded) {
                epoll_registry().remove(epfd, fd);
            }
            errno = saved;
            return result;
        }
        fd_marks().set(epfd, kEpollWithStack);
    } else if (op == EPOLL_CTL_MOD && result == 0) {
        epoll_registry().modify(epfd, fd, interest);
    }
    return result;
}

// epoll_wait/epoll_pwait over a set holding stack sockets.
int stack_epoll_wait(int epfd, epoll_event* events, int maxevents, int timeout,
                     const sigset_t* mask, bool with_mask) {
    const StackOps& ops = client_stack_ops();
    const Deadline deadline(timeout, ops.now_ns());
    for (;;) {
        bool awaiting = false;
        const int synthesised = synthesise_edges(events, maxevents, epfd, epoll_registry(),
                                                 fd_marks(), g_epoll_ops, &awaiting);
        const int remaining = deadline.remaining_ms(ops.now_ns());
        const int kernel_ms = (synthesised > 0 || awaiting) ? 0 : remaining;
        int got = 0;
        if (synthesised < maxevents) {
            got = with_mask ? real_epoll_pwait(epfd, events + synthesised, maxevents - synthesised,
                                               kernel_ms, mask)
                            : real_epoll_wait(epfd, events + synthesised, maxevents - synthesised,
                                              kernel_ms);
            if (got < 0) {
                if (synthesised == 0) {
                    return -1;
                }
                got = 0; // report the synthesised edges; the signal stays pending or was handled
            }
        }
        const int ready = translate_events(events, synthesised + got, synthesised, epfd,
                                           epoll_registry(), fd_marks(), g_epoll_ops);
        if (ready > 0) {
            return ready;
        }
        const int left = deadline.remaining_ms(ops.now_ns());
        if (left == 0) {
            return 0;
        }
        if (pause_for_stack(ops, left) < 0) {
            return -1;
        }
    }
}

} // namespace

MULTIOS_PRELOAD_EXPORT int epoll_create(int size) noexcept {
    return fresh_epoll(real_epoll_create(size));
}

MULTIOS_PRELOAD_EXPORT int epoll_create1(int flags) noexcept {
    return fresh_epoll(real_epoll_create1(flags));
}

MULTIOS_PRELOAD_EXPORT int epoll_ctl(int epfd, int op, int fd, epoll_event* event) noexcept {
    if (!stack_fd(fd)) {
        return real_epoll_ctl(epfd, op, fd, event);
    }
    return stack_epoll_ctl(epfd, op, fd, event);
}

MULTIOS_PRELOAD_EXPORT int epoll_wait(int epfd, epoll_event* events, int maxevents, int timeout) {
    if (inside_client() || maxevents <= 0 || !epoll_holds_stack(epfd)) {
        return real_epoll_wait(epfd, events, maxevents, timeout);
    }
    return stack_epoll_wait(epfd, events, maxevents, timeout, nullptr, false);
}

MULTIOS_PRELOAD_EXPORT int epoll_pwait(int epfd, epoll_event* events, int maxevents, int timeout,
                                       const sigset_t* mask) {
    if (inside_client() || maxevents <= 0 || !epoll_holds_stack(epfd)) {
        return real_epoll_pwait(epfd, events, maxevents, timeout, mask);
    }
    return stack_epoll_wait(epfd, events, maxevents, timeout, mask, true);
}
