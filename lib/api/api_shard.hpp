// The socket API's work on one lcore: moves bytes between sockets' rings and the shard's
// StackCore, turns TCP events into socket state, accepts connections for listeners, delivers
// datagrams, and signals application threads and pollers. Runs inside the lcore's poll loop
// (PollLoop::app_work); only schedule() may be called from other threads.
#pragma once

#include <memory>
#include <unordered_map>
#include <vector>

#include <multios/net/time.hpp>

#include "api/intrusive_mpsc.hpp"
#include "api/socket_core.hpp"
#include "pmd_glue/lcore_runtime.hpp"

namespace multios::net::api {

class ApiShard {
  public:
    using Core = Socket::Core;

    ApiShard(unsigned lcore, glue::Shard& shard);

    unsigned lcore() const { return lcore_; }
    StackCore& stack() { return stack_; }

    /// Any thread: queue `s` for service on this lcore and wake the lcore.
    void schedule(Core& s);
    /// The lcore: one round of work; true when something moved.
    bool work(Instant now);

    // Lcore thread only (from Engine::call messages).
    /// Keeps `s` alive while the lcore may still touch it; released when done with.
    void adopt(std::shared_ptr<Core> s);
    void attach_connection(Core& s, TcpConnId c);
    void attach_listener(Core& s, TcpListenerId l);
    void detach_listener(TcpListenerId l, Instant now);
    /// UDP or raw socket `id` of this lcore's stack (by s.type).
    void attach_datagram(Core& s, std::uint32_t id);
    void detach_datagram(const Core& s, std::uint32_t id);
    /// Serves `s` now (used right after a request changed it).
    void service(Core& s, Instant now);
    /// At stack stop: every socket learns the stack is down (their calls return ENETDOWN).
    void mark_all_down();
    /// After the lcores stopped: drops every reference to sockets (they may outlive the stack).
    void release_all();

  private:
    bool drain_requests(Instant now);
    bool take_tcp_events(Instant now);
    void on_connection_events(Core& s, std::uint32_t events, Instant now);
    void on_listener_ready(Core& listener, TcpListenerId id, Instant now);
    bool retry_blocked_listeners(Instant now);
    bool pump_rx(Core& s, Instant now);
    bool pump_tx(Core& s, Instant now);
    void serve_stream(Core& s, Instant now);
    void close_stream(Core& s, Instant now);
    bool check_lingering(Instant now);
    /// The connection is finished with: handle released, socket marked gone.
    void release_connection(Core& s, Instant now, bool abort);
    bool send_datagrams(Core& s, Instant now);
    bool receive_datagrams();
    void deliver_datagram(Core& s, const SocketAddress& from, std::span<const std::byte> payload);
    void reap();

    unsigned lcore_;
    glue::Shard& shard_;
    StackCore& stack_;
    IntrusiveMpsc<Core, &Core::service_next> requests_;
    std::unordered_map<TcpConnId, Core*> by_conn_;
    std::unordered_map<TcpListenerId, Core*> by_listener_;
    std::unordered_map<UdpSocketId, Core*> by_udp_;
    std::unordered_map<RawSocketId, Core*> by_raw_;
    std::vector<Core*> blocked_listeners_;
    std::vector<Core*> lingering_;
    std::vector<std::shared_ptr<Core>> owned_;
    std::uint64_t rounds_ = 0;
    /// One datagram being sent (allocated once, not per datagram).
    std::vector<std::byte> datagram_scratch_ = std::vector<std::byte>(65536);
};

/// Wakes application threads waiting on `s` and queues it on its Poller (if any).
void notify_socket(Socket::Core& s);

} // namespace multios::net::api
