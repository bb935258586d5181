// Helpers of the socket API tests: the test network's addresses (from the environment the
// script sets), byte conversions, exact reads, and kernel-side commands run in the namespace.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <multios/net.hpp>

namespace multios::net::api_test {

enum class Family { V4, V6 };

/// $name, or `fallback` when unset.
std::string env_or(const char* name, const char* fallback);
/// The kernel's / the stack's address of one family on the test network, with a port.
SocketAddress kernel_at(Family f, std::uint16_t port);
SocketAddress stack_at(Family f, std::uint16_t port);
/// The file where kernel_peers.py's reset reporter (port 11) writes "RESET port" / "EOF port".
std::string reset_log_path();

std::span<const std::byte> as_bytes(std::string_view text);
std::string as_text(std::span<const std::byte> data);

/// The errno of a failed Result, 0 for success.
template <class T>
int err(const Result<T>& r) {
    return r.error().value();
}

/// Reads until `n` bytes arrived, the peer closed or an error (or `limit` passed).
std::string recv_exact(Socket& s, std::size_t n,
                       std::chrono::milliseconds limit = std::chrono::seconds(5));

/// Runs a shell command (inside the test namespace, like this process) and returns its
/// standard output; `status` gets the exit code.
std::string run_command(const std::string& command, int* status = nullptr);

/// Waits (up to `limit`) for a line "<word> <port>" in the reset reporter's log; the word
/// found ("RESET", "EOF") or "" on timeout.
std::string wait_reset_log(std::uint16_t port, std::chrono::milliseconds limit);

/// Milliseconds since `start`.
double elapsed_ms(std::chrono::steady_clock::time_point start);

} // namespace multios::net::api_test
