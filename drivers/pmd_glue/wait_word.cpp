#include "pmd_glue/wait_word.hpp"

#include <cerrno>
#include <climits>
#include <ctime>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace multios::net::glue {

namespace {

// std::atomic<std::uint32_t> is a plain 32-bit word on Linux (lock-free, same layout), which
// is what the futex calls need.
std::uint32_t* word_of(std::atomic<std::uint32_t>& a) {
    static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t));
    return reinterpret_cast<std::uint32_t*>(&a);
}

void futex_wait(std::atomic<std::uint32_t>& a, std::uint32_t expected, const timespec* timeout) {
    syscall(SYS_futex, word_of(a), FUTEX_WAIT_PRIVATE, expected, timeout, nullptr, 0);
}

timespec to_timespec(std::chrono::nanoseconds d) {
    if (d.count() < 0)
        d = std::chrono::nanoseconds(0);
    return timespec{static_cast<time_t>(d.count() / 1'000'000'000),
                    static_cast<long>(d.count() % 1'000'000'000)};
}

} // namespace

bool WaitWord::wait(std::uint32_t ticket, std::optional<Clock::time_point> deadline) {
    sleepers_.fetch_add(1, std::memory_order_seq_cst);
    bool in_time = true;
    if (seq_.load(std::memory_order_seq_cst) == ticket) {
        if (!deadline) {
            futex_wait(seq_, ticket, nullptr);
        } else {
            const auto left = *deadline - Clock::now();
            if (left <= Clock::duration::zero()) {
                in_time = false;
            } else {
                const timespec ts = to_timespec(left);
                futex_wait(seq_, ticket, &ts);
                in_time = Clock::now() < *deadline || seq_.load() != ticket;
            }
        }
    }
    sleepers_.fetch_sub(1, std::memory_order_seq_cst);
    return in_time;
}

void WaitWord::wait_for(std::uint32_t ticket, std::chrono::nanoseconds timeout) {
    sleepers_.fetch_add(1, std::memory_order_seq_cst);
    if (seq_.load(std::memory_order_seq_cst) == ticket) {
        const timespec ts = to_timespec(timeout);
        futex_wait(seq_, ticket, &ts);
    }
    sleepers_.fetch_sub(1, std::memory_order_seq_cst);
}

void WaitWord::signal() {
    seq_.fetch_add(1, std::memory_order_seq_cst);
    if (sleepers_.load(std::memory_order_seq_cst) != 0)
        syscall(SYS_futex, word_of(seq_), FUTEX_WAKE_PRIVATE, INT_MAX, nullptr, nullptr, 0);
}

} // namespace multios::net::glue
