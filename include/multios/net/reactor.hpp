// Callbacks on socket readiness, for event-driven integrations (the Boost.Asio sockets in
// <multios/net/asio.hpp> use it): one thread per stack waits on a Poller and calls back when
// a socket becomes readable or writable. Callbacks run on that thread and must be short
// (post the real work elsewhere).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include <multios/net/result.hpp>

namespace multios::net {

class NetworkStack;
class Socket;

class ReadinessReactor {
  public:
    /// The reactor of `stack` (nullptr: the default stack), started on first use. nullptr
    /// when there is no such running stack.
    static ReadinessReactor* of(NetworkStack* stack = nullptr);

    /// Calls `fn(true)` once when `socket` is ready for `events` (poll_event::kReadable or
    /// kWritable; errors and hang-ups count as ready), or `fn(false)` if cancelled first.
    /// One callback per direction per socket: a second one for the same direction replaces
    /// (and cancels) the first. The Socket object must stay where it is (not be moved or
    /// destroyed) while a callback is pending; cancel() first.
    Result<void> when_ready(Socket& socket, std::uint32_t events, std::function<void(bool)> fn);
    /// Cancels the socket's callbacks (each called with false) and forgets it.
    void cancel(Socket& socket);

    ~ReadinessReactor();
    struct Impl;

  private:
    explicit ReadinessReactor(NetworkStack& stack);
    std::unique_ptr<Impl> impl_;
};

} // namespace multios::net
