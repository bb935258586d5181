// Helpers of the socket API tests (api_env.hpp).
#include "api_env.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <sys/wait.h>
#include <thread>

namespace multios::net::api_test {

std::string env_or(const char* name, const char* fallback) {
    const char* v = std::getenv(name);
    return v != nullptr && *v != '\0' ? v : fallback;
}

namespace {

SocketAddress address_with_port(const std::string& ip, std::uint16_t port) {
    auto a = IpAddress::parse(ip);
    REQUIRE(a.has_value());
    return SocketAddress{*a, port};
}

} // namespace

SocketAddress kernel_at(Family f, std::uint16_t port) {
    return address_with_port(f == Family::V4 ? env_or("MNT_V4_KERNEL", "10.99.0.1")
                                             : env_or("MNT_V6_KERNEL", "fd99::1"),
                             port);
}

SocketAddress stack_at(Family f, std::uint16_t port) {
    return address_with_port(f == Family::V4 ? env_or("MNT_V4_STACK", "10.99.0.2")
                                             : env_or("MNT_V6_STACK", "fd99::2"),
                             port);
}

std::string reset_log_path() {
    return env_or("MNT_RESET_LOG", "/tmp/mnt-api-reset.log");
}

std::span<const std::byte> as_bytes(std::string_view text) {
    return {reinterpret_cast<const std::byte*>(text.data()), text.size()};
}

std::string as_text(std::span<const std::byte> data) {
    return {reinterpret_cast<const char*>(data.data()), data.size()};
}

double elapsed_ms(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
        .count();
}

std::string recv_exact(Socket& s, std::size_t n, std::chrono::milliseconds limit) {
    std::string out;
    std::array<std::byte, 4096> buf;
    const auto start = std::chrono::steady_clock::now();
    while (out.size() < n && elapsed_ms(start) < static_cast<double>(limit.count())) {
        const std::size_t want = std::min(buf.size(), n - out.size());
        auto r = s.recv(std::span(buf).first(want));
        if (!r) {
            if (err(r) == EAGAIN)
                continue; // a receive timeout set by the test; try again until `limit`
            break;
        }
        if (*r == 0)
            break;
        out += as_text(std::span(buf).first(*r));
    }
    return out;
}

std::string run_command(const std::string& command, int* status) {
    std::string out;
    FILE* p = ::popen(command.c_str(), "r");
    if (p == nullptr) {
        if (status != nullptr)
            *status = -1;
        return out;
    }
    std::array<char, 4096> buf;
    std::size_t n = 0;
    while ((n = std::fread(buf.data(), 1, buf.size(), p)) != 0)
        out.append(buf.data(), n);
    const int rc = ::pclose(p);
    if (status != nullptr)
        *status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
    return out;
}

std::string wait_reset_log(std::uint16_t port, std::chrono::milliseconds limit) {
    const auto start = std::chrono::steady_clock::now();
    // Built by append: `" " + std::to_string(port)` trips g++ 12's -Wrestrict at -O3.
    std::string suffix(1, ' ');
    suffix += std::to_string(port);
    while (elapsed_ms(start) < static_cast<double>(limit.count())) {
        std::ifstream in(reset_log_path());
        std::string line;
        while (std::getline(in, line)) {
            if (line.size() > suffix.size() &&
                line.compare(line.size() - suffix.size(), suffix.size(), suffix) == 0)
                return line.substr(0, line.size() - suffix.size());
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return "";
}

} // namespace multios::net::api_test
