// "Which lcore owns this flow": the one decision that NIC RSS, software steering between
// lcores and active-open port choice must all agree on (issue 4). A flow's owner is
// reta[toeplitz(tuple) & (reta size - 1)], the function a NIC applies to pick an rx queue when
// queue i is polled by lcore i; with the symmetric key both directions of a flow agree.
// Immutable after creation: lcores share it read-only (or each keeps a copy).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "steer/rss_input.hpp"
#include "steer/toeplitz.hpp"
#include "tcp/four_tuple.hpp"

namespace multios::net::steer {

class FlowSteering {
  public:
    /// Upper bounds that keep the object fixed-size (RETA storage is inline).
    static constexpr std::uint16_t kMaxLcores = 128;
    static constexpr std::size_t kMaxRetaSize = 512;
    /// Common NIC RETA sizes are 128 (ixgbe, virtio) and 512 (i40e, ice).
    static constexpr std::size_t kDefaultRetaSize = 128;

    /// A steering for `lcore_count` lcores with a `reta_size`-entry indirection table filled
    /// round-robin (entry i -> lcore i mod count, as DPDK applications usually program NICs).
    /// nullopt unless 1 <= lcore_count <= kMaxLcores and reta_size is a power of two in
    /// [lcore_count rounded up to a power of two, kMaxRetaSize] (every lcore gets entries).
    static std::optional<FlowSteering> create(std::uint16_t lcore_count,
                                              std::size_t reta_size = kDefaultRetaSize,
                                              const RssKey& key = kSymmetricRssKey);

    /// Replaces the indirection table (same size; every entry < lcore_count), e.g. to mirror
    /// what a PMD reports or to rebalance. Returns false and changes nothing otherwise.
    bool set_reta(std::span<const std::uint16_t> entries);

    /// The RSS hash a NIC computes for a packet of `t` arriving here (remote -> local).
    std::uint32_t hash(const FourTuple& t) const {
        return table_.hash(rss_input_received(t).view());
    }
    /// The lcore that a NIC (or software steering) delivers hash `h` to.
    std::uint16_t owner_of_hash(std::uint32_t h) const { return reta_[h & (reta_size_ - 1)]; }
    /// The lcore that owns connection `t`.
    std::uint16_t owner(const FourTuple& t) const { return owner_of_hash(hash(t)); }

    std::uint16_t lcore_count() const { return lcore_count_; }
    std::span<const std::uint16_t> reta() const { return {reta_.data(), reta_size_}; }
    const ToeplitzTable& table() const { return table_; }

  private:
    FlowSteering(std::uint16_t lcore_count, std::size_t reta_size, const RssKey& key);

    ToeplitzTable table_;
    std::array<std::uint16_t, kMaxRetaSize> reta_{};
    std::size_t reta_size_;
    std::uint16_t lcore_count_;
};

/// Active open (issue 4, "as F-Stack and Seastar do"): a predicate on candidate local ports
/// that holds when the connection `tuple` (tuple.local_port ignored) with that local port is
/// owned by `lcore`, so the peer's replies arrive on the lcore that opened it and need no
/// steering. Combine with the port-in-use check and pass to EphemeralPortSelector::choose:
///   LandsOnLcore lands(steering, me, tuple);
///   selector.choose(tuple, [&](std::uint16_t p) { return lands(p) && is_free(p); });
/// Each call costs two table lookups: the hash is linear, so the hash of the tuple without its
/// local port is computed once and each candidate port's two bytes are XORed in.
/// References `steering`, which must outlive it.
class LandsOnLcore {
  public:
    LandsOnLcore(const FlowSteering& steering, std::uint16_t lcore, const FourTuple& tuple);

    bool operator()(std::uint16_t local_port) const {
        const ToeplitzTable& t = steering_->table();
        const std::uint32_t h =
            base_ ^ t.contribution(port_offset_, static_cast<std::uint8_t>(local_port >> 8)) ^
            t.contribution(port_offset_ + 1, static_cast<std::uint8_t>(local_port));
        return steering_->owner_of_hash(h) == lcore_;
    }

  private:
    const FlowSteering* steering_;
    std::uint32_t base_;
    std::size_t port_offset_;
    std::uint16_t lcore_;
};

} // namespace multios::net::steer
