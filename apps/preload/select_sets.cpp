#include "select_sets.hpp"

#include <algorithm>

namespace multios::net::preload {

namespace {

constexpr short kReadRequest = POLLIN | POLLRDNORM | POLLRDBAND;
constexpr short kWriteRequest = POLLOUT | POLLWRNORM | POLLWRBAND;
constexpr short kExceptRequest = POLLPRI;
// fs/select.c POLLIN_SET / POLLOUT_SET / POLLEX_SET.
constexpr short kReadResult = POLLIN | POLLRDNORM | POLLRDBAND | POLLHUP | POLLERR;
constexpr short kWriteResult = POLLOUT | POLLWRNORM | POLLWRBAND | POLLERR;
constexpr short kExceptResult = POLLPRI;

bool in_set(const fd_set* set, int fd) {
    return set != nullptr && FD_ISSET(fd, set);
}

int clamp_nfds(int nfds) {
    return std::clamp(nfds, 0, static_cast<int>(FD_SETSIZE));
}

// Sets or clears fd's bit in `set` and counts a set bit.
int assign(fd_set* set, int fd, bool ready) {
    if (set == nullptr || !FD_ISSET(fd, set)) {
        return 0;
    }
    if (ready) {
        return 1;
    }
    FD_CLR(fd, set);
    return 0;
}

} // namespace

bool sets_hold_stack_fd(int nfds, const fd_set* readfds, const fd_set* writefds,
                        const fd_set* exceptfds, int (*is_stack)(int fd)) {
    const int limit = clamp_nfds(nfds);
    for (int fd = 0; fd < limit; ++fd) {
        if ((in_set(readfds, fd) || in_set(writefds, fd) || in_set(exceptfds, fd)) &&
            is_stack(fd) != 0) {
            return true;
        }
    }
    return false;
}

std::size_t sets_to_pollfds(int nfds, const fd_set* readfds, const fd_set* writefds,
                            const fd_set* exceptfds, pollfd* out) {
    const int limit = clamp_nfds(nfds);
    std::size_t count = 0;
    for (int fd = 0; fd < limit; ++fd) {
        short events = 0;
        events |= in_set(readfds, fd) ? kReadRequest : 0;
        events |= in_set(writefds, fd) ? kWriteRequest : 0;
        events |= in_set(exceptfds, fd) ? kExceptRequest : 0;
        if (events != 0) {
            out[count++] = pollfd{fd, events, 0};
        }
    }
    return count;
}

int pollfds_to_sets(const pollfd* fds, std::size_t count, fd_set* readfds, fd_set* writefds,
                    fd_set* exceptfds) {
    for (std::size_t i = 0; i < count; ++i) {
        if ((fds[i].revents & POLLNVAL) != 0) {
            return -1;
        }
    }
    int bits = 0;
    for (std::size_t i = 0; i < count; ++i) {
        const int fd = fds[i].fd;
        const short got = fds[i].revents;
        bits += assign(readfds, fd, (got & kReadResult) != 0);
        bits += assign(writefds, fd, (got & kWriteResult) != 0);
        bits += assign(exceptfds, fd, (got & kExceptResult) != 0);
    }
    return bits;
}

} // namespace multios::net::preload
