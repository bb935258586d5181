// Descriptor calls: close, the dup family, fcntl, ioctl and fork. A stack fd is a real kernel
// fd, so libc does the descriptor work (dup, flags, inheritance) and the client library is told
// what happened: the new number of a dup, a dropped number, the O_NONBLOCK flag, a fork.
#undef _FORTIFY_SOURCE
// Without this, glibc's headers rename fcntl/sendfile to their *64 symbols (the build defines
// _FILE_OFFSET_BITS=64) and the wrappers would collide; off_t is 64 bits on x86-64 either way.
#undef _FILE_OFFSET_BITS
#include "client_call.hpp"
#include "export.hpp"
#include "real_libc.hpp"
#include "shim_state.hpp"

#include <cerrno>
#include <cstdarg>
#include <cstdint>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

using namespace multios::net::preload;

namespace {

using FcntlFn = int (*)(int, int, ...);

constinit RealFunction<int (*)(int)> real_close{"close"};
constinit RealFunction<int (*)(int)> real_dup{"dup"};
constinit RealFunction<int (*)(int, int)> real_dup2{"dup2"};
constinit RealFunction<int (*)(int, int, int)> real_dup3{"dup3"};
constinit RealFunction<FcntlFn> real_fcntl{"fcntl"};
constinit RealFunction<FcntlFn> real_fcntl64{"fcntl64"};
constinit RealFunction<int (*)(int, unsigned long, ...)> real_ioctl{"ioctl"};
constinit RealFunction<pid_t (*)()> real_fork{"fork"};

// `newfd` is a libc duplicate of stack fd `oldfd`: make it a stack fd too, or undo the dup.
int register_dup(int oldfd, int newfd) {
    if (newfd < 0) {
        return newfd;
    }
    const ClientCall call;
    if (mnet_dup_register(oldfd, newfd) < 0) {
        const int saved = errno;
        real_close(newfd);
        errno = saved;
        return -1;
    }
    return newfd;
}

// dup2/dup3 onto `newfd`: the old meaning of newfd goes away (as libc would close it), the new
// one is registered when it is a stack socket. `duplicate` is the real dup2 or dup3.
template <typename Duplicate>
int dup_onto(int oldfd, int newfd, Duplicate&& duplicate) {
    const bool old_stack = stack_fd(oldfd);
    const bool new_stack = stack_fd(newfd);
    if (!old_stack && !new_stack) {
        const int result = duplicate();
        if (result >= 0) {
            forget_epoll_fd(result); // an epoll set that was at this number is gone
        }
        return result;
    }
    // Check oldfd before dropping newfd's meaning: a failing dup2 must leave newfd intact.
    if (real_fcntl(oldfd, F_GETFD) < 0 || oldfd == newfd) {
        return duplicate();
    }
    if (new_stack) {
        forget_stack_fd_in_epolls(newfd);
        if (!old_stack) {
            const ClientCall call;
            mnet_forget(newfd);
        }
    } else {
        forget_epoll_fd(newfd);
    }
    const int result = duplicate();
    return old_stack ? register_dup(oldfd, result) : result;
}

int stack_fcntl(RealFunction<FcntlFn>& real, int fd, int cmd, void* arg) {
    const int value = static_cast<int>(reinterpret_cast<std::intptr_t>(arg));
    switch (cmd) {
    case F_GETFL: {
        const int flags = real(fd, cmd);
        if (flags < 0) {
            return flags;
        }
        const ClientCall call;
        const int nonblocking = mnet_nonblocking(fd);
        if (nonblocking < 0) {
            return flags;
        }
        return nonblocking != 0 ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK);
    }
    case F_SETFL: {
        {
            const ClientCall call;
            if (mnet_set_nonblocking(fd, (value & O_NONBLOCK) != 0 ? 1 : 0) < 0) {
                return -1;
            }
        }
        return real(fd, cmd, value); // the kernel's copy of the flag stays consistent
    }
    case F_DUPFD:
    case F_DUPFD_CLOEXEC:
        return register_dup(fd, real(fd, cmd, value));
    default:
        return real(fd, cmd, arg);
    }
}

