// Blocking on a socket from an application thread: wait until a condition holds, the
// socket's timeout passes, it is closed by another thread, or the stack stops.
#pragma once

#include <chrono>
#include <optional>

#include <multios/net/result.hpp>

#include "api/engine.hpp"
#include "api/socket_core.hpp"

namespace multios::net::api {

using Deadline = std::optional<glue::WaitWord::Clock::time_point>;

/// Timeouts at least this long mean "no deadline" (as Linux treats an over-large
/// SO_RCVTIMEO); it also keeps now + timeout from overflowing.
inline constexpr std::chrono::hours kForever{24 * 365 * 100};

/// No deadline for a zero timeout (SO_RCVTIMEO 0 = wait forever) or a huge one.
inline Deadline deadline_after(std::chrono::milliseconds timeout) {
    if (timeout.count() <= 0 || timeout >= kForever)
        return std::nullopt;
    return glue::WaitWord::Clock::now() + timeout;
}

/// EBADF (closed here), ENETDOWN (stack stopped), or success.
inline Result<void> check_usable(const Socket::Core& s) {
    const std::uint32_t st = s.load_state();
    if ((st & sockstate::kClosed) != 0)
        return fail(EBADF);
    if ((st & sockstate::kStackDown) != 0 || !s.engine || s.engine->down.load())
        return fail(ENETDOWN);
    return {};
}

/// The socket's shared state when calls may proceed: EBADF (no socket, or closed here),
/// ENETDOWN (no stack, or it stopped).
inline Result<Socket::Core*> usable_core(const std::shared_ptr<Socket::Core>& core) {
    if (!core)
        return fail(EBADF);
    if (auto ok = check_usable(*core); !ok)
        return fail(ok.error());
    return core.get();
}

/// Waits until `ready()` is true. EAGAIN when the deadline passes first; EBADF / ENETDOWN as
/// check_usable.
template <class Ready>
Result<void> wait_until(Socket::Core& s, Deadline deadline, Ready ready) {
    // A stack stop signals every socket the lcores know; this bound covers the others.
    constexpr auto kRecheck = std::chrono::milliseconds(200);
    for (;;) {
        const std::uint32_t ticket = s.changed.ticket();
        if (ready())
            return {};
        if (auto ok = check_usable(s); !ok)
            return ok;
        const auto now = glue::WaitWord::Clock::now();
        if (deadline && now >= *deadline)
            return fail(EAGAIN);
        auto until = now + kRecheck;
        if (deadline && *deadline < until)
            until = *deadline;
        s.changed.wait(ticket, until);
    }
}

} // namespace multios::net::api
