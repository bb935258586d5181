// ARP for one Ethernet interface: RFC 826 (packet reception and merge), RFC 5227 (address
// conflict detection and announcements), RFC 1122 2.3.2.2 (queueing while resolving), with the
// neighbor states Linux uses (see neighbor_table.hpp). Sans-IO: frames go to the FrameSink,
// time comes in as `now`.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include <multios/net/address.hpp>
#include <multios/net/time.hpp>
#include <multios/net/wire/arp.hpp>

#include "common/drop_reason.hpp"
#include "common/frame_sink.hpp"
#include "common/interface_info.hpp"
#include "neighbor/answer.hpp"
#include "neighbor/neighbor_table.hpp"

namespace multios::net {

using ArpConfig = NeighborConfig;

/// What ARP did (not drops).
struct ArpStats {
    std::uint64_t requests_rx = 0, replies_rx = 0;
    std::uint64_t requests_tx = 0, replies_tx = 0;
    std::uint64_t conflicts = 0; ///< Someone else claims one of our addresses (RFC 5227 2.4).
};

class ArpCache final : private NeighborLink<Ipv4Address> {
  public:
    /// `iface` must outlive the cache (its MAC and IPv4 list are read on every call).
    ArpCache(const InterfaceInfo& iface, FrameSink& sink, DropCounters& drops, ArpConfig cfg = {});
    ArpCache(const ArpCache&) = delete;
    ArpCache& operator=(const ArpCache&) = delete;

    /// A received ARP packet (already parsed). RFC 826 merge: an existing entry for the
    /// sender is updated; if the target is one of our addresses the sender is added, and a
    /// request is answered. Sender 0.0.0.0 (RFC 5227 probe) is answered but not cached.
    /// With Answer::No (a replica of a frame another lcore handles) the cache learns exactly
    /// the same way (entries waiting for the sender are completed and their queued packets
    /// sent) but nothing is answered: no reply, no defence of a conflicting address.
    void on_arp(const wire::ArpPacket& p, Instant now, Answer answer = Answer::Yes);
    /// MAC to send to `next_hop`, or nullopt if it must be resolved (call enqueue). Limited
    /// broadcast / subnet broadcast map to ff:ff:ff:ff:ff:ff, multicast to 01:00:5e:...
    std::optional<MacAddress> lookup(const Ipv4Address& next_hop, Instant now);
    /// Copies `ip_packet` into the queue for `next_hop` and starts resolution. The packet
    /// is sent (ethertype 0x0800) when the reply arrives. False, counted ArpQueueFull (or
    /// TxTooBig above the MTU), if it cannot be queued.
    bool enqueue(const Ipv4Address& next_hop, std::span<const std::byte> ip_packet, Instant now);
    /// Gratuitous ARP request (RFC 5227 3: sender = target = `a`, broadcast).
    void announce(const Ipv4Address& a, Instant now);
    /// Upper-layer reachability confirmation (e.g. a TCP ACK from this neighbor).
    void confirm(const Ipv4Address& ip, Instant now) { table_.confirm(ip, now); }
    void remove(const Ipv4Address& ip) { table_.remove(ip); }

    void poll(Instant now) { table_.poll(now); }
    Instant next_deadline() const { return table_.next_deadline(); }

    bool has(const Ipv4Address& ip) const { return table_.find(ip) != nullptr; }
    std::optional<NeighborState> state(const Ipv4Address& ip) const;
    std::vector<NeighborInfo<Ipv4Address>> entries() const;
    std::size_t size() const { return table_.size(); }
    std::size_t queued_packets() const { return table_.queued_packets(); }
    const ArpStats& stats() const { return stats_; }

  private:
    void solicit(const Ipv4Address& target, const MacAddress* unicast) override;
    void deliver(const MacAddress& dst, std::span<const std::byte> packet) override;
    void send_arp(std::uint16_t op, const MacAddress& eth_dst, const Ipv4Address& sender_ip,
                  const MacAddress& target_mac, const Ipv4Address& target_ip);
    bool sender_is_bogus(const wire::ArpPacket& p) const;
    void defend(const wire::ArpPacket& p, Instant now);

    const InterfaceInfo& iface_;
    FrameSink& sink_;
    DropCounters& drops_;
    NeighborTable<Ipv4Address> table_;
    ArpStats stats_;
    Instant last_defense_ = Instant::min();
};

} // namespace multios::net
