#include "neighbor/ndp.hpp"

#include <algorithm>
#include <array>
#include <cstring>

#include <multios/net/wire/bytes.hpp>
#include <multios/net/wire/ethernet.hpp>

#include "neighbor/link_frame.hpp"

namespace multios::net {

namespace {

constexpr std::uint8_t kNdHopLimit = 255;
constexpr std::uint16_t kMinIpv6Mtu = 1280;              // RFC 8200 5
constexpr std::uint32_t kInfiniteLifetime = 0xffffffffu; // RFC 4861 4.6.2
constexpr Duration kTwoHours = std::chrono::hours(2);    // RFC 4862 5.5.3 (e)
// RFC 4861 4.4 flag bits.
constexpr std::uint32_t kNaRouter = 0x80000000u;
constexpr std::uint32_t kNaSolicited = 0x40000000u;
constexpr std::uint32_t kNaOverride = 0x20000000u;
constexpr std::size_t kLlaOptionLen = 8;
constexpr std::size_t kRedirectFixedLen = 32; // target + destination

std::uint64_t splitmix(std::uint64_t& state) {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

NeighborConfig seeded(NeighborConfig c, std::uint64_t seed) {
    std::uint64_t s = seed;
    c.hash_seed ^= splitmix(s);
    return c;
}

/// ff02::1:ffXX:XXXX (RFC 4291 2.7.1): the first 104 bits are fixed.
bool is_solicited_node(const Ipv6Address& a) {
    static constexpr Ipv6Address kPrefix = Ipv6Address{}.solicited_node();
    return std::equal(a.bytes.begin(), a.bytes.begin() + 13, kPrefix.bytes.begin());
}

Instant lifetime_end(Instant now, std::uint32_t seconds) {
    if (seconds == kInfiniteLifetime)
        return kNever;
    return now + std::chrono::seconds(seconds);
}

/// Parse failures are NdpMalformed, except a multicast target, which is a validity rule
/// (RFC 4861 7.1.1 / 7.1.2) and counted NdpInvalid.
DropReason parse_drop_reason(wire::ParseError e) {
    return e == wire::ParseError::BadAddress ? DropReason::NdpInvalid : DropReason::NdpMalformed;
}

Ipv6Address load_ipv6(const std::byte* p) {
    Ipv6Address a;
    std::memcpy(a.bytes.data(), p, a.bytes.size());
    return a;
}

void store_ipv6(std::byte* p, const Ipv6Address& a) {
    std::memcpy(p, a.bytes.data(), a.bytes.size());
}

} // namespace

Ndp::Ndp(InterfaceInfo& iface, FrameSink& sink, DropCounters& drops, NdpConfig cfg,
         std::uint64_t seed)
    : iface_(iface), sink_(sink), drops_(drops), cfg_(cfg), rng_(seed), link_mtu_(iface.mtu),
      table_(seeded(cfg.neighbor, seed), std::max(iface.mtu, kMinIpv6Mtu), *this, drops,
             DropReason::NdpQueueFull, DropReason::NdpUnresolved) {
    dad_.reserve(cfg_.max_addresses);
    routers_.reserve(cfg_.max_routers);
}

Duration Ndp::random_upto(Duration max) {
    if (max <= Duration::zero())
        return Duration::zero();
    const auto span = static_cast<std::uint64_t>(max.count()) + 1;
    return Duration(static_cast<Duration::rep>(splitmix(rng_) % span));
}

// ---------------------------------------------------------------------------------------
// Addresses and DAD (RFC 4862 5.4)

void Ndp::start(Instant now) {
    started_ = true;
    if (cfg_.link_local) {
        const Ipv6Address ll = Ipv6Address::link_local_from_mac(iface_.mac);
        if (!iface_.find_v6(ll))
            add_address(ll, 64, now);
    }
    // Addresses the owner put on the list as Tentative before start() also need DAD.
    for (const auto& a : iface_.v6) {
        const bool tracked = std::any_of(dad_.begin(), dad_.end(),
                                         [&](const DadJob& j) { return j.address == a.address; });
        if (a.state == Ipv6AddressState::Tentative && !tracked)
            schedule_dad(a.address, now);
    }
    rs_sent_ = 0;
    rs_next_ = now + random_upto(cfg_.rtr_solicitation_delay_max);
}

bool Ndp::add_address(const Ipv6Address& a, std::uint8_t prefix_len, Instant now, bool skip_dad) {
    if (Ipv6Assignment* existing = iface_.find_v6(a)) {
        existing->prefix_len = prefix_len;
        return true;
    }
    if (iface_.v6.size() >= cfg_.max_addresses)
        return false;
    Ipv6Assignment x;
    x.address = a;
    x.prefix_len = prefix_len;
    x.state = skip_dad ? Ipv6AddressState::Preferred : Ipv6AddressState::Tentative;
    iface_.v6.push_back(x);
    ++iface_.v6_changes;
    if (!skip_dad)
        schedule_dad(a, now);
    return true;
}

void Ndp::remove_address(const Ipv6Address& a) {
    std::erase_if(dad_, [&](const DadJob& j) { return j.address == a; });
    if (std::erase_if(iface_.v6, [&](const Ipv6Assignment& x) { return x.address == a; }) > 0)
        ++iface_.v6_changes;
}

void Ndp::schedule_dad(const Ipv6Address& a, Instant now, Answer answer) {
    if (cfg_.dad_transmits == 0) { // RFC 4862 5.4: DupAddrDetectTransmits 0 disables DAD.
        dad_succeeded(a, now);
        return;
    }
    if (!cfg_.speaker || answer == Answer::No) {
        // Silent DAD (multi-core, issue 4): another lcore sends the probes for this address
        // (the speaker at start-up, the lcore that received the RA for a SLAAC address) and
        // any conflicting NS/NA reaches this shard as a replica. This shard must not call
        // the address unique before that lcore could have seen a conflict: its first probe
        // goes out after a random delay of at most dad_delay_max, then dad_transmits probes
        // dad_retrans apart. Waiting the maximum delay (instead of drawing one) and then the
        // same number of retrans periods ends here no earlier than there (the shards start
        // at the same `now`); whenever the probing lcore drew less than the maximum, the
        // difference also absorbs the replica's hop between lcores.
        dad_.push_back({a, now + cfg_.dad_delay_max, cfg_.dad_transmits, false});
        return;
    }
    // RFC 4862 5.4.2: the first NS is delayed by a random time to avoid synchronised
    // transmissions when many nodes start together.
    dad_.push_back({a, now + random_upto(cfg_.dad_delay_max), cfg_.dad_transmits, true});
}

void Ndp::run_dad(Instant now) {
    for (std::size_t i = 0; i < dad_.size();) {
        DadJob& j = dad_[i];
        if (j.next > now) {
            ++i;
            continue;
        }
        if (j.remaining == 0) {
            // RFC 4862 5.4: no NS/NA for the address within RetransTimer after the last NS.
            const Ipv6Address a = j.address;
            dad_.erase(dad_.begin() + static_cast<std::ptrdiff_t>(i));
            dad_succeeded(a, now);
            continue;
        }
        --j.remaining;
        j.next = now + cfg_.dad_retrans;
        if (!j.transmit) {
            ++i; // Silent: another lcore probes; a conflict reaches us as a replica.
            continue;
        }
        // RFC 4862 5.4.2: NS from ::, to the solicited-node group, without SLLA option.
        std::array<std::byte, 16> body{};
        store_ipv6(body.data(), j.address);
        const Ipv6Address target = j.address;
        ++stats_.dad_ns_tx;
        send_icmpv6(Ipv6Address{}, target.solicited_node(), wire::icmpv6::kNeighborSolicitation, 0,
                    body, nullptr, now);
        ++i;
    }
}

void Ndp::dad_succeeded(const Ipv6Address& a, Instant now) {
    Ipv6Assignment* x = iface_.find_v6(a);
    if (!x || x->state != Ipv6AddressState::Tentative)
        return;
    x->state =
        now >= x->preferred_until ? Ipv6AddressState::Deprecated : Ipv6AddressState::Preferred;
}

void Ndp::duplicate(Ipv6Assignment& a) {
    // RFC 4862 5.4.5: the address is not assigned to the interface (kept as Duplicate so the
    // operator sees why).
    a.state = Ipv6AddressState::Duplicate;
    ++iface_.v6_changes;
    ++stats_.dad_failures;
    std::erase_if(dad_, [&](const DadJob& j) { return j.address == a.address; });
}

void Ndp::expire_addresses(Instant now) {
    for (std::size_t i = 0; i < iface_.v6.size();) {
        Ipv6Assignment& x = iface_.v6[i];
        if (now >= x.valid_until) { // RFC 4862 5.5.4: invalid addresses are removed.
            const Ipv6Address a = x.address;
            remove_address(a);
            continue;
        }
        if (now >= x.preferred_until && x.state == Ipv6AddressState::Preferred)
            x.state = Ipv6AddressState::Deprecated;
        ++i;
    }
}

// ---------------------------------------------------------------------------------------
// Router discovery (RFC 4861 6.3)

bool Ndp::link_local_tentative() const {
    return std::any_of(iface_.v6.begin(), iface_.v6.end(), [](const Ipv6Assignment& x) {
        return x.address.is_link_local() && x.state == Ipv6AddressState::Tentative;
    });
}

bool Ndp::rs_active() const {
    // A non-speaker never solicits: it learns routers from the replicas of the RAs that
    // answer the speaker's solicitations.
    return started_ && cfg_.speaker && cfg_.accept_ra && !ra_seen_ &&
           rs_sent_ < cfg_.max_rtr_solicitations;
}

void Ndp::maybe_send_rs(Instant now) {
    // RFC 4861 6.3.7: wait for the link-local address to pass DAD so the RS can carry it
    // and an SLLA option; without one, the RS comes from :: and carries no option.
    if (!rs_active() || now < rs_next_ || link_local_tentative())
        return;
    const Ipv6Assignment* ll = iface_.link_local();
    std::array<std::byte, kLlaOptionLen> opt{};
    std::span<const std::byte> body;
    if (ll) {
        wire::emit_lla_option(opt, wire::ndopt::kSourceLinkAddr, iface_.mac);
        body = opt;
    }
    ++rs_sent_;
    rs_next_ = now + cfg_.rtr_solicitation_interval;
    ++stats_.rs_tx;
    send_icmpv6(ll ? ll->address : Ipv6Address{}, Ipv6Address::all_routers(),
                wire::icmpv6::kRouterSolicitation, 0, body, nullptr, now);
}

void Ndp::update_router(const Ipv6Address& src, std::uint16_t lifetime_s, Instant now) {
    auto it = std::find_if(routers_.begin(), routers_.end(),
                           [&](const DefaultRouter& r) { return r.address == src; });
    // RFC 4861 6.3.4: lifetime 0 removes the router; otherwise (re)start its timer.
    if (lifetime_s == 0) {
        if (it != routers_.end())
            routers_.erase(it);
        return;
    }
    const Instant expires = now + std::chrono::seconds(lifetime_s);
    if (it != routers_.end())
        it->expires = expires;
    else if (routers_.size() < cfg_.max_routers)
        routers_.push_back({src, expires});
}

void Ndp::expire_routers(Instant now) {
    std::erase_if(routers_, [&](const DefaultRouter& r) { return now >= r.expires; });
}

std::optional<Ipv6Address> Ndp::default_router(Instant now) const {
    std::optional<Ipv6Address> fallback;
    for (const auto& r : routers_) {
        if (now >= r.expires)
            continue;
        const auto* e = table_.find(r.address);
        if (!e || e->state != NeighborState::Failed)
            return r.address;
        if (!fallback)
            fallback = r.address;
    }
    return fallback;
}

void Ndp::apply_prefix(const wire::NdpPrefixInfo& p, Instant now, Answer answer) {
    // RFC 4862 5.5.3 (a)-(c).
    if (!cfg_.slaac || !p.autonomous || p.prefix.is_link_local() ||
        p.preferred_lifetime > p.valid_lifetime)
        return;
    // (d): prefix length + 64-bit interface identifier must make 128 bits.
    if (p.prefix_len != 64)
        return;
    Ipv6Address a = Ipv6Address::link_local_from_mac(iface_.mac);
    std::copy(p.prefix.bytes.begin(), p.prefix.bytes.begin() + 8, a.bytes.begin());
    Ipv6Assignment* x = iface_.find_v6(a);
    if (!x) {
        if (p.valid_lifetime == 0 || iface_.v6.size() >= cfg_.max_addresses)
            return;
        Ipv6Assignment n;
        n.address = a;
        n.prefix_len = 64;
        n.state = Ipv6AddressState::Tentative;
        n.autoconfigured = true;
        n.valid_until = lifetime_end(now, p.valid_lifetime);
        n.preferred_until = lifetime_end(now, p.preferred_lifetime);
        iface_.v6.push_back(n);
        ++iface_.v6_changes;
        schedule_dad(a, now, answer);
        return;
    }
    if (!x->autoconfigured)
        return;
    // (e): the preferred lifetime is reset; a refreshed address becomes preferred again.
    x->preferred_until = lifetime_end(now, p.preferred_lifetime);
    if (x->usable())
        x->state =
            now >= x->preferred_until ? Ipv6AddressState::Deprecated : Ipv6AddressState::Preferred;
    // (e) "two hours" rule: a forged RA cannot shorten a valid lifetime below two hours.
    const Instant received = lifetime_end(now, p.valid_lifetime);
    const bool above_two_hours =
        p.valid_lifetime == kInfiniteLifetime || std::chrono::seconds(p.valid_lifetime) > kTwoHours;
    if (above_two_hours || received > x->valid_until)
        x->valid_until = received;
    else if (x->valid_until - now > kTwoHours)
        x->valid_until = now + kTwoHours;
    // else: RemainingLifetime <= 2 hours: ignore the received valid lifetime.
}

// ---------------------------------------------------------------------------------------
// Receive (RFC 4861 6.1.2, 7.1.1, 7.1.2, 8.1 validation)

void Ndp::on_icmpv6(const wire::Ipv6Packet& ip, const wire::IcmpMessage& msg, Instant now,
                    Answer answer) {
    using namespace wire::icmpv6;
    if (msg.type < kRouterSolicitation || msg.type > kRedirect)
        return;
    // Every ND message: "The IP Hop Limit field has a value of 255" (so it was not forwarded
    // by a router) and "ICMP Code is 0".
    if (ip.hop_limit != kNdHopLimit || msg.code != 0) {
        drops_.add(DropReason::NdpInvalid);
        return;
    }
    switch (msg.type) {
    case kNeighborSolicitation:
        on_ns(ip, msg, now, answer);
        break;
    case kNeighborAdvertisement:
        on_na(ip, msg, now);
        break;
    case kRouterAdvertisement:
        on_ra(ip, msg, now, answer);
        break;
    case kRedirect:
        on_redirect(ip, msg, now);
        break;
    default:
        ++stats_.rs_rx; // RFC 4861 6.2.6: only routers process Router Solicitations.
        break;
    }
}

void Ndp::on_ns(const wire::Ipv6Packet& ip, const wire::IcmpMessage& msg, Instant now,
                Answer answer) {
    ++stats_.ns_rx;
    wire::NeighborMessage ns;
    if (const auto e = wire::parse_neighbor_message(msg.rest, msg.body, ns);
        e != wire::ParseError::Ok) {
        drops_.add(parse_drop_reason(e));
        return;
    }
    const bool from_dad = ip.src.is_unspecified();
    // RFC 4861 7.1.1: target not multicast; from :: only to a solicited-node group and
    // without a source link-layer address option.
    if (ns.target.is_multicast() || ip.src.is_multicast() ||
        (from_dad && (!is_solicited_node(ip.dst) || ns.options.source_lla))) {
        drops_.add(DropReason::NdpInvalid);
        return;
    }
    Ipv6Assignment* a = iface_.find_v6(ns.target);
    if (!a)
        return; // Not one of our addresses (7.2.3: silently discard).
    if (a->state == Ipv6AddressState::Tentative) {
        // RFC 4862 5.4.3: another node is running DAD for the same address: ours is a
        // duplicate. An NS from a real source is address resolution by a node that does
        // not know yet: it is not answered while tentative.
        if (from_dad)
            duplicate(*a);
        return;
    }
    if (!a->usable())
        return;
    const MacAddress* src_mac = nullptr;
    if (!from_dad && ns.options.source_lla) {
        // RFC 4861 7.2.3: create or update the sender's entry (Stale when new or changed).
        table_.learn(ip.src, *ns.options.source_lla, true, now);
        src_mac = &*ns.options.source_lla;
    }
    if (answer == Answer::No)
        return; // The lcore that received the NS answers it.
    // RFC 4861 7.2.4: to the source, or to all-nodes for a DAD probe (then S = 0).
    send_na(ns.target, from_dad ? Ipv6Address::all_nodes() : ip.src, !from_dad, src_mac, now);
}

void Ndp::on_na(const wire::Ipv6Packet& ip, const wire::IcmpMessage& msg, Instant now) {
    ++stats_.na_rx;
    wire::NeighborMessage na;
    if (const auto e = wire::parse_neighbor_message(msg.rest, msg.body, na);
        e != wire::ParseError::Ok) {
        drops_.add(parse_drop_reason(e));
        return;
    }
    // RFC 4861 7.1.2: target not multicast; S must be clear on multicast advertisements.
    if (na.target.is_multicast() || (ip.dst.is_multicast() && na.solicited)) {
        drops_.add(DropReason::NdpInvalid);
        return;
    }
    if (Ipv6Assignment* a = iface_.find_v6(na.target)) {
        // RFC 4862 5.4.4: an NA for a tentative address means it is in use elsewhere. For an
        // address already assigned there is nothing more to do than ignore it (5.4.4).
        if (a->state == Ipv6AddressState::Tentative)
            duplicate(*a);
        return;
    }
    table_.advertise(na.target, na.options.target_lla, {na.solicited, na.override_, na.router},
                     now);
    // RFC 4861 7.2.5: a router that now says it is a host leaves the default router list.
    if (!na.router)
        std::erase_if(routers_, [&](const DefaultRouter& r) { return r.address == na.target; });
}

void Ndp::on_ra(const wire::Ipv6Packet& ip, const wire::IcmpMessage& msg, Instant now,
                Answer answer) {
    ++stats_.ra_rx;
    if (!cfg_.accept_ra)
        return;
    // RFC 4861 6.1.2: "IP Source Address is a link-local address".
    if (!ip.src.is_link_local()) {
        drops_.add(DropReason::NdpInvalid);
        return;
    }
    wire::RouterAdvertisement ra;
    if (wire::parse_router_advertisement(msg.rest, msg.body, ra) != wire::ParseError::Ok) {
        drops_.add(DropReason::NdpMalformed);
        return;
    }
    ra_seen_ = true; // RFC 4861 6.3.7: stop soliciting once an RA arrived.
    if (ra.cur_hop_limit != 0)
        cur_hop_limit_ = ra.cur_hop_limit;
    update_router(ip.src, ra.router_lifetime, now);
    // RFC 4861 6.3.4: record the router's link-layer address and IsRouter.
    if (ra.options.source_lla)
        table_.learn(ip.src, *ra.options.source_lla, true, now);
    table_.mark_router(ip.src, true);
    // RFC 4861 6.3.4: the MTU option is applied when it is valid for the link: at least the
    // IPv6 minimum and at most what the link supports.
    if (ra.options.mtu && *ra.options.mtu >= kMinIpv6Mtu && *ra.options.mtu <= link_mtu_)
        iface_.mtu = static_cast<std::uint16_t>(*ra.options.mtu);
    for (unsigned i = 0; i < ra.options.prefix_count && i < wire::kMaxNdpPrefixes; ++i)
        apply_prefix(ra.options.prefixes[i], now, answer);
}

void Ndp::on_redirect(const wire::Ipv6Packet& ip, const wire::IcmpMessage& msg, Instant now) {
    ++stats_.redirect_rx;
    if (msg.body.size() < kRedirectFixedLen) {
        drops_.add(DropReason::NdpMalformed);
        return;
    }
    const Ipv6Address target = load_ipv6(msg.body.data());
    const Ipv6Address dest = load_ipv6(msg.body.data() + 16);
    wire::NdpOptions opts;
    if (wire::parse_ndp_options(msg.body.subspan(kRedirectFixedLen), opts) !=
        wire::ParseError::Ok) {
        drops_.add(DropReason::NdpMalformed);
        return;
    }
    // RFC 4861 8.1: from a link-local address of a router we use; the destination is not
    // multicast; the target is link-local (a better router) or the destination itself.
    const bool from_router = std::any_of(routers_.begin(), routers_.end(),
                                         [&](const auto& r) { return r.address == ip.src; });
    if (!ip.src.is_link_local() || !from_router || dest.is_multicast() ||
        (!target.is_link_local() && target != dest)) {
        drops_.add(DropReason::NdpInvalid);
        return;
    }
    // RFC 4861 8.3: the target's link-layer address is recorded (Stale). Rerouting the
    // destination is the routing layer's business.
    if (opts.target_lla)
        table_.learn(target, *opts.target_lla, true, now);
}

// ---------------------------------------------------------------------------------------
// Resolution and transmit

std::optional<MacAddress> Ndp::lookup(const Ipv6Address& next_hop, Instant now) {
    if (next_hop.is_multicast())
        return next_hop.multicast_mac();
    return table_.lookup(next_hop, now);
}

bool Ndp::enqueue(const Ipv6Address& next_hop, std::span<const std::byte> ipv6_packet,
                  Instant now) {
    return table_.enqueue(next_hop, ipv6_packet, now);
}

std::optional<NeighborState> Ndp::state(const Ipv6Address& ip) const {
    if (const auto* e = table_.find(ip))
        return e->state;
    return std::nullopt;
}

void Ndp::solicit(const Ipv6Address& target, const MacAddress* unicast) {
    // RFC 4861 7.2.2: the source is one of our usable addresses (a tentative one must not be
    // used, RFC 4862 5.4); with none, no solicitation can be sent and resolution fails.
    const Ipv6Assignment* src = iface_.source_v6_for(target);
    if (!src)
        return;
    std::array<std::byte, 16 + kLlaOptionLen> body{};
    store_ipv6(body.data(), target);
    wire::emit_lla_option(std::span(body).subspan(16), wire::ndopt::kSourceLinkAddr, iface_.mac);
    ++stats_.ns_tx;
    send_icmpv6(src->address, unicast ? target : target.solicited_node(),
                wire::icmpv6::kNeighborSolicitation, 0, body, unicast, Instant{});
}

void Ndp::send_na(const Ipv6Address& target, const Ipv6Address& dst, bool solicited,
                  const MacAddress* dst_mac, Instant now) {
    std::array<std::byte, 16 + kLlaOptionLen> body{};
    store_ipv6(body.data(), target);
    wire::emit_lla_option(std::span(body).subspan(16), wire::ndopt::kTargetLinkAddr, iface_.mac);
    // We are a host (R clear); our unicast addresses are not anycast, so O is set (7.2.4).
    const std::uint32_t flags =
        kNaOverride | (solicited ? kNaSolicited : 0) | (cfg_.is_router ? kNaRouter : 0);
    ++stats_.na_tx;
    send_icmpv6(target, dst, wire::icmpv6::kNeighborAdvertisement, flags, body, dst_mac, now);
}

void Ndp::send_icmpv6(const Ipv6Address& src, const Ipv6Address& dst, std::uint8_t type,
                      std::uint32_t rest, std::span<const std::byte> body,
                      const MacAddress* dst_mac, Instant now) {
    static constexpr std::size_t kMaxBody = 32;
    std::array<std::byte, wire::kIpv6HeaderLen + wire::kIcmpHeaderLen + kMaxBody> pkt{};
    const std::size_t icmp_len = wire::kIcmpHeaderLen + std::min(body.size(), kMaxBody);
    wire::Ipv6HeaderFields h;
    h.payload_len = static_cast<std::uint16_t>(icmp_len);
    h.next_header = wire::ipproto::kIcmpv6;
    h.hop_limit = kNdHopLimit;
    h.src = src;
    h.dst = dst;
    wire::emit_ipv6(pkt, h);
    std::span<std::byte> icmp = std::span(pkt).subspan(wire::kIpv6HeaderLen, icmp_len);
    std::copy_n(body.begin(), icmp_len - wire::kIcmpHeaderLen, icmp.begin() + wire::kIcmpHeaderLen);
    wire::emit_icmpv6(icmp, type, 0, rest, src, dst);
    const std::span<const std::byte> packet(pkt.data(), wire::kIpv6HeaderLen + icmp_len);
    if (dst.is_multicast()) {
        deliver(dst.multicast_mac(), packet);
    } else if (dst_mac) {
        deliver(*dst_mac, packet);
    } else if (auto mac = table_.lookup(dst, now)) {
        deliver(*mac, packet);
    } else {
        table_.enqueue(dst, packet, now);
    }
}

void Ndp::deliver(const MacAddress& dst, std::span<const std::byte> packet) {
    send_ethernet_frame(sink_, drops_, iface_.index, dst, iface_.mac, wire::ethertype::kIpv6,
                        packet);
}

// ---------------------------------------------------------------------------------------
// Timers

void Ndp::poll(Instant now) {
    table_.poll(now);
    run_dad(now);
    expire_addresses(now);
    expire_routers(now);
    maybe_send_rs(now);
}

Instant Ndp::next_deadline() const {
    Instant t = table_.next_deadline();
    for (const auto& j : dad_)
        t = std::min(t, j.next);
    for (const auto& x : iface_.v6) {
        t = std::min(t, x.valid_until);
        if (x.state == Ipv6AddressState::Preferred)
            t = std::min(t, x.preferred_until);
    }
    for (const auto& r : routers_)
        t = std::min(t, r.expires);
    if (rs_active() && !link_local_tentative())
        t = std::min(t, rs_next_);
    return t;
}

} // namespace multios::net
