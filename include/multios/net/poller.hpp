// Readiness for many sockets at once, in the manner of epoll: register sockets with the events
// of interest, then wait for some to become ready. Level-triggered registrations are reported
// while the condition holds; edge-triggered ones once per change (after new data, new room,
// a new connection, an error); one-shot ones once, then disabled until modify().
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>

#include <multios/net/result.hpp>

namespace multios::net {

class NetworkStack;
class Socket;

namespace poll_event {
inline constexpr std::uint32_t kReadable = 1u << 0;   ///< Data, a connection, EOF or an error
inline constexpr std::uint32_t kWritable = 1u << 1;   ///< Room to send; a connect finished
inline constexpr std::uint32_t kError = 1u << 2;      ///< Always reported
inline constexpr std::uint32_t kHangup = 1u << 3;     ///< Both directions closed; always reported
inline constexpr std::uint32_t kReadHangup = 1u << 4; ///< The peer sent FIN
} // namespace poll_event

enum class Trigger { Level, Edge, OneShot };

struct PollEvent {
    std::uint64_t user_data = 0;
    std::uint32_t events = 0;
};

class Poller {
  public:
    /// On the default stack; ENETDOWN from every call if none runs.
    Poller();
    explicit Poller(NetworkStack& stack);
    ~Poller();
    Poller(const Poller&) = delete;
    Poller& operator=(const Poller&) = delete;

    /// EEXIST if already registered here; EBUSY if registered with another Poller (a socket
    /// belongs to one Poller at a time); EBADF for a closed socket.
    Result<void> add(Socket& socket, std::uint32_t events, std::uint64_t user_data,
                     Trigger trigger = Trigger::Level);
    Result<void> modify(Socket& socket, std::uint32_t events, std::uint64_t user_data,
                        Trigger trigger = Trigger::Level);
    /// ENOENT if not registered. Closing a socket removes it too.
    Result<void> remove(Socket& socket);
    /// Fills `out` with ready sockets; returns how many (0 on timeout). nullopt, a negative
    /// timeout (epoll_wait's -1) or one of a century or more: wait forever; zero: do not
    /// wait. One thread waits at a time; others may add, modify and
    /// remove meanwhile (the waiter sees their changes at once).
    Result<std::size_t> wait(std::span<PollEvent> out,
                             std::optional<std::chrono::milliseconds> timeout = std::nullopt);
    std::size_t size() const;

    struct Impl;

  private:
    std::unique_ptr<Impl> impl_;
};

} // namespace multios::net
