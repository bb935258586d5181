// A single-producer/single-consumer ring of fixed-size slots that lives inside shared memory
// (a SharedSegment), for requests and completions between the daemon and one client. The
// byte-level format (header, offsets, framing) is specified in docs/shm.md.
//
// Trust model: the peer process may be buggy or hostile and may write anything anywhere in the
// shared range at any time. So the geometry (slot size, slot count) is read and validated once
// by format()/open() and then kept in this process-local SpscRing object, never re-read; slot
// indices are reduced with a mask, and the occupancy (tail - head) is checked on every push and
// pop. A scribbling peer can garble or stall its own traffic, never make us access memory
// outside the range we were given.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <type_traits>

#include <multios/net/result.hpp>

namespace multios::net::shm {

/// The ring header at offset 0 of the ring's range, 192 bytes. Only standard-layout integers
/// and lock-free std::atomic<std::uint32_t>: a lock-free atomic is a plain 32-bit word that is
/// *address-free* ([atomics.lockfree]: it works through two different mappings of the same
/// page, in two processes), which is what cross-process sharing needs. A mutex-based atomic
/// would not be.
struct RingHeader {
    static constexpr std::uint32_t kMagic = 0x3152534d; // "MSR1" read as little-endian bytes
    static constexpr std::uint32_t kVersion = 1;
    static constexpr std::uint32_t kCacheLine = 64;

    /// Written last by format() (release), so an opener never sees a half-written header.
    std::atomic<std::uint32_t> magic;
    std::uint32_t version;
    std::uint32_t slot_size;    ///< bytes per slot, multiple of 8, 8..kMaxSlotSize
    std::uint32_t slot_count;   ///< power of two, 1..2^24
    std::uint32_t slots_offset; ///< offset of slot 0 from the header (sizeof(RingHeader))
    std::uint32_t reserved[11];
    /// Consumer's index: next slot to read. Free-running, slot = head mod slot_count.
    alignas(kCacheLine) std::atomic<std::uint32_t> head;
    std::uint32_t head_pad[15];
    /// Producer's index: next slot to write. Free-running.
    alignas(kCacheLine) std::atomic<std::uint32_t> tail;
    std::uint32_t tail_pad[15];
};

static_assert(std::atomic<std::uint32_t>::is_always_lock_free,
              "process-shared indices need address-free (lock-free) atomics");
static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t));
static_assert(std::is_standard_layout_v<RingHeader>);
static_assert(offsetof(RingHeader, head) == 64 && offsetof(RingHeader, tail) == 128);
static_assert(sizeof(RingHeader) == 192);

/// A process-local handle on a ring in shared memory. Cheap to copy, but each side (producer,
/// consumer) must use exactly one handle at a time: the handle caches the peer's index.
class SpscRing {
  public:
    static constexpr std::uint32_t kLengthPrefix = 4;
    static constexpr std::uint32_t kMaxSlotSize = 1u << 20;
    static constexpr std::uint32_t kMaxSlotCount = 1u << 24;

    /// Bytes a ring of `slot_count` slots of `slot_size` bytes occupies.
    static constexpr std::size_t bytes_needed(std::uint32_t slot_size, std::uint32_t slot_count) {
        return sizeof(RingHeader) + std::size_t{slot_size} * slot_count;
    }

    /// Writes an empty ring over [mem, mem + bytes) with as many slots (a power of two) as fit.
    /// `mem` must be 64-byte aligned; `slot_size` a multiple of 8 in [8, kMaxSlotSize].
    /// EINVAL when these do not hold or not even one slot fits.
    static Result<SpscRing> format(void* mem, std::size_t bytes, std::uint32_t slot_size);
    /// Validates a ring another process formatted in [mem, mem + bytes): magic, version,
    /// geometry within `bytes`, and an occupancy no larger than the slot count. EINVAL
    /// otherwise (bad input from the peer is an error, never a crash).
    static Result<SpscRing> open(void* mem, std::size_t bytes);

    /// Producer: copies `msg` (at most max_message() bytes) into the next slot. False when
    /// the ring is full, when msg is too long, or when the indices are inconsistent.
    bool try_push(std::span<const std::byte> msg);
    /// Consumer: copies the oldest message into `out` (truncated to out.size()) and returns its
    /// length; nullopt when empty or when the indices are inconsistent (see corrupted()).
    std::optional<std::size_t> try_pop(std::span<std::byte> out);
    /// No message to pop (as seen now).
    bool empty() const;
    /// The indices in shared memory describe an impossible state (tail - head > slot_count):
    /// the peer scribbled on the header. The ring stays unusable until re-formatted.
    bool corrupted() const;

    std::uint32_t slot_size() const noexcept { return slot_size_; }
    std::uint32_t slot_count() const noexcept { return mask_ + 1; }
    std::size_t max_message() const noexcept { return slot_size_ - kLengthPrefix; }

  private:
    SpscRing(RingHeader* h, std::uint32_t slot_size, std::uint32_t slot_count) noexcept;
    std::byte* slot(std::uint32_t index) const noexcept;

    RingHeader* hdr_;
    std::byte* slots_;
    std::uint32_t slot_size_;
    std::uint32_t mask_;
    // Last seen value of the peer's index: re-read only when the ring looks full (producer) or
    // empty (consumer), which keeps the other side's cache line out of the common path.
    std::uint32_t cached_head_ = 0;
    std::uint32_t cached_tail_ = 0;
};

} // namespace multios::net::shm
