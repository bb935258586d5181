// Software steering (issue 4): when a PMD cannot spread flows with RSS, the lcore that received an
// Ethernet frame decides which lcore handles it, computing exactly the hash a NIC would (the
// Toeplitz hash of FlowSteering over the layouts of rss_input.hpp, symmetric key), so that a flow
// lands on the same lcore whether hardware or software steered it, and active opens that pick
// their local port with LandsOnLcore see their replies on the opening lcore.
//
// Read first: Microsoft "RSS Hashing Functions" (which fields a NIC hashes), RFC 791 3.1-3.2
// (IPv4 header, fragments), RFC 792 and RFC 1122 3.2.2 (ICMP errors quote the offending header
// + 8 bytes), RFC 8200 4 (IPv6 extension headers), RFC 4443 2.4 and 3 (ICMPv6 errors quote as
// much as fits), RFC 4861 (neighbor discovery), RFC 826 (ARP), IEEE 802.1Q / 802.1ad (VLAN tags).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "steer/flow_steering.hpp"

namespace multios::net::steer {

/// Where a received frame goes.
enum class FrameRoute : std::uint8_t {
    /// Deliver on lcore `lcore` (which may be the receiving one): the frame belongs to a flow.
    Owner,
    /// Neighbor discovery (ARP, ICMPv6 133..137): the receiving lcore handles it fully and every
    /// other lcore gets a learn-only copy, so that each lcore's neighbor cache learns the entry.
    Replicate,
    /// No flow (ICMP echo request, unknown ethertype, malformed or truncated, multicast other
    /// than neighbor discovery): the receiving lcore handles it (its stack answers or drops it
    /// with its normal counters).
    Local,
};

struct FrameDecision {
    FrameRoute route = FrameRoute::Local;
    std::uint16_t lcore = 0; ///< Meaningful for Owner only; always < steering.lcore_count().

    friend bool operator==(const FrameDecision&, const FrameDecision&) = default;
};

/// The route of one received Ethernet frame (Ethernet II, up to two VLAN tags):
///  - ARP -> Replicate;
///  - IPv4/IPv6 fragments -> Owner by the addresses-only hash (every fragment of a datagram must
///    meet on one lcore for reassembly; NICs hash fragments by addresses too);
///  - TCP/UDP -> Owner by the addresses-and-ports hash, the same as FlowSteering::owner() of the
///    connection, from either direction;
///  - ICMP/ICMPv6 echo reply -> Owner lcore (identifier % lcore_count): the ping client on lcore
///    k chooses identifiers congruent to k modulo the lcore count;
///  - ICMP/ICMPv6 errors -> the owner of the flow the quoted header belongs to;
///  - ICMPv6 router/neighbor discovery (133..137) -> Replicate;
///  - everything else, malformed or truncated frames, and multicast/broadcast destinations other
///    than neighbor discovery -> Local.
/// A pure function of the frame bytes and `steering`: reads only inside `frame`, allocates
/// nothing, verifies no checksum (the stack that handles the frame does). Per-packet cost is a
/// few bounds checks and one table-driven hash of at most 36 bytes.
FrameDecision classify_frame(const FlowSteering& steering, std::span<const std::byte> frame);

} // namespace multios::net::steer
