// IP fragment reassembly for IPv4 (RFC 791 3.2, with the "hole" bookkeeping idea of RFC 815)
// and IPv6 (RFC 8200 4.5, RFC 5722 overlap rule, RFC 6946 atomic fragments).
//
// Hardening (HARDENING.md rows 1-3, 23): every byte is preallocated at construction: a pool of
// `cap_buffers` chunks, a table of `max_datagrams` datagrams with at most
// `max_fragments_per_datagram` fragments each. When memory or table slots run out the OLDEST
// incomplete datagram is evicted, so a flood of never-completing fragments cannot block
// legitimate reassembly. Any overlap drops the whole datagram; exact duplicates are ignored.
// Work per add() is O(fragments of that datagram).
//
// Storage layout: each datagram owns a page table over its 64 KiB offset space; a fragment's
// bytes are copied to their final offset in lazily allocated chunks, so completion is one
// sequential copy into the scratch buffer.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include <multios/net/address.hpp>
#include <multios/net/time.hpp>

#include "common/drop_reason.hpp"
#include "ip/chunk_pool.hpp"
#include "ip/siphash.hpp"

namespace multios::net {

/// Identifies the datagram a fragment belongs to. RFC 791: (src, dst, protocol, 16-bit id);
/// RFC 8200 4.5: (src, dst, 32-bit id) - leave `protocol` 0 for IPv6.
struct FragmentKey {
    IpAddress src;
    IpAddress dst;
    std::uint32_t id = 0;
    std::uint8_t protocol = 0;

    static FragmentKey v4(const Ipv4Address& src, const Ipv4Address& dst, std::uint16_t id,
                          std::uint8_t protocol) {
        return {src, dst, id, protocol};
    }
    static FragmentKey v6(const Ipv6Address& src, const Ipv6Address& dst, std::uint32_t id) {
        return {src, dst, id, 0};
    }
    bool is_v6() const { return src.is_v6(); }
    friend bool operator==(const FragmentKey&, const FragmentKey&) = default;
};

struct ReassemblyConfig {
    std::size_t cap_buffers = 1024;  ///< Global memory cap, in chunks of `buffer_size`.
    std::size_t buffer_size = 2048;  ///< Chunk size (mbuf data room).
    std::size_t max_datagrams = 256; ///< Datagrams in progress at once.
    std::size_t max_fragments_per_datagram = 128;
    /// Bytes of the offset-0 fragment's leading header kept for ICMP Time Exceeded (RFC 792:
    /// IP header + 64 bits, up to 68 bytes for IPv4) and for rebuilding the datagram.
    std::size_t leading_header_bytes = 128;
    Duration timeout_v4 = std::chrono::seconds(30); ///< Linux ipfrag_time.
    Duration timeout_v6 = std::chrono::seconds(60); ///< RFC 8200 4.5: 60 seconds.
    std::uint64_t seed = 0;                         ///< Hash-table key.
};

enum class ReassemblyStatus : std::uint8_t {
    Incomplete, ///< Stored (or an exact duplicate, ignored); more fragments are needed.
    Complete,   ///< assembled() holds the whole datagram's data.
    Dropped,    ///< This fragment (and maybe its datagram) was dropped and counted.
};

/// A datagram that timed out, as reported by poll().
struct ExpiredDatagram {
    FragmentKey key;
    /// Whether the offset-0 fragment had arrived: RFC 792 / RFC 8200 4.5 send ICMP Time
    /// Exceeded (code 1, "fragment reassembly time exceeded") only in that case.
    bool first_fragment_received = false;
    /// The leading header bytes given with the offset-0 fragment (empty without it).
    std::span<const std::byte> leading_header;
};

class Reassembler {
  public:
    /// Allocates all storage. `drops` must outlive the reassembler.
    Reassembler(const ReassemblyConfig& config, DropCounters& drops);

    /// Adds one fragment: `data` is its fragmentable part, placed at `offset_bytes` (a multiple
    /// of 8) of the original datagram; `more` is MF / M. `leading_header` is only read with the
    /// offset-0 fragment (its first bytes are kept; see ReassemblyConfig::leading_header_bytes).
    /// `header_len` counts toward the 65535-byte limit: IPv4 the IP header length (20 is
    /// assumed when smaller), IPv6 the unfragmentable extension headers (the Payload Length
    /// excludes the fixed header). Drops are counted in the DropCounters under Frag*.
    ReassemblyStatus add(const FragmentKey& key, std::uint16_t offset_bytes, bool more,
                         std::span<const std::byte> data, std::span<const std::byte> leading_header,
                         Instant now, std::size_t header_len = 0);

