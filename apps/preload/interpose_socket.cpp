// Socket calls: AF_INET/AF_INET6 sockets are created by the stack (the client library attaches
// to multios-netd on first use and, without a daemon, prints one line on stderr and fails with
// errno); calls on stack fds go to the client library, everything else to libc unchanged.
#undef _FORTIFY_SOURCE
#include "client_call.hpp"
#include "export.hpp"
#include "real_libc.hpp"
#include "shim_state.hpp"

#include <cerrno>
#include <sys/socket.h>

using namespace multios::net::preload;

namespace {

constinit RealFunction<decltype(&::socket)> real_socket{"socket"};
constinit RealFunction<decltype(&::bind)> real_bind{"bind"};
constinit RealFunction<decltype(&::listen)> real_listen{"listen"};
constinit RealFunction<decltype(&::accept)> real_accept{"accept"};
constinit RealFunction<decltype(&::accept4)> real_accept4{"accept4"};
constinit RealFunction<decltype(&::connect)> real_connect{"connect"};
constinit RealFunction<decltype(&::shutdown)> real_shutdown{"shutdown"};
constinit RealFunction<decltype(&::getsockopt)> real_getsockopt{"getsockopt"};
constinit RealFunction<decltype(&::setsockopt)> real_setsockopt{"setsockopt"};
constinit RealFunction<decltype(&::getsockname)> real_getsockname{"getsockname"};
constinit RealFunction<decltype(&::getpeername)> real_getpeername{"getpeername"};

bool stack_family(int domain) {
    return domain == AF_INET || domain == AF_INET6;
}

int stack_accept(int fd, sockaddr* addr, socklen_t* len, int flags) {
    const ClientCall call;
    const int accepted = mnet_accept4(fd, addr, len, flags);
    if (accepted < 0) {
        note_receive(fd, -1, 1);
    }
    return accepted;
}

} // namespace

MULTIOS_PRELOAD_EXPORT int socket(int domain, int type, int protocol) noexcept {
    if (!stack_family(domain) || inside_client()) {
        return real_socket(domain, type, protocol);
    }
    const ClientCall call;
    return mnet_socket(domain, type, protocol);
}

MULTIOS_PRELOAD_EXPORT int bind(int fd, const sockaddr* addr, socklen_t len) noexcept {
    if (!stack_fd(fd)) {
        return real_bind(fd, addr, len);
    }
    const ClientCall call;
    return mnet_bind(fd, addr, len);
}

MULTIOS_PRELOAD_EXPORT int listen(int fd, int backlog) noexcept {
    if (!stack_fd(fd)) {
        return real_listen(fd, backlog);
    }
    const ClientCall call;
    return mnet_listen(fd, backlog);
}

MULTIOS_PRELOAD_EXPORT int accept(int fd, sockaddr* addr, socklen_t* len) {
    if (!stack_fd(fd)) {
        return real_accept(fd, addr, len);
    }
    return stack_accept(fd, addr, len, 0);
}

MULTIOS_PRELOAD_EXPORT int accept4(int fd, sockaddr* addr, socklen_t* len, int flags) {
    if (!stack_fd(fd)) {
        return real_accept4(fd, addr, len, flags);
    }
    return stack_accept(fd, addr, len, flags);
}

MULTIOS_PRELOAD_EXPORT int connect(int fd, const sockaddr* addr, socklen_t len) {
    if (!stack_fd(fd)) {
        return real_connect(fd, addr, len);
    }
    const ClientCall call;
    const int result = mnet_connect(fd, addr, len);
    if (result < 0 && (errno == EINPROGRESS || errno == EALREADY)) {
        // The application now waits for writability (the connection's completion).
        fd_marks().set(fd, kAwaitWrite);
    }
    return result;
}

MULTIOS_PRELOAD_EXPORT int shutdown(int fd, int how) noexcept {
    if (!stack_fd(fd)) {
        return real_shutdown(fd, how);
    }
    const ClientCall call;
    return mnet_shutdown(fd, how);
}

MULTIOS_PRELOAD_EXPORT int getsockopt(int fd, int level, int name, void* value,
                                      socklen_t* len) noexcept {
    if (!stack_fd(fd)) {
        return real_getsockopt(fd, level, name, value, len);
    }
    const ClientCall call;
    return mnet_getsockopt(fd, level, name, value, len);
}

MULTIOS_PRELOAD_EXPORT int setsockopt(int fd, int level, int name, const void* value,
                                      socklen_t len) noexcept {
    if (!stack_fd(fd)) {
        return real_setsockopt(fd, level, name, value, len);
    }
    const ClientCall call;
    return mnet_setsockopt(fd, level, name, value, len);
}

MULTIOS_PRELOAD_EXPORT int getsockname(int fd, sockaddr* addr, socklen_t* len) noexcept {
    if (!stack_fd(fd)) {
        return real_getsockname(fd, addr, len);
    }
    const ClientCall call;
    return mnet_getsockname(fd, addr, len);
}

MULTIOS_PRELOAD_EXPORT int getpeername(int fd, sockaddr* addr, socklen_t* len) noexcept {
    if (!stack_fd(fd)) {
        return real_getpeername(fd, addr, len);
    }
    const ClientCall call;
    return mnet_getpeername(fd, addr, len);
}
