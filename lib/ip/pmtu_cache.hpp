// Path MTU cache: the MTU learned per destination from ICMP "fragmentation needed" (RFC 1191)
// and ICMPv6 "Packet Too Big" (RFC 8201). Bounded (oldest entry evicted), entries age out
// so a path that grew is probed again, and forged tiny MTUs are floored (RFC 5927 / HARDENING.md
// row 11). All storage is allocated at construction.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

#include <multios/net/address.hpp>
#include <multios/net/time.hpp>

#include "ip/siphash.hpp"

namespace multios::net {

struct PmtuConfig {
    std::size_t max_entries = 1024;
    /// RFC 1191 6.3 / RFC 8201 4: an estimate older than this is forgotten ("10 minutes").
    Duration lifetime = std::chrono::minutes(10);
    /// Key for the hash table (so a sender cannot pile its destinations into one bucket).
    std::uint64_t seed = 0;
};

class PmtuCache {
  public:
    static constexpr std::uint32_t kIpv4Ignore = 68;  ///< RFC 791: every host link carries 68.
    static constexpr std::uint32_t kIpv4Floor = 552;  ///< Linux min_pmtu (576 - 24).
    static constexpr std::uint32_t kIpv6Floor = 1280; ///< RFC 8200 5 minimum link MTU.

    explicit PmtuCache(const PmtuConfig& config = {});

    /// Records a reported MTU for `dst`. IPv4: values below 68 are ignored and others clamped to
    /// at least 552; IPv6: values below 1280 count as 1280 (RFC 8201 4). A report never raises a
    /// live estimate (RFC 8201 4: "MUST NOT increase its estimate ... in response to ... Packet
    /// Too Big"); a lower one replaces it and restarts its lifetime.
    void update(const IpAddress& dst, std::uint32_t mtu, Instant now);
    /// MTU to use towards `dst` on a link of `link_mtu`: the live estimate if lower, else link_mtu.
    std::uint32_t lookup(const IpAddress& dst, std::uint32_t link_mtu, Instant now) const;
    /// Entries held, including expired ones not yet reclaimed.
    std::size_t size() const { return used_; }
    /// Reclaims expired entries (optional housekeeping; lookups already ignore them).
    void expire(Instant now);
    void clear();

  private:
    static constexpr std::uint32_t kNone = 0xffffffffu;
    struct Entry {
        IpAddress dst;
        std::uint32_t mtu = 0;
        Instant updated{};
        std::uint32_t hash_next = kNone;
        std::uint32_t older = kNone; ///< Towards the age list head (oldest).
        std::uint32_t newer = kNone;
    };

    std::size_t bucket_of(const IpAddress& dst) const;
    std::uint32_t find(const IpAddress& dst) const;
    bool expired(const Entry& e, Instant now) const { return now - e.updated >= config_.lifetime; }
    void unlink_age(std::uint32_t i);
    void push_newest(std::uint32_t i);
    void release(std::uint32_t i);
    std::uint32_t allocate();

    PmtuConfig config_;
    SipKey key_;
    std::vector<Entry> entries_;
    std::vector<std::uint32_t> buckets_;
    std::vector<std::uint32_t> free_;
    std::uint32_t oldest_ = kNone;
    std::uint32_t newest_ = kNone;
    std::size_t used_ = 0;
};

} // namespace multios::net
