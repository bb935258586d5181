// The ping client: echo requests out, replies and errors matched back by id/sequence.
#include <cstring>
#include <tuple>

#include "stack/stack_impl.hpp"

namespace multios::net {

namespace {

/// Where the record of echo (id, seq) lives: the 1024 consecutive sequence numbers of one
/// pinger never share a slot, and each id starts somewhere else in the table.
std::size_t ping_slot(std::uint16_t id, std::uint16_t seq, std::size_t slots) {
    return (std::size_t{seq} + std::size_t{id} * 613) % slots;
}

} // namespace

Result<void> StackCore::ping_send(const IpAddress& dst, std::uint16_t id, std::uint16_t seq,
                                  std::size_t size, std::uint8_t ttl, Instant now) {
    Impl& im = *impl_;
    const bool v4 = dst.is_v4();
    const std::size_t max = v4 ? 65535 - 20 - 8 : 65535 - 8;
    if (size > max)
        return fail(EMSGSIZE);
    // The ICMPv6 checksum needs the source first; the path found with it is reused.
    auto chosen = im.path_and_source(dst, now);
    if (!chosen)
        return fail(dst.is_v4() ? EHOSTUNREACH : ENETUNREACH);
    IpSendParams p;
    std::tie(p.path, p.src) = *chosen;
    p.dst = dst;
    p.ttl = ttl;
    p.protocol = v4 ? wire::ipproto::kIcmp : wire::ipproto::kIcmpv6;
    const std::uint32_t rest = (std::uint32_t{id} << 16) | seq;
    auto r = im.ip_output(
        p, wire::kIcmpHeaderLen + size,
        [&](std::span<std::byte> out) {
            // Payload pattern as iputils fills it: incrementing bytes.
            for (std::size_t i = 0; i < size; ++i)
                out[wire::kIcmpHeaderLen + i] = static_cast<std::byte>(i & 0xff);
            if (v4)
                wire::emit_icmpv4(out, wire::icmpv4::kEchoRequest, 0, rest);
            else
                wire::emit_icmpv6(out, wire::icmpv6::kEchoRequest, 0, rest, p.src.v6(), dst.v6());
        },
        now);
    if (!r)
        return r;
    PingRecord& rec = im.pings[ping_slot(id, seq, im.pings.size())];
    rec.outstanding = true;
    rec.seq = seq;
    rec.sent_at = now;
    rec.id = id;
    return {};
}

void StackCore::Impl::ping_reply_input(const IpMeta& meta, const wire::IcmpMessage& m,
                                       Instant now) {
    PingRecord& rec = pings[ping_slot(m.echo_id(), m.echo_seq(), pings.size())];
    if (!rec.outstanding || rec.seq != m.echo_seq() || rec.id != m.echo_id()) {
        drops.add(DropReason::IcmpUnhandled);
        return;
    }
    // Duplicates (e.g. from a broadcast) are reported too, as ping does with "DUP!".
    ping_replies.push_back(PingReply{meta.src, m.echo_seq(), meta.ttl,
                                     wire::kIcmpHeaderLen + m.body.size(), rec.sent_at, now,
                                     m.echo_id()});
}

void StackCore::Impl::ping_error_input(const IpMeta& meta, const wire::IcmpMessage& m) {
    // The quoted echo request: IP header then ICMP header with id and sequence.
    const bool v6 = meta.src.is_v6();
    std::size_t at = 0;
    if (v6) {
        at = wire::kIpv6HeaderLen;
    } else {
        if (m.body.empty())
            return;
        at = (wire::load8(m.body.data()) & 0x0f) * 4u;
    }
    if (m.body.size() < at + 8)
        return;
    const std::uint16_t id = wire::load_be16(m.body.data() + at + 4);
    const std::uint16_t seq = wire::load_be16(m.body.data() + at + 6);
    const PingRecord& rec = pings[ping_slot(id, seq, pings.size())];
    if (!rec.outstanding || rec.seq != seq || rec.id != id)
        return;
    ping_errors.push_back(PingError{meta.src, seq, m.type, m.code, v6, id});
}

std::vector<PingReply> StackCore::ping_take_replies() {
    std::vector<PingReply> out;
    out.swap(impl_->ping_replies);
    return out;
}

std::vector<PingError> StackCore::ping_take_errors() {
    std::vector<PingError> out;
    out.swap(impl_->ping_errors);
    return out;
}

} // namespace multios::net
