// Every stack socket the daemon serves, by id, and the readiness thread: one Poller over all of
// them (edge-triggered: idle sockets cost nothing); on a change it recomputes the socket's
// poll bits, sets its eventfd and publishes the bits to each client slot that refers to it.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>

#include <multios/net/network_stack.hpp>
#include <multios/net/poller.hpp>

#include "stack_socket.hpp"

namespace multios::net::netd {

class SocketRegistry {
  public:
    explicit SocketRegistry(NetworkStack& stack);
    ~SocketRegistry();

    NetworkStack& stack() { return stack_; }
    /// Takes over `s` (made non-blocking here): creates its eventfd and watches it.
    Result<std::shared_ptr<StackSocket>> adopt(Socket s, int domain, int type);
    /// One more reference (a client slot, a fork snapshot).
    void retain(StackSocket& s);
    /// Drops a reference; the last one closes the socket (peer sees FIN, or RST with unread
    /// data) and its eventfd.
    void release(const std::shared_ptr<StackSocket>& s);

    /// Recomputes and publishes `s`'s readiness (after an operation that may have changed it).
    void refresh(StackSocket& s);
    void subscribe(StackSocket& s, ClientSession* client, std::uint32_t slot);
    void unsubscribe(StackSocket& s, ClientSession* client, std::uint32_t slot);

    /// Starts / stops the readiness thread.
    void start();
    void stop();

  private:
    void run();
    std::shared_ptr<StackSocket> find(std::uint64_t id);
    void refresh_locked(StackSocket& s);

    NetworkStack& stack_;
    Poller poller_;
    std::mutex mutex_;
    std::unordered_map<std::uint64_t, std::shared_ptr<StackSocket>> sockets_;
    std::uint64_t next_id_ = 1;
    std::atomic<bool> stopping_{false};
    std::thread thread_;
};

/// poll(2) bits for a socket's poll_event bits plus what the daemon itself holds (peeked data).
std::uint32_t poll_bits(std::uint32_t events, bool stashed);

} // namespace multios::net::netd
