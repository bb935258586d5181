// Segment arrival, RFC 9293 3.10.7.3 (SYN-SENT) and 3.10.7.4 (the synchronized states), with
// the RFC 5961 blind-attack rules, RFC 7323 PAWS and timestamps, and the ACK processing that
// drives loss recovery (RFC 5681, 6582, 6675).
#include <algorithm>

#include "tcp/connection_impl.hpp"

namespace multios::net::tcp {

namespace {

using namespace wire::tcpflag;

constexpr Duration kPawsIdleLimit = std::chrono::hours(24 * 24); // RFC 7323 5.5: 24 days

bool receives_data(TcpState s) {
    return s == TcpState::kEstablished || s == TcpState::kFinWait1 || s == TcpState::kFinWait2;
}

} // namespace

void Connection::Impl::on_segment(const wire::TcpSegment& seg, Instant now) {
    ++stats.segs_in;
    if (!seg.payload.empty())
        ++stats.data_segs_in;
    if (state == TcpState::kClosed)
        return;
    if (state == TcpState::kSynSent) {
        syn_sent_input(seg, now);
        return;
    }
    // A retransmitted SYN while our SYN-ACK is unacknowledged: answer it again (RFC 9293
    // 3.10.7.4 would ACK it; the peer needs the SYN-ACK).
    if (state == TcpState::kSynReceived && (seg.flags & kSyn) && !(seg.flags & kAck) &&
        SeqNum(seg.seq) == irs) {
        send_syn(now);
        return;
    }
    // Simultaneous open (RFC 9293 3.5 figure 8): the peer's SYN-ACK answers our SYN while we
    // are in SYN-RECEIVED; its ACK completes the handshake (Linux exempts it from RFC 5961 4.2).
    if (state == TcpState::kSynReceived && (seg.flags & kSyn) && (seg.flags & kAck) &&
        !(seg.flags & kRst) && SeqNum(seg.seq) == irs) {
        if (ack_input(seg, now)) {
            send_ack(now);
            output(now);
        }
        return;
    }
    if (paws_reject(seg, now))
        return;
    if (!acceptable(seg)) {
        // RFC 9293 3.10.7.4 first check: answer with an ACK (never an RST with an RST).
        if (!(seg.flags & kRst))
            send_ack(now);
        if (state == TcpState::kTimeWait && (seg.flags & kFin))
            arm(TimerKind::kTimeWait, now + cfg.time_wait);
        return;
    }
    last_receive = now;
    keepalive_probes_sent = 0;
    if (seg.flags & kRst) {
        rst_input(seg, now);
        return;
    }
    if (seg.flags & kSyn) {
        // RFC 5961 4.2: any SYN in a synchronized state gets a (rate-limited) challenge ACK.
        challenge_ack(now);
        return;
    }
    if (!(seg.flags & kAck))
        return;
    // RFC 7323 4.3: TS.Recent follows the segment that covers Last.ACK.sent.
    if (ts_ok && seg.options.has_timestamps && SeqNum(seg.seq) <= last_ack_sent) {
        ts_recent = seg.options.ts_val;
        ts_recent_stamp = now;
    }
    if (!ack_input(seg, now))
        return;
    // URG: the urgent pointer is ignored and urgent data delivered inline (RFC 6093 5 advises
    // new code not to use it); nothing ever indexes the payload with it.
    data_input(seg, now);
    if (state == TcpState::kClosed)
        return;
    output(now);
    if (unacked_segments > 0 && ack_now)
        send_ack(now);
}

/// RFC 9293 3.10.7.3.
void Connection::Impl::syn_sent_input(const wire::TcpSegment& seg, Instant now) {
    const bool has_ack = seg.flags & kAck;
    const SeqNum ack(seg.ack);
    if (has_ack && (ack <= iss || ack > snd_max)) {
        if (!(seg.flags & kRst))
            send_rst(ack, false, now);
        return;
    }
    if (seg.flags & kRst) {
        if (has_ack)
            enter_closed(std::make_error_code(std::errc::connection_refused));
        return;
    }
    if (!(seg.flags & kSyn))
        return;
    negotiate(seg);
    init_receive(SeqNum(seg.seq), now);
    snd_wnd = seg.window; // RFC 7323 2.2: never scaled in a SYN
    max_snd_wnd = snd_wnd;
    snd_wl1 = SeqNum(seg.seq);
    snd_wl2 = ack;
    if (!has_ack) {
        // Simultaneous open (RFC 9293 3.5, figure 8): answer SYN-ACK with the same ISS.
        state = TcpState::kSynReceived;
        send_syn(now);
        return;
    }
    snd_una = ack;
    if (rtt_timing && retries == 0)
        rtt.sample(now - rtt_start, now);
    rtt_timing = false;
    enter_established(now);
    send_ack(now);
    output(now);
}

/// RFC 7323 5.3 (PAWS): a segment whose TSval is older than TS.Recent is a duplicate from an
/// earlier wrap of the sequence space; ACK and drop it. TS.Recent older than 24 days is stale.
bool Connection::Impl::paws_reject(const wire::TcpSegment& seg, Instant now) {
    if (!ts_ok || !seg.options.has_timestamps || (seg.flags & kRst))
        return false;
    if (static_cast<std::int32_t>(seg.options.ts_val - ts_recent) >= 0)
        return false;
    if (now - ts_recent_stamp > kPawsIdleLimit) {
        ts_recent = seg.options.ts_val;
        ts_recent_stamp = now;
        return false;
    }
    ++stats.paws_drops;
    send_ack(now);
    return true;
}

/// RFC 9293 3.10.7.4, the four cases of segment acceptability. A segment at RCV.NXT with a
/// zero window is accepted for its ACK and flags (its data is trimmed away later).
bool Connection::Impl::acceptable(const wire::TcpSegment& seg) const {
    const SeqNum rcv_nxt = ack_number();
    const std::int32_t open = seq_signed_distance(rcv_nxt, rcv_adv_right);
    const std::uint32_t wnd = open > 0 ? static_cast<std::uint32_t>(open) : 0;
    const std::uint32_t len = wire::tcp_segment_length(seg);
    const SeqNum seq(seg.seq);
    if (wnd == 0)
        return seq == rcv_nxt;
    if (len == 0)
        return in_window(seq, rcv_nxt, wnd);
    return in_window(seq, rcv_nxt, wnd) || in_window(seq + (len - 1), rcv_nxt, wnd);
}

/// RFC 5961 3.2: only an RST exactly at RCV.NXT resets; one merely in the window gets a
/// challenge ACK (a real peer answers it with an exact RST, a blind attacker cannot).
bool Connection::Impl::rst_input(const wire::TcpSegment& seg, Instant now) {
    if (SeqNum(seg.seq) != ack_number()) {
        challenge_ack(now);
        return false;
    }
    switch (state) {
    case TcpState::kSynReceived:
        enter_closed(passive ? std::error_code{}
                             : std::make_error_code(std::errc::connection_refused));
        break;
    case TcpState::kEstablished:
    case TcpState::kFinWait1:
    case TcpState::kFinWait2:
    case TcpState::kCloseWait:
        enter_closed(std::make_error_code(std::errc::connection_reset));
        break;
    default:
        enter_closed({});
        break;
    }
    return true;
}

void Connection::Impl::challenge_ack(Instant now) {
    if (now - challenge_window_start >= std::chrono::seconds(1)) {
        challenge_window_start = now;
        challenge_count = 0;
    }
    if (challenge_count >= cfg.challenge_acks_per_second)
        return;
    ++challenge_count;
    ++stats.challenge_acks;
    send_ack(now);
}

/// RFC 9293 3.10.7.4 fifth check ("check the ACK field") with RFC 5961 5.2.
bool Connection::Impl::ack_input(const wire::TcpSegment& seg, Instant now) {
    const SeqNum ack(seg.ack);
    if (state == TcpState::kSynReceived) {
        if (!(snd_una < ack && ack <= snd_max)) {
            send_rst(ack, false, now);
            return false;
        }
        snd_una = iss + 1;
        if (rtt_timing && retries == 0)
            rtt.sample(now - rtt_start, now);
        rtt_timing = false;
        snd_wnd = static_cast<std::uint32_t>(seg.window) << snd_wscale;
        max_snd_wnd = std::max(max_snd_wnd, snd_wnd);
        snd_wl1 = SeqNum(seg.seq);
        snd_wl2 = ack;
        enter_established(now);
        if (fin_queued)
            state = TcpState::kFinWait1;
    }
    persist_probes = 0; // the peer is alive (Linux resets icsk_probes_out on any ACK)
    if (ack > snd_max) {
        send_ack(now); // RFC 9293: ACKs something not yet sent
        return false;
    }
    if (ack < snd_una - max_snd_wnd) {
        challenge_ack(now); // RFC 5961 5.2: too old to be from the real peer
        return false;
    }
    if (ack > snd_una)
        new_ack(seg, ack, now);
    else if (ack == snd_una)
        duplicate_ack(seg, now);
    update_window(seg);
    if (fin_sent && ack > fin_seq && state != TcpState::kTimeWait)
        fin_acked(now);
    return state != TcpState::kClosed;
}

void Connection::Impl::new_ack(const wire::TcpSegment& seg, SeqNum ack, Instant now) {
    const std::uint32_t flight_before = flight();
    const SeqNum data_ack = seq_min(ack, sndbuf.end());
    const std::size_t freed = data_ack > sndbuf.una() ? sndbuf.ack(data_ack) : 0;
    std::uint32_t newly_sacked = 0;
    if (sack_ok) {
        const auto r = scoreboard.update(ack.value(), snd_max.value(),
                                         {seg.options.sack, seg.options.sack_count});
        newly_sacked = r.newly_sacked;
        if (r.dsack)
            rack.on_dsack();
    }
    const std::uint32_t acked = seq_distance(snd_una, ack);
    snd_una = ack;
    if (snd_nxt < snd_una)
        snd_nxt = snd_una;
    if (high_rxt < snd_una)
        high_rxt = snd_una;
    stats.bytes_acked += freed;
    retries = 0;
    dupacks = 0;
    if (cfg.rack) {
        // Pops the acknowledged records and measures the RTT from our own send times.
        rack.on_ack(snd_una, sack_ok ? scoreboard.ranges() : std::span<const SeqRange>{}, now,
                    rtt.min_rtt());
    }
    take_rtt_sample(seg, ack, now);
    if (in_recovery) {
        if (ack >= recover) {
            in_recovery = false;
            cc->on_recovery_exit(now, flight());
        } else if (!sack_ok) {
            // RFC 6582 3.2 step 5: a partial ACK retransmits the next hole at once.
            cc->on_partial_ack(acked);
            retransmit_head(now);
        }
    } else {
        AckSample s;
        s.now = now;
        s.acked_bytes = acked + newly_sacked;
        s.srtt = rtt.srtt();
        s.bytes_in_flight = flight();
        const std::uint32_t cwnd = cc->cwnd();
        s.cwnd_limited =
            cc->in_slow_start() ? cwnd < 2 * flight_before : flight_before + max_payload() >= cwnd;
        cc->on_ack(s);
    }
    restart_retransmit(now);
    rack_detect(now);
    if (freed > 0 && !fin_queued)
        notify(tcpevent::kWritable);
}

/// RFC 5681 2 "duplicate acknowledgment", RFC 6675 5 (SACK) and RFC 3042 (limited transmit).
void Connection::Impl::duplicate_ack(const wire::TcpSegment& seg, Instant now) {
    if (flight() == 0)
        return;
    std::uint32_t newly_sacked = 0;
    if (sack_ok && seg.options.sack_count) {
        const auto r = scoreboard.update(snd_una.value(), snd_max.value(),
                                         {seg.options.sack, seg.options.sack_count});
        newly_sacked = r.newly_sacked;
        if (r.dsack)
            rack.on_dsack();
    }
    rack_update(now); // every ACK feeds RACK, in recovery too (RFC 8985 6.2)
    if (in_recovery && sack_ok)
        return;
    const bool same_window = (static_cast<std::uint32_t>(seg.window) << snd_wscale) == snd_wnd;
    const bool pure = seg.payload.empty() && !(seg.flags & (kSyn | kFin));
    if (!pure || (!same_window && newly_sacked == 0))
        return;
    ++dupacks;
    if (in_recovery) {
        cc->on_dup_ack_in_recovery(); // NewReno without SACK (RFC 6582 3.2 step 3)
        return;
    }
    const bool lost = dupacks >= 3 || (sack_ok && scoreboard.is_lost(snd_una.value(), smss));
    // RFC 6582 3.2 step 1: no new recovery for losses of the window that caused the last one.
    if (!lost || (recover > snd_una))
        return;
    enter_recovery(now);
}

/// Fast retransmit / fast recovery entry (RFC 5681 3.2, RFC 6582 3.2, RFC 6675 5 step 4).
void Connection::Impl::enter_recovery(Instant now) {
    in_recovery = true;
    rack.on_recovery();
    recover = snd_max;
    ++stats.fast_recoveries;
    CongestionEvent ev;
    ev.now = now;
    ev.flight_size = flight();
    ev.inflation_segments = sack_ok ? 0 : 3;
    cc->on_congestion_event(ev);
    high_rxt = snd_una;
    // RFC 6675 5 step 4.3: the first lost segment goes out whatever pipe says.
    retransmit_head(now);
    restart_retransmit(now); // RFC 8985 7.2: no probe timeout during recovery, only the RTO
}

/// RFC 8985 6.2: feed the ACK to RACK, then look for losses (SACK connections only: RACK
/// needs SACK to know what was delivered out of order).
void Connection::Impl::rack_update(Instant now) {
    if (!cfg.rack || !sack_ok)
        return;
    rack.on_ack(snd_una, scoreboard.ranges(), now, rtt.min_rtt());
    rack_detect(now);
}

void Connection::Impl::rack_detect(Instant now) {
    if (!cfg.rack || !sack_ok || scoreboard.empty())
        return;
    // RFC 8985 6.2 step 4: no reordering window until reordering was seen, once recovery runs
    // or DupThresh segments are SACKed; otherwise min_RTT / 4, at most SRTT.
    Duration reo_wnd{0};
    const bool many_sacked = scoreboard.sacked_bytes() >= 3 * smss;
    if (rack.reordering_seen() || !(in_recovery || many_sacked)) {
        const Duration min_rtt = rtt.min_rtt();
        if (min_rtt != Duration::max())
            reo_wnd = std::min(rack.reo_wnd(min_rtt), rtt.srtt());
    }
    const Instant timer = rack.detect_loss(now, reo_wnd);
    if (rack.next_lost() && !in_recovery && !(recover > snd_una)) {
        enter_recovery(now);
        return;
    }
    if (timer != kNever &&
        (!armed(TimerKind::kRetransmit) ||
         timer < timers[static_cast<std::size_t>(TimerKind::kRetransmit)].deadline())) {
        rtx_mode = RtxMode::kReorder;
        arm(TimerKind::kRetransmit, timer);
    }
}

/// RFC 9293 3.10.7.4: SND.WL1/SND.WL2 keep old segments from moving the window backwards.
void Connection::Impl::update_window(const wire::TcpSegment& seg) {
    const SeqNum seq(seg.seq);
    const SeqNum ack(seg.ack);
    if (!(snd_wl1 < seq || (snd_wl1 == seq && snd_wl2 <= ack)))
        return;
    snd_wnd = static_cast<std::uint32_t>(seg.window) << snd_wscale;
    max_snd_wnd = std::max(max_snd_wnd, snd_wnd);
    snd_wl1 = seq;
    snd_wl2 = ack;
    if (snd_wnd > 0) {
        persist_backoff = 0;
        disarm(TimerKind::kPersist);
    }
}

void Connection::Impl::fin_acked(Instant now) {
    switch (state) {
    case TcpState::kFinWait1:
        state = TcpState::kFinWait2;
        if (app_closed)
            arm(TimerKind::kKeepalive, now + cfg.fin_wait2_timeout);
        break;
    case TcpState::kClosing:
        enter_time_wait(now);
        break;
    case TcpState::kLastAck:
        enter_closed({});
        break;
    default:
        break;
    }
}

/// RFC 7323 4.1 (timestamps: every ACK of new data is a sample, retransmissions included) or
/// RFC 6298 3 Karn's rule (one timed segment, discarded if it was retransmitted), preferring
/// RACK's record of when the newest acknowledged segment left (RFC 8985 6.2 step 2).
void Connection::Impl::take_rtt_sample(const wire::TcpSegment& seg, SeqNum ack, Instant now) {
    // Our own per-segment send times are exact (the timestamp clock ticks in milliseconds,
    // which rounds sub-millisecond paths to 0 and would leave RACK no reordering window).
    if (cfg.rack) {
        if (const auto r = rack.ack_rtt())
            rtt.sample(*r, now);
        rtt_timing = false;
        return;
    }
    if (ts_ok && seg.options.has_timestamps && seg.options.ts_ecr != 0) {
        const auto ms = static_cast<std::int32_t>(ts_now(now) - seg.options.ts_ecr);
        if (ms >= 0)
            rtt.sample(std::chrono::milliseconds(ms), now);
        return;
    }
    if (rtt_timing && ack > rtt_seq) {
        rtt_timing = false;
        rtt.sample(now - rtt_start, now);
    }
}

/// RFC 9293 3.10.7.4 seventh (segment text) and eighth (FIN) checks.
void Connection::Impl::data_input(const wire::TcpSegment& seg, Instant now) {
    const SeqNum before = rcv.rcv_nxt();
    if (!seg.payload.empty() && receives_data(state) && !fin_received) {
        const SeqNum seq(seg.seq);
        rcv.insert(seq, seg.payload);
        const std::uint32_t advanced = seq_distance(before, rcv.rcv_nxt());
        stats.bytes_received += advanced;
        const bool out_of_order = seq != before || rcv.ooo_range_count() > 0;
        autotune(seq + static_cast<std::uint32_t>(seg.payload.size()));
        // RFC 5681 4.2: out-of-order data and data that fills a hole are ACKed at once
        // (with SACK blocks); in-order data may wait for the delayed-ACK timer.
        const bool filled_hole = advanced > seg.payload.size();
        schedule_ack(out_of_order || filled_hole || advanced == 0, now);
        if (advanced > 0)
            notify(tcpevent::kReadable);
    }
    if (seg.flags & kFin) {
        const SeqNum fin = SeqNum(seg.seq) + static_cast<std::uint32_t>(seg.payload.size());
        if (!fin_received) {
            peer_fin_seq = fin;
            fin_pending = true;
            if (fin != rcv.rcv_nxt())
                send_ack(now); // RFC 5681 4.2: out of order, duplicate ACK at once
        }
    }
    if (fin_pending && rcv.rcv_nxt() == peer_fin_seq)
        fin_input(now);
    else if (state == TcpState::kTimeWait && (seg.flags & kFin)) {
        send_ack(now);
        arm(TimerKind::kTimeWait, now + cfg.time_wait);
    }
}

/// Receive-window auto-tuning (in the spirit of Linux's tcp_rcv_space_adjust / DRS): the
/// advertised ceiling doubles, up to the buffer, when the peer is using it: a full ceiling's
/// worth arrived in order since the last step while the application keeps up (less than half
/// of it waits unread), or data reaches the right edge we advertised (window-limited sender,
/// also while holes keep RCV.NXT behind). A transfer that never fills the window never grows it.
void Connection::Impl::autotune(SeqNum seg_end) {
    if (rcv_limit >= rcv.capacity())
        return;
    const bool used_window =
        seq_distance(autotune_mark, rcv.rcv_nxt()) >= rcv_limit && rcv.readable() < rcv_limit / 2;
    const bool at_edge = seg_end + 2u * local_mss > rcv_adv_right;
    if (!used_window && !at_edge)
        return;
    rcv_limit = static_cast<std::uint32_t>(
        std::min<std::size_t>(std::size_t{rcv_limit} * 2, rcv.capacity()));
    autotune_mark = rcv.rcv_nxt();
}

void Connection::Impl::fin_input(Instant now) {
    fin_pending = false;
    fin_received = true;
    switch (state) {
    case TcpState::kSynReceived:
    case TcpState::kEstablished:
        state = TcpState::kCloseWait;
        break;
    case TcpState::kFinWait1:
        state = TcpState::kClosing;
        break;
    case TcpState::kFinWait2:
        enter_time_wait(now);
        break;
    default:
        break;
    }
    send_ack(now);
    notify(tcpevent::kReadable);
}

} // namespace multios::net::tcp
