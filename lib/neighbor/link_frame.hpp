// Writing one Ethernet frame to a FrameSink: shared by ARP and NDP for their own messages and
// for packets released from the pending queue.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include <multios/net/address.hpp>

#include "common/drop_reason.hpp"
#include "common/frame_sink.hpp"

namespace multios::net {

/// Shortest Ethernet frame without FCS (IEEE 802.3 minimum of 64 bytes minus 4).
inline constexpr std::size_t kMinEthernetFrame = 60;

/// Sends `dst`/`src`/`ethertype` + `payload`, zero-padded to kMinEthernetFrame. Returns false
/// and counts TxNoBuffer when the sink has no buffer.
bool send_ethernet_frame(FrameSink& sink, DropCounters& drops, IfIndex ifindex,
                         const MacAddress& dst, const MacAddress& src, std::uint16_t ethertype,
                         std::span<const std::byte> payload);

} // namespace multios::net
