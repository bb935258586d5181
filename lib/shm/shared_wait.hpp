// A wake-up word shared between processes: a sequence number plus a count of sleepers in
// shared memory, over the Linux futex *without* FUTEX_PRIVATE_FLAG (the kernel then keys the
// wait queue by the physical page, so a waiter in one process is woken by a signal from
// another mapping of the same memfd page). Same protocol as drivers/pmd_glue/wait_word.hpp:
// signal() costs one atomic increment, plus one FUTEX_WAKE only when somebody sleeps.
//
// spin_then_wait() is the readiness policy of issue 6: busy-poll for a short bound (a reply
// that arrives within microseconds costs no system call), then sleep on the futex so that an
// idle client does not burn a core.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <type_traits>

namespace multios::net::shm {

/// Lives in shared memory (8 bytes, 4-byte aligned; placement-new it, or zero-filled memory of
/// a fresh segment is already a valid SharedWait). A hostile peer that scribbles on it can
/// cause spurious wake-ups or make a sleeper miss a wake-up; every wait has a timeout, so the
/// worst case is a delay of one timeout, never a hang.
class SharedWait {
  public:
    using Clock = std::chrono::steady_clock;

    /// The current sequence; read it before checking the condition, then wait(ticket) so a
    /// signal that lands in between is not lost.
    std::uint32_t ticket() const noexcept { return seq_.load(std::memory_order_seq_cst); }
    /// Sleeps until the sequence differs from `ticket` or `timeout` passes. May return early
    /// (spurious wake-up, EINTR): callers re-check their condition in a loop. False when the
    /// sequence still equals `ticket` on return.
    bool wait(std::uint32_t ticket, std::chrono::nanoseconds timeout) noexcept;
    /// Advances the sequence; wakes every sleeper if there is one.
    void signal() noexcept;

    /// Returns true as soon as `ready()` holds: polls it for up to `spin`, then sleeps on this
    /// word (woken by signal()) until `timeout` (counted from the call) has passed. Returns
    /// ready() at the deadline. The producer must call signal() after making ready() true.
    template <class Ready>
    bool spin_then_wait(Ready&& ready, std::chrono::nanoseconds spin,
                        std::chrono::nanoseconds timeout);

  private:
    static void cpu_relax() noexcept;
    static void yield_cpu() noexcept;

    std::atomic<std::uint32_t> seq_{0};
    std::atomic<std::uint32_t> sleepers_{0};
};

static_assert(std::atomic<std::uint32_t>::is_always_lock_free,
              "the futex word must be an address-free (lock-free) atomic");
static_assert(std::is_standard_layout_v<SharedWait> && sizeof(SharedWait) == 8);

template <class Ready>
bool SharedWait::spin_then_wait(Ready&& ready, std::chrono::nanoseconds spin,
                                std::chrono::nanoseconds timeout) {
    if (ready())
        return true;
    const auto start = Clock::now();
    const auto spin_end = start + spin;
    const auto deadline = start + timeout;
    // Reading the clock costs ~20 ns; check it every few dozen polls only. The yield lets the
    // peer run when both share a CPU (2-vCPU machines with an lcore polling the other one):
    // pure pause-spinning there costs each side its whole spin per exchange.
    for (unsigned i = 1;; ++i) {
        if (ready())
            return true;
        cpu_relax();
        if (i % 32 == 0) {
            if (Clock::now() >= spin_end)
                break;
            yield_cpu();
        }
    }
    for (;;) {
        const std::uint32_t t = ticket();
        if (ready())
            return true;
        const auto left = deadline - Clock::now();
        if (left <= Clock::duration::zero())
            return ready();
        wait(t, left);
    }
}

} // namespace multios::net::shm
