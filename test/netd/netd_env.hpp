// Helpers of netd-client-tests: the test network's addresses (from the environment that
// test/integration/netd_client.sh sets), owned stack fds, byte-exact stream I/O over the C API,
// and forked children that follow the mnet_fork_* protocol. Only <multios/net/client.h> touches
// stack sockets; kernel peers are test/api/kernel_peers.py and plain libc sockets.
#pragma once

#include <sys/socket.h>
#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace multios::net::netd_client_test {

// Ports of test/api/kernel_peers.py on the kernel side.
inline constexpr std::uint16_t kEchoPort = 7;
inline constexpr std::uint16_t kSinkPort = 9;
inline constexpr std::uint16_t kResetReporterPort = 11;
// Nothing listens here on the kernel side: connects are refused.
inline constexpr std::uint16_t kClosedPort = 5;

/// $NAME, or `fallback` when unset.
std::string env_or(const char* name, const char* fallback);

/// An address of the test network (family AF_INET or AF_INET6) in a sockaddr_storage.
struct Endpoint {
    sockaddr_storage ss{};
    socklen_t len = 0;
    const sockaddr* sa() const { return reinterpret_cast<const sockaddr*>(&ss); }
    int family() const { return ss.ss_family; }
};

Endpoint make_endpoint(int family, const std::string& text, std::uint16_t port);
/// The kernel side of the TAP (10.99.0.1 / fd99::1) and the stack (10.99.0.2 / fd99::2).
Endpoint kernel_endpoint(int family, std::uint16_t port);
Endpoint stack_endpoint(int family, std::uint16_t port);
/// "a.b.c.d" / "x::y" of a sockaddr, and its port.
std::string address_text(const sockaddr* sa);
std::uint16_t port_of(const sockaddr* sa);

/// A stack socket fd, closed with mnet_close.
class StackFd {
  public:
    StackFd() = default;
    explicit StackFd(int fd) : fd_(fd) {}
    StackFd(StackFd&& o) noexcept : fd_(o.release()) {}
    StackFd& operator=(StackFd&& o) noexcept;
    StackFd(const StackFd&) = delete;
    StackFd& operator=(const StackFd&) = delete;
    ~StackFd();
    int get() const { return fd_; }
    int release();
    explicit operator bool() const { return fd_ >= 0; }

  private:
    int fd_ = -1;
};

/// A stack socket connected to `to` (blocking connect); -1 inside on failure (errno kept).
StackFd connect_stack(const Endpoint& to, int type = SOCK_STREAM);

/// Sends every byte (blocking socket); false on error.
bool send_all(int fd, const void* data, std::size_t len);
/// Receives exactly `len` bytes; false on error or EOF first.
bool recv_exact(int fd, void* data, std::size_t len);
/// Reads until EOF (recv returns 0) or `limit` bytes; -1 on error.
long recv_until_eof(int fd, std::vector<std::byte>& out, std::size_t limit);
/// `n` bytes of a deterministic pattern seeded by `seed`.
std::vector<std::byte> pattern(std::size_t n, std::uint32_t seed);

/// Seconds since `start` as a double.
double seconds_since(std::chrono::steady_clock::time_point start);

/// Forks a child that follows the client's fork protocol (mnet_fork_prepare before,
/// mnet_fork_child in the child, mnet_fork_parent in the parent); the child runs `body` and
/// _exits with its value (it never returns into Catch). Returns the child's pid (-1 on error).
pid_t fork_client(const std::function<int()>& body);
/// Waits at most `timeout` for the child; its exit status (0..255), 128 + signal, or -1 on
/// timeout (the child is then killed with SIGKILL and reaped).
int wait_child(pid_t pid, std::chrono::milliseconds timeout);

/// A libc (kernel) TCP connection from the kernel side to the stack, for the accept tests.
int kernel_connect(const Endpoint& to);

} // namespace multios::net::netd_client_test
