// Processes over libmultios-client: a forked child keeps its parent's stack sockets (fork
// protocol), a killed client loses only its own sockets (the daemon closes them and the kernel
// peer sees EOF/RST), many clients at once.
#include <catch2/catch.hpp>

#include <cerrno>
#include <csignal>
#include <fstream>
#include <sstream>
#include <thread>
#include <unistd.h>

#include <multios/net/client.h>

#include "netd_env.hpp"

namespace multios::net::netd_client_test {

namespace {

using namespace std::chrono_literals;

// The reset reporter's log (kernel_peers.py port 11): "EOF <port>" / "RESET <port>" lines.
bool reporter_saw_end(std::uint16_t port, std::string& word) {
    std::ifstream log(env_or("MNT_RESET_LOG", "/nonexistent"));
    std::string w;
    unsigned p = 0;
    while (log >> w >> p) {
        if (p == port) {
            word = w;
            return true;
        }
    }
    return false;
}

// The child's side of the echo test: a fresh socket, one round trip of `size` bytes.
int child_echo(int family, std::size_t size, std::uint32_t seed) {
    StackFd fd = connect_stack(kernel_endpoint(family, kEchoPort));
    if (!fd)
        return 10;
    const auto data = pattern(size, seed);
    std::vector<std::byte> got(size);
    bool ok_recv = false;
    std::thread reader([&] { ok_recv = recv_exact(fd.get(), got.data(), got.size()); });
    const bool ok_send = send_all(fd.get(), data.data(), data.size());
    reader.join();
    if (!ok_send)
        return 11;
    if (!ok_recv)
        return 12;
    return got == data ? 0 : 13;
}

} // namespace

TEST_CASE("process: a forked child sends on an inherited socket, the parent gets the echo",
          "[netd][process]") {
    StackFd fd = connect_stack(kernel_endpoint(AF_INET, kEchoPort));
    REQUIRE(fd);
    const int sfd = fd.get();
    const pid_t pid = fork_client([sfd] {
        if (mnet_is_socket(sfd) != 1)
            return 20;
        const char msg[] = "from the child";
        if (!send_all(sfd, msg, sizeof msg))
            return 21;
        // The child's close drops only its own reference.
        return mnet_close(sfd) == 0 ? 0 : 22;
    });
    REQUIRE(pid > 0);
    REQUIRE(wait_child(pid, 20s) == 0);
    char buf[sizeof "from the child"] = {};
    REQUIRE(recv_exact(sfd, buf, sizeof buf));
    CHECK(std::string(buf) == "from the child");
    // The parent's socket still works after the child closed its copy and exited.
    REQUIRE(send_all(sfd, "parent", 6));
    char back[6];
    REQUIRE(recv_exact(sfd, back, sizeof back));
    CHECK(std::string(back, 6) == "parent");
}

TEST_CASE("process: a forked child can open sockets of its own", "[netd][process]") {
    const pid_t pid = fork_client([] { return child_echo(AF_INET6, 100000, 3); });
    REQUIRE(pid > 0);
    CHECK(wait_child(pid, 30s) == 0);
    // The parent is unaffected.
    StackFd fd = connect_stack(kernel_endpoint(AF_INET, kEchoPort));
    REQUIRE(fd);
    REQUIRE(send_all(fd.get(), "ok", 2));
    char b[2];
    CHECK(recv_exact(fd.get(), b, 2));
}

TEST_CASE("process: a client killed with SIGKILL loses its socket; the peer sees the end",
          "[netd][process]") {
    int pipefd[2];
    REQUIRE(::pipe(pipefd) == 0);
    const pid_t pid = fork_client([&pipefd] {
        ::close(pipefd[0]);
        StackFd fd = connect_stack(kernel_endpoint(AF_INET, kResetReporterPort));
        if (!fd)
            return 30;
        if (!send_all(fd.get(), "doomed", 6))
            return 31;
        sockaddr_storage local{};
        socklen_t len = sizeof local;
        if (mnet_getsockname(fd.get(), reinterpret_cast<sockaddr*>(&local), &len) != 0)
            return 32;
        const std::uint16_t port = port_of(reinterpret_cast<sockaddr*>(&local));
        if (::write(pipefd[1], &port, sizeof port) != sizeof port)
            return 33;
        for (;;)
            ::pause(); // until SIGKILL
    });
    ::close(pipefd[1]);
    REQUIRE(pid > 0);
    std::uint16_t port = 0;
    const ssize_t n = ::read(pipefd[0], &port, sizeof port);
    ::close(pipefd[0]);
    if (n != sizeof port)
        INFO("child exit code " << wait_child(pid, 5s));
    REQUIRE(n == sizeof port);
    REQUIRE(port != 0);
    std::string word;
    CHECK_FALSE(reporter_saw_end(port, word));
    REQUIRE(::kill(pid, SIGKILL) == 0);
    CHECK(wait_child(pid, 5s) == 128 + SIGKILL);
    // The daemon notices the dead client (its Unix socket closes) and closes its socket.
    const auto start = std::chrono::steady_clock::now();
    bool ended = false;
    while (!(ended = reporter_saw_end(port, word)) && seconds_since(start) < 15)
        std::this_thread::sleep_for(100ms);
    INFO("local port " << port << ", waited " << seconds_since(start) << " s");
    CHECK(ended);
    CHECK((word == "EOF" || word == "RESET"));
    // The daemon still serves this process.
    StackFd fd = connect_stack(kernel_endpoint(AF_INET, kEchoPort));
    REQUIRE(fd);
    REQUIRE(send_all(fd.get(), "alive", 5));
    char b[5];
    CHECK(recv_exact(fd.get(), b, 5));
}

TEST_CASE("process: killing a child that inherited a socket leaves the parent's socket open",
          "[netd][process]") {
    StackFd fd = connect_stack(kernel_endpoint(AF_INET6, kEchoPort));
    REQUIRE(fd);
    const int sfd = fd.get();
    int pipefd[2];
    REQUIRE(::pipe(pipefd) == 0);
    const pid_t pid = fork_client([sfd, &pipefd] {
        ::close(pipefd[0]);
        // Use the inherited socket once, then wait to be killed without closing it.
        if (!send_all(sfd, "child", 5))
            return 40;
        const char ready = 'r';
        if (::write(pipefd[1], &ready, 1) != 1)
            return 41;
        for (;;)
            ::pause();
    });
    ::close(pipefd[1]);
    REQUIRE(pid > 0);
    char r = 0;
    REQUIRE(::read(pipefd[0], &r, 1) == 1);
    ::close(pipefd[0]);
    REQUIRE(::kill(pid, SIGKILL) == 0);
    CHECK(wait_child(pid, 5s) == 128 + SIGKILL);
    // Give the daemon time to notice the death (its liveness check runs every 200 ms).
    std::this_thread::sleep_for(1s);
    char buf[5];
    REQUIRE(recv_exact(sfd, buf, sizeof buf));
    CHECK(std::string(buf, 5) == "child");
    REQUIRE(send_all(sfd, "after", 5));
    REQUIRE(recv_exact(sfd, buf, sizeof buf));
    CHECK(std::string(buf, 5) == "after");
}

TEST_CASE("process: a fork before any stack call attaches the child afresh", "[netd][process]") {
    // The child of a process that has a connection but hands over no sockets still works.
    const pid_t pid = fork_client([] {
        StackFd fd(mnet_socket(AF_INET, SOCK_DGRAM, 0));
        if (!fd)
            return 50;
        return mnet_close(fd.release()) == 0 ? 0 : 51;
    });
    REQUIRE(pid > 0);
    CHECK(wait_child(pid, 20s) == 0);
}

TEST_CASE("process: a killed client's listener is reclaimed: its port can be bound again",
          "[netd][process]") {
    constexpr std::uint16_t kPort = 8003;
    int pipefd[2];
    REQUIRE(::pipe(pipefd) == 0);
    const pid_t pid = fork_client([&pipefd] {
        ::close(pipefd[0]);
        StackFd lfd(mnet_socket(AF_INET, SOCK_STREAM, 0));
        const Endpoint any = make_endpoint(AF_INET, "0.0.0.0", kPort);
        if (!lfd || mnet_bind(lfd.get(), any.sa(), any.len) != 0 || mnet_listen(lfd.get(), 4) != 0)
            return 60;
        const char ready = 'r';
        if (::write(pipefd[1], &ready, 1) != 1)
            return 61;
        for (;;)
            ::pause();
    });
    ::close(pipefd[1]);
    REQUIRE(pid > 0);
    char r = 0;
    const ssize_t n = ::read(pipefd[0], &r, 1);
    ::close(pipefd[0]);
    REQUIRE(n == 1);
    // While the child lives, the port is taken (this stack reports it at listen(), Linux
    // already at bind(): accept either).
    {
        StackFd busy(mnet_socket(AF_INET, SOCK_STREAM, 0));
        const Endpoint any = make_endpoint(AF_INET, "0.0.0.0", kPort);
        errno = 0;
        const bool taken =
            mnet_bind(busy.get(), any.sa(), any.len) == -1 || mnet_listen(busy.get(), 4) == -1;
        CHECK(taken);
        CHECK(errno == EADDRINUSE);
    }
    REQUIRE(::kill(pid, SIGKILL) == 0);
    CHECK(wait_child(pid, 5s) == 128 + SIGKILL);
    const auto start = std::chrono::steady_clock::now();
    bool bound = false;
    while (!bound && seconds_since(start) < 10) {
        StackFd again(mnet_socket(AF_INET, SOCK_STREAM, 0));
        const Endpoint any = make_endpoint(AF_INET, "0.0.0.0", kPort);
        bound = mnet_bind(again.get(), any.sa(), any.len) == 0 && mnet_listen(again.get(), 4) == 0;
        if (!bound)
            std::this_thread::sleep_for(100ms);
    }
    INFO("waited " << seconds_since(start) << " s");
    CHECK(bound);
}

TEST_CASE("process: 8 clients at once, each an echo round trip", "[netd][process]") {
    constexpr int kClients = 8;
    std::vector<pid_t> pids;
    for (int i = 0; i < kClients; ++i) {
        const int family = i % 2 == 0 ? AF_INET : AF_INET6;
        const pid_t pid = fork_client(
            [family, i] { return child_echo(family, 256 * 1024, static_cast<std::uint32_t>(i)); });
        REQUIRE(pid > 0);
        pids.push_back(pid);
    }
    int passed = 0;
    for (int i = 0; i < kClients; ++i) {
        const int rc = wait_child(pids[static_cast<std::size_t>(i)], 60s);
        INFO("client " << i << " exit code " << rc);
        CHECK(rc == 0);
        passed += rc == 0 ? 1 : 0;
    }
    CHECK(passed == kClients);
}

} // namespace multios::net::netd_client_test
