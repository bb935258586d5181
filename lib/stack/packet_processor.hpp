// The boundary between the DPDK poll loop and the protocol cores: frames and time go in;
// frames come out through the FrameSink the processor was built with.
#pragma once

#include <span>

#include <multios/net/time.hpp>

#include "common/frame_sink.hpp"

namespace multios::net {

class PacketProcessor {
  public:
    virtual ~PacketProcessor() = default;
    /// One received frame on `ifindex`. The bytes are only valid during the call.
    virtual void receive(IfIndex ifindex, std::span<const std::byte> frame, Instant now) = 0;
    /// A learn-only copy of a neighbor-discovery frame (ARP, NDP) that another lcore received
    /// and answered: update caches, answer nothing. Single-lcore processors ignore it.
    virtual void receive_replica(IfIndex ifindex, std::span<const std::byte> frame, Instant now) {
        (void)ifindex, (void)frame, (void)now;
    }
    /// Runs timers and application work due at `now` (called once per poll iteration).
    virtual void poll(Instant now) = 0;
    /// Earliest instant at which poll() has work even if no frame arrives (kNever if none).
    virtual Instant next_deadline() const = 0;
};

} // namespace multios::net
