// IPv6 Neighbor Discovery for one Ethernet interface: RFC 4861 (address resolution, NUD,
// router discovery, redirect), RFC 4862 (SLAAC and Duplicate Address Detection), RFC 4291
// (modified EUI-64 interface identifiers). Sans-IO: frames go to the FrameSink, time comes in
// as `now`. Edits the interface's IPv6 address list (states, SLAAC addresses, lifetimes)
// and MTU (RA MTU option).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include <multios/net/address.hpp>
#include <multios/net/time.hpp>
#include <multios/net/wire/icmp.hpp>
#include <multios/net/wire/ipv6.hpp>
#include <multios/net/wire/ndp.hpp>

#include "common/drop_reason.hpp"
#include "common/frame_sink.hpp"
#include "common/interface_info.hpp"
#include "neighbor/answer.hpp"
#include "neighbor/neighbor_table.hpp"

namespace multios::net {

struct NdpConfig {
    bool link_local = true; ///< start() forms fe80::/64 + modified EUI-64 of the MAC.
    bool accept_ra = true;  ///< Send Router Solicitations, accept Router Advertisements.
    bool slaac = true;      ///< Autoconfigure addresses from RA prefixes (A flag).
    /// RFC 4861 4.4: Neighbor Advertisements carry the Router flag (the stack forwards).
    bool is_router = false;
    unsigned dad_transmits = 1; ///< RFC 4862 DupAddrDetectTransmits (0: no DAD).
    Duration dad_retrans = std::chrono::seconds(1); ///< Wait after each DAD NS (RetransTimer).
    /// Upper bound of the random delay before the first DAD NS (RFC 4862 5.4.2 allows up to
    /// MAX_RTR_SOLICITATION_DELAY, 1 s; short so that addresses are usable quickly).
    Duration dad_delay_max = std::chrono::milliseconds(100);
    unsigned max_rtr_solicitations = 3;                           ///< RFC 4861 10.
    Duration rtr_solicitation_interval = std::chrono::seconds(4); ///< RFC 4861 10.
    Duration rtr_solicitation_delay_max = std::chrono::milliseconds(100);
    std::size_t max_addresses = 16; ///< IPv6 addresses on the interface (SLAAC stops there).
    std::size_t max_routers = 8;    ///< Default router list size.
    /// Multi-core (issue 4): false on every shard but the one that speaks for the link. DAD
    /// then runs silently (no NS probes, see schedule_dad for its timing) and no Router
    /// Solicitations are sent: the speaker's probes and RS go out once, and the answers reach
    /// this shard as replicas.
    bool speaker = true;
    NeighborConfig neighbor;
};

/// What NDP did (not drops).
struct NdpStats {
    std::uint64_t ns_rx = 0, na_rx = 0, rs_rx = 0, ra_rx = 0, redirect_rx = 0;
    std::uint64_t ns_tx = 0, na_tx = 0, rs_tx = 0;
    std::uint64_t dad_ns_tx = 0;
    std::uint64_t dad_failures = 0; ///< Addresses marked Duplicate.
};

struct DefaultRouter {
    Ipv6Address address;
    Instant expires = kNever;
};

class Ndp final : private NeighborLink<Ipv6Address> {
  public:
    /// `iface` must outlive the Ndp; its MTU at construction is the link MTU (RA MTU options
    /// may lower iface.mtu down to 1280, never above it). `seed` randomizes DAD/RS delays and
    /// the neighbor hash.
    Ndp(InterfaceInfo& iface, FrameSink& sink, DropCounters& drops, NdpConfig cfg,
        std::uint64_t seed);
    Ndp(const Ndp&) = delete;
    Ndp& operator=(const Ndp&) = delete;

    /// Brings the interface up: adds the link-local address (if configured), starts DAD for
    /// every Tentative address and schedules Router Solicitations (after the link-local
    /// address passed DAD, RFC 4861 6.3.7; from :: if there is none). A non-speaker
    /// (NdpConfig::speaker false) runs DAD silently and sends no Router Solicitation.
    void start(Instant now);
    /// Adds an address as Tentative and runs DAD (or Preferred at once with `skip_dad`);
    /// silently on a non-speaker.
    /// An existing address only gets its prefix length updated. False when the address
    /// list is full.
    bool add_address(const Ipv6Address& a, std::uint8_t prefix_len, Instant now,
                     bool skip_dad = false);
    /// Removes an address (and its DAD state).
    void remove_address(const Ipv6Address& a);

