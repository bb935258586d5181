// Berkeley-style sockets over a NetworkStack: TCP streams, UDP datagrams, raw IP.
//
//   Socket socket(SocketType::Stream);                  // on the default stack
//   socket.connect(SocketAddress::parse("192.168.1.100:80").value()).value();
//   socket.send("GET / HTTP/1.1\r\n\r\n").value();
//   std::array<std::byte, 1024> buffer;
//   std::size_t n = socket.recv(buffer).value();        // 0 = the peer closed
//
// Every call that can fail returns Result<T>; errors are errno values (ECONNREFUSED,
// ETIMEDOUT, EAGAIN, ...). Calls block by default (the calling thread sleeps; the lcores never
// do) and honour the receive/send timeouts; set_nonblocking(true) makes them return EAGAIN
// (connect: EINPROGRESS) instead. Threading: docs/api.md.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <utility>

#include <multios/net/result.hpp>
#include <multios/net/socket_address.hpp>

namespace multios::net {

class NetworkStack;

enum class SocketType {
    Stream,   ///< TCP
    Datagram, ///< UDP
    Raw,      ///< Raw IPv4/IPv6 by protocol number (Linux raw(7) header rules)
};

enum class AddressFamily { IPv4, IPv6 };

enum class ShutdownHow { Read, Write, Both };

/// TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT.
struct KeepaliveOptions {
    std::chrono::seconds idle{7200};
    std::chrono::seconds interval{75};
    unsigned count = 9;
};

/// TCP_INFO-like statistics of a connection.
struct TcpStats {
    std::string_view state; ///< "ESTABLISHED", "TIME-WAIT", ...
    std::string_view congestion;
    std::uint32_t snd_mss = 0, rcv_mss = 0;
    std::uint32_t cwnd = 0, ssthresh = 0; ///< Bytes.
    std::chrono::microseconds rtt{0}, rttvar{0}, rto{0}, min_rtt{0};
    std::uint32_t snd_wnd = 0, rcv_wnd = 0;
    std::uint64_t bytes_sent = 0, bytes_retrans = 0, bytes_acked = 0, bytes_received = 0;
    std::uint64_t segs_out = 0, segs_in = 0, data_segs_out = 0, data_segs_in = 0;
    std::uint64_t total_retrans = 0;
    std::uint32_t unacked = 0;
};

class Socket {
  public:
    /// No socket (is_open() false): a place to move one into later.
    Socket() noexcept = default;
    /// On the default stack (NetworkStack::default_stack()). `protocol`: for Raw the IP
    /// protocol number (1 ICMP, 58 ICMPv6, ...); ignored otherwise. A socket made before any
    /// stack started is invalid: every call returns ENETDOWN.
    explicit Socket(SocketType type, int protocol = 0);
    /// Raw sockets of a protocol other than ICMP/ICMPv6 name their family.
    Socket(SocketType type, AddressFamily family, int protocol);
    Socket(NetworkStack& stack, SocketType type, int protocol = 0);
    Socket(NetworkStack& stack, SocketType type, AddressFamily family, int protocol);
    /// Closes (as close()) if still open.
    ~Socket();
    Socket(Socket&& other) noexcept;
    Socket& operator=(Socket&& other) noexcept;
    Socket(const Socket&) = delete;
    Socket& operator=(const Socket&) = delete;

    SocketType type() const;
    /// False after close() and for a moved-from socket.
    bool is_open() const;

    Result<void> bind(const SocketAddress& local);
    /// Stream: starts listening (on every lcore; the connections are spread by flow).
    Result<void> listen(int backlog = 128);
    /// The next connection (blocking unless non-blocking: EAGAIN) and its peer's address.
    Result<std::pair<Socket, SocketAddress>> accept();
    /// Stream: the three-way handshake (ECONNREFUSED, ETIMEDOUT, ENETUNREACH; non-blocking:
    /// EINPROGRESS, then writable readiness and error() give the outcome; the send timeout
    /// bounds a blocking connect). Datagram/Raw: fixes the peer for send()/recv().
    Result<void> connect(const SocketAddress& remote);

