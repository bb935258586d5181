// Storage for the frames in flight in a simulation: in link queues, on the wire, in delay
// lines. Links and queues pass 32-bit handles, never bytes, so a frame is written once (by
// the sending stack, straight into its slot) and read once (by the receiving stack).
//
// Bounded: at most `capacity` frames exist at once; when all are in use, allocation fails and
// the caller counts a drop, like a NIC out of mbufs. A slot's buffer grows to the largest
// frame it has held and is kept, so a warmed-up simulation allocates nothing per packet.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace multios::net::sim {

using FrameHandle = std::uint32_t;

class FramePool {
  public:
    static constexpr std::size_t kDefaultCapacity = 1u << 16;

    explicit FramePool(std::size_t capacity = kDefaultCapacity) : capacity_(capacity) {}

    /// A free slot with room for `max_len` bytes (its length set to `max_len`), or nullopt
    /// when `capacity` frames are in use.
    std::optional<FrameHandle> allocate(std::size_t max_len);
    /// A new frame with the same bytes as `h` (duplication on a link); nullopt when full.
    std::optional<FrameHandle> copy(FrameHandle h);
    void release(FrameHandle h);

    /// Shrinks the frame to its first `len` bytes (after the writer knows its real length).
    void set_length(FrameHandle h, std::size_t len);
    std::span<std::byte> bytes(FrameHandle h);
    std::span<const std::byte> bytes(FrameHandle h) const;
    std::size_t length(FrameHandle h) const { return slots_[h].len; }

    std::size_t in_use() const { return slots_.size() - free_.size(); }
    std::size_t capacity() const { return capacity_; }

  private:
    struct Slot {
        std::vector<std::byte> buf;
        std::size_t len = 0;
    };
    std::size_t capacity_;
    std::vector<Slot> slots_;
    std::vector<FrameHandle> free_;
};

} // namespace multios::net::sim
