// The neighbor cache shared by ARP (RFC 826) and NDP (RFC 4861 7.3): one entry per on-link IP
// address with the Neighbor Unreachability Detection states Linux uses (Incomplete,
// Reachable, Stale, Delay, Probe, Failed), the per-entry queue of packets waiting for
// resolution, and bounded storage (fixed entry array + open-addressing index, preallocated
// packet arena). The protocol-specific parts (what a solicitation looks like, how a packet
// is framed) are behind NeighborLink.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include <multios/net/address.hpp>
#include <multios/net/time.hpp>

#include "common/drop_reason.hpp"
#include "neighbor/pending_queue.hpp"

namespace multios::net {

enum class NeighborState : std::uint8_t {
    Incomplete, ///< Resolution in progress (multicast/broadcast solicitations).
    Reachable,  ///< Confirmed within reachable_time.
    Stale,      ///< Address known but unconfirmed; usable, probed on first use.
    Delay,      ///< Used while Stale: wait for upper-layer confirmation, then probe.
    Probe,      ///< Unicast solicitations outstanding.
    Failed,     ///< Resolution or probing failed; next use starts over.
};

/// Lower-case name ("reachable") for the CLI.
const char* to_string(NeighborState s);

struct NeighborConfig {
    Duration reachable_time = std::chrono::seconds(30); ///< RFC 4861 REACHABLE_TIME.
    Duration retrans_time = std::chrono::seconds(1);    ///< RFC 4861 RETRANS_TIMER.
    Duration delay_first_probe = std::chrono::seconds(5);
    unsigned max_multicast_probes = 3;
    unsigned max_unicast_probes = 3;
    Duration gc_time = std::chrono::minutes(5); ///< Unused Stale/Failed entries are removed.
    std::size_t max_entries = 1024; ///< When full, Failed then the oldest Stale entry is evicted.
    std::size_t queue_per_entry = 64;
    std::size_t queue_total = 256;
    std::uint64_t hash_seed = 0;
};

/// Flags of an advertisement (NDP NA, or an ARP reply seen as a solicited override).
struct NeighborAdvert {
    bool solicited = false;
    bool override_ = false;
    std::optional<bool> router; ///< NA R flag; nullopt for ARP.
};

/// What the table needs from its protocol.
template <class Addr>
class NeighborLink {
  public:
    virtual ~NeighborLink() = default;
    /// Sends one solicitation for `target`: broadcast/multicast when `unicast` is null,
    /// else a unicast probe to that MAC.
    virtual void solicit(const Addr& target, const MacAddress* unicast) = 0;
    /// Sends a queued packet to a now-resolved neighbor.
    virtual void deliver(const MacAddress& dst, std::span<const std::byte> packet) = 0;
};

template <class Addr>
struct NeighborEntry {
    Addr ip{};
    MacAddress mac{};
    NeighborState state = NeighborState::Incomplete;
    bool is_router = false;
    unsigned probes = 0; ///< Solicitations sent in the current Incomplete/Probe phase.
    Instant confirmed{}; ///< Last reachability confirmation.
    Instant changed{};   ///< Last state change or use (GC and eviction age).
    Instant deadline = kNever;
    PendingQueue::List queue{};
};

/// One neighbor as listed by the CLI and tests.
template <class Addr>
struct NeighborInfo {
    Addr ip{};
    MacAddress mac{};
    NeighborState state = NeighborState::Incomplete;
    bool is_router = false;
    std::size_t queued = 0;
};

template <class Addr>
class NeighborTable {
  public:
    using Entry = NeighborEntry<Addr>;

    /// `packet_bytes`: largest packet that can wait for resolution (the link MTU).
    /// `queue_full` / `unresolved`: drop reasons counted for refused and failed packets.
    NeighborTable(const NeighborConfig& cfg, std::size_t packet_bytes, NeighborLink<Addr>& link,
                  DropCounters& drops, DropReason queue_full, DropReason unresolved);
    NeighborTable(const NeighborTable&) = delete;
    NeighborTable& operator=(const NeighborTable&) = delete;

    /// Usable MAC for `ip`, or nullopt (absent, Incomplete, Failed). Using a Stale entry
    /// starts the Delay timer (RFC 4861 7.3.3).
    std::optional<MacAddress> lookup(const Addr& ip, Instant now);
    /// Queues `packet` until `ip` resolves, starting resolution if needed; sends it at once
    /// if the entry is already usable. False (counted) when the queue or table is full.
    bool enqueue(const Addr& ip, std::span<const std::byte> packet, Instant now);
    /// Link-layer address learnt without a reachability confirmation (ARP request, NS/RS/RA
    /// source LLA option, Redirect): RFC 4861 7.2.3 / RFC 826 merge. Creates a Stale entry
    /// when `create`; an Incomplete entry becomes Stale and flushes its queue; a changed
    /// address makes the entry Stale.
    void learn(const Addr& ip, const MacAddress& mac, bool create, Instant now);
    /// An advertisement for `ip` (RFC 4861 7.2.5); ignored if there is no entry.
    void advertise(const Addr& ip, const std::optional<MacAddress>& mac, const NeighborAdvert& a,
                   Instant now);
    /// Forward-progress hint from upper layers (RFC 4861 7.3.1): known entries become Reachable.
    void confirm(const Addr& ip, Instant now);
    /// Sets the IsRouter flag of an existing entry (RFC 4861 6.3.4).
    void mark_router(const Addr& ip, bool is_router);
    /// Removes an entry, dropping its queued packets (counted as unresolved).
    void remove(const Addr& ip);

    void poll(Instant now);
    Instant next_deadline() const { return next_deadline_; }

    const Entry* find(const Addr& ip) const;
    std::size_t size() const { return used_count_; }
    std::size_t queued_packets() const { return queue_.capacity() - queue_.free_slots(); }
    /// A copy of every entry (allocates: CLI and tests only).
    std::vector<NeighborInfo<Addr>> snapshot() const;
    /// Calls fn(const Entry&) for every entry (no particular order).
    template <class Fn>
    void for_each(Fn&& fn) const {
        for (std::size_t i = 0; i < entries_.size(); ++i)
            if (used_[i])
                fn(entries_[i]);
    }

  private:
    static constexpr std::uint32_t kEmpty = PendingQueue::kNil;

    Entry* find_mut(const Addr& ip);
    std::size_t home(const Addr& ip) const;
    Entry* create(const Addr& ip, Instant now);
    bool evict_one();
    void erase(Entry& e);
    void set_state(Entry& e, NeighborState s, Instant now);
    void resolved(Entry& e, const MacAddress& mac, NeighborState s, Instant now);
    void fail(Entry& e, Instant now);
    void on_timer(Entry& e, Instant now);
    void arm(Instant t);

    NeighborConfig cfg_;
    NeighborLink<Addr>& link_;
    DropCounters& drops_;
    DropReason queue_full_;
    DropReason unresolved_;
    PendingQueue queue_;
    std::vector<Entry> entries_;
    std::vector<bool> used_;
    std::vector<std::uint32_t> free_;  ///< Stack of unused entry indices.
    std::vector<std::uint32_t> index_; ///< Open addressing, linear probing: entry index or kEmpty.
    std::size_t mask_ = 0;
    std::size_t used_count_ = 0;
    Instant next_deadline_ = kNever;
};

extern template class NeighborTable<Ipv4Address>;
extern template class NeighborTable<Ipv6Address>;

} // namespace multios::net
