#include "wait_loop.hpp"

#include <algorithm>
#include <ctime>

namespace multios::net::preload {

namespace {

bool is_stack_entry(const pollfd& entry, const StackOps& ops) {
    return entry.fd >= 0 && ops.is_stack(entry.fd) != 0;
}

} // namespace

int filter_stack_entries(pollfd* fds, nfds_t nfds, const StackOps& ops) {
    int ready = 0;
    for (nfds_t i = 0; i < nfds; ++i) {
        if (is_stack_entry(fds[i], ops)) {
            fds[i].revents = poll_revents(fds[i].events, ops.readiness(fds[i].fd));
        }
        if (fds[i].revents != 0) {
            ++ready;
        }
    }
    return ready;
}

bool any_stack_entry_ready(const pollfd* fds, nfds_t nfds, const StackOps& ops) {
    for (nfds_t i = 0; i < nfds; ++i) {
        if (is_stack_entry(fds[i], ops) &&
            poll_revents(fds[i].events, ops.readiness(fds[i].fd)) != 0) {
            return true;
        }
    }
    return false;
}

int pause_for_stack(const StackOps& ops, int remaining_ms) {
    const int slice = remaining_ms < 0 ? 1 : std::min(remaining_ms, 1);
    if (ops.wait_change(slice) >= 0) {
        return 0;
    }
    if (errno == EINTR) {
        return -1;
    }
    // The client library cannot wait (daemon gone): still do not spin while kernel fds wait.
    const timespec one_ms{0, 1'000'000};
    nanosleep(&one_ms, nullptr);
    return 0;
}

} // namespace multios::net::preload
