// The sans-IO stack: interfaces, Ethernet demux, ARP/NDP, IPv4/IPv6 with fragmentation and
// reassembly, ICMP, UDP, TCP sockets and a ping client. Fed frames and time; writes frames to a
// FrameSink. Not thread-safe: one owner thread; instances share nothing mutable.
//
// Multi-core (issue 4): the runtime runs one StackCore per lcore, a "shard" with its own
// connection table, timers, ARP/NDP caches and counters; they never call each other. A shard
// only sees the flows it owns: frames are steered to the owner of their 4-tuple
// (StackConfig::steering, the same Toeplitz/RETA decision as NIC RSS). Four rules keep the
// shards consistent without shared state:
//  - Neighbor state is per-shard and converges by message passing: the lcore that receives an
//    ARP/NDP frame handles it (receive), every other lcore gets a learn-only copy
//    (receive_replica) that updates caches, addresses and routers but answers nothing.
//  - Active opens pick an ephemeral port whose tuple the steering maps to this shard, so the
//    peer's replies arrive here.
//  - A TCP segment owned by another shard that matches nothing here (only possible for IP
//    fragments, which are steered by addresses) is dropped, never reset (TcpNotOwner).
//  - Unsolicited start-up traffic (gratuitous ARP, DAD probes, Router Solicitations, MLD
//    reports) leaves from one shard, the speaker (StackConfig::speaker); the others run DAD
//    silently and learn its outcome, and the routers, from replicas.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <multios/net/address.hpp>
#include <multios/net/result.hpp>
#include <multios/net/time.hpp>

#include "common/datagram_handoff.hpp"
#include "common/drop_reason.hpp"
#include "common/frame_sink.hpp"
#include "common/interface_info.hpp"
#include "stack/function_ref.hpp"
#include "stack/packet_processor.hpp"
#include "steer/flow_steering.hpp"
#include "tcp/connection.hpp"

