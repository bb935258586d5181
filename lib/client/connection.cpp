#include "connection.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "shm/fd_passing.hpp"

namespace multios::net::client {

namespace {

constexpr auto kSpin = std::chrono::microseconds(10);
constexpr auto kLivenessCheck = std::chrono::milliseconds(100);

int connect_unix(const std::string& path) {
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    if (path.size() >= sizeof a.sun_path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    std::memcpy(a.sun_path, path.data(), path.size());
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) {
        const int e = errno;
        ::close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

std::once_flag g_gone_reported;

} // namespace

std::string Connection::socket_path() {
    const char* env = std::getenv(netd::kSocketPathVariable);
    return env != nullptr && *env != '\0' ? env : netd::kDefaultSocketPath;
}

Result<std::unique_ptr<Connection>> Connection::attach(std::uint64_t fork_token) {
    const int fd = connect_unix(socket_path());
    if (fd < 0)
        return fail(errno);
    netd::Hello hello;
    hello.pid = static_cast<std::uint32_t>(::getpid());
    hello.fork_token = fork_token;
    if (::send(fd, &hello, sizeof hello, MSG_NOSIGNAL) != static_cast<ssize_t>(sizeof hello)) {
        const int e = errno;
        ::close(fd);
        return fail(e);
    }
    netd::Welcome w;
    std::size_t got = 0;
    auto memfd = shm::recv_fd(fd, {reinterpret_cast<std::byte*>(&w), sizeof w}, &got);
    if (!memfd) {
        ::close(fd);
        return fail(memfd.error() == std::errc::bad_message ? make_errno_error(EPROTO)
                                                            : memfd.error());
    }
    auto seg = shm::SharedSegment::attach(*memfd);
    ::close(*memfd);
    if (!seg) {
        ::close(fd);
        return fail(seg.error());
    }
    auto view = netd::open_segment(seg->data(), seg->size());
    if (!view || got != sizeof w || w.magic != netd::kHelloMagic || w.status != 0) {
        ::close(fd);
        return fail(view ? EPROTO : view.error().value());
    }
    return std::unique_ptr<Connection>(new Connection(fd, std::move(*seg), std::move(*view)));
}

Connection::Connection(int fd, shm::SharedSegment seg, netd::SegmentView view)
    : fd_(fd), segment_(std::move(seg)), view_(std::move(view)) {}

Connection::~Connection() {
    ::close(fd_);
}

std::uint32_t Connection::readiness(std::uint32_t slot) const {
    if (dead_.load(std::memory_order_relaxed))
        return POLLIN | POLLOUT | POLLERR | POLLHUP;
    return slot < view_.readiness.size() ? view_.readiness[slot].load(std::memory_order_acquire)
                                         : 0;
}

bool Connection::daemon_present() {
    if (view_.header->daemon_gone.load() != 0)
        return false;
    char c;
    const ssize_t n = ::recv(fd_, &c, 1, MSG_PEEK | MSG_DONTWAIT);
    return n > 0 || (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR));
}

void Connection::mark_dead() {
    if (dead_.exchange(true))
        return;
    std::call_once(g_gone_reported, [] {
        std::fprintf(stderr, "libmultios-client: multios-netd went away; stack sockets now fail "
                             "with ENETDOWN\n");
    });
}

bool Connection::alive() {
    if (dead_.load())
        return false;
    if (!daemon_present())
        mark_dead();
    return !dead_.load();
}

bool Connection::wait_change(std::uint32_t ticket, std::chrono::nanoseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (dead_.load() || view_.header->change_wait.ticket() != ticket)
            return true;
        const auto left = deadline - std::chrono::steady_clock::now();
        if (left <= std::chrono::nanoseconds::zero())
            return false;
        const auto slice = std::min<std::chrono::nanoseconds>(left, kLivenessCheck);
        if (!view_.header->change_wait.wait(ticket, slice) && !alive())
            return true;
    }
}

Result<netd::Completion> Connection::Exchange::submit(netd::Request req, int* received_fd) {
    Connection& c = conn_;
    if (received_fd != nullptr)
        *received_fd = -1;
    if (c.dead_.load())
        return fail(ENETDOWN);
    req.seq = ++c.seq_;
    if (!c.view_.requests.try_push({reinterpret_cast<const std::byte*>(&req), sizeof req})) {
        c.mark_dead(); // one request at a time: a full ring means a broken peer
        return fail(ENETDOWN);
    }
    c.view_.header->request_wait.signal();
    netd::Completion done;
    for (;;) {
        const bool ready = c.view_.header->completion_wait.spin_then_wait(
            [&] { return !c.view_.completions.empty() || c.view_.header->daemon_gone.load() != 0; },
            kSpin, kLivenessCheck);
        if (ready && !c.view_.completions.empty()) {
            auto n =
                c.view_.completions.try_pop({reinterpret_cast<std::byte*>(&done), sizeof done});
            if (n && *n == sizeof done && done.seq == req.seq)
                break;
            if (n)
                continue; // a stale or foreign message: keep waiting for ours
        }
        if (!c.alive())
            return fail(ENETDOWN);
    }
    if (done.len > c.view_.data.size())
        return fail(EPROTO);
    if ((done.flags & netd::kEventFdFollows) != 0) {
        std::uint32_t slot = 0;
        std::size_t got = 0;
        auto fd = shm::recv_fd(c.fd_, {reinterpret_cast<std::byte*>(&slot), sizeof slot}, &got);
        if (!fd) {
            c.mark_dead();
            return fail(ENETDOWN);
        }
        if (received_fd != nullptr)
            *received_fd = *fd;
        else
            ::close(*fd);
    }
    return done;
}

} // namespace multios::net::client
