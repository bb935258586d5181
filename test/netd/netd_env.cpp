#include "netd_env.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <netinet/in.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include <multios/net/client.h>

namespace multios::net::netd_client_test {

std::string env_or(const char* name, const char* fallback) {
    const char* v = std::getenv(name);
    return v != nullptr && *v != '\0' ? v : fallback;
}

Endpoint make_endpoint(int family, const std::string& text, std::uint16_t port) {
    Endpoint e;
    if (family == AF_INET) {
        auto* in = reinterpret_cast<sockaddr_in*>(&e.ss);
        in->sin_family = AF_INET;
        in->sin_port = htons(port);
        if (inet_pton(AF_INET, text.c_str(), &in->sin_addr) != 1)
            std::abort();
        e.len = sizeof(sockaddr_in);
    } else {
        auto* in6 = reinterpret_cast<sockaddr_in6*>(&e.ss);
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(port);
        if (inet_pton(AF_INET6, text.c_str(), &in6->sin6_addr) != 1)
            std::abort();
        e.len = sizeof(sockaddr_in6);
    }
    return e;
}

Endpoint kernel_endpoint(int family, std::uint16_t port) {
    return family == AF_INET ? make_endpoint(AF_INET, env_or("MNT_V4_KERNEL", "10.99.0.1"), port)
                             : make_endpoint(AF_INET6, env_or("MNT_V6_KERNEL", "fd99::1"), port);
}

Endpoint stack_endpoint(int family, std::uint16_t port) {
    return family == AF_INET ? make_endpoint(AF_INET, env_or("MNT_V4_STACK", "10.99.0.2"), port)
                             : make_endpoint(AF_INET6, env_or("MNT_V6_STACK", "fd99::2"), port);
}

std::string address_text(const sockaddr* sa) {
    char buf[INET6_ADDRSTRLEN] = "?";
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, buf, sizeof buf);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, buf, sizeof buf);
    return buf;
}

std::uint16_t port_of(const sockaddr* sa) {
    if (sa->sa_family == AF_INET)
        return ntohs(reinterpret_cast<const sockaddr_in*>(sa)->sin_port);
    if (sa->sa_family == AF_INET6)
        return ntohs(reinterpret_cast<const sockaddr_in6*>(sa)->sin6_port);
    return 0;
}

StackFd& StackFd::operator=(StackFd&& o) noexcept {
    if (this != &o) {
        if (fd_ >= 0)
            mnet_close(fd_);
        fd_ = o.release();
    }
    return *this;
}

StackFd::~StackFd() {
    if (fd_ >= 0)
        mnet_close(fd_);
}

int StackFd::release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
}

StackFd connect_stack(const Endpoint& to, int type) {
    StackFd fd(mnet_socket(to.family(), type, 0));
    if (!fd)
        return fd;
    if (mnet_connect(fd.get(), to.sa(), to.len) != 0) {
        const int e = errno;
        fd = StackFd();
        errno = e;
    }
    return fd;
}

bool send_all(int fd, const void* data, std::size_t len) {
    const auto* p = static_cast<const std::byte*>(data);
    while (len > 0) {
        const ssize_t n = mnet_send(fd, p, len, 0);
        if (n <= 0)
            return false;
        p += n;
        len -= static_cast<std::size_t>(n);
    }
    return true;
}

bool recv_exact(int fd, void* data, std::size_t len) {
    auto* p = static_cast<std::byte*>(data);
    while (len > 0) {
        const ssize_t n = mnet_recv(fd, p, len, 0);
        if (n <= 0)
            return false;
        p += n;
        len -= static_cast<std::size_t>(n);
    }
    return true;
}

long recv_until_eof(int fd, std::vector<std::byte>& out, std::size_t limit) {
    std::byte buf[4096];
    while (out.size() < limit) {
        const ssize_t n = mnet_recv(fd, buf, sizeof buf, 0);
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        out.insert(out.end(), buf, buf + n);
    }
    return static_cast<long>(out.size());
}

std::vector<std::byte> pattern(std::size_t n, std::uint32_t seed) {
    std::vector<std::byte> v(n);
    std::uint32_t x = seed * 2654435761u + 1;
    for (auto& b : v) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        b = static_cast<std::byte>(x);
    }
    return v;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

pid_t fork_client(const std::function<int()>& body) {
    const std::uint64_t token = mnet_fork_prepare();
    const pid_t pid = ::fork();
    if (pid == 0) {
        mnet_fork_child(token);
        int rc = 100;
        try {
            rc = body();
        } catch (...) {
            rc = 101;
        }
        ::_exit(rc);
    }
    mnet_fork_parent(token);
    return pid;
}

int wait_child(pid_t pid, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        int status = 0;
        const pid_t r = ::waitpid(pid, &status, WNOHANG);
        if (r == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        if (r < 0)
            return -1;
        if (std::chrono::steady_clock::now() >= deadline) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, &status, 0);
            return -1;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

int kernel_connect(const Endpoint& to) {
    const int fd = ::socket(to.family(), SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (::connect(fd, to.sa(), to.len) != 0) {
        const int e = errno;
        ::close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

} // namespace multios::net::netd_client_test
