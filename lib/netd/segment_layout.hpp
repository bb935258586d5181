// Where the parts of a client's segment live (protocol.hpp): computed and written by the
// daemon, validated by the client before it trusts a single offset.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>

#include <multios/net/result.hpp>

#include "netd/protocol.hpp"
#include "shm/spsc_ring.hpp"

namespace multios::net::netd {

struct SegmentView {
    SegmentHeader* header = nullptr;
    shm::SpscRing requests;
    shm::SpscRing completions;
    /// One word of poll(2) bits per socket slot; written by the daemon only.
    std::span<std::atomic<std::uint32_t>> readiness;
    std::span<std::byte> data;
};

inline constexpr std::uint32_t kRingSlotSize = 128;
inline constexpr std::uint32_t kRingSlots = 16;
inline constexpr std::uint32_t kReadinessSlots = 16384;
inline constexpr std::size_t kDataBytes = std::size_t{512} << 10;

/// Bytes of a segment with the layout above.
std::size_t segment_bytes();
/// Daemon: lays out and formats a zero-filled segment of segment_bytes() bytes at `base`.
Result<SegmentView> format_segment(std::byte* base, std::size_t bytes);
/// Client: validates the header the daemon wrote and opens the rings. EPROTO on a version
/// mismatch, EINVAL on anything out of range.
Result<SegmentView> open_segment(std::byte* base, std::size_t bytes);

} // namespace multios::net::netd
