// send_fd/recv_fd over both ends of a socketpair (stream and seqpacket), within one process
// and across fork(): the received fd refers to the same memfd and carries the payload.
#include <catch2/catch.hpp>

#include <array>
#include <cstring>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fork_child.hpp"
#include "shm/fd_passing.hpp"
#include "shm/segment.hpp"

namespace multios::net::shm_test {

using shm::recv_fd;
using shm::send_fd;
using shm::SharedSegment;

namespace {

std::span<const std::byte> bytes_of(const char* s) {
    return std::as_bytes(std::span(s, std::strlen(s)));
}

struct SocketPair {
    explicit SocketPair(int type) { ok = ::socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, fds) == 0; }
    ~SocketPair() {
        ::close(fds[0]);
        ::close(fds[1]);
    }
    int fds[2] = {-1, -1};
    bool ok = false;
};

} // namespace

TEST_CASE("fd passing: a memfd and its payload cross a socketpair", "[shm]") {
    const int type = GENERATE(SOCK_STREAM, SOCK_SEQPACKET);
    SocketPair sp(type);
    REQUIRE(sp.ok);
    auto seg = SharedSegment::create("multios-test", 4096);
    REQUIRE(seg);
    std::memcpy(seg->data(), "shared", 6);
    REQUIRE(send_fd(sp.fds[0], seg->fd(), bytes_of("ring v1")));

    std::array<std::byte, 64> buf{};
    std::size_t len = 0;
    auto fd = recv_fd(sp.fds[1], buf, &len);
    REQUIRE(fd);
    CHECK(len == 7);
    CHECK(std::memcmp(buf.data(), "ring v1", 7) == 0);
    CHECK(*fd != seg->fd());
    CHECK(::fcntl(*fd, F_GETFD) & FD_CLOEXEC);
    auto other = SharedSegment::attach(*fd);
    ::close(*fd);
    REQUIRE(other);
    CHECK(std::memcmp(other->data(), "shared", 6) == 0);
}

TEST_CASE("fd passing: a fork()ed child receives the segment from its parent", "[shm]") {
    SocketPair sp(SOCK_SEQPACKET);
    REQUIRE(sp.ok);
    const int child_end = sp.fds[1];
    const pid_t pid = fork_child([child_end] {
        std::array<std::byte, 16> buf{};
        std::size_t len = 0;
        auto fd = recv_fd(child_end, buf, &len);
        if (!fd || len != 2)
            return 1;
        auto seg = SharedSegment::attach(*fd);
        ::close(*fd);
        if (!seg)
            return 2;
        std::memcpy(seg->data(), "pong", 4);
        return 0;
    });
    // The child has its own copies of both ends: the parent's socketpair was created before
    // fork(), so the segment is created (and sent) only afterwards; fd numbers need not match.
    auto seg = SharedSegment::create("multios-test", 4096);
    REQUIRE(seg);
    REQUIRE(send_fd(sp.fds[0], seg->fd(), bytes_of("hi")));
    REQUIRE(wait_child(pid) == 0);
    CHECK(std::memcmp(seg->data(), "pong", 4) == 0);
}

TEST_CASE("fd passing: clear errors", "[shm]") {
    SocketPair sp(SOCK_SEQPACKET);
    REQUIRE(sp.ok);
    std::array<std::byte, 8> buf{};
    std::size_t len = 99;

    SECTION("empty payload or bad fd is EINVAL") {
        CHECK(send_fd(sp.fds[0], 0, {}).error() == std::errc::invalid_argument);
        CHECK(send_fd(sp.fds[0], -1, bytes_of("x")).error() == std::errc::invalid_argument);
    }
    SECTION("data without an fd is EBADMSG") {
        REQUIRE(::send(sp.fds[0], "x", 1, 0) == 1);
        CHECK(recv_fd(sp.fds[1], buf, &len).error() == std::errc::bad_message);
    }
    SECTION("a closed peer is ECONNRESET") {
        ::shutdown(sp.fds[0], SHUT_WR);
        CHECK(recv_fd(sp.fds[1], buf, &len).error() == std::errc::connection_reset);
        CHECK(len == 0);
    }
    SECTION("a message longer than the buffer is EMSGSIZE, and the fd is not leaked") {
        REQUIRE(send_fd(sp.fds[0], sp.fds[0], bytes_of("0123456789abcdef")));
        const int probe = ::dup(0);
        ::close(probe);
        CHECK(recv_fd(sp.fds[1], buf, &len).error() == std::errc::message_size);
        const int after = ::dup(0); // the lowest free number is the same: nothing leaked
        CHECK(after == probe);
        ::close(after);
    }
    SECTION("sending to a closed peer is EPIPE, no SIGPIPE") {
        ::close(sp.fds[1]);
        sp.fds[1] = ::dup(sp.fds[0]); // keep the destructor's close harmless
        CHECK(send_fd(sp.fds[0], 0, bytes_of("x")).error() == std::errc::broken_pipe);
    }
}

} // namespace multios::net::shm_test