    /// After add() returned Complete: the datagram's data, offset 0 to its end. Valid until the
    /// next add() or poll().
    std::span<const std::byte> assembled() const { return {scratch_.data(), assembled_len_}; }
    /// After add() returned Complete: the leading header given with its offset-0 fragment.
    std::span<const std::byte> assembled_leading_header() const {
        return {scratch_header_.data(), assembled_header_len_};
    }

    /// Expires datagrams whose timeout (from their first fragment) has passed, counting
    /// FragTimeout and calling `on_expired` for each (it must not call back into this object).
    /// Returns how many expired.
    std::size_t poll(Instant now,
                     const std::function<void(const ExpiredDatagram&)>& on_expired = {});
    /// When poll() next has work, or kNever when nothing is in progress.
    Instant next_deadline() const;

    std::size_t buffers_in_use() const { return pool_.in_use(); }
    std::size_t cap_buffers() const { return pool_.capacity(); }
    std::size_t datagrams_in_progress() const { return in_progress_; }

  private:
    static constexpr std::uint32_t kNone = 0xffffffffu;
    static constexpr std::size_t kMaxDatagram = 65535;

    struct Interval {
        std::uint16_t begin;
        std::uint16_t end; // Exclusive; at most 65535 after validation.
    };
    struct Slot {
        FragmentKey key;
        Instant first_arrival{};
        std::uint32_t hash_next = kNone;
        std::uint32_t older = kNone;
        std::uint32_t newer = kNone;
        std::uint32_t received = 0; ///< Data bytes held (no overlaps, so sum of intervals).
        std::uint32_t total = 0;    ///< Datagram end, known once the last fragment arrived.
        std::uint32_t pages = 0;    ///< Chunks held.
        std::uint16_t fragments = 0;
        std::uint16_t header_len = 0; ///< Largest header length seen (65535 check).
        std::uint16_t leading_len = 0;
        bool has_last = false;
        bool has_first = false;
        bool v6 = false;
    };
    struct Tombstone {
        FragmentKey key;
        Instant until{};
    };
    struct AgeList {
        std::uint32_t oldest = kNone;
        std::uint32_t newest = kNone;
    };

    ReassemblyStatus add_atomic(std::span<const std::byte> data,
                                std::span<const std::byte> leading_header);
    ReassemblyStatus drop_fragment(DropReason why);
    ReassemblyStatus drop_datagram(std::uint32_t s, DropReason why, Instant now);
    std::uint32_t find(const FragmentKey& key) const;
    std::uint32_t open_slot(const FragmentKey& key, Instant now);
    bool recently_dropped(const FragmentKey& key, Instant now) const;
    std::size_t bucket_of(const FragmentKey& key) const;
    std::size_t pages_needed(std::uint32_t s, std::size_t begin, std::size_t end) const;
    bool make_room(std::uint32_t s, std::size_t pages);
    std::uint32_t oldest_except(std::uint32_t s) const;
    void store(std::uint32_t s, std::size_t offset, std::span<const std::byte> data);
    void assemble(std::uint32_t s);
    void release(std::uint32_t s);
    AgeList& age_list(bool v6) { return v6 ? age_v6_ : age_v4_; }
    Duration timeout(bool v6) const { return v6 ? config_.timeout_v6 : config_.timeout_v4; }
    Interval* intervals(std::uint32_t s) {
        return &intervals_[s * config_.max_fragments_per_datagram];
    }
    std::uint32_t* page_table(std::uint32_t s) { return &page_tables_[s * pages_per_datagram_]; }
    std::byte* leading(std::uint32_t s) { return &leading_[s * config_.leading_header_bytes]; }

    ReassemblyConfig config_;
    DropCounters& drops_;
    SipKey hash_key_;
    ChunkPool pool_;
    std::size_t pages_per_datagram_;
    std::vector<Slot> slots_;
    std::vector<Interval> intervals_;
    std::vector<std::uint32_t> page_tables_;
    std::vector<std::byte> leading_;
    std::vector<std::uint32_t> buckets_;
    std::vector<std::uint32_t> free_slots_;
    AgeList age_v4_;
    AgeList age_v6_;
    std::size_t in_progress_ = 0;
    /// RFC 5722 4: after an overlap, later fragments of that datagram are dropped too.
    std::array<Tombstone, 16> tombstones_{};
    std::size_t next_tombstone_ = 0;
    std::vector<std::byte> scratch_;
    std::vector<std::byte> scratch_header_;
    std::size_t assembled_len_ = 0;
    std::size_t assembled_header_len_ = 0;
};

} // namespace multios::net
