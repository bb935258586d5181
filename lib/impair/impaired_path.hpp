// One impaired direction of one link: the model that decides each packet's fate, the delay
// line that holds the packets it delays or reorders, and the counters. Sans-IO and generic over
// the packet handle: the DPDK adapter (drivers/pmd_glue/mbuf_impairment) and the simulator
// both drive it with their own packets and their own `now`.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <span>

#include <multios/net/time.hpp>

#include "impair/delay_line.hpp"
#include "impair/impairment_model.hpp"

namespace multios::net {

struct ImpairCounters {
    std::uint64_t passed = 0;       ///< Not dropped: went on at once or queued to go later.
    std::uint64_t dropped_loss = 0; ///< Lost by the --loss draw.
    std::uint64_t delayed = 0;      ///< Queued because of --delay.
    std::uint64_t reordered = 0;    ///< Held back behind the next packet (--reorder).
    std::uint64_t dropped_full = 0; ///< Refused because the delay line was full.
};

/// What the caller does with a packet it offered.
enum class ImpairDisposition : unsigned char {
    forward, ///< Send/deliver it now (nothing is queued ahead of it).
    queued,  ///< The path keeps it; it comes back through release().
    drop,    ///< Lost or refused: the caller frees it (the counters say which).
};

template <class Handle>
class ImpairedPath {
  public:
    /// A held packet with no follower leaves after max(delay, kMinHold): long enough for the
    /// next packet of a burst to overtake it, short enough not to look like loss to TCP.
    static constexpr Duration kMinHold = std::chrono::milliseconds(10);

    ImpairedPath(const ImpairmentConfig& config, std::uint64_t seed,
                 std::size_t capacity = DelayLine<Handle>::kDefaultCapacity)
        : model_(config, seed), line_(capacity) {}

    ImpairDisposition offer(Handle h, Instant now) {
        const Verdict v = model_.decide(now);
        if (v.drop) {
            ++counters_.dropped_loss;
            return ImpairDisposition::drop;
        }
        if (!v.hold_for_reorder && v.release_at <= now && line_.empty()) {
            ++counters_.passed;
            return ImpairDisposition::forward;
        }
        const DelayLinePush r =
            v.hold_for_reorder
                ? line_.hold(h, v.release_at, now + std::max(model_.config().delay, kMinHold))
                : line_.push(h, v.release_at);
        if (r == DelayLinePush::full) {
            ++counters_.dropped_full;
            return ImpairDisposition::drop;
        }
        ++counters_.passed;
        if (r == DelayLinePush::held) {
            ++counters_.reordered;
        }
        if (v.release_at > now) {
            ++counters_.delayed;
        }
        return ImpairDisposition::queued;
    }

    /// Packets due at `now`, in order, into `out`; returns the count.
    std::size_t release(Instant now, std::span<Handle> out) { return line_.pop_due(now, out); }
    /// Every packet still held, into `out` (at shutdown; the caller frees them).
    std::size_t drain(std::span<Handle> out) { return line_.drain(out); }
    Instant next_release() const { return line_.next_due(); }
    std::size_t held() const { return line_.size(); }
    const ImpairCounters& counters() const { return counters_; }
    const ImpairmentConfig& config() const { return model_.config(); }

  private:
    ImpairmentModel model_;
    DelayLine<Handle> line_;
    ImpairCounters counters_;
};

} // namespace multios::net
