#include "shm/shared_wait.hpp"

#include <climits>
#include <ctime>
#include <linux/futex.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace multios::net::shm {

namespace {

std::uint32_t* word_of(std::atomic<std::uint32_t>& a) {
    return reinterpret_cast<std::uint32_t*>(&a);
}

timespec to_timespec(std::chrono::nanoseconds d) {
    if (d.count() < 0)
        d = std::chrono::nanoseconds(0);
    return timespec{static_cast<time_t>(d.count() / 1'000'000'000),
                    static_cast<long>(d.count() % 1'000'000'000)};
}

} // namespace

bool SharedWait::wait(std::uint32_t ticket, std::chrono::nanoseconds timeout) noexcept {
    sleepers_.fetch_add(1, std::memory_order_seq_cst);
    if (seq_.load(std::memory_order_seq_cst) == ticket) {
        const timespec ts = to_timespec(timeout);
        // FUTEX_WAIT, not FUTEX_WAIT_PRIVATE: the waker is another process. EINTR, EAGAIN
        // (value changed) and ETIMEDOUT all just return; the caller re-checks.
        ::syscall(SYS_futex, word_of(seq_), FUTEX_WAIT, ticket, &ts, nullptr, 0);
    }
    sleepers_.fetch_sub(1, std::memory_order_seq_cst);
    return seq_.load(std::memory_order_seq_cst) != ticket;
}

void SharedWait::signal() noexcept {
    seq_.fetch_add(1, std::memory_order_seq_cst);
    if (sleepers_.load(std::memory_order_seq_cst) != 0)
        ::syscall(SYS_futex, word_of(seq_), FUTEX_WAKE, INT_MAX, nullptr, nullptr, 0);
}

void SharedWait::yield_cpu() noexcept {
    ::sched_yield();
}

void SharedWait::cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
}

} // namespace multios::net::shm
