// Why the stack dropped a packet. Every drop is counted under exactly one reason; the names
// are what `serve` prints and what tests check.
#pragma once

#include <array>
#include <cstdint>

#include <multios/net/wire/parse_error.hpp>

namespace multios::net {

#define MULTIOS_DROP_REASONS(X)                                                                    \
    X(EthTruncated, "eth_truncated")                                                               \
    X(EthBadType, "eth_unknown_type")                                                              \
    X(EthNotForUs, "eth_not_for_us")                                                               \
    X(EthTooManyVlans, "eth_too_many_vlans")                                                       \
    X(ArpMalformed, "arp_malformed")                                                               \
    X(ArpNotForUs, "arp_not_for_us")                                                               \
    X(ArpQueueFull, "arp_queue_full")                                                              \
    X(ArpUnresolved, "arp_unresolved")                                                             \
    X(Ipv4Truncated, "ipv4_truncated")                                                             \
    X(Ipv4BadVersion, "ipv4_bad_version")                                                          \
    X(Ipv4BadHeaderLen, "ipv4_bad_ihl")                                                            \
    X(Ipv4BadLength, "ipv4_bad_length")                                                            \
    X(Ipv4BadChecksum, "ipv4_bad_checksum")                                                        \
    X(Ipv4BadOption, "ipv4_bad_option")                                                            \
    X(Ipv4SourceRoute, "ipv4_source_route")                                                        \
    X(Ipv4BadAddress, "ipv4_bad_address")                                                          \
    X(Ipv4NotForUs, "ipv4_not_for_us")                                                             \
    X(Ipv4UnknownProto, "ipv4_unknown_protocol")                                                   \
    X(Ipv4NoRoute, "ipv4_no_route")                                                                \
    X(Ipv4TtlExceeded, "ipv4_ttl_exceeded")                                                        \
    X(Ipv4FragNeeded, "ipv4_frag_needed_df")                                                       \
    X(Ipv6Truncated, "ipv6_truncated")                                                             \
    X(Ipv6BadVersion, "ipv6_bad_version")                                                          \
    X(Ipv6BadLength, "ipv6_bad_length")                                                            \
    X(Ipv6BadExtHeader, "ipv6_bad_ext_header")                                                     \
    X(Ipv6TooManyExtHeaders, "ipv6_too_many_ext_headers")                                          \
    X(Ipv6RoutingHeader, "ipv6_routing_header")                                                    \
    X(Ipv6BadOption, "ipv6_unknown_option")                                                        \
    X(Ipv6BadAddress, "ipv6_bad_address")                                                          \
    X(Ipv6NotForUs, "ipv6_not_for_us")                                                             \
    X(Ipv6UnknownProto, "ipv6_unknown_protocol")                                                   \
    X(Ipv6NoRoute, "ipv6_no_route")                                                                \
    X(Ipv6HopLimitExceeded, "ipv6_hop_limit_exceeded")                                             \
    X(Ipv6PacketTooBig, "ipv6_packet_too_big")                                                     \
    X(FragBad, "frag_bad")                                                                         \
    X(FragOverlap, "frag_overlap")                                                                 \
    X(FragTooBig, "frag_too_big")                                                                  \
    X(FragTimeout, "frag_timeout")                                                                 \
    X(FragEvicted, "frag_evicted")                                                                 \
    X(FragNoMemory, "frag_no_memory")                                                              \
    X(FragTinyFirst, "frag_first_too_small")                                                       \
    X(IcmpTruncated, "icmp_truncated")                                                             \
    X(IcmpBadChecksum, "icmp_bad_checksum")                                                        \
    X(IcmpUnhandled, "icmp_unhandled_type")                                                        \
    X(IcmpRateLimited, "icmp_rate_limited")                                                        \
    X(NdpMalformed, "ndp_malformed")                                                               \
    X(NdpInvalid, "ndp_invalid")                                                                   \
    X(NdpQueueFull, "ndp_queue_full")                                                              \
    X(NdpUnresolved, "ndp_unresolved")                                                             \
    X(UdpTruncated, "udp_truncated")                                                               \
    X(UdpBadLength, "udp_bad_length")                                                              \
    X(UdpBadChecksum, "udp_bad_checksum")                                                          \
    X(UdpNoSocket, "udp_port_closed")                                                              \
    X(UdpQueueFull, "udp_queue_full")                                                              \
    X(TcpMalformed, "tcp_malformed")                                                               \
    X(TcpNoSocket, "tcp_port_closed")                                                              \
    X(TcpBadChecksum, "tcp_bad_checksum")                                                          \
    X(TcpBadAddress, "tcp_bad_address")                                                            \
    X(TcpListenInvalid, "tcp_listen_invalid")                                                      \
    X(TcpSynQueueFull, "tcp_syn_queue_full")                                                       \
    X(TcpAcceptQueueFull, "tcp_accept_queue_full")                                                 \
    X(TcpTableFull, "tcp_table_full")                                                              \
    X(TcpNotOwner, "tcp_not_owner")                                                                \
    X(TxNoBuffer, "tx_no_buffer")                                                                  \
    X(TxTooBig, "tx_too_big")                                                                      \
    X(TxQueueFull, "tx_queue_full")                                                                \
    X(RxNoBuffer, "rx_no_buffer")                                                                  \
    X(ReplicaNotNeighbor, "replica_not_neighbor")                                                  \
    X(HandoffFailed, "reassembled_handoff_failed")                                                 \
    X(Impairment, "impairment_loss")                                                               \
    X(RawQueueFull, "raw_queue_full")

enum class DropReason : std::uint8_t {
#define MULTIOS_X(name, text) name,
    MULTIOS_DROP_REASONS(MULTIOS_X)
#undef MULTIOS_X
        Count
};

inline constexpr std::size_t kDropReasonCount = static_cast<std::size_t>(DropReason::Count);

/// Counter name as printed ("ipv4_bad_checksum").
const char* to_string(DropReason r);

/// Per-stack (per-lcore later) drop counters. Plain integers: one writer thread.
struct DropCounters {
    std::array<std::uint64_t, kDropReasonCount> count{};
    void add(DropReason r, std::uint64_t n = 1) { count[static_cast<std::size_t>(r)] += n; }
    std::uint64_t operator[](DropReason r) const { return count[static_cast<std::size_t>(r)]; }
    std::uint64_t total() const {
        std::uint64_t t = 0;
        for (auto c : count)
            t += c;
        return t;
    }
};

} // namespace multios::net
