// Data calls: read/write and the socket variants. For stack fds they go to the client library
// (read/write are recv/send without flags) and their EAGAIN/short results are noted for
// edge-triggered epoll (shim_state.hpp); any other fd goes to libc after one lock-free check.
#undef _FORTIFY_SOURCE
// Without this, glibc's headers rename fcntl/sendfile to their *64 symbols (the build defines
// _FILE_OFFSET_BITS=64) and the wrappers would collide; off_t is 64 bits on x86-64 either way.
#undef _FILE_OFFSET_BITS
#include "client_call.hpp"
#include "export.hpp"
#include "real_libc.hpp"
#include "shim_state.hpp"

#include <cstddef>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

using namespace multios::net::preload;

namespace {

// Spelled out: decltype(&::read) would carry glibc's warn_unused_result/access attributes.
constinit RealFunction<ssize_t (*)(int, void*, size_t)> real_read{"read"};
constinit RealFunction<ssize_t (*)(int, const void*, size_t)> real_write{"write"};
constinit RealFunction<ssize_t (*)(int, const iovec*, int)> real_readv{"readv"};
constinit RealFunction<ssize_t (*)(int, const iovec*, int)> real_writev{"writev"};
constinit RealFunction<decltype(&::send)> real_send{"send"};
constinit RealFunction<decltype(&::recv)> real_recv{"recv"};
constinit RealFunction<decltype(&::sendto)> real_sendto{"sendto"};
constinit RealFunction<decltype(&::recvfrom)> real_recvfrom{"recvfrom"};
constinit RealFunction<decltype(&::sendmsg)> real_sendmsg{"sendmsg"};
constinit RealFunction<decltype(&::recvmsg)> real_recvmsg{"recvmsg"};
constinit RealFunction<decltype(&::sendfile)> real_sendfile{"sendfile"};
constinit RealFunction<decltype(&::sendfile64)> real_sendfile64{"sendfile64"};

size_t iov_bytes(const iovec* iov, int iovcnt) {
    size_t total = 0;
    for (int i = 0; iov != nullptr && i < iovcnt; ++i) {
        total += iov[i].iov_len;
    }
    return total;
}

ssize_t stack_recv(int fd, void* buf, size_t len, int flags) {
    const ClientCall call;
    const ssize_t got = mnet_recv(fd, buf, len, flags);
    note_receive(fd, got, len);
    return got;
}

ssize_t stack_send(int fd, const void* buf, size_t len, int flags) {
    const ClientCall call;
    const ssize_t sent = mnet_send(fd, buf, len, flags);
    note_send(fd, sent, len);
    return sent;
}

ssize_t stack_sendfile(int out_fd, int in_fd, off_t* offset, size_t count) {
    const ClientCall call;
    const ssize_t sent = mnet_sendfile(out_fd, in_fd, offset, count);
    note_send(out_fd, sent, count);
    return sent;
}

} // namespace

MULTIOS_PRELOAD_EXPORT ssize_t read(int fd, void* buf, size_t len) {
    if (!stack_fd(fd)) {
        return real_read(fd, buf, len);
    }
    return stack_recv(fd, buf, len, 0);
}

MULTIOS_PRELOAD_EXPORT ssize_t write(int fd, const void* buf, size_t len) {
    if (!stack_fd(fd)) {
        return real_write(fd, buf, len);
    }
    return stack_send(fd, buf, len, 0);
}

MULTIOS_PRELOAD_EXPORT ssize_t readv(int fd, const iovec* iov, int iovcnt) {
    if (!stack_fd(fd)) {
        return real_readv(fd, iov, iovcnt);
    }
    const ClientCall call;
    const ssize_t got = mnet_readv(fd, iov, iovcnt);
    note_receive(fd, got, iov_bytes(iov, iovcnt));
    return got;
}

MULTIOS_PRELOAD_EXPORT ssize_t writev(int fd, const iovec* iov, int iovcnt) {
    if (!stack_fd(fd)) {
        return real_writev(fd, iov, iovcnt);
    }
    const ClientCall call;
    const ssize_t sent = mnet_writev(fd, iov, iovcnt);
    note_send(fd, sent, iov_bytes(iov, iovcnt));
    return sent;
}

MULTIOS_PRELOAD_EXPORT ssize_t send(int fd, const void* buf, size_t len, int flags) {
    if (!stack_fd(fd)) {
        return real_send(fd, buf, len, flags);
    }
    return stack_send(fd, buf, len, flags);
}

MULTIOS_PRELOAD_EXPORT ssize_t recv(int fd, void* buf, size_t len, int flags) {
    if (!stack_fd(fd)) {
        return real_recv(fd, buf, len, flags);
    }
    return stack_recv(fd, buf, len, flags);
}

MULTIOS_PRELOAD_EXPORT ssize_t sendto(int fd, const void* buf, size_t len, int flags,
                                      const sockaddr* to, socklen_t tolen) {
    if (!stack_fd(fd)) {
        return real_sendto(fd, buf, len, flags, to, tolen);
    }
    const ClientCall call;
    const ssize_t sent = mnet_sendto(fd, buf, len, flags, to, tolen);
    note_send(fd, sent, len);
    return sent;
}

MULTIOS_PRELOAD_EXPORT ssize_t recvfrom(int fd, void* buf, size_t len, int flags, sockaddr* from,
                                        socklen_t* fromlen) {
    if (!stack_fd(fd)) {
        return real_recvfrom(fd, buf, len, flags, from, fromlen);
    }
    const ClientCall call;
    const ssize_t got = mnet_recvfrom(fd, buf, len, flags, from, fromlen);
    note_receive(fd, got, len);
    return got;
}

MULTIOS_PRELOAD_EXPORT ssize_t sendmsg(int fd, const msghdr* msg, int flags) {
    if (!stack_fd(fd)) {
        return real_sendmsg(fd, msg, flags);
    }
    const ClientCall call;
    const ssize_t sent = mnet_sendmsg(fd, msg, flags);
    note_send(fd, sent,
              msg != nullptr ? iov_bytes(msg->msg_iov, static_cast<int>(msg->msg_iovlen)) : 0);
    return sent;
}

MULTIOS_PRELOAD_EXPORT ssize_t recvmsg(int fd, msghdr* msg, int flags) {
    if (!stack_fd(fd)) {
        return real_recvmsg(fd, msg, flags);
    }
    const ClientCall call;
    const ssize_t got = mnet_recvmsg(fd, msg, flags);
    note_receive(fd, got,
                 msg != nullptr ? iov_bytes(msg->msg_iov, static_cast<int>(msg->msg_iovlen)) : 0);
    return got;
}

MULTIOS_PRELOAD_EXPORT ssize_t sendfile(int out_fd, int in_fd, off_t* offset,
                                        size_t count) noexcept {
    if (!stack_fd(out_fd)) {
        return real_sendfile(out_fd, in_fd, offset, count);
    }
    return stack_sendfile(out_fd, in_fd, offset, count);
}

// x86-64: off64_t is off_t, sendfile64 is the same call under the large-file name (nginx).
static_assert(sizeof(off64_t) == sizeof(off_t));
MULTIOS_PRELOAD_EXPORT ssize_t sendfile64(int out_fd, int in_fd, off64_t* offset,
                                          size_t count) noexcept {
    if (!stack_fd(out_fd)) {
        return real_sendfile64(out_fd, in_fd, offset, count);
    }
    return stack_sendfile(out_fd, in_fd, reinterpret_cast<off_t*>(offset), count);
}
