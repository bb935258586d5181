#include "epoll_registry.hpp"

#include <climits>

namespace multios::net::preload {

void EpollRegistry::add(int epfd, int fd, Interest interest) {
    const std::lock_guard lock(mutex_);
    by_epoll_[{epfd, fd}] = interest;
    by_fd_.insert({fd, epfd});
}

bool EpollRegistry::modify(int epfd, int fd, Interest interest) {
    const std::lock_guard lock(mutex_);
    const auto it = by_epoll_.find({epfd, fd});
    if (it == by_epoll_.end()) {
        return false;
    }
    it->second = interest;
    return true;
}

bool EpollRegistry::remove(int epfd, int fd) {
    const std::lock_guard lock(mutex_);
    by_fd_.erase({fd, epfd});
    return by_epoll_.erase({epfd, fd}) > 0;
}

std::optional<EpollRegistry::Interest> EpollRegistry::find(int epfd, int fd) const {
    const std::lock_guard lock(mutex_);
    const auto it = by_epoll_.find({epfd, fd});
    if (it == by_epoll_.end()) {
        return std::nullopt;
    }
    return it->second;
}

std::size_t EpollRegistry::count(int epfd) const {
    const std::lock_guard lock(mutex_);
    std::size_t n = 0;
    for (auto it = by_epoll_.lower_bound({epfd, INT_MIN});
         it != by_epoll_.end() && it->first.first == epfd; ++it) {
        ++n;
    }
    return n;
}

std::vector<int> EpollRegistry::take_fd(int fd) {
    const std::lock_guard lock(mutex_);
    std::vector<int> epolls;
    auto it = by_fd_.lower_bound({fd, INT_MIN});
    while (it != by_fd_.end() && it->first == fd) {
        epolls.push_back(it->second);
        by_epoll_.erase({it->second, fd});
        it = by_fd_.erase(it);
    }
    return epolls;
}

void EpollRegistry::drop_epoll(int epfd) {
    const std::lock_guard lock(mutex_);
    auto it = by_epoll_.lower_bound({epfd, INT_MIN});
    while (it != by_epoll_.end() && it->first.first == epfd) {
        by_fd_.erase({it->first.second, epfd});
        it = by_epoll_.erase(it);
    }
}

std::vector<std::pair<int, EpollRegistry::Interest>> EpollRegistry::entries_of(int epfd) const {
    const std::lock_guard lock(mutex_);
    std::vector<std::pair<int, Interest>> out;
    for (auto it = by_epoll_.lower_bound({epfd, INT_MIN});
         it != by_epoll_.end() && it->first.first == epfd; ++it) {
        out.emplace_back(it->first.second, it->second);
    }
    return out;
}

} // namespace multios::net::preload
