// net_memif and jumbo frames: memif's default ring buffers are 2048 bytes, and a larger frame
// is carried over several chained descriptors. On DPDK 22.11 that path was seen to hand the
// receiver stale frames again (a 20 MB transfer at MTU 9000 drew ~10 duplicate ACKs per data
// segment; with one buffer per frame: none). So a memif port whose MTU does not fit the
// default buffer gets buffers that hold a whole frame, unless its spec chose `bsize` itself.
#pragma once

#include <cstdint>
#include <string>

namespace multios::net::glue {

/// `vdev` with `,bsize=N` appended when it is a net_memif device without a bsize argument
/// and a frame of `mtu` (+ Ethernet header) exceeds memif's 2048-byte default; N is the
/// smallest power of two that holds the frame. Any other spec is returned unchanged. Both
/// ends of a memif pair given the same MTU get the same N.
std::string memif_vdev_for_mtu(const std::string& vdev, std::uint16_t mtu);

} // namespace multios::net::glue
