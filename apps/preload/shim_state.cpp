#include "shim_state.hpp"

#include "client_call.hpp"
#include "real_libc.hpp"

#include <cerrno>
#include <ctime>
#include <sys/epoll.h>

namespace multios::net::preload {

namespace {

constinit FdMarks g_marks;
constinit RealFunction<decltype(&::epoll_ctl)> real_epoll_ctl{"epoll_ctl"};

int op_is_stack(int fd) {
    return mnet_is_socket(fd);
}

int op_readiness(int fd) {
    const ClientCall call;
    return mnet_readiness(fd);
}

int op_wait_change(int timeout_ms) {
    const ClientCall call;
    return mnet_wait_change(timeout_ms);
}

std::int64_t op_now_ns() {
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    return std::int64_t{now.tv_sec} * 1'000'000'000 + now.tv_nsec;
}

constinit const StackOps g_ops{op_is_stack, op_readiness, op_wait_change, op_now_ns};

bool would_block(ssize_t result) {
    return result < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

} // namespace

EpollRegistry& epoll_registry() {
    static EpollRegistry* registry = new EpollRegistry;
    return *registry;
}

FdMarks& fd_marks() {
    return g_marks;
}

const StackOps& client_stack_ops() {
    return g_ops;
}

void forget_stack_fd_in_epolls(int fd) {
    const int saved = errno;
    for (const int epfd : epoll_registry().take_fd(fd)) {
        epoll_event unused{};
        real_epoll_ctl(epfd, EPOLL_CTL_DEL, fd, &unused);
    }
    g_marks.clear(fd, kAwaitRead | kAwaitWrite | kReadLag);
    errno = saved;
}

void forget_epoll_fd(int fd) {
    if (FdMarks::in_range(fd)) {
        if (g_marks.take(fd, kEpollWithStack) != 0) {
            epoll_registry().drop_epoll(fd);
        }
        return;
    }
    epoll_registry().drop_epoll(fd);
}

bool epoll_holds_stack(int epfd) {
    if (FdMarks::in_range(epfd)) {
        return (g_marks.get(epfd) & kEpollWithStack) != 0;
    }
    return epoll_registry().count(epfd) > 0;
}

void note_receive(int fd, ssize_t result, size_t requested) {
    // An edge-triggered reader stops at EAGAIN or at a short read (nginx does): it now waits
    // for the next EPOLLIN edge.
    if (would_block(result) || (result > 0 && static_cast<size_t>(result) < requested)) {
        const int saved = errno;
        g_marks.set(fd, kAwaitRead);
        errno = saved;
    }
}

void note_send(int fd, ssize_t result, size_t requested) {
    if (would_block(result) || (result >= 0 && static_cast<size_t>(result) < requested)) {
        const int saved = errno;
        g_marks.set(fd, kAwaitWrite);
        errno = saved;
    }
}

} // namespace multios::net::preload