    /// A received ND message (types 133..137; others are ignored). `ip` and `msg` were
    /// parsed (and the ICMPv6 checksum verified) by the caller. With Answer::No (a replica of
    /// a frame another lcore handles) caches, addresses, DAD outcomes and routers change exactly
    /// as with Answer::Yes, but no NA answers an NS, and DAD started for an address learned
    /// from an RA runs silently (its probes are sent by the receiving lcore).
    void on_icmpv6(const wire::Ipv6Packet& ip, const wire::IcmpMessage& msg, Instant now,
                   Answer answer = Answer::Yes);

    /// MAC for `next_hop` (multicast maps to 33:33:...), or nullopt: call enqueue.
    std::optional<MacAddress> lookup(const Ipv6Address& next_hop, Instant now);
    /// Queues `ipv6_packet` until `next_hop` resolves (multicast NS to its solicited-node
    /// group); false, counted ArpQueueFull (or TxTooBig), if it cannot be queued.
    bool enqueue(const Ipv6Address& next_hop, std::span<const std::byte> ipv6_packet, Instant now);
    /// Upper-layer reachability confirmation (RFC 4861 7.3.1).
    void confirm(const Ipv6Address& ip, Instant now) { table_.confirm(ip, now); }

    /// A default router whose lifetime has not run out, preferring one not known to be
    /// unreachable (RFC 4861 6.3.6).
    std::optional<Ipv6Address> default_router(Instant now) const;
    const std::vector<DefaultRouter>& routers() const { return routers_; }
    /// Cur Hop Limit from the last RA that set one (0 if none).
    std::uint8_t cur_hop_limit() const { return cur_hop_limit_; }
    /// True while some address is still Tentative with DAD running.
    bool dad_pending() const { return !dad_.empty(); }

    void poll(Instant now);
    Instant next_deadline() const;

    bool has(const Ipv6Address& ip) const { return table_.find(ip) != nullptr; }
    std::optional<NeighborState> state(const Ipv6Address& ip) const;
    std::vector<NeighborInfo<Ipv6Address>> entries() const { return table_.snapshot(); }
    std::size_t size() const { return table_.size(); }
    const NdpStats& stats() const { return stats_; }

  private:
    struct DadJob {
        Ipv6Address address;
        Instant next = kNever; ///< Next NS if `remaining` > 0, else when DAD succeeds.
        unsigned remaining = 0;
        bool transmit = true; ///< False: another lcore probes; this one only keeps time.
    };

    // NeighborLink
    void solicit(const Ipv6Address& target, const MacAddress* unicast) override;
    void deliver(const MacAddress& dst, std::span<const std::byte> packet) override;

    void on_ns(const wire::Ipv6Packet& ip, const wire::IcmpMessage& msg, Instant now,
               Answer answer);
    void on_na(const wire::Ipv6Packet& ip, const wire::IcmpMessage& msg, Instant now);
    void on_ra(const wire::Ipv6Packet& ip, const wire::IcmpMessage& msg, Instant now,
               Answer answer);
    void on_redirect(const wire::Ipv6Packet& ip, const wire::IcmpMessage& msg, Instant now);
    void update_router(const Ipv6Address& src, std::uint16_t lifetime_s, Instant now);
    void apply_prefix(const wire::NdpPrefixInfo& p, Instant now, Answer answer);
    void duplicate(Ipv6Assignment& a);

    void schedule_dad(const Ipv6Address& a, Instant now, Answer answer = Answer::Yes);
    void run_dad(Instant now);
    void dad_succeeded(const Ipv6Address& a, Instant now);
    void expire_addresses(Instant now);
    void expire_routers(Instant now);
    void maybe_send_rs(Instant now);
    bool link_local_tentative() const;
    bool rs_active() const;

    void send_na(const Ipv6Address& target, const Ipv6Address& dst, bool solicited,
                 const MacAddress* dst_mac, Instant now);
    /// Builds IPv6 (hop limit 255) + ICMPv6 with `body` and sends it: multicast `dst` to
    /// its 33:33 MAC, unicast to `dst_mac` or through the neighbor cache.
    void send_icmpv6(const Ipv6Address& src, const Ipv6Address& dst, std::uint8_t type,
                     std::uint32_t rest, std::span<const std::byte> body, const MacAddress* dst_mac,
                     Instant now);
    Duration random_upto(Duration max);

    InterfaceInfo& iface_;
    FrameSink& sink_;
    DropCounters& drops_;
    NdpConfig cfg_;
    std::uint64_t rng_;
    std::uint16_t link_mtu_;
    NeighborTable<Ipv6Address> table_;
    std::vector<DadJob> dad_;
    std::vector<DefaultRouter> routers_;
    NdpStats stats_;
    bool started_ = false;
    bool ra_seen_ = false;
    unsigned rs_sent_ = 0;
    Instant rs_next_ = kNever;
    std::uint8_t cur_hop_limit_ = 0;
};

} // namespace multios::net
