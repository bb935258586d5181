/* libmultios-client: Berkeley-style socket calls on the stack run by multios-netd, for other
 * processes. C and C++ (extern "C"). Every call behaves like its libc namesake: it returns what
 * libc would (-1 with errno on failure) and takes the same arguments.
 *
 * A stack socket is a real kernel file descriptor (an eventfd the daemon created and passed to
 * us), so its number is allocated by the kernel and never collides with files, pipes or other
 * sockets, and it is below 1024 whenever the kernel would give such a number (select works).
 * The daemon keeps that eventfd readable exactly while the stack socket is readable (data, a
 * pending connection, EOF or an error): a kernel epoll/poll/select set can mix stack sockets
 * and kernel fds. Writability is not mirrored reliably (an eventfd is writable while its counter
 * is low): use mnet_readiness() for it. Only mnet_* calls may read, write or close these fds.
 *
 * The daemon's Unix socket: $MULTIOS_NETD, default "/run/multios-netd.sock" (CONTRACTS.md).
 * The first stack call attaches (connects, receives the shared-memory segment); without a
 * daemon it fails with ECONNREFUSED (ENOENT when the path does not exist) and prints one line
 * on stderr. After the daemon goes away every call fails with ENETDOWN; none hangs.
 *
 * Threads: every call is thread-safe. Blocking calls wait outside the client's lock (one
 * thread blocked in recv does not stop another thread's send on another socket).
 * fork(): call mnet_fork_prepare() before and mnet_fork_child()/mnet_fork_parent() after (the
 * preload shim does this in its fork()): the child gets its own connection and segment and
 * keeps the parent's stack sockets (as a forked child keeps kernel sockets). */
#ifndef MULTIOS_NET_CLIENT_H
#define MULTIOS_NET_CLIENT_H

#include <poll.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Readiness bits of mnet_readiness() (values of poll(2)'s POLLIN etc.). */
#define MNET_READABLE POLLIN
#define MNET_WRITABLE POLLOUT
#define MNET_ERROR POLLERR
#define MNET_HANGUP POLLHUP
#define MNET_READ_HANGUP POLLRDHUP

/* Attaches to the daemon now (otherwise the first mnet_socket does). 0, or -1 with errno. */
int mnet_attach(void);
/* 1 when fd is a stack socket of this process, 0 otherwise. Async-signal-safe, lock-free. */
int mnet_is_socket(int fd);

/* AF_INET/AF_INET6 with SOCK_STREAM/SOCK_DGRAM/SOCK_RAW (SOCK_NONBLOCK, SOCK_CLOEXEC allowed).
 * Other families: EAFNOSUPPORT (callers route them to libc). */
int mnet_socket(int domain, int type, int protocol);
int mnet_bind(int fd, const struct sockaddr* addr, socklen_t len);
int mnet_listen(int fd, int backlog);
int mnet_accept4(int fd, struct sockaddr* addr, socklen_t* len, int flags);
int mnet_connect(int fd, const struct sockaddr* addr, socklen_t len);
ssize_t mnet_send(int fd, const void* buf, size_t len, int flags);
ssize_t mnet_sendto(int fd, const void* buf, size_t len, int flags, const struct sockaddr* to,
                    socklen_t tolen);
ssize_t mnet_sendmsg(int fd, const struct msghdr* msg, int flags);
ssize_t mnet_recv(int fd, void* buf, size_t len, int flags);
ssize_t mnet_recvfrom(int fd, void* buf, size_t len, int flags, struct sockaddr* from,
                      socklen_t* fromlen);
ssize_t mnet_recvmsg(int fd, struct msghdr* msg, int flags);
ssize_t mnet_readv(int fd, const struct iovec* iov, int iovcnt);
ssize_t mnet_writev(int fd, const struct iovec* iov, int iovcnt);
/* Sends up to count bytes of in_fd (a kernel file) from *offset (or its file position). */
ssize_t mnet_sendfile(int out_fd, int in_fd, off_t* offset, size_t count);
int mnet_shutdown(int fd, int how);
/* Closes the fd; the stack socket closes when its last fd (dup, fork) is closed. */
int mnet_close(int fd);
int mnet_getsockopt(int fd, int level, int name, void* value, socklen_t* len);
int mnet_setsockopt(int fd, int level, int name, const void* value, socklen_t len);
int mnet_getsockname(int fd, struct sockaddr* addr, socklen_t* len);
int mnet_getpeername(int fd, struct sockaddr* addr, socklen_t* len);

/* O_NONBLOCK of a stack fd (fcntl F_GETFL/F_SETFL, ioctl FIONBIO, SOCK_NONBLOCK). */
int mnet_set_nonblocking(int fd, int on);
int mnet_nonblocking(int fd);
/* Bytes ready to read (ioctl FIONREAD). 0, or -1 with errno. */
int mnet_bytes_readable(int fd, int* out);
/* Records newfd, which the caller made with libc dup/dup2/dup3/fcntl(F_DUPFD*) of the stack fd
 * oldfd, as one more fd of the same stack socket. If newfd was a stack fd before (dup2 closed
 * it implicitly), that reference is dropped first. Returns newfd, or -1 (EBADF: oldfd is not
 * a stack socket). */
int mnet_dup_register(int oldfd, int newfd);
/* Drops fd's reference to its stack socket without closing the kernel fd (the caller is about
 * to reuse the number, e.g. dup2(other, fd)). 0, or -1 (EBADF) when fd is not a stack socket. */
int mnet_forget(int fd);

/* Current readiness of a stack socket (MNET_* bits), no system call. -1 (EBADF) otherwise. */
int mnet_readiness(int fd);
/* Sleeps until some stack socket of this process changes readiness, or timeout_ms passes
 * (negative: forever). Returns at once after a change since the previous call's return. */
int mnet_wait_change(int timeout_ms);
/* poll(2) over stack sockets only (every fd must be a stack socket). */
int mnet_poll(struct pollfd* fds, nfds_t nfds, int timeout_ms);

/* fork(): prepare in the parent (returns a token, 0 when nothing to hand over), then call
 * mnet_fork_child(token) in the child and mnet_fork_parent(token) in the parent. */
uint64_t mnet_fork_prepare(void);
void mnet_fork_child(uint64_t token);
void mnet_fork_parent(uint64_t token);

#ifdef __cplusplus
}
#endif

#endif
