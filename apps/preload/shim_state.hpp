// Process-wide state of the shim: the epoll registry, the per-fd marks, the StackOps over the
// real client library, and the bookkeeping run when a stack fd goes away.
#pragma once

#include "epoll_registry.hpp"
#include "fd_marks.hpp"
#include "stack_ops.hpp"

#include <sys/types.h>

namespace multios::net::preload {

/// Never destroyed: wrappers may run during exit, after static destructors.
EpollRegistry& epoll_registry();
FdMarks& fd_marks();
const StackOps& client_stack_ops();

/// Stack fd `fd` is about to be closed or replaced: removes it from every epoll set it was
/// added to (while the fd is still open, so EPOLL_CTL_DEL works) and clears its marks.
void forget_stack_fd_in_epolls(int fd);
/// `fd` (a kernel fd) is being closed or its number reused: drops its records if it was an
/// epoll set holding stack sockets.
void forget_epoll_fd(int fd);
/// True when `epfd` holds stack sockets (lock-free below kFdMarkLimit).
bool epoll_holds_stack(int epfd);

/// Receive/send results on stack fds, for edge synthesis (see FdMarks).
void note_receive(int fd, ssize_t result, size_t requested);
void note_send(int fd, ssize_t result, size_t requested);

} // namespace multios::net::preload
