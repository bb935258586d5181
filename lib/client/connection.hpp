// A client process's attachment to multios-netd: the Unix socket, the shared segment and the
// request/completion exchange (one request outstanding per process, under a mutex; blocking
// waits happen outside it, on readiness words).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>

#include <multios/net/result.hpp>

#include "netd/protocol.hpp"
#include "netd/segment_layout.hpp"
#include "shm/segment.hpp"

namespace multios::net::client {

class Connection {
  public:
    /// Connects to the daemon at $MULTIOS_NETD (or the default path), presenting `fork_token`
    /// (0: a new client). Errors: ENOENT/ECONNREFUSED (no daemon), EPROTO (another version).
    static Result<std::unique_ptr<Connection>> attach(std::uint64_t fork_token);
    static std::string socket_path();
    ~Connection();

    /// One request/completion exchange; holds the connection's lock for its lifetime.
    class Exchange {
      public:
        explicit Exchange(Connection& c) : conn_(c), lock_(c.mutex_) {}
        /// Where the request's payload goes and the completion's payload arrives.
        std::span<std::byte> data() const { return conn_.view_.data; }
        /// Sends `req`, waits for its completion. `received_fd` gets the eventfd a completion
        /// with kEventFdFollows carries (else -1). ENETDOWN once the daemon is gone.
        Result<netd::Completion> submit(netd::Request req, int* received_fd = nullptr);

      private:
        Connection& conn_;
        std::unique_lock<std::mutex> lock_;
    };

    std::uint32_t readiness(std::uint32_t slot) const;
    std::uint32_t slots() const { return static_cast<std::uint32_t>(view_.readiness.size()); }
    std::uint32_t change_ticket() const { return view_.header->change_wait.ticket(); }
    /// Sleeps until a readiness word changes after `ticket` or `timeout` passes (bounded by a
    /// liveness check of the daemon every 100 ms). False on timeout.
    bool wait_change(std::uint32_t ticket, std::chrono::nanoseconds timeout);
    bool alive();

  private:
    Connection(int fd, shm::SharedSegment seg, netd::SegmentView view);
    bool daemon_present();
    void mark_dead();

    const int fd_;
    shm::SharedSegment segment_;
    netd::SegmentView view_;
    std::mutex mutex_;
    std::uint32_t seq_ = 0;
    std::atomic<bool> dead_{false};
};

} // namespace multios::net::client
