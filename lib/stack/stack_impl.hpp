// Private state of StackCore, shared by the files that implement its layers
// (ethernet_input.cpp, ipv4.cpp, ipv6.cpp, icmp.cpp, udp.cpp, ping.cpp, output.cpp, tcp*.cpp).
#pragma once

#include <array>
#include <deque>
#include <memory>
#include <optional>
#include <vector>

#include <multios/net/wire/ethernet.hpp>
#include <multios/net/wire/icmp.hpp>
#include <multios/net/wire/ipv4.hpp>
#include <multios/net/wire/ipv6.hpp>

#include "common/timer_wheel.hpp"
#include "ip/fragmenter.hpp"
#include "ip/pmtu_cache.hpp"
#include "ip/reassembly.hpp"
#include "ip/routing_table.hpp"
#include "ip/siphash.hpp"
#include "neighbor/arp_cache.hpp"
#include "neighbor/mld.hpp"
#include "neighbor/ndp.hpp"
#include "stack/datagram_queue.hpp"
#include "stack/function_ref.hpp"
#include "stack/rate_limiter.hpp"
#include "stack/stack_core.hpp"
#include "stack/tcp_entry.hpp"
#include "stack/tcp_listener.hpp"
#include "stack/tcp_table.hpp"
#include "tcp/ephemeral_port.hpp"
#include "tcp/isn.hpp"
#include "tcp/syn_cookie.hpp"

namespace multios::net {

/// Writes an upper-layer message (e.g. ICMP header + data) of a known length into `out`.
using UpperWriter = FunctionRef<void(std::span<std::byte> out)>;

/// Addressing of one IPv4/IPv6 datagram delivered to an upper layer.
struct IpMeta {
    IfIndex ifindex = 0;
    IpAddress src;
    IpAddress dst;
    std::uint8_t ttl = 0; ///< TTL or hop limit.
    std::uint8_t protocol = 0;
    bool dst_is_multicast_or_broadcast = false;
    /// The original network header + start of payload, for quoting in ICMP errors.
    std::span<const std::byte> quote;
};

struct Interface;

/// Where a datagram leaves: the interface and the next hop (the destination or a gateway).
struct OutputPath {
    Interface* iface = nullptr;
    IpAddress next_hop;
};

/// Parameters of one datagram to send.
struct IpSendParams {
    IpAddress src; ///< Unspecified: chosen from the outgoing interface.
    IpAddress dst;
    std::uint8_t protocol = 0;
    std::uint8_t ttl = 0; ///< 0: the stack default.
    bool dont_fragment = false;
    std::optional<IfIndex> ifindex; ///< Force the interface (link-local and multicast dst).
    /// Already chosen by the caller (who needed the source address first): not looked up again.
    std::optional<OutputPath> path;
};

struct UdpSocket {
    bool open = false;
    IpAddress local;        ///< May be unspecified (any address of its families).
    bool any_family = true; ///< Takes IPv4 and IPv6 datagrams (unspecified local only).
    std::uint16_t port = 0;
    bool reuse_port = false;
    std::uint8_t hop_limit = 0; ///< 0: the stack default.
    bool in_ready = false;      ///< Listed in Impl::udp_ready.
    std::unique_ptr<DatagramQueue> queue;
};

struct RawSocket {
    bool open = false;
    bool v6 = false;
    std::uint8_t protocol = 0;
    bool header_included = false; ///< IP_HDRINCL (IPv4 only).
    std::uint8_t hop_limit = 0;   ///< 0: the stack default.
    bool in_ready = false;        ///< Listed in Impl::raw_ready.
    std::unique_ptr<DatagramQueue> queue;
};

struct PingRecord {
    bool outstanding = false;
    std::uint16_t id = 0;
    std::uint16_t seq = 0;
    Instant sent_at;
};

struct Interface {
    InterfaceInfo info;
    std::unique_ptr<ArpCache> arp;
    std::unique_ptr<Ndp> ndp;
    std::unique_ptr<MldListener> mld;
};

struct StackCore::Impl final : TcpHost {
    Impl(StackConfig c, FrameSink& s);

