#include "neighbor/mld.hpp"

#include <algorithm>
#include <cstring>

#include <multios/net/wire/ethernet.hpp>

#include "ip/siphash.hpp"
#include "neighbor/link_frame.hpp"

namespace multios::net {

namespace {

constexpr Ipv6Address kAllMldv2Routers{{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x16}};
constexpr std::size_t kRecordLen = 20;  // RFC 3810 5.2: type, aux len, #sources, address
constexpr std::size_t kHopByHopLen = 8; // next header, length, Router Alert (4), PadN (2)
constexpr std::size_t kMaxPacket = wire::kIpv6HeaderLen + kHopByHopLen + wire::kIcmpHeaderLen +
                                   MldListener::kMaxGroups * kRecordLen;

/// RFC 3810 5.1.3: Maximum Response Code to milliseconds (exponential above 32767).
std::uint32_t max_response_ms(std::uint16_t code, bool v2) {
    if (!v2 || code < 0x8000)
        return code;
    const std::uint32_t mant = code & 0x0fff;
    const std::uint32_t exp = (code >> 12) & 0x7;
    return (mant | 0x1000) << (exp + 3);
}

void store_address(std::byte* p, const Ipv6Address& a) {
    std::memcpy(p, a.bytes.data(), 16);
}

} // namespace

MldListener::MldListener(const InterfaceInfo& iface, FrameSink& sink, DropCounters& drops,
                         std::uint64_t seed, bool speaker)
    : iface_(iface), sink_(sink), drops_(drops), rng_(seed ^ 0x4d4c4456'32000000ull),
      speaker_(speaker) {
    groups_.reserve(kMaxGroups);
    changes_.reserve(2 * kMaxGroups);
}

Duration MldListener::random_delay(Duration max) {
    const auto range = static_cast<std::uint64_t>(std::max<std::int64_t>(1, max.count()));
    return Duration(static_cast<std::int64_t>(splitmix64(rng_) % range));
}

Ipv6Address MldListener::source() const {
    // RFC 3810 5.2.13: the link-local address, or :: while none is usable yet (during DAD).
    const Ipv6Assignment* ll = iface_.link_local();
    return ll ? ll->address : Ipv6Address{};
}

void MldListener::refresh_groups(Instant now) {
    std::array<Ipv6Address, kMaxGroups> want{};
    std::size_t n = 0;
    for (const auto& a : iface_.v6) {
        if (a.state == Ipv6AddressState::Duplicate || n == want.size())
            continue;
        const Ipv6Address g = a.address.solicited_node();
        if (std::find(want.begin(), want.begin() + static_cast<std::ptrdiff_t>(n), g) ==
            want.begin() + static_cast<std::ptrdiff_t>(n))
            want[n++] = g;
    }
    const auto wanted = [&](const Ipv6Address& g) {
        return std::find(want.begin(), want.begin() + static_cast<std::ptrdiff_t>(n), g) !=
               want.begin() + static_cast<std::ptrdiff_t>(n);
    };
    const auto record_change = [&](const Ipv6Address& g, std::uint8_t type) {
        if (!speaker_)
            return; // The speaker shard reports the same change.
        // RFC 3810 6.1: a newer change for a group replaces the pending one.
        std::erase_if(changes_, [&](const PendingChange& c) { return c.group == g; });
        changes_.push_back({g, type, kRobustness});
        change_due_ = std::min(change_due_, now);
    };
    for (const auto& g : groups_)
        if (!wanted(g))
            record_change(g, mld::kChangeToInclude); // leave: INCLUDE {} (RFC 3810 6.1)
    for (std::size_t i = 0; i < n; ++i)
        if (std::find(groups_.begin(), groups_.end(), want[i]) == groups_.end())
            record_change(want[i], mld::kChangeToExclude); // join: EXCLUDE {}
    groups_.assign(want.begin(), want.begin() + static_cast<std::ptrdiff_t>(n));
}

void MldListener::on_query(const wire::Ipv6Packet& ip, const wire::IcmpMessage& msg, Instant now) {
    // RFC 3810 5.1.14: queries come from a link-local source with hop limit 1; an MLDv1
    // query is 24 bytes (body: the address), an MLDv2 query at least 28.
    if (!ip.src.is_link_local() || ip.hop_limit != 1 || msg.body.size() < 16) {
        ++stats_.invalid_rx;
        drops_.add(DropReason::NdpInvalid);
        return;
    }
    ++stats_.queries_rx;
    const bool v2 = msg.body.size() >= 20;
    Ipv6Address group;
    std::memcpy(group.bytes.data(), msg.body.data(), 16);
    if (!group.is_unspecified() &&
        std::find(groups_.begin(), groups_.end(), group) == groups_.end())
        return; // A group-specific query for a group we are not in.
    if (!v2) {
        // RFC 3810 8.2.1: an MLDv1 querier puts the host in MLDv1 compatibility mode.
        v1_mode_ = true;
        v1_until_ = now + std::chrono::seconds(260); // Older Version Querier Present Timeout
    }
    const auto max = std::chrono::milliseconds(max_response_ms(msg.rest >> 16, v2));
    // RFC 3810 6.2: answer after a random delay within the Maximum Response Delay; a pending
    // answer that would come sooner is kept.
    query_due_ = std::min(query_due_, now + random_delay(max));
}

void MldListener::poll(Instant now) {
    // Polled every loop iteration of an lcore: recompute the groups only after the address
    // set changed (the scan showed up as 10% of a busy lcore's time).
    if (!refreshed_once_ || seen_v6_changes_ != iface_.v6_changes) {
        refreshed_once_ = true;
        seen_v6_changes_ = iface_.v6_changes;
        refresh_groups(now);
    }
    if (v1_mode_ && now >= v1_until_)
        v1_mode_ = false;
    if (now >= change_due_)
        send_changes(now);
    if (now >= query_due_) {
        query_due_ = kNever;
        if (v1_mode_)
            send_v1_reports();
        else
            send_current_state();
    }
}

Instant MldListener::next_deadline() const {
    return std::min(change_due_, query_due_);
}

void MldListener::send_changes(Instant now) {
    std::array<std::byte, MldListener::kMaxGroups * 2 * kRecordLen> body{};
    std::size_t records = 0;
    for (auto& c : changes_) {
        if (records * kRecordLen + kRecordLen > body.size())
            break;
        std::byte* r = body.data() + records * kRecordLen;
        wire::store8(r, c.record_type);
        store_address(r + 4, c.group);
        ++records;
        --c.left;
    }
    std::erase_if(changes_, [](const PendingChange& c) { return c.left == 0; });
    if (records)
        send_report(mld::kReportV2, std::span(body).first(records * kRecordLen), kAllMldv2Routers);
    // RFC 3810 6.1: retransmit state-change reports at random intervals within 1 s.
    change_due_ = changes_.empty() ? kNever : now + random_delay(kUnsolicitedInterval);
}

void MldListener::send_current_state() {
    if (groups_.empty())
        return;
    std::array<std::byte, MldListener::kMaxGroups * kRecordLen> body{};
    for (std::size_t i = 0; i < groups_.size(); ++i) {
        std::byte* r = body.data() + i * kRecordLen;
        wire::store8(r, mld::kModeIsExclude);
        store_address(r + 4, groups_[i]);
    }
    send_report(mld::kReportV2, std::span(body).first(groups_.size() * kRecordLen),
                kAllMldv2Routers);
}

void MldListener::send_v1_reports() {
    for (const auto& g : groups_) {
        std::array<std::byte, 16> body{};
        store_address(body.data(), g);
        send_report(mld::kReportV1, body, g); // RFC 2710 3.6: sent to the group itself
    }
}

bool MldListener::send_report(std::uint8_t type, std::span<const std::byte> body,
                              const Ipv6Address& dst) {
    std::array<std::byte, kMaxPacket> pkt{};
    const std::size_t icmp_len = wire::kIcmpHeaderLen + body.size();
    const std::size_t total = wire::kIpv6HeaderLen + kHopByHopLen + icmp_len;
    if (total > pkt.size())
        return false;
    const Ipv6Address src = source();
    wire::Ipv6HeaderFields h;
    h.payload_len = static_cast<std::uint16_t>(kHopByHopLen + icmp_len);
    h.next_header = wire::ipproto::kHopByHop;
    h.hop_limit = 1; // RFC 3810 5: link-scope, never forwarded
    h.src = src;
    h.dst = dst;
    wire::emit_ipv6(pkt, h);
    // Hop-by-hop header with a Router Alert option (RFC 2711, value 0 = MLD) and PadN.
    std::byte* hbh = pkt.data() + wire::kIpv6HeaderLen;
    wire::store8(hbh, wire::ipproto::kIcmpv6);
    wire::store8(hbh + 2, 5);
    wire::store8(hbh + 3, 2);
    wire::store8(hbh + 6, 1);
    auto icmp = std::span(pkt).subspan(wire::kIpv6HeaderLen + kHopByHopLen, icmp_len);
    std::copy(body.begin(), body.end(), icmp.begin() + wire::kIcmpHeaderLen);
    // MLDv2 reports carry the record count in the second half of the header word.
    const std::uint32_t rest =
        type == mld::kReportV2 ? static_cast<std::uint32_t>(body.size() / kRecordLen) : 0;
    wire::emit_icmpv6(icmp, type, 0, rest, src, dst);
    ++stats_.reports_tx;
    return send_ethernet_frame(sink_, drops_, iface_.index, dst.multicast_mac(), iface_.mac,
                               wire::ethertype::kIpv6, std::span(pkt).first(total));
}

} // namespace multios::net
