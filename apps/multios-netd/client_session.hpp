// One attached client process: its shared-memory segment, its socket slots, and the thread that
// serves its requests. Every stack call the client makes arrives as a Request and is run as a
// non-blocking Socket call (blocking is the client library's business, on readiness words), so
// one thread serves all of a client's sockets and never stalls on one of them.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <thread>

#include "fork_tokens.hpp"
#include "netd/protocol.hpp"
#include "netd/segment_layout.hpp"
#include "shm/segment.hpp"
#include "socket_registry.hpp"

namespace multios::net::netd {

class ClientSession {
  public:
    /// Builds the client's segment, adopts the sockets of hello.fork_token if any, and sends
    /// the Welcome with the memfd over `unix_fd`, which it owns from the call on (closed on
    /// failure too).
    static Result<std::unique_ptr<ClientSession>>
    attach(SocketRegistry& registry, ForkTokens& forks, int unix_fd, const Hello& hello);
    ~ClientSession();
    ClientSession(const ClientSession&) = delete;
    ClientSession& operator=(const ClientSession&) = delete;

    void start();
    /// The client went away (or the daemon stops) and the thread ended.
    bool finished() const { return finished_.load(); }
    /// Daemon shutdown: tells the client, stops the thread.
    void shut_down();
    /// Called under the socket's mutex by the registry: the slot's readiness changed.
    void publish(std::uint32_t slot, std::uint32_t bits);
    std::uint32_t pid() const { return pid_; }

  private:
    ClientSession(SocketRegistry& registry, ForkTokens& forks, int unix_fd, shm::SharedSegment seg,
                  SegmentView view, std::uint32_t pid);
    void run();
    bool wait_for_request();
    bool client_alive() const;
    void serve(const Request& req);
    Completion handle(const Request& req);
    void drop_all_slots();

    // Operations (request_handlers.cpp). `s` is the slot's socket.
    Completion op_socket(const Request& req);
    Completion op_accept(const Request& req, StackSocket& s);
    Completion op_connect(const Request& req, StackSocket& s);
    Completion op_send(const Request& req, StackSocket& s);
    Completion op_recv(const Request& req, StackSocket& s);
    Completion op_close(const Request& req);
    Completion op_fork_prepare();
    Completion op_set_option(const Request& req, StackSocket& s);
    Completion op_get_option(const Request& req, StackSocket& s);
    Completion op_bytes_readable(StackSocket& s);
    Completion op_name(StackSocket& s, bool peer);
    /// Puts `sock` in the lowest free slot, sends its eventfd to the client.
    Result<std::uint32_t> install(const std::shared_ptr<StackSocket>& sock);
    std::span<std::byte> data() const { return view_.data; }

    SocketRegistry& registry_;
    ForkTokens& forks_;
    const int unix_fd_;
    shm::SharedSegment segment_;
    SegmentView view_;
    const std::uint32_t pid_;
    SlotTable slots_;
    std::atomic<bool> stop_{false};
    std::atomic<bool> finished_{false};
    std::thread thread_;
};

} // namespace multios::net::netd