    /// Bytes taken (all of them for a blocking stream socket unless interrupted by a timeout
    /// after some were taken, or an error). EPIPE after shutdown(Write) or the peer's reset
    /// (ECONNRESET), EAGAIN when nothing could be queued without blocking.
    Result<std::size_t> send(std::span<const std::byte> data);
    Result<std::size_t> send(std::string_view text);
    /// Bytes received; 0 = the peer closed (stream) or an empty datagram. EAGAIN
    /// (non-blocking or timeout), ECONNRESET, ETIMEDOUT after the connection failed.
    Result<std::size_t> recv(std::span<std::byte> buffer);
    /// Datagram/Raw: one datagram to `to` (EMSGSIZE when too large for IP).
    Result<std::size_t> send_to(std::span<const std::byte> data, const SocketAddress& to);
    /// Datagram/Raw: one datagram (truncated to the buffer, like recvfrom) and its source.
    /// For IPv4 raw sockets the data starts with the IP header; raw addresses have port 0.
    Result<std::pair<std::size_t, SocketAddress>> recv_from(std::span<std::byte> buffer);

    Result<void> shutdown(ShutdownHow how = ShutdownHow::Both);
    /// Releases the socket. A stream connection finishes sending what was queued, then FIN
    /// (or RST with linger 0; with linger > 0 close waits up to that long for the data to be
    /// acknowledged). Other threads blocked on this socket return EBADF.
    Result<void> close();

    Result<SocketAddress> local_address() const;
    Result<SocketAddress> peer_address() const;
    /// SO_ERROR: the pending error (e.g. of a non-blocking connect), cleared by reading it.
    std::error_code error();

    // Options (SOL_SOCKET, IPPROTO_TCP, IPPROTO_IP/IPV6 equivalents).
    Result<void> set_nonblocking(bool on);
    bool nonblocking() const;
    /// SO_RCVTIMEO / SO_SNDTIMEO; zero (the default) or a century or more = no timeout. Blocking
    /// calls that run out of time return EAGAIN (connect: EINPROGRESS, as on Linux; the handshake
    /// goes on).
    Result<void> set_receive_timeout(std::chrono::milliseconds timeout);
    Result<void> set_send_timeout(std::chrono::milliseconds timeout);
    Result<void> set_reuse_address(bool on);
    Result<void> set_reuse_port(bool on);
    Result<void> set_keepalive(bool on);
    Result<void> set_keepalive_options(const KeepaliveOptions& options);
    /// SO_LINGER: nullopt = off (the default); 0 = close() resets; > 0 = close() waits.
    Result<void> set_linger(std::optional<std::chrono::seconds> linger);
    /// SO_RCVBUF / SO_SNDBUF in bytes (at least 4096); apply to connections opened after.
    Result<void> set_receive_buffer(std::size_t bytes);
    Result<void> set_send_buffer(std::size_t bytes);
    std::size_t receive_buffer() const;
    std::size_t send_buffer() const;
    Result<void> set_nodelay(bool on);
    /// IP_TTL / IPV6_UNICAST_HOPS (1..255).
    Result<void> set_ttl(int ttl);
    /// IPV6_V6ONLY (before bind).
    Result<void> set_v6only(bool on);
    /// IP_HDRINCL (IPv4 raw sockets).
    Result<void> set_header_included(bool on);
    /// TCP_INFO (stream sockets with a connection).
    Result<TcpStats> tcp_info() const;
    /// What a Poller would report now (poll_event bits from <multios/net/poller.hpp>): for
    /// code that mirrors readiness elsewhere (multios-netd). A closed socket: error | hangup.
    std::uint32_t readiness() const;

    /// For the Poller and the stack implementation.
    struct Core;
    Core* core() const { return core_.get(); }

  private:
    Socket(std::shared_ptr<Core> core);
    std::shared_ptr<Core> core_;
};

} // namespace multios::net
