// TCP input demux (RFC 9293 3.10.7): a segment goes to the connection on its 4-tuple, else to
// a listener on (address, port) (exact address, then the unspecified address, then "::" for
// IPv4), else the port is closed and a reset answers it (3.10.7.1). Also the LISTEN-state
// rules (3.10.7.2) with SYN cookies (RFC 4987 3.6) when a SYN queue is full, and ICMP path-MTU
// news for a connection.
#include <algorithm>

#include <multios/net/wire/tcp.hpp>

#include "stack/stack_impl.hpp"

namespace multios::net {

namespace {

using namespace wire::tcpflag;

DropReason tcp_drop_reason(wire::ParseError e) {
    return e == wire::ParseError::BadChecksum ? DropReason::TcpBadChecksum
                                              : DropReason::TcpMalformed;
}

/// RFC 1122 4.2.3.10: a SYN from a broadcast or multicast source MUST be discarded; no
/// connection can exist with such a peer, so nothing else from it is accepted either.
bool bad_source(const IpAddress& src, const std::deque<Interface>& interfaces) {
    if (src.is_v6())
        return src.v6().is_multicast() || src.v6().is_unspecified();
    const Ipv4Address a = src.v4();
    if (a.is_unspecified() || a.is_broadcast() || a.is_multicast())
        return true;
    for (const Interface& i : interfaces)
        for (const Ipv4Assignment& as : i.info.v4)
            if (as.is_subnet_broadcast(a))
                return true;
    return false;
}

/// IPv6 link-local peers are reached through the interface they came from.
std::optional<IfIndex> forced_interface(const IpMeta& meta) {
    if (meta.src.is_v6() && meta.src.v6().is_link_local())
        return meta.ifindex;
    return std::nullopt;
}

} // namespace

void StackCore::Impl::tcp_input(const IpMeta& meta, std::span<const std::byte> data, Instant now) {
    // RFC 1122 4.2.3.10: a SYN to a broadcast or multicast address MUST be discarded; TCP has
    // no other use for group destinations either (and must never answer them with a RST).
    if (meta.dst_is_multicast_or_broadcast) {
        drops.add(DropReason::TcpBadAddress);
        return;
    }
    wire::TcpSegment seg;
    const auto e = meta.src.is_v4() ? wire::parse_tcp_v4(data, meta.src.v4(), meta.dst.v4(), seg)
                                    : wire::parse_tcp_v6(data, meta.src.v6(), meta.dst.v6(), seg);
    if (e != wire::ParseError::Ok) {
        drops.add(tcp_drop_reason(e));
        return;
    }
    if (bad_source(meta.src, interfaces)) {
        drops.add(DropReason::TcpBadAddress);
        return;
    }
    ++tcp_counters.segs_in;
    const FourTuple tuple{meta.dst, meta.src, seg.dst_port, seg.src_port};
    if (const auto index = tcp_table.find(tuple)) {
        TcpEntry& entry = *tcp_table.at(*index);
        if (entry.app_holds || !entry.conn.accepts_new_syn(seg)) {
            tcp_connection_input(entry, seg, now);
            return;
        }
        // RFC 6191: a new SYN ends the old incarnation's TIME-WAIT; the listener takes it.
        entry.conn.abort(now);
        tcp_free(entry);
    }
    // Issue 4: no state here, and the tuple belongs to another shard (steering and the
    // reassembly hand-off make this rare: a RETA change, or a hand-off that failed). That
    // shard has the same listeners and may hold the connection: neither a new connection nor
    // a RST may come from this one.
    if (tcp_owned_elsewhere(tuple)) {
        ++tcp_counters.not_owner;
        drops.add(DropReason::TcpNotOwner);
        return;
    }
    if (const auto listener =
            tcp_listeners.match(meta.dst, seg.dst_port, tcp_table.flow_hash(tuple))) {
        tcp_listen_input(*listener, meta, seg, tuple, now);
        return;
    }
    // RFC 9293 3.10.7.1: CLOSED. "An incoming segment containing a RST is discarded. An
    // incoming segment not containing a RST causes a RST to be sent in response."
    drops.add(DropReason::TcpNoSocket);
    tcp_reset_reply(tuple, forced_interface(meta), seg, now);
}

void StackCore::Impl::tcp_connection_input(TcpEntry& e, const wire::TcpSegment& seg, Instant now) {
    if (seg.flags & kRst)
        ++tcp_counters.resets_received;
    // Like Linux (tcp_abort_on_overflow = 0): while the accept queue is full, the ACK that
    // would complete a handshake is dropped; the peer or our SYN-ACK retransmission retries.
    if (e.stage == TcpStage::kSynQueue && (seg.flags & kAck) && !(seg.flags & kRst)) {
        const TcpListener* l = tcp_listeners.resolve(e.listener);
        if (l && l->accept_queue_full()) {
            ++tcp_counters.accept_queue_overflows;
            drops.add(DropReason::TcpAcceptQueueFull);
            return;
        }
    }
    e.conn.on_segment(seg, now);
    tcp_after_call(e, now);
}

void StackCore::Impl::tcp_listen_input(TcpListenerId id, const IpMeta& meta,
                                       const wire::TcpSegment& seg, const FourTuple& tuple,
                                       Instant now) {
    // RFC 9293 3.10.7.2 LISTEN. "First, check for a RST: An incoming RST segment could not be
    // valid since it could not have been sent in response to anything sent by this
    // incarnation of the connection. An incoming RST should be ignored."
    if (seg.flags & kRst) {
        drops.add(DropReason::TcpListenInvalid);
        return;
    }
    // "Second, check for an ACK: ... An acceptable reset segment should be formed for any
    // arriving ACK-bearing segment" -- unless it completes a SYN-cookie handshake.
    if (seg.flags & kAck) {
        if (!(seg.flags & kSyn) && config.tcp.syn_cookies) {
            tcp_cookie_ack(id, meta, seg, tuple, now);
            return;
        }
        drops.add(DropReason::TcpListenInvalid);
        tcp_reset_reply(tuple, forced_interface(meta), seg, now);
        return;
    }
    // "Third, check for a SYN".
    if (seg.flags & kSyn) {
        tcp_passive_open(id, meta, seg, tuple, now);
        return;
    }
    // "Fourth, other data or control: ... drop the segment and return."
    drops.add(DropReason::TcpListenInvalid);
}

void StackCore::Impl::tcp_passive_open(TcpListenerId id, const IpMeta& meta,
                                       const wire::TcpSegment& seg, const FourTuple& tuple,
                                       Instant now) {
    TcpListener& l = *tcp_listeners.resolve(id);
    const std::uint16_t local_mss =
        tcp_local_mss(interfaces[meta.ifindex].info.mtu, tuple.local.is_v4());
    // Like Linux: no new embryonic connections while nobody takes the established ones.
    if (l.accept_queue_full()) {
        ++tcp_counters.accept_queue_overflows;
        drops.add(DropReason::TcpAcceptQueueFull);
        return;
    }
    const bool queue_full = l.syn_queue_full();
    if (queue_full)
        ++tcp_counters.syn_queue_overflows;
    if (queue_full || tcp_table.full()) {
        if (!config.tcp.syn_cookies) {
            drops.add(queue_full ? DropReason::TcpSynQueueFull : DropReason::TcpTableFull);
            return;
        }
        // RFC 4987 3.6: answer statelessly; the cookie is our ISN. Only the MSS survives
        // (no window scale, SACK or timestamps: see syn_cookie.hpp).
        const std::uint16_t peer_mss = seg.options.mss ? seg.options.mss : 536;
        tcp::OutgoingSegment synack;
        synack.seq = tcp_cookies.make_cookie(tuple, seg.seq, peer_mss, now);
        synack.ack = seg.seq + 1;
        synack.flags = kSyn | kAck;
        synack.window = static_cast<std::uint16_t>(
            std::min<std::size_t>(tcp_listener_config(l).initial_receive_window, 65535));
        synack.options.mss = local_mss;
        if (tcp_emit(tuple, forced_interface(meta), synack, now, l.hop_limit))
            ++tcp_counters.syn_cookies_sent;
        return;
    }
    // Accepted connections inherit the listener's socket options.
    TcpEntry& e =
        tcp_create(tuple, local_mss, forced_interface(meta), &tcp_listener_config(l), l.hop_limit);
    e.stage = TcpStage::kSynQueue;
    e.listener = id;
    ++l.syn_queue;
    ++tcp_counters.passive_opens;
    e.conn.accept_syn(seg, tcp_isn.isn(tuple, now), now);
    tcp_after_call(e, now);
}

void StackCore::Impl::tcp_cookie_ack(TcpListenerId id, const IpMeta& meta,
                                     const wire::TcpSegment& seg, const FourTuple& tuple,
                                     Instant now) {
    const TcpListener& l = *tcp_listeners.resolve(id);
    const auto mss = tcp_cookies.check_cookie(tuple, seg.seq - 1, seg.ack - 1, now);
    if (!mss || l.accept_queue_full() || tcp_table.full()) {
        if (!mss)
            ++tcp_counters.syn_cookies_failed;
        else
            ++tcp_counters.accept_queue_overflows;
        // Not ours (or no room): RFC 9293 3.10.7.2 "<SEQ=SEG.ACK><CTL=RST>".
        drops.add(DropReason::TcpListenInvalid);
        if (!mss)
            tcp_reset_reply(tuple, forced_interface(meta), seg, now);
        return;
    }
    ++tcp_counters.syn_cookies_accepted;
    ++tcp_counters.passive_opens;
    const std::uint16_t local_mss =
        tcp_local_mss(interfaces[meta.ifindex].info.mtu, tuple.local.is_v4());
    TcpEntry& e =
        tcp_create(tuple, local_mss, forced_interface(meta), &tcp_listener_config(l), l.hop_limit);
    // Counted in the SYN queue until the connection reports kConnected (from accept_cookie).
    e.stage = TcpStage::kSynQueue;
    e.listener = id;
    ++tcp_listeners.resolve(id)->syn_queue;
    e.conn.accept_cookie(seg, *mss, now);
    tcp_after_call(e, now);
}

void StackCore::Impl::tcp_reset_reply(const FourTuple& tuple, std::optional<IfIndex> ifindex,
                                      const wire::TcpSegment& seg, Instant now) {
    if (seg.flags & kRst)
        return; // Never answer a reset with a reset.
    tcp::OutgoingSegment rst;
    if (seg.flags & kAck) {
        // "If the ACK bit is on, <SEQ=SEG.ACK><CTL=RST>"
        rst.seq = seg.ack;
        rst.flags = kRst;
    } else {
        // "If the ACK bit is off, sequence number zero is used,
        //  <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>"
        rst.seq = 0;
        rst.ack = seg.seq + wire::tcp_segment_length(seg);
        rst.flags = kRst | kAck;
    }
    tcp_emit(tuple, ifindex, rst, now);
}

bool StackCore::Impl::tcp_owned_elsewhere(const FourTuple& tuple) const {
    const steer::FlowSteering* s = config.steering;
    return s && s->lcore_count() > 1 && s->owner(tuple) != config.lcore;
}

void StackCore::Impl::tcp_path_mtu(const FourTuple& tuple, std::uint32_t quoted_seq,
                                   std::uint32_t mtu, Instant now) {
    const auto index = tcp_table.find(tuple);
    if (!index)
        return;
    TcpEntry& e = *tcp_table.at(*index);
    e.conn.on_path_mtu(mtu, quoted_seq, now);
    tcp_after_call(e, now);
}

} // namespace multios::net
