// Packets waiting for link-layer address resolution (ARP, RFC 826; NDP, RFC 4861 7.2.2).
// One preallocated arena of equal-sized slots serves every neighbor entry of a cache: each
// entry owns a FIFO list threaded through the slots. No allocation after construction.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

namespace multios::net {

class PendingQueue {
  public:
    static constexpr std::uint32_t kNil = std::numeric_limits<std::uint32_t>::max();

    /// One entry's FIFO of queued packets (indices into the arena). Value type kept in the
    /// neighbor entry; only the PendingQueue that filled it may touch it.
    struct List {
        std::uint32_t head = kNil;
        std::uint32_t tail = kNil;
        std::uint32_t count = 0;
        bool empty() const { return count == 0; }
    };

    enum class PushResult : std::uint8_t {
        Queued,
        ListFull,  ///< The entry already holds `per_list_limit` packets.
        Exhausted, ///< Every slot of the arena is in use.
        TooBig,    ///< The packet is longer than a slot.
    };

    /// `slots` packets of at most `slot_bytes` each, at most `per_list_limit` per list.
    PendingQueue(std::size_t slots, std::size_t slot_bytes, std::size_t per_list_limit);

    /// Copies `packet` to the tail of `list`.
    PushResult push(List& list, std::span<const std::byte> packet);

    /// Calls `fn(std::span<const std::byte>)` for every packet of `list`, oldest first, and
    /// frees them. The list is detached first, so `fn` may push to it again safely.
    template <class Fn>
    void drain(List& list, Fn&& fn) {
        std::uint32_t i = list.head;
        list = List{};
        while (i != kNil) {
            const std::uint32_t next = next_[i];
            fn(std::span<const std::byte>(slot(i), len_[i]));
            release(i);
            i = next;
        }
    }

    /// Frees every packet of `list`; returns how many were dropped.
    std::size_t discard(List& list);

    std::size_t slot_bytes() const { return slot_bytes_; }
    std::size_t capacity() const { return len_.size(); }
    std::size_t free_slots() const { return free_count_; }

  private:
    const std::byte* slot(std::uint32_t i) const { return arena_.data() + i * slot_bytes_; }
    std::byte* slot(std::uint32_t i) { return arena_.data() + i * slot_bytes_; }
    void release(std::uint32_t i);

    std::size_t slot_bytes_;
    std::size_t per_list_limit_;
    std::vector<std::byte> arena_;
    std::vector<std::uint32_t> next_; ///< Next slot in a list, or in the free list.
    std::vector<std::uint32_t> len_;
    std::uint32_t free_head_ = kNil;
    std::size_t free_count_ = 0;
};

} // namespace multios::net
