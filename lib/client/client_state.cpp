#include "client_state.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <new>

namespace multios::net::client {

namespace {

std::atomic<std::uint32_t> g_fd_slot[kMaxFds]; // slot + 1; 0: not a stack fd
SlotState g_slots[netd::kReadinessSlots];
std::atomic<Connection*> g_connection{nullptr};
// Constant-initialized (usable before any constructor runs, e.g. from a preloaded library);
// rebuilt in a forked child, where another thread may have held it at fork time.
std::mutex g_attach_mutex;
std::atomic<bool> g_refusal_reported{false};
// A forked child whose hand-over failed: its inherited fds name slots of the parent's session,
// which a fresh session would give to other sockets; every stack call fails instead.
std::atomic<bool> g_orphaned{false};

void report_refusal(int err) {
    if (g_refusal_reported.exchange(true))
        return;
    std::fprintf(stderr,
                 "libmultios-client: cannot reach multios-netd at %s: %s (start multios-netd "
                 "or set MULTIOS_NETD)\n",
                 Connection::socket_path().c_str(), std::strerror(err));
}

bool any_stack_fd() {
    for (const auto& v : g_fd_slot)
        if (v.load(std::memory_order_relaxed) != 0)
            return true;
    return false;
}

} // namespace

Connection* current_connection() {
    return g_connection.load(std::memory_order_acquire);
}

Connection* connection() {
    if (Connection* c = current_connection())
        return c;
    if (g_orphaned.load()) {
        errno = ENETDOWN;
        return nullptr;
    }
    std::lock_guard lock(g_attach_mutex);
    if (Connection* c = current_connection())
        return c;
    auto attached = Connection::attach(0);
    if (!attached) {
        const int err = attached.error().value();
        report_refusal(err);
        errno = err;
        return nullptr;
    }
    Connection* c = attached->release(); // lives as long as the process
    g_connection.store(c, std::memory_order_release);
    return c;
}

std::optional<StackFd> lookup(int fd) {
    if (fd < 0 || fd >= kMaxFds)
        return std::nullopt;
    const std::uint32_t v = g_fd_slot[fd].load(std::memory_order_acquire);
    if (v == 0 || v > netd::kReadinessSlots)
        return std::nullopt;
    return StackFd{v - 1, &g_slots[v - 1]};
}

bool register_new(int fd, std::uint32_t slot, int domain, int type, bool nonblocking) {
    if (fd < 0 || fd >= kMaxFds || slot >= netd::kReadinessSlots)
        return false;
    SlotState& s = g_slots[slot];
    s.domain = domain;
    s.type = type;
    s.nonblocking = nonblocking;
    s.recv_timeout_us = 0;
    s.send_timeout_us = 0;
    s.fds = 1;
    g_fd_slot[fd].store(slot + 1, std::memory_order_release);
    return true;
}

void register_alias(int fd, std::uint32_t slot) {
    if (fd < 0 || fd >= kMaxFds || slot >= netd::kReadinessSlots)
        return;
    g_slots[slot].fds.fetch_add(1);
    g_fd_slot[fd].store(slot + 1, std::memory_order_release);
}

std::optional<std::uint32_t> unregister(int fd) {
    auto s = lookup(fd);
    if (!s)
        return std::nullopt;
    g_fd_slot[fd].store(0, std::memory_order_release);
    if (s->state->fds.fetch_sub(1) == 1)
        return s->slot;
    return std::nullopt;
}

void replace_connection_after_fork(std::uint64_t token) {
    new (&g_attach_mutex) std::mutex;
    const bool had_connection = g_connection.exchange(nullptr) != nullptr;
    // (the parent's rings are the parent's: never touched here)
    if (token == 0) {
        // No hand-over (the parent had no session, or asking for a token failed): inherited
        // stack fds, if any, cannot be served.
        g_orphaned = had_connection && any_stack_fd();
        return;
    }
    auto attached = Connection::attach(token);
    if (!attached) {
        report_refusal(attached.error().value());
        g_orphaned = true;
        return;
    }
    g_connection.store(attached->release(), std::memory_order_release);
}

} // namespace multios::net::client
