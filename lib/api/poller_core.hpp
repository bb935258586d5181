// What lcores see of a Poller: a ring of registration tokens of sockets whose readiness may
// have changed, and the word the Poller's thread sleeps on. notify_socket() (api_shard.hpp)
// pushes a socket's token at most once until the Poller takes it (Socket::Core::poll_queued).
#pragma once

#include <atomic>
#include <cstdint>

#include "api/socket_core.hpp"
#include "pmd_glue/wait_word.hpp"

struct rte_ring;

namespace multios::net::api {

struct PollerCore {
    rte_ring* ready = nullptr;
    glue::WaitWord wake;
    /// A push found the ring full: the Poller rescans every registration once.
    std::atomic<bool> overflow{false};
};

/// Readiness of a socket now, as poll_event bits (kError and kHangup included when true).
std::uint32_t socket_readiness(const Socket::Core& s);
/// Detaches the socket from its Poller (at close); the Poller drops the registration later.
void forget_poller(Socket::Core& s);

} // namespace multios::net::api