namespace multios::net {

struct InterfaceConfig {
    std::string name;
    MacAddress mac;
    std::uint16_t mtu = 1500;
    std::vector<IpPrefix> addresses;
    bool ipv6_link_local = true; ///< Form fe80::/64 from the MAC (with DAD).
    bool slaac = true;           ///< Accept Router Advertisements and autoconfigure.
};

struct TcpStackConfig {
    tcp::TcpConfig connection; ///< Defaults for every new connection.
    std::uint32_t max_connections = 65536;
    /// SYN cookies when a listener's SYN queue is full (RFC 4987 3.6).
    bool syn_cookies = true;
    std::uint16_t ephemeral_first = 49152, ephemeral_last = 65535;
};

struct StackConfig {
    std::uint64_t seed = 0;                     ///< For IDs, jitter; 0 = fixed default.
    std::uint32_t reassembly_buffer_cap = 1024; ///< Fragment buffers (2 KiB each) held at most.
    Duration reassembly_timeout_v4 = std::chrono::seconds(30);
    Duration reassembly_timeout_v6 = std::chrono::seconds(60);
    std::uint32_t icmp_rate_per_second = 1000; ///< ICMP errors sent, token bucket.
    std::uint32_t icmp_burst = 50;
    std::uint8_t default_ttl = 64;
    /// Router mode (Linux ip_forward): datagrams for other hosts are routed on between the
    /// interfaces with TTL / hop limit decremented (RFC 1812, RFC 8200), IPv4 fragmented in
    /// transit when DF is clear, and answered with ICMP time exceeded, unreachable,
    /// fragmentation needed or packet too big. Datagrams for any of our addresses are
    /// delivered whichever interface they arrive on. Off: a host, which drops them.
    bool forwarding = false;
    std::uint32_t udp_queue_datagrams = 512;  ///< Per UDP socket receive queue.
    std::uint32_t udp_queue_bytes = 4u << 20; ///< Payload bytes per UDP socket queue.
    TcpStackConfig tcp;
    /// Flow ownership across lcores (must outlive the stack). nullptr, or a steering with a
    /// single lcore: this stack owns every flow (single-lcore behaviour).
    const steer::FlowSteering* steering = nullptr;
    std::uint16_t lcore = 0; ///< This shard's lcore index in `steering`.
    /// This shard sends the link's unsolicited start-up traffic; the runtime sets it on lcore
    /// 0 only. Every shard has the same interfaces and addresses, so without this the link
    /// would see one copy per lcore. False: no gratuitous ARP announcement (RFC 5227 3) when
    /// an address is added, no Router Solicitation, no unsolicited MLD report, and DAD still
    /// holds each IPv6 address Tentative but sends no probe (it waits at least as long as the
    /// speaker's DAD and learns conflicts from replicas; see Ndp::schedule_dad). Answers to
    /// what this shard receives (ARP replies, NA, MLD query responses) are unaffected.
    bool speaker = true;
};

/// Protocol-level counters (not drops): what the stack did.
struct StackCounters {
    std::uint64_t rx_frames = 0, tx_frames = 0;
    std::uint64_t arp_requests_rx = 0, arp_replies_rx = 0, arp_requests_tx = 0, arp_replies_tx = 0;
    std::uint64_t ipv4_rx = 0, ipv4_tx = 0, ipv6_rx = 0, ipv6_tx = 0;
    std::uint64_t frags_rx = 0, frags_tx = 0, reassembled = 0;
    std::uint64_t icmp_echo_rx = 0, icmp_echo_replies_tx = 0, icmp_errors_tx = 0;
    std::uint64_t icmp6_echo_rx = 0, icmp6_echo_replies_tx = 0, icmp6_errors_tx = 0;
    std::uint64_t ndp_ns_rx = 0, ndp_na_tx = 0, ndp_ns_tx = 0, ndp_ra_rx = 0;
    std::uint64_t udp_rx = 0, udp_tx = 0;
    std::uint64_t ipv4_forwarded = 0, ipv6_forwarded = 0; ///< Routed on (StackConfig::forwarding).
    std::uint64_t replicas_rx = 0; ///< Learn-only neighbor frames (receive_replica).
    /// Reassembled datagrams handed to the lcore that owns their flow.
    std::uint64_t reassembled_handed_off = 0;
};

using UdpSocketId = std::uint32_t;

/// A TCP connection handle: slot index in the low 32 bits, generation in the high 32, so a
/// stale handle (the connection was freed and the slot reused) is recognised, never aliased.
using TcpConnId = std::uint64_t;
/// A TCP listening socket handle (index into the listener table, same encoding).
using TcpListenerId = std::uint64_t;

/// Per-socket options of an active open (the Berkeley socket's setsockopt/bind before
/// connect). A TcpConfig holds `congestion` as a string_view: it must outlive the connection.
struct TcpOpenOptions {
    /// Replaces StackConfig::tcp.connection for this connection (buffers, nodelay,
    /// keepalive with idle/interval/probes, ...).
    std::optional<tcp::TcpConfig> config;
    /// IPv4 TTL / IPv6 hop limit of every segment (IP_TTL / IPV6_UNICAST_HOPS); unset:
    /// StackConfig::default_ttl. 0 is invalid (EINVAL).
    std::optional<std::uint8_t> hop_limit;
    /// Source address (bind before connect): one of ours (EADDRNOTAVAIL otherwise), same
    /// family as the remote (EAFNOSUPPORT). Unset or unspecified: chosen by the route.
    std::optional<IpAddress> local;
    /// Source port; 0: ephemeral. EADDRINUSE when that exact 4-tuple exists. With a
    /// multi-lcore steering the caller must make sure the tuple is owned by this shard
    /// (steer::FlowSteering::owner): no check is made, and the peer's segments would
    /// otherwise reach another lcore.
    std::uint16_t local_port = 0;
};

/// Per-socket options of a listener; the connections it accepts inherit config and hop_limit.
struct TcpListenOptions {
    std::optional<tcp::TcpConfig> config;  ///< See TcpOpenOptions::config.
    std::optional<std::uint8_t> hop_limit; ///< See TcpOpenOptions::hop_limit.
    /// IPV6_V6ONLY: a "::" listener does not take IPv4 (default: it does, as iperf3 expects).
    bool v6only = false;
    /// SO_REUSEPORT: several listeners may bind the exact same (address, port) if all of them
    /// set it; new connections are spread over them by a hash of the 4-tuple (stable per
    /// flow). Otherwise EADDRINUSE.
    bool reuse_port = false;
};

/// TCP-wide counters (per-connection ones are in tcp::TcpInfo).
struct TcpCounters {
    std::uint64_t active_opens = 0, passive_opens = 0;
    std::uint64_t established = 0; ///< Connections that reached ESTABLISHED.
    std::uint64_t resets_sent = 0, resets_received = 0;
    std::uint64_t syn_cookies_sent = 0, syn_cookies_accepted = 0, syn_cookies_failed = 0;
    std::uint64_t syn_queue_overflows = 0, accept_queue_overflows = 0;
    std::uint64_t segs_in = 0, segs_out = 0;
    std::uint64_t connections_freed = 0;
    /// Connections created here (active and passive opens, SYN-cookie completions): the
    /// flows this shard has owned.
    std::uint64_t flows = 0;
    /// Segments for a tuple that another lcore owns and that matched nothing here: dropped
    /// without a RST (TcpNotOwner).
    std::uint64_t not_owner = 0;
};

/// A received UDP datagram as handed to the application.
struct UdpDatagramView {
    IpAddress src;
    std::uint16_t src_port = 0;
    IpAddress dst;
    std::uint16_t dst_port = 0;
    std::span<const std::byte> payload;
};

/// Options of udp_open (the socket options a Berkeley bind() would have seen).
struct UdpOpenOptions {
    /// IPV6_V6ONLY: a "::" socket takes IPv6 only (false: IPv6 and IPv4, dual-stack).
    bool v6only = false;
    /// SO_REUSEPORT: several sockets may bind the same address and port when all set it; each
    /// datagram goes to one of them, chosen by a hash of its source address and port.
    bool reuse_port = false;
    /// IP_TTL / IPV6_UNICAST_HOPS of sent datagrams (1..255); nullopt: the stack default.
    std::optional<std::uint8_t> hop_limit;
};

/// A raw IP socket handle (index into the raw socket table).
using RawSocketId = std::uint32_t;

/// A datagram received by a raw socket (raw(7)): for IPv4 `data` is the whole IP header plus
/// payload, for IPv6 only the payload after the extension headers.
struct RawDatagramView {
    IpAddress src, dst;
    std::uint8_t hop_limit = 0; ///< TTL / hop limit as received.
    std::span<const std::byte> data;
};

/// One echo reply seen by the ping client.
struct PingReply {
    IpAddress from;
    std::uint16_t seq = 0;
    std::uint8_t ttl = 0;
    std::size_t bytes = 0; ///< ICMP message length (header + payload), as ping prints.
    Instant sent_at;
    Instant received_at;
    std::uint16_t id = 0; ///< The echo identifier ping_send was given.
};

/// An ICMP error that answered one of our pings (e.g. TTL exceeded, unreachable).
struct PingError {
    IpAddress from;
    std::uint16_t seq = 0;
    std::uint8_t type = 0, code = 0;
    bool v6 = false;
    std::uint16_t id = 0; ///< The echo identifier of the request it answers.
};

class StackCore final : public PacketProcessor {
  public:
    StackCore(StackConfig config, FrameSink& sink);
    ~StackCore() override;
    StackCore(const StackCore&) = delete;
    StackCore& operator=(const StackCore&) = delete;

