// Hidden cases that test/integration/netd_client.sh runs on their own, around the daemon's
// life: a client blocked in recv when the daemon stops ([.daemon-stop]), and a process with no
// daemon at all ([.no-daemon]). Neither may hang; both must fail with a clear errno.
#include <catch2/catch.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <sys/stat.h>

#include <multios/net/client.h>

#include "netd_env.hpp"

namespace multios::net::netd_client_test {

namespace {

// Wall-clock seconds since the file's modification (the script touches it right before it
// sends SIGTERM to the daemon); negative when it does not exist.
double seconds_since_touched(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        return -1;
    timespec now{};
    ::clock_gettime(CLOCK_REALTIME, &now);
    return static_cast<double>(now.tv_sec - st.st_mtim.tv_sec) +
           static_cast<double>(now.tv_nsec - st.st_mtim.tv_nsec) / 1e9;
}

} // namespace

TEST_CASE("daemon stop: a blocked recv returns ENETDOWN, later calls fail fast", "[.daemon-stop]") {
    const std::string stop_file = env_or("NETD_STOP_FILE", "");
    REQUIRE_FALSE(stop_file.empty());
    StackFd fd = connect_stack(kernel_endpoint(AF_INET, kSinkPort));
    REQUIRE(fd);
    std::printf("netd-client-tests: blocked in recv\n");
    std::fflush(stdout);
    char c;
    errno = 0;
    const ssize_t n = mnet_recv(fd.get(), &c, 1, 0);
    const int err = errno;
    const double after_stop = seconds_since_touched(stop_file);
    std::printf("netd-client-tests: recv returned %zd (%s) %.3f s after the stop\n", n,
                std::strerror(err), after_stop);
    CHECK(n == -1);
    CHECK(err == ENETDOWN);
    REQUIRE(after_stop >= 0); // the daemon was stopped (recv did not return before)
    CHECK(after_stop < 2.5);

    // Every later call fails at once: on the dead socket and for a new one.
    const auto start = std::chrono::steady_clock::now();
    errno = 0;
    CHECK(mnet_send(fd.get(), "x", 1, 0) == -1);
    CHECK(errno == ENETDOWN);
    errno = 0;
    CHECK(mnet_recv(fd.get(), &c, 1, 0) == -1);
    CHECK(errno == ENETDOWN);
    errno = 0;
    CHECK(mnet_socket(AF_INET, SOCK_STREAM, 0) == -1);
    CHECK(errno == ENETDOWN);
    // Readiness reports the error so poll loops wake up and try (and fail).
    CHECK((mnet_readiness(fd.get()) & (MNET_ERROR | MNET_HANGUP)) != 0);
    pollfd p{fd.get(), POLLIN, 0};
    CHECK(mnet_poll(&p, 1, 1000) == 1);
    CHECK(seconds_since(start) < 0.5);
    // Closing still releases the kernel fd.
    CHECK(mnet_close(fd.release()) == 0);
}

TEST_CASE("no daemon: mnet_socket fails with ECONNREFUSED or ENOENT, quickly", "[.no-daemon]") {
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < 3; ++i) {
        errno = 0;
        CHECK(mnet_socket(AF_INET, SOCK_STREAM, 0) == -1);
        const int err = errno;
        INFO("errno " << err << " (" << std::strerror(err) << ")");
        CHECK((err == ECONNREFUSED || err == ENOENT));
    }
    errno = 0;
    CHECK(mnet_attach() == -1);
    CHECK((errno == ECONNREFUSED || errno == ENOENT));
    // AF_UNIX is refused without asking any daemon.
    errno = 0;
    CHECK(mnet_socket(AF_UNIX, SOCK_STREAM, 0) == -1);
    CHECK(errno == EAFNOSUPPORT);
    CHECK(seconds_since(start) < 2);
}

} // namespace multios::net::netd_client_test