// Every fcntl command's argument is an int, a pointer or absent; read as a pointer it is passed
// on unchanged (x86-64 passes both in one register), which is what libc's own fcntl does.
int fcntl_any(RealFunction<FcntlFn>& real, int fd, int cmd, void* arg) {
    if (!stack_fd(fd)) {
        return real(fd, cmd, arg);
    }
    return stack_fcntl(real, fd, cmd, arg);
}

} // namespace

MULTIOS_PRELOAD_EXPORT int close(int fd) {
    if (inside_client()) {
        return real_close(fd);
    }
    if (mnet_is_socket(fd) != 0) {
        forget_stack_fd_in_epolls(fd);
        const ClientCall call;
        return mnet_close(fd);
    }
    forget_epoll_fd(fd);
    return real_close(fd);
}

MULTIOS_PRELOAD_EXPORT int dup(int fd) noexcept {
    const int result = real_dup(fd);
    if (result < 0 || !stack_fd(fd)) {
        return result;
    }
    return register_dup(fd, result);
}

MULTIOS_PRELOAD_EXPORT int dup2(int oldfd, int newfd) noexcept {
    if (inside_client()) {
        return real_dup2(oldfd, newfd);
    }
    return dup_onto(oldfd, newfd, [&] { return real_dup2(oldfd, newfd); });
}

MULTIOS_PRELOAD_EXPORT int dup3(int oldfd, int newfd, int flags) noexcept {
    if (inside_client() || oldfd == newfd) {
        return real_dup3(oldfd, newfd, flags); // EINVAL for equal fds
    }
    return dup_onto(oldfd, newfd, [&] { return real_dup3(oldfd, newfd, flags); });
}

MULTIOS_PRELOAD_EXPORT int fcntl(int fd, int cmd, ...) {
    va_list args;
    va_start(args, cmd);
    void* arg = va_arg(args, void*);
    va_end(args);
    return fcntl_any(real_fcntl, fd, cmd, arg);
}

MULTIOS_PRELOAD_EXPORT int fcntl64(int fd, int cmd, ...) {
    va_list args;
    va_start(args, cmd);
    void* arg = va_arg(args, void*);
    va_end(args);
    return fcntl_any(real_fcntl64, fd, cmd, arg);
}

MULTIOS_PRELOAD_EXPORT int ioctl(int fd, unsigned long request, ...) noexcept {
    va_list args;
    va_start(args, request);
    void* arg = va_arg(args, void*);
    va_end(args);
    if (!stack_fd(fd)) {
        return real_ioctl(fd, request, arg);
    }
    if (request == FIONREAD) {
        const ClientCall call;
        return mnet_bytes_readable(fd, static_cast<int*>(arg));
    }
    if (request == FIONBIO && arg != nullptr) {
        {
            const ClientCall call;
            if (mnet_set_nonblocking(fd, *static_cast<const int*>(arg) != 0 ? 1 : 0) < 0) {
                return -1;
            }
        }
        return real_ioctl(fd, request, arg); // keep the kernel's O_NONBLOCK consistent
    }
    return real_ioctl(fd, request, arg);
}

MULTIOS_PRELOAD_EXPORT pid_t fork() noexcept {
    if (inside_client()) {
        return real_fork();
    }
    std::uint64_t token = 0;
    {
        const ClientCall call;
        token = mnet_fork_prepare();
    }
    // Held across the fork: the child must not inherit the registry locked by another thread.
    epoll_registry().lock_for_fork();
    const pid_t pid = real_fork();
    const int saved = errno;
    epoll_registry().unlock_after_fork();
    {
        const ClientCall call;
        if (pid == 0) {
            mnet_fork_child(token);
        } else {
            mnet_fork_parent(token);
        }
    }
    errno = saved;
    return pid;
}