    /// Adds an interface; its IfIndex is its position (0, 1, ...) and equals the DPDK port's
    /// index in the FrameSink. `now` starts DAD and gratuitous ARP (the latter, DAD probes,
    /// RS and MLD reports only on a StackConfig::speaker shard).
    Result<IfIndex> add_interface(const InterfaceConfig& cfg, Instant now);
    const InterfaceInfo& interface(IfIndex i) const;
    std::size_t interface_count() const;
    Result<void> add_address(IfIndex i, const IpPrefix& p, Instant now);
    /// Default gateways (one per family).
    Result<void> set_gateway(const IpAddress& gw);
    /// A static route to `destination` through the on-link router `gateway` (its interface is
    /// the one whose connected prefix holds it: ENETUNREACH when none does, EINVAL for mixed
    /// families, EEXIST when that destination already has a route on that interface).
    Result<void> add_route(const IpPrefix& destination, const IpAddress& gateway,
                           std::uint32_t metric = 0);
    /// Removes the static route to `destination` (false when there was none).
    bool remove_route(const IpPrefix& destination);

    // PacketProcessor
    void receive(IfIndex ifindex, std::span<const std::byte> frame, Instant now) override;
    /// A copy of an ARP or NDP (ICMPv6 133..137) frame that another lcore received and
    /// handles. Learned from exactly as by receive() (caches, including completing a pending
    /// resolution and sending the packets queued for it; Router Advertisements with their
    /// prefixes, SLAAC addresses and default routers; DAD outcomes) but never answered: no ARP
    /// reply or defence, no NA, no ICMP error. Any other frame is dropped (ReplicaNotNeighbor).
    /// Counted in StackCounters::replicas_rx, not rx_frames.
    void receive_replica(IfIndex ifindex, std::span<const std::byte> frame, Instant now) override;
    void poll(Instant now) override;
    Instant next_deadline() const override;

