// The process-wide state of libmultios-client: the connection to the daemon (attached on first
// use, replaced in a forked child) and which kernel fds are stack sockets (fd -> slot).
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>

#include "connection.hpp"
#include "netd/segment_layout.hpp"

namespace multios::net::client {

inline constexpr int kMaxFds = 1 << 16;

/// What the client library keeps per socket slot (shared by dup'ed fds, like a file
/// description).
struct SlotState {
    std::atomic<int> fds{0};
    int domain = 0;
    int type = 0;
    std::atomic<bool> nonblocking{false};
    std::atomic<std::int64_t> recv_timeout_us{0}; ///< 0: none (block forever)
    std::atomic<std::int64_t> send_timeout_us{0};
};

/// A stack fd resolved: its slot and state.
struct StackFd {
    std::uint32_t slot;
    SlotState* state;
};

/// The connection, attaching if needed. nullptr with errno set (message printed once).
Connection* connection();
/// The connection if attached (no attach attempt).
Connection* current_connection();
std::optional<StackFd> lookup(int fd);
/// Records `fd` as a new stack socket in `slot`.
bool register_new(int fd, std::uint32_t slot, int domain, int type, bool nonblocking);
/// Makes `fd` one more fd of `slot`.
void register_alias(int fd, std::uint32_t slot);
/// Removes `fd`; returns the slot when it was the slot's last fd (the socket must be closed).
std::optional<std::uint32_t> unregister(int fd);

/// fork() support: the token-based re-attachment of a child.
void replace_connection_after_fork(std::uint64_t token);

} // namespace multios::net::client
