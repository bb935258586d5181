// poll(2) over a set that mixes stack sockets and kernel fds. The kernel poll sees every fd (a
// stack fd is an eventfd kept readable while the socket is readable), so it wakes on stack
// readability and on anything a kernel fd does; the stack fds' results are then replaced by
// their readiness words (writability, errors and hang-ups are not mirrored in the eventfd). When
// nothing is left ready and time remains, the loop waits for a stack readiness change for at
// most 1 ms and polls again: a set that waits only for a stack socket's writability (the
// eventfd is always writable, so the kernel returns at once) does not spin hot, and kernel fds
// in the same set are still noticed within a millisecond.
#pragma once

#include "deadline.hpp"
#include "readiness_filter.hpp"
#include "stack_ops.hpp"

#include <cerrno>
#include <poll.h>

namespace multios::net::preload {

/// Replaces the revents of the stack entries by their readiness; returns the ready entries.
int filter_stack_entries(pollfd* fds, nfds_t nfds, const StackOps& ops);

/// True when some stack entry is ready by its readiness word alone (then the kernel poll must
/// not block: the eventfd may lag behind the readiness word).
bool any_stack_entry_ready(const pollfd* fds, nfds_t nfds, const StackOps& ops);

/// Sleeps until a stack readiness change or min(remaining, 1 ms). -1 (EINTR) to abort the wait.
int pause_for_stack(const StackOps& ops, int remaining_ms);

/// The loop described above. `kernel_poll(timeout_ms)` is the real poll/ppoll over the same
/// array (negative timeout = forever); its -1/errno is returned as is.
template <typename KernelPoll>
int poll_mixed(pollfd* fds, nfds_t nfds, int timeout_ms, const StackOps& ops,
               KernelPoll&& kernel_poll) {
    const Deadline deadline(timeout_ms, ops.now_ns());
    for (;;) {
        const int remaining = deadline.remaining_ms(ops.now_ns());
        const int kernel_timeout = any_stack_entry_ready(fds, nfds, ops) ? 0 : remaining;
        if (kernel_poll(kernel_timeout) < 0) {
            return -1;
        }
        const int ready = filter_stack_entries(fds, nfds, ops);
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

} // namespace multios::net::preload