    // UDP
    /// Binds a UDP socket; port 0 picks a free ephemeral port (TcpStackConfig's
    /// ephemeral range, random start). An unspecified address of either family ("0.0.0.0" or
    /// "::") takes datagrams of both families here (the CLI's udp echo relies on 0.0.0.0 doing
    /// so); use the overload with options for Berkeley semantics. EADDRINUSE if taken.
    Result<UdpSocketId> udp_open(const IpAddress& local, std::uint16_t port);
    /// Berkeley bind(): "0.0.0.0" takes IPv4 only, "::" IPv6 and IPv4 unless `opt.v6only`,
    /// a specific address only datagrams sent to it. Port 0 picks a free ephemeral port.
    /// EADDRINUSE when the address sets overlap on the port (unless both set reuse_port),
    /// EADDRNOTAVAIL when no ephemeral port is free, EINVAL for a hop limit of 0.
    Result<UdpSocketId> udp_open(const IpAddress& local, std::uint16_t port,
                                 const UdpOpenOptions& opt);
    /// The bound port (0 for a closed handle).
    std::uint16_t udp_local_port(UdpSocketId s) const;
    /// The bound address (possibly unspecified; unspecified for a closed handle).
    IpAddress udp_local_address(UdpSocketId s) const;
    /// TTL / hop limit of datagrams sent from now on (EINVAL for 0, EBADF for a bad handle).
    Result<void> udp_set_hop_limit(UdpSocketId s, std::uint8_t hop_limit);
    void udp_close(UdpSocketId s);
    /// Sends one datagram (fragmented if larger than the path MTU). EMSGSIZE above 65507/65527.
    Result<void> udp_send_to(UdpSocketId s, const IpAddress& dst, std::uint16_t dst_port,
                             std::span<const std::byte> payload, Instant now);
    /// Calls `fn` for each queued datagram (oldest first) and removes them; returns how many.
    std::size_t udp_drain(UdpSocketId s, FunctionRef<void(const UdpDatagramView&)> fn);
    /// Calls `fn` once for every open socket whose queue went from empty to non-empty since
    /// the last call (oldest first), without scanning all sockets.
    void udp_take_readable(FunctionRef<void(UdpSocketId)> fn);

    // Raw IP sockets (Linux raw(7) semantics)
    /// Opens a raw socket for IP protocol `protocol` (1..254, else EPROTONOSUPPORT). It gets a
    /// copy of every incoming datagram of that protocol and family (after reassembly and
    /// header validation) while the stack still processes it normally.
    Result<RawSocketId> raw_open(bool v6, std::uint8_t protocol);
    void raw_close(RawSocketId s);
    /// IP_HDRINCL (IPv4 only, else EINVAL): raw_send_to data starts with the IPv4 header.
    Result<void> raw_set_header_included(RawSocketId s, bool on);
    /// TTL / hop limit of datagrams sent without HDRINCL (EINVAL for 0).
    Result<void> raw_set_hop_limit(RawSocketId s, std::uint8_t hop_limit);
    /// Sends one datagram to `dst` (of the socket's family, else EAFNOSUPPORT). `data` is the
    /// payload (the stack builds the IP header, fragmenting IPv4 and IPv6 if needed); with
    /// HDRINCL it is a whole IPv4 header + payload: the stack sets the total length, the
    /// checksum, a zero ID and a zero source, EINVAL for a malformed header, EMSGSIZE above
    /// the MTU (never fragmented). For ICMPv6 the stack computes the checksum; for any other
    /// protocol (IPv4 ICMP included) the data carries its own.
    Result<void> raw_send_to(RawSocketId s, const IpAddress& dst, std::span<const std::byte> data,
                             Instant now);
    /// Calls `fn` for each queued datagram (oldest first) and removes them; returns how many.
    std::size_t raw_drain(RawSocketId s, FunctionRef<void(const RawDatagramView&)> fn);
    /// Like udp_take_readable, for raw sockets.
    void raw_take_readable(FunctionRef<void(RawSocketId)> fn);

