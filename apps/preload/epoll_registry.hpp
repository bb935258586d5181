// The shim's record of stack sockets inside epoll sets: for each (epoll fd, stack fd) the
// application's interest and epoll_data, and for each stack fd the epoll sets it was added to.
// Needed because the daemon holds another reference to every stack fd's eventfd: the kernel
// does not drop a registration when the application closes a stack fd, so the shim removes it
// itself (EPOLL_CTL_DEL before the close) and drops the epoll fd's records when it is closed.
// Pure bookkeeping (no system calls); one mutex guards it, and never on a read/write path.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <utility>
#include <vector>

namespace multios::net::preload {

class EpollRegistry {
  public:
    /// What the application asked for: its events mask (incl. EPOLLET etc.) and epoll_data.
    struct Interest {
        std::uint32_t events = 0;
        std::uint64_t data = 0;
    };

    /// Records (epfd, fd) as added, replacing an older record. Throws std::bad_alloc.
    void add(int epfd, int fd, Interest interest);
    /// Replaces the interest of an existing record; false when there is none.
    bool modify(int epfd, int fd, Interest interest);
    /// Drops one record; false when there was none.
    bool remove(int epfd, int fd);
    std::optional<Interest> find(int epfd, int fd) const;
    /// Number of stack fds recorded in `epfd`.
    std::size_t count(int epfd) const;

    /// Drops every record of stack fd `fd` and returns the epoll fds it was in (the caller
    /// EPOLL_CTL_DELs it from each, while the fd is still open).
    std::vector<int> take_fd(int fd);
    /// Drops every record of epoll set `epfd` (it is being closed or its number was reused).
    void drop_epoll(int epfd);
    /// The (fd, interest) records of `epfd`, for edge synthesis in epoll_wait.
    std::vector<std::pair<int, Interest>> entries_of(int epfd) const;

    /// fork(): held across the real fork so the child never inherits a locked mutex.
    void lock_for_fork() { mutex_.lock(); }
    void unlock_after_fork() { mutex_.unlock(); }

  private:
    mutable std::mutex mutex_;
    std::map<std::pair<int, int>, Interest> by_epoll_; // (epfd, fd)
    std::set<std::pair<int, int>> by_fd_;              // (fd, epfd)
};

} // namespace multios::net::preload
