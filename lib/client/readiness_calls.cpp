// Readiness and process calls of <multios/net/client.h>: readiness words read straight from
// shared memory (no system call), waits on the client's change word, fork hand-over.
#include <algorithm>
#include <cerrno>
#include <chrono>

#include <multios/net/client.h>

#include "blocking.hpp"
#include "client_state.hpp"

using namespace multios::net;
using namespace multios::net::client;

namespace {

thread_local std::uint32_t t_last_ticket = 0;

std::chrono::nanoseconds timeout_of(int timeout_ms) {
    return timeout_ms < 0 ? std::chrono::nanoseconds(std::chrono::hours(24 * 365))
                          : std::chrono::nanoseconds(std::chrono::milliseconds(timeout_ms));
}

short revents_of(Connection* conn, const pollfd& p) {
    auto s = lookup(p.fd);
    if (!s)
        return POLLNVAL;
    if (conn == nullptr)
        return POLLERR | POLLHUP;
    const std::uint32_t bits = conn->readiness(s->slot);
    const std::uint32_t wanted = static_cast<std::uint16_t>(p.events) | POLLERR | POLLHUP;
    return static_cast<short>(bits & wanted);
}

} // namespace

extern "C" {

int mnet_readiness(int fd) {
    auto s = lookup(fd);
    if (!s) {
        errno = EBADF;
        return -1;
    }
    Connection* conn = current_connection();
    return conn == nullptr ? (POLLERR | POLLHUP) : static_cast<int>(conn->readiness(s->slot));
}

int mnet_wait_change(int timeout_ms) {
    Connection* conn = current_connection();
    if (conn == nullptr)
        return 1;
    const std::uint32_t t = conn->change_ticket();
    if (t != t_last_ticket) {
        t_last_ticket = t;
        return 1;
    }
    const bool changed = conn->wait_change(t, timeout_of(timeout_ms));
    t_last_ticket = conn->change_ticket();
    return changed ? 1 : 0;
}

int mnet_poll(struct pollfd* fds, nfds_t nfds, int timeout_ms) {
    if (nfds > 0 && fds == nullptr)
        return static_cast<int>(fail_with(EFAULT));
    Connection* conn = current_connection();
    const auto deadline = std::chrono::steady_clock::now() + timeout_of(timeout_ms);
    for (;;) {
        const std::uint32_t ticket = conn != nullptr ? conn->change_ticket() : 0;
        int ready = 0;
        for (nfds_t i = 0; i < nfds; ++i) {
            fds[i].revents = fds[i].fd < 0 ? 0 : revents_of(conn, fds[i]);
            ready += fds[i].revents != 0 ? 1 : 0;
        }
        const auto left = deadline - std::chrono::steady_clock::now();
        if (ready > 0 || timeout_ms == 0 || conn == nullptr ||
            left <= std::chrono::nanoseconds::zero())
            return ready;
        conn->wait_change(ticket, left);
    }
}

uint64_t mnet_fork_prepare(void) {
    Connection* conn = current_connection();
    if (conn == nullptr)
        return 0;
    netd::Request req;
    req.op = static_cast<std::uint32_t>(netd::Op::ForkPrepare);
    auto c = Connection::Exchange(*conn).submit(req);
    return c && c->result >= 0 ? c->token : 0;
}

void mnet_fork_child(uint64_t token) {
    replace_connection_after_fork(token);
}

void mnet_fork_parent(uint64_t) {
    // Nothing to do: an unclaimed token (fork failed) expires in the daemon.
}

} // extern "C"
