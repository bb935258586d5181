// TCP over libmultios-client: byte-exact echo with the kernel (both families), dual-stack
// listening, half-close, MSG_PEEK, FIONREAD, names, scatter/gather.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <thread>
#include <unistd.h>

#include <multios/net/client.h>

#include "netd_env.hpp"

namespace multios::net::netd_client_test {

namespace {

// Sends `data` while reading the echo back in the same thread (non-blocking receive between
// chunks), so neither side's window fills up and stalls the other.
std::vector<std::byte> echo_round_trip(int fd, const std::vector<std::byte>& data) {
    std::vector<std::byte> got;
    got.reserve(data.size());
    std::size_t sent = 0;
    std::byte buf[65536];
    const auto start = std::chrono::steady_clock::now();
    while (got.size() < data.size() && seconds_since(start) < 60) {
        if (sent < data.size()) {
            const std::size_t chunk = std::min<std::size_t>(16384, data.size() - sent);
            const ssize_t n = mnet_send(fd, data.data() + sent, chunk, MSG_DONTWAIT);
            if (n > 0)
                sent += static_cast<std::size_t>(n);
            else if (errno != EAGAIN)
                break;
        }
        const ssize_t r = mnet_recv(fd, buf, sizeof buf, MSG_DONTWAIT);
        if (r > 0) {
            got.insert(got.end(), buf, buf + r);
        } else if (r == 0) {
            break;
        } else if (errno != EAGAIN) {
            break;
        } else if (sent == data.size()) {
            pollfd p{fd, POLLIN, 0};
            mnet_poll(&p, 1, 1000);
        }
    }
    return got;
}

// Waits until FIONREAD reports at least `n` bytes (at most 5 s); returns the last count.
int wait_readable(int fd, int n) {
    int avail = 0;
    const auto start = std::chrono::steady_clock::now();
    while (seconds_since(start) < 5) {
        if (mnet_bytes_readable(fd, &avail) != 0)
            return -1;
        if (avail >= n)
            break;
        pollfd p{fd, POLLIN, 0};
        mnet_poll(&p, 1, 100);
    }
    return avail;
}

} // namespace

TEST_CASE("stream: 1 MB echo through the kernel, byte-exact", "[netd][stream]") {
    const int family = GENERATE(AF_INET, AF_INET6);
    INFO("family " << (family == AF_INET ? "IPv4" : "IPv6"));
    StackFd fd = connect_stack(kernel_endpoint(family, kEchoPort));
    REQUIRE(fd);
    const auto data = pattern(1 << 20, static_cast<std::uint32_t>(family));
    const auto got = echo_round_trip(fd.get(), data);
    REQUIRE(got.size() == data.size());
    CHECK(got == data);
}

TEST_CASE("stream: blocking send of 1 MB then blocking receive of the echo", "[netd][stream]") {
    StackFd fd = connect_stack(kernel_endpoint(AF_INET6, kEchoPort));
    REQUIRE(fd);
    const auto data = pattern(1 << 20, 99);
    std::vector<std::byte> got(data.size());
    // The echo comes back while we send: a second thread reads (calls are thread-safe).
    bool received = false;
    std::thread reader([&] { received = recv_exact(fd.get(), got.data(), got.size()); });
    const bool sent = send_all(fd.get(), data.data(), data.size());
    reader.join();
    CHECK(sent);
    REQUIRE(received);
    CHECK(got == data);
}

TEST_CASE("stream: listen on [::] with v6only 0 accepts IPv4 (mapped) and IPv6 clients",
          "[netd][stream]") {
    const int family = GENERATE(AF_INET, AF_INET6);
    INFO("kernel client " << (family == AF_INET ? "IPv4" : "IPv6"));
    StackFd lfd(mnet_socket(AF_INET6, SOCK_STREAM, 0));
    REQUIRE(lfd);
    const int off = 0;
    REQUIRE(mnet_setsockopt(lfd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off) == 0);
    const int on = 1;
    REQUIRE(mnet_setsockopt(lfd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) == 0);
    sockaddr_in6 any{};
    any.sin6_family = AF_INET6;
    any.sin6_port = htons(8000);
    any.sin6_addr = in6addr_any;
    REQUIRE(mnet_bind(lfd.get(), reinterpret_cast<sockaddr*>(&any), sizeof any) == 0);
    REQUIRE(mnet_listen(lfd.get(), 16) == 0);

    int kfd = -1;
    std::thread client([&] { kfd = kernel_connect(stack_endpoint(family, 8000)); });
    sockaddr_storage peer{};
    socklen_t plen = sizeof peer;
    StackFd afd(mnet_accept4(lfd.get(), reinterpret_cast<sockaddr*>(&peer), &plen, 0));
    client.join();
    REQUIRE(kfd >= 0);
    REQUIRE(afd);
    REQUIRE(plen == sizeof(sockaddr_in6));
    REQUIRE(peer.ss_family == AF_INET6);
    const auto* p6 = reinterpret_cast<const sockaddr_in6*>(&peer);
    const std::string text = address_text(reinterpret_cast<const sockaddr*>(&peer));
    if (family == AF_INET) {
        CHECK(IN6_IS_ADDR_V4MAPPED(&p6->sin6_addr));
        CHECK(text == "::ffff:" + env_or("MNT_V4_KERNEL", "10.99.0.1"));
    } else {
        CHECK_FALSE(IN6_IS_ADDR_V4MAPPED(&p6->sin6_addr));
        CHECK(text == env_or("MNT_V6_KERNEL", "fd99::1"));
    }
    // The kernel's own view of its local port matches what accept reported.
    sockaddr_storage kl{};
    socklen_t kllen = sizeof kl;
    REQUIRE(::getsockname(kfd, reinterpret_cast<sockaddr*>(&kl), &kllen) == 0);
    CHECK(port_of(reinterpret_cast<sockaddr*>(&kl)) == ntohs(p6->sin6_port));

    // Data both ways over the accepted socket.
    const char hello[] = "hello from the kernel";
    REQUIRE(::send(kfd, hello, sizeof hello, 0) == static_cast<ssize_t>(sizeof hello));
    char buf[sizeof hello] = {};
    REQUIRE(recv_exact(afd.get(), buf, sizeof buf));
    CHECK(std::memcmp(buf, hello, sizeof hello) == 0);
    const char reply[] = "hello from the stack";
    REQUIRE(send_all(afd.get(), reply, sizeof reply));
    char kbuf[sizeof reply] = {};
    std::size_t got = 0;
    while (got < sizeof kbuf) {
        const ssize_t n = ::recv(kfd, kbuf + got, sizeof kbuf - got, 0);
        if (n <= 0)
            break;
        got += static_cast<std::size_t>(n);
    }
    CHECK(got == sizeof reply);
    CHECK(std::memcmp(kbuf, reply, sizeof reply) == 0);
    // getsockname of the accepted socket: the stack's address on the port listened on.
    sockaddr_storage local{};
    socklen_t llen = sizeof local;
    REQUIRE(mnet_getsockname(afd.get(), reinterpret_cast<sockaddr*>(&local), &llen) == 0);
    CHECK(port_of(reinterpret_cast<sockaddr*>(&local)) == 8000);
    ::close(kfd);
}

TEST_CASE("stream: shutdown(SHUT_WR) -> the echo peer sees EOF, closes, recv returns 0",
          "[netd][stream]") {
    const int family = GENERATE(AF_INET, AF_INET6);
    StackFd fd = connect_stack(kernel_endpoint(family, kEchoPort));
    REQUIRE(fd);
    const char msg[] = "last words";
    REQUIRE(send_all(fd.get(), msg, sizeof msg));
    REQUIRE(mnet_shutdown(fd.get(), SHUT_WR) == 0);
    std::vector<std::byte> got;
    REQUIRE(recv_until_eof(fd.get(), got, 1 << 16) == static_cast<long>(sizeof msg));
    CHECK(std::memcmp(got.data(), msg, sizeof msg) == 0);
    // EOF stays EOF.
    char c;
    CHECK(mnet_recv(fd.get(), &c, 1, 0) == 0);
    // Sending after SHUT_WR fails with EPIPE (as Linux; MSG_NOSIGNAL semantics).
    errno = 0;
    CHECK(mnet_send(fd.get(), "x", 1, MSG_NOSIGNAL) == -1);
    CHECK(errno == EPIPE);
}

TEST_CASE("stream: MSG_PEEK returns the same bytes twice, then recv consumes them",
          "[netd][stream]") {
    StackFd fd = connect_stack(kernel_endpoint(AF_INET, kEchoPort));
    REQUIRE(fd);
    const char msg[] = "peekaboo";
    const int len = static_cast<int>(sizeof msg - 1);
    REQUIRE(send_all(fd.get(), msg, len));
    REQUIRE(wait_readable(fd.get(), len) >= len);
    char a[32] = {}, b[32] = {}, c[32] = {};
    CHECK(mnet_recv(fd.get(), a, sizeof a, MSG_PEEK) == len);
    CHECK(mnet_recv(fd.get(), b, sizeof b, MSG_PEEK) == len);
    CHECK(std::string(a) == "peekaboo");
    CHECK(std::string(b) == "peekaboo");
    // A shorter peek sees the start only.
    char d[4] = {};
    CHECK(mnet_recv(fd.get(), d, sizeof d, MSG_PEEK) == 4);
    CHECK(std::memcmp(d, "peek", 4) == 0);
    CHECK(mnet_recv(fd.get(), c, sizeof c, 0) == len);
    CHECK(std::string(c) == "peekaboo");
    errno = 0;
    CHECK(mnet_recv(fd.get(), c, sizeof c, MSG_DONTWAIT) == -1);
    CHECK(errno == EAGAIN);
    int avail = -1;
    REQUIRE(mnet_bytes_readable(fd.get(), &avail) == 0);
    CHECK(avail == 0);
}

TEST_CASE("stream: FIONREAD counts waiting bytes and drops to 0 once read", "[netd][stream]") {
    StackFd fd = connect_stack(kernel_endpoint(AF_INET6, kEchoPort));
    REQUIRE(fd);
    int avail = -1;
    REQUIRE(mnet_bytes_readable(fd.get(), &avail) == 0);
    CHECK(avail == 0);
    const auto data = pattern(100, 5); // one segment
    REQUIRE(send_all(fd.get(), data.data(), data.size()));
    avail = wait_readable(fd.get(), static_cast<int>(data.size()));
    CHECK(avail == static_cast<int>(data.size()));
    std::vector<std::byte> got(data.size());
    REQUIRE(recv_exact(fd.get(), got.data(), got.size()));
    CHECK(got == data);
    REQUIRE(mnet_bytes_readable(fd.get(), &avail) == 0);
    CHECK(avail == 0);
}

// FIONREAD and MSG_PEEK are answered from bytes the daemon read ahead (the stack has no peek):
// a count taken while an echo is still arriving must grow with what arrives after it, as Linux
// counts every queued byte.
TEST_CASE("stream: FIONREAD grows as more data arrives", "[netd][stream]") {
    StackFd fd = connect_stack(kernel_endpoint(AF_INET, kEchoPort));
    REQUIRE(fd);
    const auto data = pattern(20000, 6);
    int first = 0;
    // Make the daemon count (and stash) the first bytes before the rest arrive.
    REQUIRE(send_all(fd.get(), data.data(), 1000));
    REQUIRE(wait_readable(fd.get(), 1) > 0);
    REQUIRE(mnet_bytes_readable(fd.get(), &first) == 0);
    REQUIRE(send_all(fd.get(), data.data() + 1000, data.size() - 1000));
    const int avail = wait_readable(fd.get(), static_cast<int>(data.size()));
    INFO("FIONREAD first " << first << ", then " << avail << " of " << data.size());
    CHECK(avail == static_cast<int>(data.size()));
    // Same root cause: a peek sees only the stash, not everything queued.
    std::vector<std::byte> peeked(32768);
    const ssize_t n = mnet_recv(fd.get(), peeked.data(), peeked.size(), MSG_PEEK);
    CHECK(n == static_cast<ssize_t>(data.size()));
    // The bytes themselves all arrive in order either way.
    std::vector<std::byte> got(data.size());
    REQUIRE(recv_exact(fd.get(), got.data(), got.size()));
    CHECK(got == data);
}

TEST_CASE("stream: getsockname / getpeername on a connected socket", "[netd][stream]") {
    const int family = GENERATE(AF_INET, AF_INET6);
    StackFd fd = connect_stack(kernel_endpoint(family, kEchoPort));
    REQUIRE(fd);
    sockaddr_storage local{}, peer{};
    socklen_t llen = sizeof local, plen = sizeof peer;
    REQUIRE(mnet_getsockname(fd.get(), reinterpret_cast<sockaddr*>(&local), &llen) == 0);
    REQUIRE(mnet_getpeername(fd.get(), reinterpret_cast<sockaddr*>(&peer), &plen) == 0);
    const socklen_t want = family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6);
    CHECK(llen == want);
    CHECK(plen == want);
    CHECK(local.ss_family == family);
    CHECK(peer.ss_family == family);
    const char* v4s = "10.99.0.2";
    const char* v6s = "fd99::2";
    CHECK(address_text(reinterpret_cast<sockaddr*>(&local)) ==
          (family == AF_INET ? env_or("MNT_V4_STACK", v4s) : env_or("MNT_V6_STACK", v6s)));
    CHECK(port_of(reinterpret_cast<sockaddr*>(&local)) != 0);
    CHECK(address_text(reinterpret_cast<sockaddr*>(&peer)) ==
          (family == AF_INET ? env_or("MNT_V4_KERNEL", "10.99.0.1")
                             : env_or("MNT_V6_KERNEL", "fd99::1")));
    CHECK(port_of(reinterpret_cast<sockaddr*>(&peer)) == kEchoPort);

