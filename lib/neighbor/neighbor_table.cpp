#include "neighbor/neighbor_table.hpp"

#include <algorithm>
#include <cstring>

namespace multios::net {

const char* to_string(NeighborState s) {
    switch (s) {
    case NeighborState::Incomplete:
        return "incomplete";
    case NeighborState::Reachable:
        return "reachable";
    case NeighborState::Stale:
        return "stale";
    case NeighborState::Delay:
        return "delay";
    case NeighborState::Probe:
        return "probe";
    case NeighborState::Failed:
        return "failed";
    }
    return "?";
}

namespace {

// splitmix64 finalizer: spreads addresses that differ in few bits over the whole index. The
// seed keeps remote hosts from choosing addresses that collide (they pick IPv6 interface ids).
std::uint64_t mix64(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

std::uint64_t hash_addr(const Ipv4Address& a, std::uint64_t seed) {
    return mix64(a.to_u32() ^ seed);
}

std::uint64_t hash_addr(const Ipv6Address& a, std::uint64_t seed) {
    std::uint64_t hi = 0;
    std::uint64_t lo = 0;
    for (std::size_t i = 0; i < 8; ++i) {
        hi = (hi << 8) | a.bytes[i];
        lo = (lo << 8) | a.bytes[8 + i];
    }
    return mix64(hi ^ mix64(lo ^ seed));
}

bool has_mac(NeighborState s) {
    return s != NeighborState::Incomplete && s != NeighborState::Failed;
}

std::size_t index_size_for(std::size_t entries) {
    std::size_t n = 2;
    while (n < 2 * entries) // load factor <= 1/2 keeps probe chains short
        n *= 2;
    return n;
}

} // namespace

template <class Addr>
NeighborTable<Addr>::NeighborTable(const NeighborConfig& cfg, std::size_t packet_bytes,
                                   NeighborLink<Addr>& link, DropCounters& drops,
                                   DropReason queue_full, DropReason unresolved)
    : cfg_(cfg), link_(link), drops_(drops), queue_full_(queue_full), unresolved_(unresolved),
      queue_(cfg.queue_total, packet_bytes, cfg.queue_per_entry) {
    cfg_.max_entries = std::max<std::size_t>(cfg_.max_entries, 1);
    entries_.resize(cfg_.max_entries);
    used_.assign(cfg_.max_entries, false);
    free_.reserve(cfg_.max_entries);
    for (std::size_t i = cfg_.max_entries; i-- > 0;)
        free_.push_back(static_cast<std::uint32_t>(i));
    index_.assign(index_size_for(cfg_.max_entries), kEmpty);
    mask_ = index_.size() - 1;
}

template <class Addr>
std::size_t NeighborTable<Addr>::home(const Addr& ip) const {
    return static_cast<std::size_t>(hash_addr(ip, cfg_.hash_seed)) & mask_;
}

template <class Addr>
const typename NeighborTable<Addr>::Entry* NeighborTable<Addr>::find(const Addr& ip) const {
    for (std::size_t h = home(ip); index_[h] != kEmpty; h = (h + 1) & mask_)
        if (entries_[index_[h]].ip == ip)
            return &entries_[index_[h]];
    return nullptr;
}

template <class Addr>
typename NeighborTable<Addr>::Entry* NeighborTable<Addr>::find_mut(const Addr& ip) {
    return const_cast<Entry*>(find(ip));
}

template <class Addr>
typename NeighborTable<Addr>::Entry* NeighborTable<Addr>::create(const Addr& ip, Instant now) {
    if (free_.empty() && !evict_one())
        return nullptr;
    const std::uint32_t idx = free_.back();
    free_.pop_back();
    entries_[idx] = Entry{};
    entries_[idx].ip = ip;
    entries_[idx].changed = now;
    used_[idx] = true;
    ++used_count_;
    std::size_t h = home(ip);
    while (index_[h] != kEmpty)
        h = (h + 1) & mask_;
    index_[h] = idx;
    return &entries_[idx];
}

template <class Addr>
bool NeighborTable<Addr>::evict_one() {
    // Only entries nobody waits on are evicted: Failed first, then the longest-unused Stale.
    // Entries being resolved or probed (and their queued packets) are kept.
    Entry* victim = nullptr;
    for (std::size_t i = 0; i < entries_.size(); ++i) {
        if (!used_[i])
            continue;
        Entry& e = entries_[i];
        if (e.state != NeighborState::Failed && e.state != NeighborState::Stale)
            continue;
        if (!victim)
            victim = &e;
        else if ((e.state == NeighborState::Failed) != (victim->state == NeighborState::Failed)) {
            if (e.state == NeighborState::Failed)
                victim = &e;
        } else if (e.changed < victim->changed)
            victim = &e;
    }
    if (!victim)
        return false;
    erase(*victim);
    return true;
}

template <class Addr>
void NeighborTable<Addr>::erase(Entry& e) {
    const auto idx = static_cast<std::uint32_t>(&e - entries_.data());
    drops_.add(unresolved_, queue_.discard(e.queue));
    std::size_t i = home(e.ip);
    while (index_[i] != idx)
        i = (i + 1) & mask_;
    // Backward-shift deletion: pull later members of the probe chain into the hole unless
    // their home slot lies cyclically in (hole, position].
    index_[i] = kEmpty;
    for (std::size_t j = (i + 1) & mask_; index_[j] != kEmpty; j = (j + 1) & mask_) {
        const std::size_t k = home(entries_[index_[j]].ip);
        const bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
        if (stays)
            continue;
        index_[i] = index_[j];
        index_[j] = kEmpty;
        i = j;
    }
    used_[idx] = false;
    free_.push_back(idx);
    --used_count_;
}

template <class Addr>
void NeighborTable<Addr>::arm(Instant t) {
    next_deadline_ = std::min(next_deadline_, t);
}

template <class Addr>
void NeighborTable<Addr>::set_state(Entry& e, NeighborState s, Instant now) {
    e.state = s;
    e.changed = now;
    switch (s) {
    case NeighborState::Incomplete:
    case NeighborState::Probe:
        e.deadline = now + cfg_.retrans_time;
        break;
    case NeighborState::Reachable:
        e.deadline = e.confirmed + cfg_.reachable_time;
        break;
    case NeighborState::Delay:
        e.deadline = now + cfg_.delay_first_probe;
        break;
    case NeighborState::Stale:
    case NeighborState::Failed:
        e.deadline = now + cfg_.gc_time;
        break;
    }
    arm(e.deadline);
}

template <class Addr>
void NeighborTable<Addr>::resolved(Entry& e, const MacAddress& mac, NeighborState s, Instant now) {
    e.mac = mac;
    e.probes = 0;
    if (s == NeighborState::Reachable)
        e.confirmed = now;
    set_state(e, s, now);
    // RFC 4861 7.2.5: "...and any packets queued for the neighbor awaiting address
    // resolution are sent"; in order, as they were queued.
    queue_.drain(e.queue, [&](std::span<const std::byte> p) { link_.deliver(mac, p); });
}

template <class Addr>
void NeighborTable<Addr>::fail(Entry& e, Instant now) {
    drops_.add(unresolved_, queue_.discard(e.queue));
    e.probes = 0;
    set_state(e, NeighborState::Failed, now);
}

template <class Addr>
std::optional<MacAddress> NeighborTable<Addr>::lookup(const Addr& ip, Instant now) {
    Entry* e = find_mut(ip);
    if (!e || !has_mac(e->state))
        return std::nullopt;
    if (e->state == NeighborState::Reachable && now >= e->confirmed + cfg_.reachable_time)
        set_state(*e, NeighborState::Stale, now);
    // RFC 4861 7.3.3: sending to a Stale entry moves it to Delay; probing follows unless
    // an upper layer confirms reachability first.
    if (e->state == NeighborState::Stale)
        set_state(*e, NeighborState::Delay, now);
    return e->mac;
}

template <class Addr>
bool NeighborTable<Addr>::enqueue(const Addr& ip, std::span<const std::byte> packet, Instant now) {
    if (auto mac = lookup(ip, now)) {
        link_.deliver(*mac, packet);
        return true;
    }
    Entry* e = find_mut(ip);
    if (!e)
        e = create(ip, now);
    if (!e) {
        drops_.add(queue_full_);
        return false;
    }
    if (e->state == NeighborState::Failed) // A new packet restarts resolution (as Linux does).
        e->probes = 0;
    const auto r = queue_.push(e->queue, packet);
    if (e->probes == 0) {
        e->probes = 1;
        set_state(*e, NeighborState::Incomplete, now);
        link_.solicit(ip, nullptr);
    }
    if (r == PendingQueue::PushResult::Queued)
        return true;
    drops_.add(r == PendingQueue::PushResult::TooBig ? DropReason::TxTooBig : queue_full_);
    return false;
}

template <class Addr>
void NeighborTable<Addr>::learn(const Addr& ip, const MacAddress& mac, bool create_entry,
                                Instant now) {
    Entry* e = find_mut(ip);
    if (!e) {
        if (!create_entry || !(e = create(ip, now)))
            return;
        resolved(*e, mac, NeighborState::Stale, now);
        return;
    }
    // RFC 4861 7.2.3: an Incomplete entry records the address and becomes Stale (sending
    // its queue); a different cached address is replaced and the entry becomes Stale.
    if (!has_mac(e->state))
        resolved(*e, mac, NeighborState::Stale, now);
    else if (e->mac != mac) {
        e->mac = mac;
        set_state(*e, NeighborState::Stale, now);
    }
}

template <class Addr>
void NeighborTable<Addr>::advertise(const Addr& ip, const std::optional<MacAddress>& mac,
                                    const NeighborAdvert& a, Instant now) {
    Entry* e = find_mut(ip);
    if (!e)
        return; // RFC 4861 7.2.5: "If no entry exists, the advertisement SHOULD be silently
                // discarded."
    if (!has_mac(e->state)) {
        if (!mac)
            return; // "If the link layer has addresses and no Target Link-Layer Address option is
                    // included, the receiving node SHOULD silently discard the received
                    // advertisement."
        if (a.router)
            e->is_router = *a.router;
        resolved(*e, *mac, a.solicited ? NeighborState::Reachable : NeighborState::Stale, now);
        return;
    }
    const bool differs = mac && *mac != e->mac;
    if (!a.override_ && differs) {
        // "If the Override flag is clear and the supplied link-layer address differs from
        // that in the cache ... if the entry is REACHABLE, set it to STALE"; nothing else.
        if (e->state == NeighborState::Reachable)
            set_state(*e, NeighborState::Stale, now);
        return;
    }
    if (mac)
        e->mac = *mac;
    if (a.router)
        e->is_router = *a.router;
    if (a.solicited) {
        e->confirmed = now;
        e->probes = 0;
        set_state(*e, NeighborState::Reachable, now);
    } else if (differs) {
        set_state(*e, NeighborState::Stale, now);
    }
}

template <class Addr>
void NeighborTable<Addr>::confirm(const Addr& ip, Instant now) {
    Entry* e = find_mut(ip);
    if (!e || !has_mac(e->state))
        return;
    e->confirmed = now;
    e->probes = 0;
    set_state(*e, NeighborState::Reachable, now);
}

template <class Addr>
void NeighborTable<Addr>::mark_router(const Addr& ip, bool is_router) {
    if (Entry* e = find_mut(ip))
        e->is_router = is_router;
}

template <class Addr>
std::vector<NeighborInfo<Addr>> NeighborTable<Addr>::snapshot() const {
    std::vector<NeighborInfo<Addr>> out;
    out.reserve(used_count_);
    for_each([&](const Entry& e) {
        out.push_back({e.ip, e.mac, e.state, e.is_router, e.queue.count});
    });
    return out;
}

template <class Addr>
void NeighborTable<Addr>::remove(const Addr& ip) {
    if (Entry* e = find_mut(ip))
        erase(*e);
}

template <class Addr>
void NeighborTable<Addr>::on_timer(Entry& e, Instant now) {
    switch (e.state) {
    case NeighborState::Incomplete:
        // RFC 4861 7.2.2: retransmit every RetransTimer up to MAX_MULTICAST_SOLICIT times,
        // then give up and drop what was queued.
        if (e.probes < cfg_.max_multicast_probes) {
            ++e.probes;
            e.deadline = now + cfg_.retrans_time;
            link_.solicit(e.ip, nullptr);
        } else {
            fail(e, now);
        }
        break;
    case NeighborState::Reachable:
        set_state(e, NeighborState::Stale, now);
        break;
    case NeighborState::Delay:
        e.probes = 1;
        set_state(e, NeighborState::Probe, now);
        link_.solicit(e.ip, &e.mac);
        break;
    case NeighborState::Probe:
        if (e.probes < cfg_.max_unicast_probes) {
            ++e.probes;
            e.deadline = now + cfg_.retrans_time;
            link_.solicit(e.ip, &e.mac);
        } else {
            fail(e, now);
        }
        break;
    case NeighborState::Stale:
    case NeighborState::Failed:
        erase(e); // Unused for gc_time.
        break;
    }
}

template <class Addr>
void NeighborTable<Addr>::poll(Instant now) {
    if (now < next_deadline_)
        return;
    next_deadline_ = kNever;
    for (std::size_t i = 0; i < entries_.size(); ++i) {
        if (!used_[i])
            continue;
        if (entries_[i].deadline <= now)
            on_timer(entries_[i], now);
        if (used_[i])
            arm(entries_[i].deadline);
    }
}

template class NeighborTable<Ipv4Address>;
template class NeighborTable<Ipv6Address>;

} // namespace multios::net
