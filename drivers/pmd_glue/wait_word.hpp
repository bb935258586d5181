// A word threads sleep on until another thread (an lcore, usually) signals a change: a
// sequence number plus a count of sleepers, over the Linux futex. Signalling costs one atomic
// increment and, only when someone sleeps, one futex wake, so lcores may signal per event
// without making a system call when no application thread waits.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>

namespace multios::net::glue {

class WaitWord {
  public:
    using Clock = std::chrono::steady_clock;

    /// The current sequence; read it before checking the condition, then wait(ticket) so a
    /// signal that lands in between is not lost.
    std::uint32_t ticket() const { return seq_.load(std::memory_order_seq_cst); }
    /// Sleeps until the sequence differs from `ticket` or `deadline` passes (nullopt: no
    /// deadline). False when the deadline passed. May return early (spurious wake-up):
    /// callers re-check their condition in a loop.
    bool wait(std::uint32_t ticket, std::optional<Clock::time_point> deadline);
    /// Sleeps at most `timeout` (the lcore's idle sleep).
    void wait_for(std::uint32_t ticket, std::chrono::nanoseconds timeout);
    /// Advances the sequence and wakes every sleeper.
    void signal();

  private:
    std::atomic<std::uint32_t> seq_{0};
    std::atomic<std::uint32_t> sleepers_{0};
};

} // namespace multios::net::glue
