// What a connection sends and when: new data under the peer's window and cwnd with Nagle and
// sender-side silly-window avoidance (RFC 9293 3.7.4, 3.8.6.2.1), RFC 3042 limited transmit,
// RFC 6675 SACK recovery, the advertised window with receiver-side SWS avoidance
// (RFC 9293 3.8.6.2.2), delayed ACKs (RFC 9293 3.8.6.3, RFC 5681 4.2) and segment building.
#include <algorithm>

#include "tcp/connection_impl.hpp"

namespace multios::net::tcp {

namespace {

using namespace wire::tcpflag;

constexpr std::uint32_t kTimestampOptionBytes = 12; // NOP NOP TS(10), as Linux pads it

bool sends_data(TcpState s) {
    return s == TcpState::kEstablished || s == TcpState::kCloseWait || s == TcpState::kFinWait1 ||
           s == TcpState::kLastAck || s == TcpState::kClosing;
}

} // namespace

SeqNum Connection::Impl::ack_number() const {
    return rcv.rcv_nxt() + (fin_received ? 1u : 0u);
}

/// RFC 6691: the MSS excludes options, so each segment's payload leaves room for them.
std::uint32_t Connection::Impl::max_payload() const {
    const std::uint32_t opts = ts_ok ? kTimestampOptionBytes : 0;
    return smss > opts + 64 ? smss - opts : smss;
}

/// The window we would advertise now: free buffer under the auto-tuned limit, with the right
/// edge held back until it can move by a useful amount (receiver SWS avoidance), and never
/// retreating (RFC 9293 3.8.6.2.2 discourages shrinking).
std::uint32_t Connection::Impl::receive_window() const {
    const std::uint32_t avail =
        static_cast<std::uint32_t>(std::min<std::size_t>(rcv.window(), rcv_limit));
    const SeqNum base = ack_number();
    const SeqNum candidate = base + avail;
    const std::uint32_t step =
        std::min<std::uint32_t>(static_cast<std::uint32_t>(rcv.capacity() / 2), local_mss);
    SeqNum right = rcv_adv_right;
    if (candidate > right && seq_distance(right, candidate) >= step)
        right = candidate;
    if (right < base)
        return 0;
    return seq_distance(base, right);
}

std::uint16_t Connection::Impl::window_field() {
    std::uint32_t w = receive_window();
    w = std::min<std::uint32_t>(w, 65535u << rcv_wscale);
    const std::uint32_t field = w >> rcv_wscale;
    // Advertise exactly what the field says, so the right edge the peer sees is the one kept.
    const SeqNum right = ack_number() + (field << rcv_wscale);
    if (right > rcv_adv_right)
        rcv_adv_right = right;
    return static_cast<std::uint16_t>(field);
}

void Connection::Impl::fill_options(wire::TcpOptions& o, bool syn, Instant now) {
    if (syn) {
        o.mss = local_mss;
        const bool answer = state == TcpState::kSynReceived;
        o.has_window_scale = cfg.window_scaling && (!answer || ws_ok);
        o.window_scale = rcv_wscale;
        o.sack_permitted = cfg.sack && (!answer || sack_ok);
        if (cfg.timestamps && (!answer || ts_ok)) {
            o.has_timestamps = true;
            o.ts_val = ts_now(now);
            o.ts_ecr = answer ? ts_recent : 0;
        }
        return;
    }
    if (ts_ok) {
        o.has_timestamps = true;
        o.ts_val = ts_now(now);
        o.ts_ecr = ts_recent;
    }
    if (sack_ok && rcv.ooo_range_count() > 0) {
        const std::size_t room = ts_ok ? 3 : 4; // 40 option bytes (RFC 2018 3)
        o.sack_count = static_cast<unsigned>(rcv.sack_blocks({o.sack, room}));
    }
}

std::uint32_t Connection::Impl::transmit(SeqNum seq, std::uint32_t len, std::uint8_t flags,
                                         Instant now) {
    OutgoingSegment s;
    s.seq = seq.value();
    s.flags = flags;
    const bool syn = flags & kSyn;
    if (!(flags & kRst))
        fill_options(s.options, syn, now);
    if (s.options.sack_count > 0) {
        // SACK blocks take payload room (RFC 6691).
        const std::uint32_t extra = 4 + 8 * s.options.sack_count;
        const std::uint32_t mp = max_payload();
        len = std::min(len, mp > extra ? mp - extra : 1);
    }
    if (flags & kAck) {
        s.ack = ack_number().value();
        s.window =
            syn ? static_cast<std::uint16_t>(std::min<std::uint32_t>(receive_window(), 65535))
                : window_field();
        if (syn)
            rcv_adv_right = seq_max(rcv_adv_right, ack_number() + s.window);
        last_ack_sent = ack_number();
        unacked_segments = 0;
        ack_now = false;
        disarm(TimerKind::kDelayedAck);
    } else if (syn) {
        s.window = static_cast<std::uint16_t>(std::min<std::uint32_t>(receive_window(), 65535));
    }
    if (len > 0)
        s.payload = sndbuf.peek(seq, len);
    len = static_cast<std::uint32_t>(s.payload.size());
    if (len > 0 && cfg.rack)
        rack.on_transmit(seq, len, now);
    if ((flags & kFin) && seq + len != sndbuf.end())
        s.flags &= static_cast<std::uint8_t>(~kFin); // FIN only after the last byte
    out.send_segment(tuple, s, now);
    ++stats.segs_out;
    if (len > 0) {
        ++stats.data_segs_out;
        stats.bytes_sent += len;
    }
    const SeqNum end = seq + len + (syn ? 1u : 0u) + ((s.flags & kFin) ? 1u : 0u);
    if (!(flags & kRst)) {
        if (end > snd_nxt)
            snd_nxt = end;
        if (end > snd_max)
            snd_max = end;
    }
    if (s.flags & kFin) {
        fin_sent = true;
        fin_seq = seq + len;
    }
    if (len > 0 || syn || (s.flags & kFin))
        last_send = now;
    return len;
}

std::uint32_t Connection::Impl::retransmit(SeqNum seq, std::uint32_t len, std::uint8_t flags,
                                           Instant now) {
    const std::uint32_t sent = transmit(seq, len, flags, now);
    ++stats.total_retrans;
    stats.bytes_retrans += sent;
    return sent;
}

void Connection::Impl::send_syn(Instant now) {
    const std::uint8_t flags = state == TcpState::kSynReceived ? (kSyn | kAck) : kSyn;
    if (retries == 0) {
        rtt_timing = true;
        rtt_seq = iss;
        rtt_start = now;
    }
    transmit(iss, 0, flags, now);
}

void Connection::Impl::send_ack(Instant now) {
    transmit(snd_nxt, 0, kAck, now);
}

void Connection::Impl::send_rst(SeqNum seq, bool with_ack, Instant now) {
    transmit(seq, 0, with_ack ? (kRst | kAck) : kRst, now);
}

bool Connection::Impl::need_fin() const {
    return fin_queued && (!fin_sent || snd_nxt <= fin_seq);
}

/// Retransmits the segment at SND.UNA (fast retransmit, partial ACK, RTO).
void Connection::Impl::retransmit_head(Instant now) {
    if (state == TcpState::kSynSent || state == TcpState::kSynReceived) {
        send_syn(now);
        return;
    }
    const SeqNum end = sndbuf.end();
    const std::uint32_t len =
        std::min(max_payload(), snd_una < end ? seq_distance(snd_una, end) : 0u);
    std::uint8_t flags = kAck;
    if (fin_queued && snd_una + len == end)
        flags |= kFin;
    if (len == 0 && !(flags & kFin))
        return;
    const std::uint32_t sent = retransmit(snd_una, len, flags | (len ? kPsh : 0), now);
    high_rxt = seq_max(high_rxt, snd_una + sent);
    rtt_timing = false; // Karn
}

std::uint32_t Connection::Impl::pipe() const {
    return scoreboard.pipe(snd_una.value(), snd_max.value(), high_rxt.value(), smss);
}

void Connection::Impl::output(Instant now) {
    if (!sends_data(state))
        return;
    if (in_recovery && sack_ok) {
        send_recovery(now);
        return;
    }
    if (sack_ok && rack.next_lost())
        send_rack_lost(now); // after an RTO: retransmissions RACK found lost again
    send_new_data(now);
}

/// RFC 8985 6.3 outside fast recovery (RTO recovery): resend what RACK marked lost, within
/// cwnd.
void Connection::Impl::send_rack_lost(Instant now) {
    const std::uint32_t mp = max_payload();
    for (int guard = 0; guard < 64; ++guard) {
        const auto lost = rack.next_lost();
        if (!lost)
            break;
        const std::uint32_t inflight = seq_distance(snd_una, snd_nxt);
        if (cc->cwnd() < inflight + mp)
            break;
        if (retransmit(SeqNum(lost->left), std::min(lost->length(), mp), kAck, now) == 0)
            break;
    }
    arm_retransmit(now);
}

/// Go-back-N after an RTO resends from SND.NXT < SND.MAX: skip what the peer SACKed and stop
/// a segment where the next SACKed range starts (RFC 6675 5.1).
void Connection::Impl::skip_sacked(std::uint32_t& len) {
    if (!sack_ok || !(snd_nxt < snd_max))
        return;
    for (const SeqRange& r : scoreboard.ranges()) {
        const SeqNum left(r.left), right(r.right);
        if (snd_nxt < left) {
            len = std::min(len, seq_distance(snd_nxt, left));
            return;
        }
        if (snd_nxt < right)
            snd_nxt = right;
    }
}

/// RFC 6675 5 step (C): while cwnd - pipe >= 1 SMSS, send what NextSeg picks.
bool Connection::Impl::send_recovery(Instant now) {
    bool sent_any = false;
    const std::uint32_t mp = max_payload();
    for (int guard = 0; guard < 64; ++guard) {
        const std::uint32_t p = pipe();
        if (cc->cwnd() < p + mp)
            break;
        if (const auto lost = rack.next_lost()) {
            // RFC 8985 6.3: retransmit what RACK judged lost before anything else.
            const std::uint32_t sent =
                retransmit(SeqNum(lost->left), std::min(lost->length(), mp), kAck, now);
            high_rxt = seq_max(high_rxt, SeqNum(lost->left) + sent);
            if (sent == 0)
                break;
            sent_any = true;
            continue;
        }
        const SeqNum end = sndbuf.end();
        const std::uint32_t unsent = snd_max < end ? seq_distance(snd_max, end) : 0;
        const SeqNum wnd_right = snd_una + snd_wnd;
        const std::uint32_t room = wnd_right > snd_max ? seq_distance(snd_max, wnd_right) : 0;
        const auto next = scoreboard.next_seg(snd_una.value(), snd_max.value(), high_rxt.value(),
                                              mp, std::min(unsent, room));
        if (!next)
            break;
        const SeqNum from(next->range.left);
        std::uint32_t len = std::min(next->range.length(), mp);
        if (next->rule == NextSegment::Rule::kNewData) {
            if (snd_nxt != snd_max)
                snd_nxt = snd_max;
            std::uint8_t flags = kAck | kPsh;
            if (need_fin() && from + len == end)
                flags |= kFin;
            if (transmit(from, len, flags, now) == 0)
                break;
        } else {
            const std::uint32_t sent = retransmit(from, len, kAck, now);
            high_rxt = seq_max(high_rxt, from + sent);
            if (sent == 0)
                break;
        }
        sent_any = true;
    }
    if (sent_any)
        arm_retransmit(now);
    return sent_any;
}

bool Connection::Impl::send_new_data(Instant now) {
    const std::uint32_t mp = max_payload();
    if (flight() == 0 && stats.data_segs_out > 0 && now - last_send > rtt.rto())
        cc->on_idle_restart(now); // RFC 5681 4.1 / RFC 7661
    bool sent_any = false;
    for (;;) {
        std::uint32_t sack_limit = UINT32_MAX;
        skip_sacked(sack_limit);
        const SeqNum end = sndbuf.end();
        const std::uint32_t unsent =
            std::min(snd_nxt < end ? seq_distance(snd_nxt, end) : 0, sack_limit);
        const bool fin = need_fin();
        if (unsent == 0 && !fin)
            break;
        const SeqNum wnd_right = snd_una + snd_wnd;
        const std::uint32_t wnd_room = wnd_right > snd_nxt ? seq_distance(snd_nxt, wnd_right) : 0;
        // RFC 3042: the first two duplicate ACKs each let one new segment out beyond cwnd.
        const std::uint32_t cwnd =
            cc->cwnd() + (!in_recovery && dupacks > 0 && dupacks < 3 ? dupacks * mp : 0);
        const std::uint32_t inflight = seq_distance(snd_una, snd_nxt);
        const std::uint32_t cwnd_room = cwnd > inflight ? cwnd - inflight : 0;
        std::uint32_t len = std::min({unsent, wnd_room, cwnd_room, mp});
        if (unsent > 0 && len == 0) {
            if (wnd_room == 0 && inflight == 0)
                arm_persist(now);
            break;
        }
        // Sender SWS avoidance (RFC 1122 4.2.3.4): a partial segment only when it empties the
        // queue or is at least half the largest window the peer ever offered, or when nothing
        // is in flight (no ACK will come to reopen the window: the override case, sent at
        // once as Linux does).
        const bool resend = snd_nxt < snd_max; // go-back-N after an RTO: sent before
        if (!resend && len < unsent && len < mp && len < max_snd_wnd / 2 && inflight > 0)
            break;
        // Nagle: hold a small last segment while data is unacknowledged.
        if (!resend && len == unsent && len < mp && len > 0 && inflight > 0 && !cfg.nodelay && !fin)
            break;
        std::uint8_t flags = kAck;
        if (len == unsent && len > 0)
            flags |= kPsh;
        if (fin && len == unsent)
            flags |= kFin;
        const bool timing = !ts_ok && !rtt_timing && snd_nxt == snd_max && len > 0;
        const SeqNum seq = snd_nxt;
        const std::uint32_t sent =
            resend ? retransmit(seq, len, flags, now) : transmit(seq, len, flags, now);
        if (timing) {
            rtt_timing = true;
            rtt_seq = seq;
            rtt_start = now;
        }
        sent_any = true;
        if ((flags & kFin) || (sent == 0 && !(flags & kFin)))
            break;
    }
    if (sent_any)
        arm_retransmit(now);
    return sent_any;
}

/// Delayed ACK (RFC 9293 3.8.6.3, RFC 5681 4.2): at least every second full segment, at most
/// cfg.delayed_ack late; the first segments of a connection are ACKed at once (quick-ack).
void Connection::Impl::schedule_ack(bool force, Instant now) {
    ++unacked_segments;
    if (quickacks > 0) {
        --quickacks;
        force = true;
    }
    if (force || unacked_segments >= 2) {
        ack_now = true;
        return;
    }
    if (!armed(TimerKind::kDelayedAck))
        arm(TimerKind::kDelayedAck, now + cfg.delayed_ack);
}

/// After the application read: tell the peer when the window opened by a useful amount
/// (2 segments or half the buffer), or reopened from below one segment.
void Connection::Impl::maybe_window_update(Instant now) {
    if (state != TcpState::kEstablished && state != TcpState::kFinWait1 &&
        state != TcpState::kFinWait2)
        return;
    const SeqNum base = ack_number();
    const std::uint32_t advertised = rcv_adv_right > base ? seq_distance(base, rcv_adv_right) : 0;
    const std::uint32_t now_open = receive_window();
    const std::uint32_t threshold =
        std::min<std::uint32_t>(static_cast<std::uint32_t>(rcv.capacity() / 2), 2u * local_mss);
    if (now_open >= advertised + threshold || (advertised < local_mss && now_open >= local_mss))
        send_ack(now);
}

} // namespace multios::net::tcp
