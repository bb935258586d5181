// The TCP send buffer: bytes the application has written and the peer has not yet acknowledged
// (RFC 9293 3.3.1, the part of the send sequence space from SND.UNA onwards). It holds both
// the unacknowledged bytes (SND.UNA .. SND.NXT) and the not-yet-sent ones (SND.NXT .. end());
// SND.NXT itself, SYN and FIN accounting belong to the connection state machine.
//
// Storage is one byte ring anchored at SND.UNA: ack() only moves the anchor, write() copies into
// the free part, copy_out()/peek() read any sent or unsent byte by its sequence number (for new
// segments and retransmissions). The ring is allocated by the first write() (an idle connection
// holds none, tcp/byte_storage.hpp), once; no other allocation, no clock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "tcp/byte_storage.hpp"
#include "tcp/seq.hpp"

namespace multios::net::tcp {

/// Up to two contiguous pieces of a ring (the second is non-empty only when the requested range
/// wraps around the end of the storage). Valid until the buffer is next modified.
struct ByteSlices {
    std::span<const std::byte> first;
    std::span<const std::byte> second;

    std::size_t size() const { return first.size() + second.size(); }
    bool empty() const { return size() == 0; }
};

class SendBuffer {
  public:
    /// Largest capacity: the send window can never exceed 2^30 (RFC 7323 2.3), and keeping the
    /// buffer well below 2^31 keeps every sequence comparison in it unambiguous.
    static constexpr std::size_t kMaxCapacity = std::size_t{1} << 30;

    /// A buffer of `capacity` bytes (clamped to kMaxCapacity), allocated by the first write()
    /// that stores anything. SND.UNA starts at 0 until set_una() is called.
    explicit SendBuffer(std::size_t capacity);

    /// Copies as many leading bytes of `data` as fit; returns how many (0 when full).
    std::size_t write(std::span<const std::byte> data);

    /// Drops the bytes acknowledged by `new_una` and moves SND.UNA there; returns how many were
    /// dropped. An ack outside [una(), end()] (old, duplicate or acking unsent data) is ignored
    /// and returns 0: RFC 9293 3.10.7.4 decides what to answer to those, not the buffer.
    std::size_t ack(SeqNum new_una);

    /// Copies bytes starting at sequence `from` into `out`; returns the count, which is
    /// min(out.size(), end() - from), or 0 when `from` is outside [una(), end()].
    std::size_t copy_out(SeqNum from, std::span<std::byte> out) const;

    /// Zero-copy view of up to `n` bytes starting at `from` (same bounds as copy_out()), as at
    /// most two spans so a segment builder can copy straight into its packet buffer.
    ByteSlices peek(SeqNum from, std::size_t n) const;

    /// Anchors the buffer at SND.UNA = `una` (ISS + 1 at connection start). Bytes already
    /// written (data queued before the handshake completed) are kept and renumbered from `una`.
    void set_una(SeqNum una) { una_ = una; }

    SeqNum una() const { return una_; }
    /// One past the last byte written: una() + size().
    SeqNum end() const { return una_ + static_cast<std::uint32_t>(size_); }

    /// Unacknowledged plus unsent bytes.
    std::size_t size() const { return size_; }
    std::size_t free_space() const { return storage_.size() - size_; }
    std::size_t capacity() const { return storage_.size(); }
    bool empty() const { return size_ == 0; }
    /// Frees the ring when it holds nothing (capacity() is unchanged; a later write()
    /// allocates again). For a connection that will send no more (TIME-WAIT).
    void release_if_empty();
    /// The ring is allocated (for tests and memory accounting).
    bool allocated() const { return storage_.allocated(); }

  private:
    /// Ring index of the byte `offset` bytes after SND.UNA (offset <= capacity).
    std::size_t ring_index(std::size_t offset) const;
    /// Offset of sequence `from` after SND.UNA, or kOutside when `from` is not in
    /// [una(), end()].
    std::size_t offset_of(SeqNum from) const;

    static constexpr std::size_t kOutside = static_cast<std::size_t>(-1);

    ByteStorage storage_;
    std::size_t head_ = 0; ///< Ring index of SND.UNA.
    std::size_t size_ = 0;
    SeqNum una_{};
};

} // namespace multios::net::tcp
