// Where protocol cores write frames to send. Under DPDK a frame is written straight into an
// mbuf of the lcore's pool and queued for the next tx burst; in tests it is a byte vector.
// Cores never own rx buffers beyond the call that hands them a frame.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace multios::net {

/// Index of an interface (and of its DPDK port) inside one stack instance.
using IfIndex = std::uint16_t;

class FrameSink {
  public:
    virtual ~FrameSink() = default;
    /// A writable buffer of at least `max_len` bytes for one frame on `ifindex`, or an empty
    /// span when no buffer is available (the caller counts a drop and gives up). At most one
    /// frame is open at a time: call commit_frame or abort_frame before the next begin_frame.
    virtual std::span<std::byte> begin_frame(IfIndex ifindex, std::size_t max_len) = 0;
    /// Queues the first `len` bytes of the open frame for transmission.
    virtual void commit_frame(std::size_t len) = 0;
    /// Releases the open frame without sending it.
    virtual void abort_frame() = 0;
};

} // namespace multios::net
