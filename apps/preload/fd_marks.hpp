// Lock-free per-fd marks of the shim, for fds below kFdMarkLimit:
//  - kAwaitRead / kAwaitWrite: a receive (send) on this stack fd returned EAGAIN or less than
//    asked, so an edge-triggered epoll user now waits for an EPOLLIN (EPOLLOUT) edge. The
//    eventfd cannot produce a writability edge, so epoll_wait synthesises those edges from these
//    marks (and polls for them at 1 ms intervals); readability edges come from the eventfd, the
//    read mark only lets epoll_wait report one early.
//  - kReadLag: the kernel reported the eventfd readable but the readiness word did not show it
//    yet, and the edge was consumed: epoll_wait polls for it like for writability.
//  - kEpollWithStack: this fd is an epoll set that holds stack sockets, so close() and
//    epoll_wait() must consult EpollRegistry (other fds skip it without a lock).
// Fds at or above the limit are never marked; callers then fall back to the registry.
#pragma once

#include <atomic>
#include <cstdint>

namespace multios::net::preload {

inline constexpr int kFdMarkLimit = 1 << 16;

enum FdMark : std::uint8_t {
    kAwaitRead = 1,
    kAwaitWrite = 2,
    kEpollWithStack = 4,
    kReadLag = 8,
};

class FdMarks {
  public:
    constexpr FdMarks() = default;

    void set(int fd, std::uint8_t marks) {
        if (in_range(fd)) {
            marks_[fd].fetch_or(marks, std::memory_order_relaxed);
        }
    }
    void clear(int fd, std::uint8_t marks) {
        if (in_range(fd)) {
            marks_[fd].fetch_and(static_cast<std::uint8_t>(~marks), std::memory_order_relaxed);
        }
    }
    /// Clears `marks` and returns which of them were set.
    std::uint8_t take(int fd, std::uint8_t marks) {
        if (!in_range(fd)) {
            return 0;
        }
        return marks_[fd].fetch_and(static_cast<std::uint8_t>(~marks), std::memory_order_relaxed) &
               marks;
    }
    std::uint8_t get(int fd) const {
        return in_range(fd) ? marks_[fd].load(std::memory_order_relaxed) : 0;
    }
    static constexpr bool in_range(int fd) { return fd >= 0 && fd < kFdMarkLimit; }

  private:
    std::atomic<std::uint8_t> marks_[kFdMarkLimit]{};
};

} // namespace multios::net::preload
