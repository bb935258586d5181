// Multi-core: the way out for a reassembled datagram whose flow another lcore owns. Fragments
// are steered by addresses only (as NICs hash them), so the lcore that reassembles a datagram
// is not always the owner of its 4-tuple (or of its echo identifier); it hands the whole
// datagram, as one unfragmented Ethernet frame, to the owner instead of processing it.
#pragma once

#include <cstdint>
#include <span>

#include "common/interface_info.hpp"

namespace multios::net {

class DatagramHandoff {
  public:
    virtual ~DatagramHandoff() = default;
    /// Queues `frame` (Ethernet + one whole IP datagram, possibly above the MTU) for `lcore`,
    /// as if it had been received on `ifindex`. The bytes are only valid during the call.
    /// False when it could not be queued (no buffers, ring full).
    virtual bool hand_off(std::uint16_t lcore, IfIndex ifindex,
                          std::span<const std::byte> frame) = 0;
};

} // namespace multios::net