    // A short buffer is filled up to its size; the full length is reported (kernel semantics).
    unsigned char small[4];
    std::memset(small, 0xee, sizeof small);
    socklen_t slen = 2;
    REQUIRE(mnet_getpeername(fd.get(), reinterpret_cast<sockaddr*>(small), &slen) == 0);
    CHECK(slen == want);
    CHECK(small[2] == 0xee);

    // An unconnected socket has no peer.
    StackFd lone(mnet_socket(family, SOCK_STREAM, 0));
    REQUIRE(lone);
    plen = sizeof peer;
    errno = 0;
    CHECK(mnet_getpeername(lone.get(), reinterpret_cast<sockaddr*>(&peer), &plen) == -1);
    CHECK(errno == ENOTCONN);
}

TEST_CASE("stream: sendmsg and recvmsg with 3 iovecs", "[netd][stream]") {
    StackFd fd = connect_stack(kernel_endpoint(AF_INET, kEchoPort));
    REQUIRE(fd);
    char p1[] = "abc", p2[] = "defgh", p3[] = "ij";
    iovec out[3] = {{p1, 3}, {p2, 5}, {p3, 2}};
    msghdr m{};
    m.msg_iov = out;
    m.msg_iovlen = 3;
    REQUIRE(mnet_sendmsg(fd.get(), &m, 0) == 10);

    char r1[4] = {}, r2[4] = {}, r3[2] = {};
    iovec in[3] = {{r1, 4}, {r2, 4}, {r3, 2}};
    msghdr rm{};
    rm.msg_iov = in;
    rm.msg_iovlen = 3;
    rm.msg_flags = -1;
    REQUIRE(mnet_recvmsg(fd.get(), &rm, MSG_WAITALL) == 10);
    CHECK(std::string(r1, 4) == "abcd");
    CHECK(std::string(r2, 4) == "efgh");
    CHECK(std::string(r3, 2) == "ij");
    CHECK(rm.msg_flags == 0);

    // writev/readv are the same path.
    iovec wv[2] = {{p3, 2}, {p1, 3}};
    REQUIRE(mnet_writev(fd.get(), wv, 2) == 5);
    char all[5] = {};
    REQUIRE(recv_exact(fd.get(), all, sizeof all));
    CHECK(std::string(all, 5) == "ijabc");
}

} // namespace multios::net::netd_client_test