    // TCP (sans-IO sockets; readiness comes from tcp_take_events)
    /// Listens on `local` (unspecified: every address of that family; a v6 "::" listener also
    /// takes IPv4) and `port`. `backlog` sizes both the SYN queue and the accept queue.
    Result<TcpListenerId> tcp_listen(const IpAddress& local, std::uint16_t port,
                                     std::uint32_t backlog);
    /// The same with per-socket options (EINVAL for a hop limit of 0, or v6only on an IPv4
    /// address). A port held only by connections (e.g. in TIME-WAIT) is always free for a
    /// listener: SO_REUSEADDR is in effect for every listener.
    Result<TcpListenerId> tcp_listen(const IpAddress& local, std::uint16_t port,
                                     std::uint32_t backlog, const TcpListenOptions& o);
    /// The (address, port) a listener is bound to (EBADF for a stale handle).
    Result<std::pair<IpAddress, std::uint16_t>> tcp_listener_address(TcpListenerId l) const;
    void tcp_close_listener(TcpListenerId l, Instant now);
    /// Takes one established connection off the listener's accept queue (EAGAIN when empty).
    Result<TcpConnId> tcp_accept(TcpListenerId l);
    /// Active open to `remote`:`port` from an ephemeral port (with a multi-lcore steering, one
    /// whose tuple this shard owns, RFC 6056 order otherwise kept); the connection reports
    /// tcpevent::kConnected or kClosed (error ECONNREFUSED/ETIMEDOUT) later.
    Result<TcpConnId> tcp_connect(const IpAddress& remote, std::uint16_t port, Instant now);
    /// The same with per-socket options (see TcpOpenOptions for the errors).
    Result<TcpConnId> tcp_connect(const IpAddress& remote, std::uint16_t port, Instant now,
                                  const TcpOpenOptions& o);
    /// Queues bytes; returns how many were taken. EAGAIN when the buffer is full, EPIPE after
    /// shutdown, the connection's error once it failed, EBADF for a stale handle.
    Result<std::size_t> tcp_send(TcpConnId c, std::span<const std::byte> data, Instant now);
    /// Reads bytes; 0 = end of stream (peer closed), EAGAIN when nothing is readable yet.
    Result<std::size_t> tcp_recv(TcpConnId c, std::span<std::byte> out, Instant now);
    Result<void> tcp_shutdown(TcpConnId c, Instant now);
    /// Releases the handle; the connection finishes closing (FIN, TIME-WAIT) on its own.
    void tcp_close(TcpConnId c, Instant now);
    /// Releases the handle and resets the connection.
    void tcp_abort(TcpConnId c, Instant now);
    /// Multi-core: where reassembled datagrams owned by another lcore go (must outlive the
    /// stack; nullptr: processed here whatever their owner).
    void set_datagram_handoff(DatagramHandoff* handoff);
    /// Shutdown: every connection not in TIME-WAIT is reset (RST when synchronized), every
    /// handle is released and what can be freed is freed. Listeners stay (close them first).
    void tcp_reset_all(Instant now);
    /// The live connection behind a handle (nullptr when stale) for options and queries.
    tcp::Connection* tcp_connection(TcpConnId c);
    /// IP_TTL / IPV6_UNICAST_HOPS on a live connection: every later segment (EBADF for a
    /// stale handle, EINVAL for 0).
    Result<void> tcp_set_hop_limit(TcpConnId c, std::uint8_t hop_limit);
    /// Local (source) and remote address and port of a connection (EBADF for a stale handle).
    Result<FourTuple> tcp_tuple(TcpConnId c) const;
    /// The connection's statistics (EBADF for a stale handle).
    Result<tcp::TcpInfo> tcp_info(TcpConnId c) const;
    /// Calls `fn(handle, events)` for every connection whose readiness changed since the last
    /// call (each at most once, events OR-ed), oldest first; listeners whose accept queue
    /// became non-empty are reported with their TcpListenerId and tcpevent::kReadable.
    void tcp_take_events(FunctionRef<void(TcpConnId, std::uint32_t)> conn_fn,
                         FunctionRef<void(TcpListenerId)> listener_fn);
    /// Every live connection (including those in TIME-WAIT and without a handle).
    void tcp_for_each(FunctionRef<void(TcpConnId, const tcp::Connection&)> fn) const;
    std::size_t tcp_connection_count() const;
    const TcpCounters& tcp_counters() const;

    // Ping client
    /// Sends one echo request with `size` payload bytes; EHOSTUNREACH without a route.
    /// Requests are matched back by (id, seq): several pingers with distinct ids can share a
    /// stack (the 1024 most recent requests are remembered).
    Result<void> ping_send(const IpAddress& dst, std::uint16_t id, std::uint16_t seq,
                           std::size_t size, std::uint8_t ttl, Instant now);
    std::vector<PingReply> ping_take_replies();
    std::vector<PingError> ping_take_errors();

    const DropCounters& drops() const;
    const StackCounters& counters() const;
    /// Fragment buffers currently held by reassembly (for the memory-cap tests).
    std::size_t reassembly_buffers_in_use() const;
    /// The reassembly memory cap, in fragment buffers.
    std::size_t reassembly_buffer_cap() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace multios::net
