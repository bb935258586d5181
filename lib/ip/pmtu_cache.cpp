#include "ip/pmtu_cache.hpp"

#include <algorithm>
#include <array>
#include <bit>

namespace multios::net {
namespace {} // namespace

PmtuCache::PmtuCache(const PmtuConfig& config)
    : config_(config), key_(SipKey::from_seed(config.seed, 0x504d5455)),
      entries_(std::max<std::size_t>(config.max_entries, 1)),
      buckets_(std::bit_ceil(2 * entries_.size()), kNone) {
    free_.reserve(entries_.size());
    clear();
}

void PmtuCache::clear() {
    std::fill(buckets_.begin(), buckets_.end(), kNone);
    free_.clear();
    for (std::size_t i = entries_.size(); i-- > 0;)
        free_.push_back(static_cast<std::uint32_t>(i));
    oldest_ = newest_ = kNone;
    used_ = 0;
}

std::size_t PmtuCache::bucket_of(const IpAddress& dst) const {
    std::array<std::uint8_t, 17> k{};
    k[0] = dst.is_v4() ? 4 : 6;
    if (dst.is_v4())
        std::copy(dst.v4().bytes.begin(), dst.v4().bytes.end(), k.begin() + 1);
    else
        std::copy(dst.v6().bytes.begin(), dst.v6().bytes.end(), k.begin() + 1);
    return siphash24(key_, k) & (buckets_.size() - 1);
}

std::uint32_t PmtuCache::find(const IpAddress& dst) const {
    for (auto i = buckets_[bucket_of(dst)]; i != kNone; i = entries_[i].hash_next)
        if (entries_[i].dst == dst)
            return i;
    return kNone;
}

void PmtuCache::unlink_age(std::uint32_t i) {
    Entry& e = entries_[i];
    (e.older != kNone ? entries_[e.older].newer : oldest_) = e.newer;
    (e.newer != kNone ? entries_[e.newer].older : newest_) = e.older;
    e.older = e.newer = kNone;
}

void PmtuCache::push_newest(std::uint32_t i) {
    Entry& e = entries_[i];
    e.older = newest_;
    e.newer = kNone;
    (newest_ != kNone ? entries_[newest_].newer : oldest_) = i;
    newest_ = i;
}

void PmtuCache::release(std::uint32_t i) {
    unlink_age(i);
    std::uint32_t* link = &buckets_[bucket_of(entries_[i].dst)];
    while (*link != i)
        link = &entries_[*link].hash_next;
    *link = entries_[i].hash_next;
    free_.push_back(i);
    --used_;
}

std::uint32_t PmtuCache::allocate() {
    if (free_.empty())
        release(oldest_); // Bounded size: the least recently updated estimate goes.
    const std::uint32_t i = free_.back();
    free_.pop_back();
    ++used_;
    return i;
}

void PmtuCache::update(const IpAddress& dst, std::uint32_t mtu, Instant now) {
    if (dst.is_v4()) {
        // RFC 791: 68 is the minimum every IPv4 link carries; a report below it is bogus.
        if (mtu < kIpv4Ignore)
            return;
        mtu = std::max(mtu, kIpv4Floor);
    } else {
        // RFC 8201 4: "A node MUST NOT reduce its estimate of the Path MTU below the IPv6
        // minimum link MTU."
        mtu = std::max(mtu, kIpv6Floor);
    }
    std::uint32_t i = find(dst);
    if (i != kNone) {
        Entry& e = entries_[i];
        if (!expired(e, now) && mtu >= e.mtu)
            return;
        e.mtu = mtu;
        e.updated = now;
        unlink_age(i);
        push_newest(i);
        return;
    }
    i = allocate();
    Entry& e = entries_[i];
    e.dst = dst;
    e.mtu = mtu;
    e.updated = now;
    const std::size_t b = bucket_of(dst);
    e.hash_next = buckets_[b];
    buckets_[b] = i;
    push_newest(i);
}

std::uint32_t PmtuCache::lookup(const IpAddress& dst, std::uint32_t link_mtu, Instant now) const {
    const std::uint32_t i = find(dst);
    if (i == kNone || expired(entries_[i], now))
        return link_mtu;
    return std::min(entries_[i].mtu, link_mtu);
}

void PmtuCache::expire(Instant now) {
    // The age list is ordered by last update, so expired entries sit at its head.
    while (oldest_ != kNone && expired(entries_[oldest_], now))
        release(oldest_);
}

} // namespace multios::net