    StackConfig config;
    FrameSink& sink;
    DropCounters drops;
    StackCounters counters;
    std::deque<Interface> interfaces; ///< deque: references stay valid as interfaces are added.
    RoutingTable routes;
    PmtuCache pmtu;
    Reassembler reassembler;
    FragmentIdGenerator frag_ids;
    TokenBucket icmp_limiter;
    std::vector<UdpSocket> udp_sockets;
    /// UDP sockets whose queue became non-empty since udp_take_readable (each once).
    std::vector<UdpSocketId> udp_ready;
    /// Random start of the ephemeral port search (RFC 6056 3.3.1), seeded from config.seed.
    std::uint64_t udp_port_state = config.seed ^ 0x5544'5050'4f52'5453ull;
    /// Keys the SO_REUSEPORT choice so that a sender cannot aim at one socket.
    SipKey udp_reuse_key = SipKey::from_seed(config.seed, 0x5544'5052'4555'5345ull);
    std::vector<RawSocket> raw_sockets;
    std::vector<RawSocketId> raw_ready;
    std::array<PingRecord, 1024> pings{};
    std::vector<PingReply> ping_replies;
    std::vector<PingError> ping_errors;
    /// Scratch for datagrams that must be fragmented or queued for resolution.
    std::vector<std::byte> scratch;
    /// Scratch for one packet whose neighbor is being resolved.
    std::vector<std::byte> packet_scratch;

    // ethernet_input.cpp
    void receive(IfIndex ifindex, std::span<const std::byte> frame, Instant now);
    // replica_input.cpp
    void receive_replica(IfIndex ifindex, std::span<const std::byte> frame, Instant now);
    // reassembly_handoff.cpp
    DatagramHandoff* handoff = nullptr;
    std::vector<std::byte> handoff_frame; ///< Sized when a handoff is set.
    /// With several lcores: when the reassembled datagram `header` + `body` belongs to another
    /// lcore's flow, hands it over (true: nothing more to do here).
    bool hand_off_if_foreign(const Interface& iface, std::uint16_t ethertype,
                             std::span<const std::byte> header, std::span<const std::byte> body);
    /// An unfragmented ND message (IPv6 payload `data`) to the Ndp with Answer::No; false when
    /// `data` is anything else.
    bool replica_ndp_input(Interface& iface, std::span<const std::byte> data, Instant now);
    // ipv4.cpp
    void ipv4_input(Interface& iface, std::span<const std::byte> data, Instant now);
    Result<void> ipv4_output(const IpSendParams& p, std::size_t upper_len, UpperWriter write,
                             Instant now);
    // ipv6.cpp
    void ipv6_input(Interface& iface, std::span<const std::byte> data, Instant now);
    void ipv6_deliver(const IpMeta& meta, std::uint8_t next_header, std::span<const std::byte> data,
                      Instant now);
    Result<void> ipv6_output(const IpSendParams& p, std::size_t upper_len, UpperWriter write,
                             Instant now);
    // output.cpp
    /// Outgoing interface and next hop for `dst` (forced interface first, then routes, then
    /// for IPv6 a default router learned from Router Advertisements).
    std::optional<OutputPath> choose_path(const IpAddress& dst, std::optional<IfIndex> forced,
                                          Instant now);
    /// The path and the source address for a datagram to `dst`, for senders that need the
    /// source before writing (pseudo-header checksums); nullopt without route or address.
    std::optional<std::pair<OutputPath, IpAddress>> path_and_source(const IpAddress& dst,
                                                                    Instant now);
    Result<void> ip_output(const IpSendParams& p, std::size_t upper_len, UpperWriter write,
                           Instant now);
    /// Sends one IP packet of `packet_len` bytes on `iface` towards `next_hop`. When the
    /// neighbor is known the packet is written straight into the frame; otherwise into
    /// scratch and queued until resolution. Returns false when it was dropped (counted).
    bool link_output(Interface& iface, const IpAddress& next_hop, std::size_t packet_len,
                     UpperWriter write_packet, Instant now);
    std::optional<MacAddress> resolve(Interface& iface, const IpAddress& next_hop, Instant now);
    // icmp.cpp
    void icmpv4_input(const IpMeta& meta, std::span<const std::byte> data, Instant now);
    void icmpv6_input(const IpMeta& meta, const wire::Ipv6Packet& ip,
                      std::span<const std::byte> data, Instant now);
    /// ICMP error quoting `meta.quote` (rate-limited; never for multicast/broadcast/ICMP errors),
    /// sent from `from` (default: the address the datagram was sent to, `meta.dst`).
    void icmp_error(const IpMeta& meta, std::uint8_t type, std::uint8_t code, std::uint32_t rest,
                    Instant now, const std::optional<IpAddress>& from = std::nullopt);
    // forward.cpp (StackConfig::forwarding)
    /// True when `a` is assigned to any of our interfaces (a router owns all its addresses).
    bool is_local_v4(const Ipv4Address& a) const;
    bool is_local_v6(const Ipv6Address& a) const;
    /// A datagram that arrived on `in` for another host: routed on with TTL - 1, fragmented
    /// when DF is clear, or answered with an ICMP error.
    void ipv4_forward(const Interface& in, const wire::Ipv4Packet& ip,
                      std::span<const std::byte> data, Instant now);
    void ipv4_forward_fragments(const OutputPath& path, const wire::Ipv4Packet& ip,
                                std::uint8_t ttl, Instant now);
    void ipv6_forward(const Interface& in, const wire::Ipv6Packet& ip,
                      std::span<const std::byte> data, Instant now);
    /// An ICMP error about a datagram in transit, from our address towards its source.
    void forward_error(const IpMeta& meta, std::uint8_t type, std::uint8_t code, std::uint32_t rest,
                       Instant now);
    // udp.cpp
    void udp_input(const IpMeta& meta, std::span<const std::byte> data, Instant now);
    /// The socket a datagram to `dst`:`port` from `src`:`src_port` goes to (most specific
    /// binding; among SO_REUSEPORT peers by hash), or nullptr.
    UdpSocket* udp_lookup(const IpAddress& dst, std::uint16_t port, const IpAddress& src,
                          std::uint16_t src_port);
    // raw.cpp
    /// A copy of an IPv4 datagram (`header` + `body`) for every raw socket of its protocol;
    /// true when at least one socket took it.
    bool raw_input_v4(const IpMeta& meta, std::span<const std::byte> header,
                      std::span<const std::byte> body);
    /// A copy of an IPv6 payload (after the extension headers) of protocol `next_header`.
    bool raw_input_v6(const IpMeta& meta, std::uint8_t next_header,
                      std::span<const std::byte> data);
    /// IP_HDRINCL send: `data` is a whole IPv4 datagram, routed towards `dst`.
    Result<void> raw_send_header_included(const IpAddress& dst, std::span<const std::byte> data,
                                          Instant now);
    // ping.cpp
    void ping_reply_input(const IpMeta& meta, const wire::IcmpMessage& m, Instant now);
    void ping_error_input(const IpMeta& meta, const wire::IcmpMessage& m);

    void deliver(const IpMeta& meta, std::span<const std::byte> upper, Instant now);
    void on_reassembly_timeout(bool v6, std::span<const std::byte> leading, Instant now);

    // ---- TCP ----
    // State shared by all connections of this stack: one timer wheel (1 ms tick), the
    // connection table, the listeners, and the keyed generators (all seeded from config.seed).
    TimerWheel tcp_wheel;
    TcpTable tcp_table;
    TcpListeners tcp_listeners;
    IsnGenerator tcp_isn;
    EphemeralPortSelector tcp_ports;
    SynCookies tcp_cookies;
    TcpCounters tcp_counters;
    /// Handles with pending events, oldest first (each at most once: TcpEntry::in_ready).
    std::vector<TcpConnId> tcp_ready;
    std::vector<TcpListenerId> tcp_ready_listeners;

    // tcp_input.cpp
    void tcp_input(const IpMeta& meta, std::span<const std::byte> data, Instant now);
    void tcp_connection_input(TcpEntry& e, const wire::TcpSegment& seg, Instant now);
    void tcp_listen_input(TcpListenerId id, const IpMeta& meta, const wire::TcpSegment& seg,
                          const FourTuple& tuple, Instant now);
    void tcp_passive_open(TcpListenerId id, const IpMeta& meta, const wire::TcpSegment& seg,
                          const FourTuple& tuple, Instant now);
    void tcp_cookie_ack(TcpListenerId id, const IpMeta& meta, const wire::TcpSegment& seg,
                        const FourTuple& tuple, Instant now);
    /// RFC 9293 3.10.7.1: the RST answering `seg` that arrived for `tuple` (never for an RST).
    void tcp_reset_reply(const FourTuple& tuple, std::optional<IfIndex> ifindex,
                         const wire::TcpSegment& seg, Instant now);
    /// ICMP "fragmentation needed" / "packet too big" quoting a segment we sent on `tuple`.
    void tcp_path_mtu(const FourTuple& tuple, std::uint32_t quoted_seq, std::uint32_t mtu,
                      Instant now);
    /// True when a multi-lcore steering says another lcore owns `tuple` (issue 4). Only
    /// asked where a segment would create state or draw a RST, never per established segment.
    bool tcp_owned_elsewhere(const FourTuple& tuple) const;
    // tcp_output.cpp
    /// Builds and sends one segment on `tuple` (local = source); false when it was not sent.
    /// `hop_limit` 0: StackConfig::default_ttl.
    bool tcp_emit(const FourTuple& tuple, std::optional<IfIndex> ifindex,
                  const tcp::OutgoingSegment& seg, Instant now, std::uint8_t hop_limit = 0);
    /// MSS we advertise on an interface: MTU minus the IP and TCP headers.
    static std::uint16_t tcp_local_mss(std::uint16_t mtu, bool v4);
    // tcp_events.cpp
    bool tcp_entry_send(TcpEntry& e, const tcp::OutgoingSegment& seg, Instant now) override;
    void tcp_entry_events(TcpEntry& e, std::uint32_t events) override;
    /// Inserts a new connection; returns its entry (the table must not be full). `cfg`
    /// nullptr: StackConfig::tcp.connection; `hop_limit` 0: the stack default.
    TcpEntry& tcp_create(const FourTuple& tuple, std::uint16_t local_mss,
                         std::optional<IfIndex> ifindex, const tcp::TcpConfig* cfg = nullptr,
                         std::uint8_t hop_limit = 0);
    /// The listener's TcpConfig, or the stack default.
    const tcp::TcpConfig& tcp_listener_config(const TcpListener& l) const;
    // tcp.cpp
    /// True when `a` is assigned to one of our interfaces (RFC 9293 3.9.1.2 "local socket").
    bool tcp_is_local_address(const IpAddress& a) const;
    /// RFC 6056 3.3.4: a free ephemeral port for `tuple` (its local_port ignored), or nullopt.
    std::optional<std::uint16_t> tcp_ephemeral_port(const FourTuple& tuple);
    /// After every call into a connection: a deferred abort, then freeing it when it is
    /// reapable and no application handle refers to it. Never call it from inside a sink.
    void tcp_after_call(TcpEntry& e, Instant now);
    void tcp_free(TcpEntry& e);
    void tcp_poll(Instant now);
};

} // namespace multios::net
