#include "blocking.hpp"

#include <cerrno>
#include <poll.h>

namespace multios::net::client {

Deadline deadline_after(std::int64_t timeout_us) {
    if (timeout_us <= 0)
        return std::nullopt;
    return std::chrono::steady_clock::now() + std::chrono::microseconds(timeout_us);
}

bool wait_ready(Connection& conn, std::uint32_t slot, std::uint32_t bits,
                const Deadline& deadline) {
    const std::uint32_t wanted = bits | POLLERR | POLLHUP;
    for (;;) {
        const std::uint32_t ticket = conn.change_ticket();
        if ((conn.readiness(slot) & wanted) != 0)
            return true;
        auto left = std::chrono::nanoseconds(std::chrono::hours(24));
        if (deadline) {
            left = *deadline - std::chrono::steady_clock::now();
            if (left <= std::chrono::nanoseconds::zero())
                return false;
        }
        conn.wait_change(ticket, left);
    }
}

long fail_with(int err) {
    errno = err;
    return -1;
}

} // namespace multios::net::client
