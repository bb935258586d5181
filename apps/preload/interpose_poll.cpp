// poll, ppoll, select and pselect. A set without stack sockets goes to libc untouched; a set
// with some runs wait_loop's poll_mixed (select/pselect through a pollfd array).
#undef _FORTIFY_SOURCE
#include "client_call.hpp"
#include "export.hpp"
#include "real_libc.hpp"
#include "select_sets.hpp"
#include "shim_state.hpp"
#include "wait_loop.hpp"

#include <array>
#include <cerrno>
#include <csignal>
#include <ctime>
#include <poll.h>
#include <sys/select.h>

using namespace multios::net::preload;

namespace {

using PpollFn = int (*)(pollfd*, nfds_t, const timespec*, const sigset_t*);

constinit RealFunction<int (*)(pollfd*, nfds_t, int)> real_poll{"poll"};
constinit RealFunction<PpollFn> real_ppoll{"ppoll"};
constinit RealFunction<int (*)(int, fd_set*, fd_set*, fd_set*, timeval*)> real_select{"select"};
constinit RealFunction<int (*)(int, fd_set*, fd_set*, fd_set*, const timespec*, const sigset_t*)>
    real_pselect{"pselect"};

bool holds_stack_fd(const pollfd* fds, nfds_t nfds) {
    if (inside_client() || fds == nullptr) {
        return false;
    }
    for (nfds_t i = 0; i < nfds; ++i) {
        if (fds[i].fd >= 0 && mnet_is_socket(fds[i].fd) != 0) {
            return true;
        }
    }
    return false;
}

// Milliseconds of a timespec, rounded up; -1 for none (forever).
int timespec_ms(const timespec* timeout) {
    if (timeout == nullptr) {
        return -1;
    }
    if (timeout->tv_sec < 0 || timeout->tv_nsec < 0 || timeout->tv_nsec >= 1'000'000'000) {
        return -2; // invalid: libc reports EINVAL
    }
    const long long ms =
        static_cast<long long>(timeout->tv_sec) * 1000 + (timeout->tv_nsec + 999'999) / 1'000'000;
    return ms > 0x7fffffff ? 0x7fffffff : static_cast<int>(ms);
}

timespec ms_timespec(int ms) {
    return timespec{ms / 1000, static_cast<long>(ms % 1000) * 1'000'000};
}

// poll_mixed with the real ppoll (a signal mask or none) as the kernel wait.
int mixed_ppoll(pollfd* fds, nfds_t nfds, int timeout_ms, const sigset_t* mask) {
    return poll_mixed(fds, nfds, timeout_ms, client_stack_ops(), [&](int kernel_ms) {
        if (kernel_ms < 0) {
            return real_ppoll(fds, nfds, nullptr, mask);
        }
        const timespec wait = ms_timespec(kernel_ms);
        return real_ppoll(fds, nfds, &wait, mask);
    });
}

// select and pselect over sets holding stack sockets.
int mixed_select(int nfds, fd_set* readfds, fd_set* writefds, fd_set* exceptfds, int timeout_ms,
                 const sigset_t* mask) {
    std::array<pollfd, FD_SETSIZE> fds{};
    const std::size_t count = sets_to_pollfds(nfds, readfds, writefds, exceptfds, fds.data());
    if (mixed_ppoll(fds.data(), count, timeout_ms, mask) < 0) {
        return -1;
    }
    const int bits = pollfds_to_sets(fds.data(), count, readfds, writefds, exceptfds);
    if (bits < 0) {
        errno = EBADF;
    }
    return bits;
}

bool select_holds_stack_fd(int nfds, fd_set* readfds, fd_set* writefds, fd_set* exceptfds) {
    return !inside_client() && nfds > 0 &&
           sets_hold_stack_fd(nfds, readfds, writefds, exceptfds, client_stack_ops().is_stack);
}

} // namespace

MULTIOS_PRELOAD_EXPORT int poll(pollfd* fds, nfds_t nfds, int timeout) {
    if (!holds_stack_fd(fds, nfds)) {
        return real_poll(fds, nfds, timeout);
    }
    return poll_mixed(fds, nfds, timeout, client_stack_ops(),
                      [&](int kernel_ms) { return real_poll(fds, nfds, kernel_ms); });
}

MULTIOS_PRELOAD_EXPORT int ppoll(pollfd* fds, nfds_t nfds, const timespec* timeout,
                                 const sigset_t* mask) {
    const int timeout_ms = timespec_ms(timeout);
    if (!holds_stack_fd(fds, nfds) || timeout_ms == -2) {
        return real_ppoll(fds, nfds, timeout, mask);
    }
    return mixed_ppoll(fds, nfds, timeout_ms, mask);
}

MULTIOS_PRELOAD_EXPORT int select(int nfds, fd_set* readfds, fd_set* writefds, fd_set* exceptfds,
                                  timeval* timeout) {
    if (!select_holds_stack_fd(nfds, readfds, writefds, exceptfds)) {
        return real_select(nfds, readfds, writefds, exceptfds, timeout);
    }
    int timeout_ms = -1;
    if (timeout != nullptr) {
        if (timeout->tv_sec < 0 || timeout->tv_usec < 0) {
            errno = EINVAL;
            return -1;
        }
        const long long ms =
            static_cast<long long>(timeout->tv_sec) * 1000 + (timeout->tv_usec + 999) / 1000;
        timeout_ms = ms > 0x7fffffff ? 0x7fffffff : static_cast<int>(ms);
    }
    const Deadline deadline(timeout_ms, client_stack_ops().now_ns());
    const int result = mixed_select(nfds, readfds, writefds, exceptfds, timeout_ms, nullptr);
    if (timeout != nullptr) {
        // Linux select(2) leaves the time not slept in *timeout.
        const int left = deadline.remaining_ms(client_stack_ops().now_ns());
        timeout->tv_sec = left / 1000;
        timeout->tv_usec = static_cast<suseconds_t>(left % 1000) * 1000;
    }
    return result;
}

MULTIOS_PRELOAD_EXPORT int pselect(int nfds, fd_set* readfds, fd_set* writefds, fd_set* exceptfds,
                                   const timespec* timeout, const sigset_t* mask) {
    const int timeout_ms = timespec_ms(timeout);
    if (!select_holds_stack_fd(nfds, readfds, writefds, exceptfds) || timeout_ms == -2) {
        return real_pselect(nfds, readfds, writefds, exceptfds, timeout, mask);
    }
    return mixed_select(nfds, readfds, writefds, exceptfds, timeout_ms, mask);
}

// _FORTIFY_SOURCE entry points (glibc debug/poll_chk.c, ppoll_chk.c): check the array size the
// compiler saw, then behave as poll/ppoll.
extern "C" [[noreturn]] void __chk_fail();

MULTIOS_PRELOAD_EXPORT int __poll_chk(pollfd* fds, nfds_t nfds, int timeout, size_t fdslen) {
    if (fdslen / sizeof(*fds) < nfds) {
        __chk_fail();
    }
    return poll(fds, nfds, timeout);
}

MULTIOS_PRELOAD_EXPORT int __ppoll_chk(pollfd* fds, nfds_t nfds, const timespec* timeout,
                                       const sigset_t* mask, size_t fdslen) {
    if (fdslen / sizeof(*fds) < nfds) {
        __chk_fail();
    }
    return ppoll(fds, nfds, timeout, mask);
}
