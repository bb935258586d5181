// How libmultios-client blocks: the daemon never does (every request is non-blocking there);
// a call that got EAGAIN waits here on the socket's readiness word, then tries again.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "client_state.hpp"

namespace multios::net::client {

using Deadline = std::optional<std::chrono::steady_clock::time_point>;

/// A deadline `timeout_us` from now; none for 0 (block forever, like a zero SO_RCVTIMEO).
Deadline deadline_after(std::int64_t timeout_us);

/// Waits until the slot's readiness has one of `bits` (or an error/hang-up), or the deadline.
/// False on timeout.
bool wait_ready(Connection& conn, std::uint32_t slot, std::uint32_t bits, const Deadline& deadline);

/// Sets errno and returns -1 (the libc convention).
long fail_with(int err);

} // namespace multios::net::client
