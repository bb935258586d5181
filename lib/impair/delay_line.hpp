// A bounded queue of packets waiting for their release time, plus one slot for a packet held
// back behind the next one (reordering). Generic over the packet handle so that the DPDK ports
// keep rte_mbuf* in it and the simulator its own handles; it never touches the packets.
//
// Ordering rules:
//  - Delay keeps FIFO order: a packet never leaves before one pushed earlier. Release times are
//    made monotonic on push (max with the tail), so a shorter delay cannot overtake.
//  - Reorder is "held back behind the next one" (CONTRACTS.md --reorder): a held packet goes
//    into the FIFO right after the next packet pushed, with that packet's release time. If no
//    packet follows, it leaves at its hold deadline, so nothing is stranded. One packet is held
//    at a time; a second hold while one is held is an ordinary push (which frees the first).
//  - Capacity counts the held packet too; a push into a full line is refused (the caller drops
//    and counts the packet). Storage is allocated once, in the constructor.
#pragma once

#include <algorithm>
#include <cstddef>
#include <span>
#include <vector>

#include <multios/net/time.hpp>

namespace multios::net {

enum class DelayLinePush : unsigned char {
    queued, ///< In the FIFO.
    held,   ///< In the hold slot, waiting for the next packet.
    full,   ///< Refused: the line holds `capacity()` packets already.
};

template <class Handle>
class DelayLine {
  public:
    static constexpr std::size_t kDefaultCapacity = 4096;

    explicit DelayLine(std::size_t capacity = kDefaultCapacity)
        : ring_(std::max<std::size_t>(capacity, 1)) {}

    /// Queues `h` to leave at `release_at` (or later, to stay behind earlier packets). A held
    /// packet follows it at once.
    DelayLinePush push(Handle h, Instant release_at) {
        const std::size_t need = has_held_ ? 2 : 1;
        if (count_ + need > ring_.size()) {
            return DelayLinePush::full;
        }
        const Instant at = append(h, release_at);
        if (has_held_) {
            append(held_.handle, at);
            has_held_ = false;
        }
        return DelayLinePush::queued;
    }

    /// Holds `h` back until the next push(); at the latest it leaves at `deadline` (raised to
    /// `release_at` if earlier). With a packet already held, this is push(h, release_at).
    DelayLinePush hold(Handle h, Instant release_at, Instant deadline) {
        if (has_held_) {
            return push(h, release_at);
        }
        if (count_ + 1 > ring_.size()) {
            return DelayLinePush::full;
        }
        held_ = Held{h, std::max(deadline, release_at)};
        has_held_ = true;
        return DelayLinePush::held;
    }

    /// Moves the packets due at `now` into `out` in release order; returns how many (at most
    /// out.size(); the rest stay for the next call).
    std::size_t pop_due(Instant now, std::span<Handle> out) {
        std::size_t n = 0;
        while (n < out.size() && count_ != 0 && ring_[head_].release_at <= now) {
            out[n++] = pop_front();
        }
        // Every FIFO entry is older than the held packet and due no later than its deadline,
        // so the held one leaves only once the FIFO is empty.
        if (n < out.size() && count_ == 0 && has_held_ && held_.deadline <= now) {
            out[n++] = held_.handle;
            has_held_ = false;
        }
        return n;
    }

    /// Moves packets into `out` whatever their release time (shutdown: the owner frees them).
    std::size_t drain(std::span<Handle> out) {
        std::size_t n = 0;
        while (n < out.size() && count_ != 0) {
            out[n++] = pop_front();
        }
        if (n < out.size() && count_ == 0 && has_held_) {
            out[n++] = held_.handle;
            has_held_ = false;
        }
        return n;
    }

    /// When the next packet is due; kNever when the line is empty.
    Instant next_due() const {
        if (count_ != 0) {
            return ring_[head_].release_at;
        }
        return has_held_ ? held_.deadline : kNever;
    }

    std::size_t size() const { return count_ + (has_held_ ? 1 : 0); }
    bool empty() const { return size() == 0; }
    std::size_t capacity() const { return ring_.size(); }

  private:
    struct Slot {
        Handle handle{};
        Instant release_at{};
    };
    struct Held {
        Handle handle{};
        Instant deadline{};
    };

    Instant append(Handle h, Instant release_at) {
        if (count_ != 0) {
            release_at = std::max(release_at, ring_[tail_index()].release_at);
        }
        ring_[(head_ + count_) % ring_.size()] = Slot{h, release_at};
        ++count_;
        return release_at;
    }
    Handle pop_front() {
        Handle h = ring_[head_].handle;
        head_ = (head_ + 1) % ring_.size();
        --count_;
        return h;
    }
    std::size_t tail_index() const { return (head_ + count_ - 1) % ring_.size(); }

    std::vector<Slot> ring_;
    std::size_t head_ = 0;
    std::size_t count_ = 0;
    // A flag and a plain member rather than std::optional: g++ 12 at -O2 reports the
    // optional's payload as maybe-uninitialized.
    Held held_{};
    bool has_held_ = false;
};

} // namespace multios::net
