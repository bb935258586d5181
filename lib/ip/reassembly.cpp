#include "ip/reassembly.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

namespace multios::net {
namespace {

ReassemblyConfig sanitized(ReassemblyConfig c) {
    c.cap_buffers = std::max<std::size_t>(c.cap_buffers, 1);
    c.buffer_size = std::max<std::size_t>(c.buffer_size, 64);
    c.max_datagrams = std::clamp<std::size_t>(c.max_datagrams, 1, 65536);
    c.max_fragments_per_datagram = std::clamp<std::size_t>(c.max_fragments_per_datagram, 1, 8192);
    return c;
}

template <class Addr>
std::size_t put_address(std::uint8_t* out, const Addr& a) {
    std::copy(a.bytes.begin(), a.bytes.end(), out);
    return a.bytes.size();
}

std::size_t put_address(std::uint8_t* out, const IpAddress& a) {
    return a.is_v4() ? put_address(out, a.v4()) : put_address(out, a.v6());
}

} // namespace

Reassembler::Reassembler(const ReassemblyConfig& config, DropCounters& drops)
    : config_(sanitized(config)), drops_(drops),
      hash_key_(SipKey::from_seed(config.seed, 0x52534d)),
      pool_(config_.cap_buffers, config_.buffer_size),
      pages_per_datagram_((kMaxDatagram + config_.buffer_size - 1) / config_.buffer_size),
      slots_(config_.max_datagrams),
      intervals_(config_.max_datagrams * config_.max_fragments_per_datagram),
      page_tables_(config_.max_datagrams * pages_per_datagram_, ChunkPool::kNoChunk),
      leading_(config_.max_datagrams * config_.leading_header_bytes),
      buckets_(std::bit_ceil(2 * config_.max_datagrams), kNone), scratch_(kMaxDatagram),
      scratch_header_(config_.leading_header_bytes) {
    free_slots_.reserve(slots_.size());
    for (std::size_t i = slots_.size(); i-- > 0;)
        free_slots_.push_back(static_cast<std::uint32_t>(i));
}

ReassemblyStatus Reassembler::add(const FragmentKey& key, std::uint16_t offset_bytes, bool more,
                                  std::span<const std::byte> data,
                                  std::span<const std::byte> leading_header, Instant now,
                                  std::size_t header_len) {
    assembled_len_ = 0;
    assembled_header_len_ = 0;
    const bool v6 = key.src.is_v6();
    // RFC 8200 4.5: a fragment that is not last must be a multiple of 8 octets long; empty
    // fragments carry nothing and only cost state, so they are refused as malformed too.
    if (data.empty() || (more && data.size() % 8 != 0) || offset_bytes % 8 != 0)
        return drop_fragment(DropReason::FragBad);
    if (!v6)
        header_len = std::max<std::size_t>(header_len, 20);
    const std::size_t begin = offset_bytes;
    const std::size_t end = begin + data.size();
    // RFC 6946 4: an atomic fragment (offset 0, M=0) is processed in isolation.
    if (begin == 0 && !more) {
        if (header_len + end > kMaxDatagram)
            return drop_fragment(DropReason::FragTooBig);
        return add_atomic(data, leading_header);
    }
    std::uint32_t s = find(key);
    // RFC 791 / RFC 8200 4.5: the reassembled length must fit the 16-bit length field
    // (ping of death). The datagram can never complete, so it goes as a whole.
    const std::size_t hdr =
        std::max<std::size_t>(header_len, s != kNone ? slots_[s].header_len : 0);
    const std::size_t extent =
        std::max<std::size_t>(end, s != kNone && slots_[s].has_last ? slots_[s].total : 0);
    if (hdr + extent > kMaxDatagram)
        return s != kNone ? drop_datagram(s, DropReason::FragTooBig, now)
                          : drop_fragment(DropReason::FragTooBig);
    if (s == kNone) {
        if (recently_dropped(key, now))
            return drop_fragment(DropReason::FragOverlap);
        s = open_slot(key, now);
    }
    Slot& d = slots_[s];
    Interval* iv = intervals(s);
    const std::size_t seen_end = d.fragments != 0 ? iv[d.fragments - 1].end : 0;
    // RFC 8200 4.5 / RFC 791: a second "last" fragment must agree on the end; data beyond a
    // known end, or a last fragment ending before data already held, is inconsistent.
    if (!more && ((d.has_last && end != d.total) || (!d.has_last && end < seen_end)))
        return drop_datagram(s, DropReason::FragBad, now);
    if (more && d.has_last && end > d.total)
        return drop_datagram(s, DropReason::FragBad, now);
    // Sorted insert position: first interval beginning at or after `begin`.
    const Interval* pos = std::lower_bound(
        iv, iv + d.fragments, begin, [](const Interval& x, std::size_t b) { return x.begin < b; });
    const std::size_t at = static_cast<std::size_t>(pos - iv);
    if (at < d.fragments && iv[at].begin == begin && iv[at].end == end)
        return ReassemblyStatus::Incomplete; // RFC 8200 4.5: exact duplicates may be dropped.
    // RFC 5722 4: any overlap abandons the whole datagram.
    if ((at < d.fragments && iv[at].begin < end) || (at > 0 && iv[at - 1].end > begin))
        return drop_datagram(s, DropReason::FragOverlap, now);
    if (d.fragments == config_.max_fragments_per_datagram)
        return drop_datagram(s, DropReason::FragNoMemory, now);
    // Once the end is known, a datagram whose data can never fit the cap goes before it
    // evicts anything.
    const std::size_t known_end = more ? (d.has_last ? d.total : 0) : end;
    const std::size_t chunk = pool_.chunk_size();
    if ((known_end + chunk - 1) / chunk > pool_.capacity() ||
        !make_room(s, pages_needed(s, begin, end)))
        return drop_datagram(s, DropReason::FragNoMemory, now);
    store(s, begin, data);
    std::copy_backward(iv + at, iv + d.fragments, iv + d.fragments + 1);
    iv[at] = {static_cast<std::uint16_t>(begin), static_cast<std::uint16_t>(end)};
    ++d.fragments;
    d.received += static_cast<std::uint32_t>(data.size());
    d.header_len = static_cast<std::uint16_t>(hdr);
    if (!more) {
        d.has_last = true;
        d.total = static_cast<std::uint32_t>(end);
    }
    if (begin == 0) {
        d.has_first = true;
        d.leading_len = static_cast<std::uint16_t>(
            std::min(leading_header.size(), config_.leading_header_bytes));
        std::copy_n(leading_header.begin(), d.leading_len, leading(s));
    }
    // No overlaps are ever held, so the data is complete exactly when its bytes add up.
    if (d.has_last && d.received == d.total) {
        assemble(s);
        return ReassemblyStatus::Complete;
    }
    return ReassemblyStatus::Incomplete;
}

ReassemblyStatus Reassembler::add_atomic(std::span<const std::byte> data,
                                         std::span<const std::byte> leading_header) {
    std::copy(data.begin(), data.end(), scratch_.begin());
    assembled_len_ = data.size();
    assembled_header_len_ = std::min(leading_header.size(), scratch_header_.size());
    std::copy_n(leading_header.begin(), assembled_header_len_, scratch_header_.begin());
    return ReassemblyStatus::Complete;
}

ReassemblyStatus Reassembler::drop_fragment(DropReason why) {
    drops_.add(why);
    return ReassemblyStatus::Dropped;
}

ReassemblyStatus Reassembler::drop_datagram(std::uint32_t s, DropReason why, Instant now) {
    if (why == DropReason::FragOverlap) {
        Tombstone& t = tombstones_[next_tombstone_];
        next_tombstone_ = (next_tombstone_ + 1) % tombstones_.size();
        t.key = slots_[s].key;
        t.until = now + timeout(slots_[s].v6);
    }
    release(s);
    return drop_fragment(why);
}

bool Reassembler::recently_dropped(const FragmentKey& key, Instant now) const {
    for (const auto& t : tombstones_)
        if (t.until > now && t.key == key)
            return true;
    return false;
}

std::size_t Reassembler::bucket_of(const FragmentKey& key) const {
    std::array<std::uint8_t, 38> k{};
    std::size_t n = 0;
    k[n++] = key.src.is_v4() ? 4 : 6;
    n += put_address(&k[n], key.src);
    n += put_address(&k[n], key.dst);
    for (int shift = 24; shift >= 0; shift -= 8)
        k[n++] = static_cast<std::uint8_t>(key.id >> shift);
    k[n++] = key.protocol;
    return siphash24(hash_key_, std::span(k.data(), n)) & (buckets_.size() - 1);
}

std::uint32_t Reassembler::find(const FragmentKey& key) const {
    for (auto s = buckets_[bucket_of(key)]; s != kNone; s = slots_[s].hash_next)
        if (slots_[s].key == key)
            return s;
    return kNone;
}

std::uint32_t Reassembler::open_slot(const FragmentKey& key, Instant now) {
    if (free_slots_.empty()) {
        // Table full: the oldest incomplete datagram makes way (HARDENING.md row 3).
        release(oldest_except(kNone));
        drops_.add(DropReason::FragEvicted);
    }
    const std::uint32_t s = free_slots_.back();
    free_slots_.pop_back();
    Slot& d = slots_[s];
    d = Slot{};
    d.key = key;
    d.first_arrival = now;
    d.v6 = key.src.is_v6();
    const std::size_t b = bucket_of(key);
    d.hash_next = buckets_[b];
    buckets_[b] = s;
    AgeList& list = age_list(d.v6);
    d.older = list.newest;
    (list.newest != kNone ? slots_[list.newest].newer : list.oldest) = s;
    list.newest = s;
    ++in_progress_;
    return s;
}

std::uint32_t Reassembler::oldest_except(std::uint32_t s) const {
    auto head = [&](const AgeList& l) {
        const std::uint32_t h = l.oldest;
        return h == s && h != kNone ? slots_[h].newer : h;
    };
    const std::uint32_t a = head(age_v4_);
    const std::uint32_t b = head(age_v6_);
    if (a == kNone)
        return b;
    if (b == kNone)
        return a;
    return slots_[b].first_arrival < slots_[a].first_arrival ? b : a;
}

std::size_t Reassembler::pages_needed(std::uint32_t s, std::size_t begin, std::size_t end) const {
    const std::size_t size = pool_.chunk_size();
    const std::uint32_t* table = &page_tables_[s * pages_per_datagram_];
    std::size_t n = 0;
    for (std::size_t p = begin / size; p <= (end - 1) / size; ++p)
        n += table[p] == ChunkPool::kNoChunk ? 1 : 0;
    return n;
}

bool Reassembler::make_room(std::uint32_t s, std::size_t pages) {
    // A datagram that would need more than the whole cap cannot be reassembled at all.
    if (slots_[s].pages + pages > pool_.capacity())
        return false;
    // Evict the oldest other datagrams first: a flood of incomplete fragments must not block
    // a datagram that can still complete (HARDENING.md row 3).
    while (pool_.available() < pages) {
        release(oldest_except(s));
        drops_.add(DropReason::FragEvicted);
    }
    return true;
}

void Reassembler::store(std::uint32_t s, std::size_t offset, std::span<const std::byte> data) {
    const std::size_t size = pool_.chunk_size();
    std::uint32_t* table = page_table(s);
    std::size_t done = 0;
    while (done < data.size()) {
        const std::size_t pos = offset + done;
        std::uint32_t& page = table[pos / size];
        if (page == ChunkPool::kNoChunk) {
            page = pool_.allocate(); // make_room() guaranteed it.
            ++slots_[s].pages;
        }
        const std::size_t in_page = pos % size;
        const std::size_t n = std::min(size - in_page, data.size() - done);
        std::memcpy(pool_.chunk(page).data() + in_page, data.data() + done, n);
        done += n;
    }
}

void Reassembler::assemble(std::uint32_t s) {
    const Slot& d = slots_[s];
    const std::size_t size = pool_.chunk_size();
    const std::uint32_t* table = page_table(s);
    for (std::size_t pos = 0; pos < d.total; pos += size)
        std::memcpy(scratch_.data() + pos, pool_.chunk(table[pos / size]).data(),
                    std::min(size, std::size_t{d.total} - pos));
    assembled_len_ = d.total;
    assembled_header_len_ = d.leading_len;
    std::copy_n(leading(s), d.leading_len, scratch_header_.begin());
    release(s);
}

void Reassembler::release(std::uint32_t s) {
    Slot& d = slots_[s];
    std::uint32_t* table = page_table(s);
    for (std::size_t p = 0; p < pages_per_datagram_ && d.pages != 0; ++p) {
        if (table[p] != ChunkPool::kNoChunk) {
            pool_.release(table[p]);
            table[p] = ChunkPool::kNoChunk;
            --d.pages;
        }
    }
    std::uint32_t* link = &buckets_[bucket_of(d.key)];
    while (*link != s)
        link = &slots_[*link].hash_next;
    *link = d.hash_next;
    AgeList& list = age_list(d.v6);
    (d.older != kNone ? slots_[d.older].newer : list.oldest) = d.newer;
    (d.newer != kNone ? slots_[d.newer].older : list.newest) = d.older;
    d.hash_next = d.older = d.newer = kNone;
    free_slots_.push_back(s);
    --in_progress_;
}

std::size_t Reassembler::poll(Instant now,
                              const std::function<void(const ExpiredDatagram&)>& on_expired) {
    assembled_len_ = 0;
    assembled_header_len_ = 0;
    std::size_t expired = 0;
    for (bool v6 : {false, true}) {
        const AgeList& list = age_list(v6);
        // Each age list is in arrival order, so expired datagrams sit at its head.
        while (list.oldest != kNone && slots_[list.oldest].first_arrival + timeout(v6) <= now) {
            const std::uint32_t s = list.oldest;
            if (on_expired) {
                const Slot& d = slots_[s];
                on_expired(ExpiredDatagram{d.key, d.has_first, {leading(s), d.leading_len}});
            }
            release(s);
            drops_.add(DropReason::FragTimeout);
            ++expired;
        }
    }
    return expired;
}

Instant Reassembler::next_deadline() const {
    Instant t = kNever;
    if (age_v4_.oldest != kNone)
        t = std::min(t, slots_[age_v4_.oldest].first_arrival + config_.timeout_v4);
    if (age_v6_.oldest != kNone)
        t = std::min(t, slots_[age_v6_.oldest].first_arrival + config_.timeout_v6);
    return t;
}

} // namespace multios::net
