#include "readiness_filter.hpp"

#include <poll.h>
#include <sys/epoll.h>

namespace multios::net::preload {

namespace {

// The readiness word carries POLLIN/POLLOUT; the *NORM variants are the same condition for a
// socket (Linux reports them together), so expand before masking with the request.
int expand_normal_bands(int readiness) {
    int bits = readiness;
    if ((bits & POLLIN) != 0) {
        bits |= POLLRDNORM;
    }
    if ((bits & POLLOUT) != 0) {
        bits |= POLLWRNORM;
    }
    return bits;
}

} // namespace

short poll_revents(short requested, int readiness) {
    if (readiness < 0) {
        // Not a stack socket any more (closed by another thread meanwhile): poll says POLLNVAL.
        return POLLNVAL;
    }
    const int ready = expand_normal_bands(readiness);
    // POSIX poll: POLLERR and POLLHUP are reported even when not requested.
    return static_cast<short>((requested & ready) | (ready & (POLLERR | POLLHUP)));
}

std::uint32_t epoll_revents(std::uint32_t interest, int readiness) {
    if (readiness < 0) {
        return 0;
    }
    // EPOLLIN == POLLIN etc. on Linux; epoll_ctl(2): EPOLLERR and EPOLLHUP are always reported.
    const auto ready = static_cast<std::uint32_t>(expand_normal_bands(readiness));
    const std::uint32_t wanted = interest & (EPOLLIN | EPOLLPRI | EPOLLOUT | EPOLLRDNORM |
                                             EPOLLRDBAND | EPOLLWRNORM | EPOLLWRBAND | EPOLLRDHUP);
    return (wanted & ready) | (ready & (EPOLLERR | EPOLLHUP));
}

} // namespace multios::net::preload
