// Multicast Listener Discovery, host side (RFC 3810 MLDv2, with RFC 2710 MLDv1 compatibility).
//
// RFC 4861 7.2.1 requires a node to join the solicited-node group of each of its addresses
// "using a Multicast Listener Discovery protocol": switches that snoop MLD forward Neighbor
// Solicitations only to ports that reported the group. This listener reports the
// solicited-node groups of the interface's IPv6 addresses (tentative ones too, for DAD) when
// they appear and disappear, and answers queries. The group set is read from InterfaceInfo at
// every poll, so whatever adds or removes addresses (manual, SLAAC, DAD failure) is covered.
// All-nodes (ff02::1) is never reported (RFC 3810 6).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include <multios/net/address.hpp>
#include <multios/net/time.hpp>
#include <multios/net/wire/icmp.hpp>
#include <multios/net/wire/ipv6.hpp>

#include "common/drop_reason.hpp"
#include "common/frame_sink.hpp"
#include "common/interface_info.hpp"

namespace multios::net {

namespace mld {
inline constexpr std::uint8_t kQuery = 130;
inline constexpr std::uint8_t kReportV1 = 131;
inline constexpr std::uint8_t kDoneV1 = 132;
inline constexpr std::uint8_t kReportV2 = 143;
// RFC 3810 5.2.12 record types.
inline constexpr std::uint8_t kModeIsExclude = 2;
inline constexpr std::uint8_t kChangeToInclude = 3;
inline constexpr std::uint8_t kChangeToExclude = 4;
} // namespace mld

struct MldStats {
    std::uint64_t queries_rx = 0, reports_tx = 0, invalid_rx = 0;
};

class MldListener {
  public:
    static constexpr std::size_t kMaxGroups = 32;
    /// RFC 3810 9.1 Robustness Variable: unsolicited reports are sent this many times.
    static constexpr unsigned kRobustness = 2;
    /// RFC 3810 9.11 Unsolicited Report Interval.
    static constexpr Duration kUnsolicitedInterval = std::chrono::seconds(1);

    /// `speaker` false (multi-core, issue 4: a shard that does not speak for the link): the
    /// groups are tracked but joins and leaves send no unsolicited report, since the speaker
    /// shard has the same addresses and reports them once; queries are still answered (each
    /// one by the lcore that received it).
    MldListener(const InterfaceInfo& iface, FrameSink& sink, DropCounters& drops,
                std::uint64_t seed, bool speaker = true);

    /// A Multicast Listener Query (ICMPv6 type 130) received on the interface.
    void on_query(const wire::Ipv6Packet& ip, const wire::IcmpMessage& msg, Instant now);
    /// Notices group changes and sends reports that are due.
    void poll(Instant now);
    Instant next_deadline() const;

    /// The groups currently reported (for tests and diagnostics).
    const std::vector<Ipv6Address>& groups() const { return groups_; }
    const MldStats& stats() const { return stats_; }

  private:
    struct PendingChange {
        Ipv6Address group;
        std::uint8_t record_type = 0;
        unsigned left = 0; ///< Retransmissions still to send.
    };
    void refresh_groups(Instant now);
    void send_changes(Instant now);
    void send_current_state();
    void send_v1_reports();
    bool send_report(std::uint8_t type, std::span<const std::byte> body, const Ipv6Address& dst);
    Duration random_delay(Duration max);
    Ipv6Address source() const;

    const InterfaceInfo& iface_;
    FrameSink& sink_;
    DropCounters& drops_;
    std::uint64_t rng_;
    bool speaker_;
    std::vector<Ipv6Address> groups_;
    bool refreshed_once_ = false;
    std::uint32_t seen_v6_changes_ = 0; ///< InterfaceInfo::v6_changes at the last refresh.
    std::vector<PendingChange> changes_;
    Instant change_due_ = kNever;
    Instant query_due_ = kNever;
    bool v1_mode_ = false; ///< Answer the current query with MLDv1 reports (RFC 3810 8.2).
    Instant v1_until_{};
    MldStats stats_;
};

} // namespace multios::net
