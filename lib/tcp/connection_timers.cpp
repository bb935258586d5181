// Connection timers on the owner's wheel: retransmission (RFC 6298, with the RFC 8985 tail loss
// probe in front of it), delayed ACK, zero-window persist (RFC 9293 3.8.6.1), keepalive
// (RFC 1122 4.2.3.6) and the FIN-WAIT-2 timeout, TIME-WAIT (RFC 9293 3.6).
#include <algorithm>

#include "tcp/connection_impl.hpp"

namespace multios::net::tcp {

namespace {

using namespace wire::tcpflag;

constexpr Duration kMaxPersist = std::chrono::seconds(60);
/// RFC 8985 7.2: WCDelAckT, the worst-case delayed-ACK time added when one segment is out.
constexpr Duration kWorstCaseDelayedAck = std::chrono::milliseconds(200);

std::size_t index(TimerKind k) {
    return static_cast<std::size_t>(k);
}

} // namespace

void Connection::Impl::arm(TimerKind k, Instant when) {
    wheel.schedule(timers[index(k)], when);
}

void Connection::Impl::disarm(TimerKind k) {
    wheel.cancel(timers[index(k)]);
}

bool Connection::Impl::armed(TimerKind k) const {
    return timers[index(k)].armed();
}

void Connection::Impl::arm_retransmit(Instant now) {
    if (!armed(TimerKind::kRetransmit))
        restart_retransmit(now);
}

/// RFC 6298 5.3: restart on every ACK of new data; stop when nothing is outstanding. While
/// no loss is suspected the timer first runs as an RFC 8985 7.2 probe timeout (PTO).
void Connection::Impl::restart_retransmit(Instant now) {
    rtx_mode = RtxMode::kRto;
    if (state == TcpState::kSynSent || state == TcpState::kSynReceived) {
        arm(TimerKind::kRetransmit, now + rtt.rto());
        return;
    }
    if (flight() == 0) {
        disarm(TimerKind::kRetransmit);
        return;
    }
    Duration when = rtt.rto();
    // RFC 8985 7.2: probe only in the "open" state: not in recovery, no SACKed data, no
    // duplicate ACKs (the loss is then already being detected).
    if (cfg.rack && sack_ok && rtt.has_sample() && !in_recovery && retries == 0 &&
        scoreboard.empty() && dupacks == 0) {
        Duration pto = 2 * rtt.srtt();
        if (flight() <= max_payload())
            pto += kWorstCaseDelayedAck;
        if (pto < when) {
            when = std::max<Duration>(pto, std::chrono::milliseconds(10));
            rtx_mode = RtxMode::kTlp;
        }
    }
    arm(TimerKind::kRetransmit, now + when);
}

void Connection::Impl::on_timer(TimerKind k, Instant now) {
    switch (k) {
    case TimerKind::kRetransmit:
        switch (rtx_mode) {
        case RtxMode::kTlp:
            tail_loss_probe(now);
            break;
        case RtxMode::kReorder:
            // RFC 8985 6.3: the reordering window has passed for some segment.
            restart_retransmit(now);
            rack_detect(now);
            output(now);
            break;
        case RtxMode::kRto:
            retransmit_timeout(now);
            break;
        }
        break;
    case TimerKind::kDelayedAck:
        if (unacked_segments > 0 && state != TcpState::kClosed)
            send_ack(now);
        break;
    case TimerKind::kPersist:
        persist_timeout(now);
        break;
    case TimerKind::kKeepalive:
        if (state == TcpState::kFinWait2 && app_closed)
            enter_closed({}); // Linux tcp_fin_timeout: the peer never closed its side
        else
            keepalive_timeout(now);
        break;
    case TimerKind::kTimeWait:
        if (state == TcpState::kTimeWait)
            enter_closed({});
        break;
    case TimerKind::kCount:
        break;
    }
}

void Connection::Impl::retransmit_timeout(Instant now) {
    ++stats.rto_count;
    if (state == TcpState::kSynSent || state == TcpState::kSynReceived) {
        const unsigned limit = state == TcpState::kSynSent ? cfg.syn_retries : cfg.synack_retries;
        if (++retries > limit) {
            enter_closed(std::make_error_code(std::errc::timed_out));
            return;
        }
        rtt.on_retransmit_timeout();
        ++stats.total_retrans;
        send_syn(now);
        arm(TimerKind::kRetransmit, now + rtt.rto());
        return;
    }
    if (flight() == 0)
        return;
    if (++retries > cfg.max_retransmits) {
        // RFC 1122 4.2.3.5: give up; like Linux, without an RST (the peer is unreachable).
        enter_closed(std::make_error_code(std::errc::timed_out));
        return;
    }
    // RFC 5681 3.1 / RFC 6298 5.4-5.6: collapse cwnd, back off, resend the oldest segment.
    cc->on_rto(now, flight(), retries > 1);
    rtt.on_retransmit_timeout();
    // RFC 6675 5.1: the scoreboard is kept so that the resending below skips what the peer
    // SACKed (as Linux does unless the peer reneged); RACK keeps judging the resent segments
    // (RFC 8985 covers every state), so a lost retransmission needs no second RTO.
    in_recovery = false;
    dupacks = 0;
    recover = snd_max; // RFC 6582 4.1: no fast retransmit for this window's duplicates
    snd_nxt = snd_una;
    high_rxt = snd_una;
    retransmit_head(now);
    arm(TimerKind::kRetransmit, now + rtt.rto());
}

/// RFC 8985 7.3: send one new segment if the window allows, else retransmit the last one, so
/// that a lost tail is detected by SACK rather than by the RTO.
void Connection::Impl::tail_loss_probe(Instant now) {
    rtx_mode = RtxMode::kRto;
    if (flight() == 0)
        return;
    const std::uint32_t mp = max_payload();
    const SeqNum end = sndbuf.end();
    const SeqNum wnd_right = snd_una + snd_wnd;
    const bool new_data = snd_nxt < end && wnd_right > snd_nxt;
    if (new_data) {
        const std::uint32_t len =
            std::min({mp, seq_distance(snd_nxt, end), seq_distance(snd_nxt, wnd_right)});
        std::uint8_t flags = kAck | kPsh;
        if (need_fin() && snd_nxt + len == end)
            flags |= kFin;
        transmit(snd_nxt, len, flags, now);
    } else {
        const SeqNum data_end = fin_sent ? fin_seq : snd_max;
        const std::uint32_t len = std::min(mp, seq_distance(snd_una, data_end));
        const SeqNum from = data_end - len;
        std::uint8_t flags = kAck;
        if (fin_sent && from + len == fin_seq)
            flags |= kFin;
        if (len > 0 || (flags & kFin))
            retransmit(from, len, flags, now);
    }
    arm(TimerKind::kRetransmit, now + rtt.rto());
}

void Connection::Impl::arm_persist(Instant now) {
    if (armed(TimerKind::kPersist))
        return;
    Duration d = rtt.rto();
    for (unsigned i = 0; i < persist_backoff && d < kMaxPersist; ++i)
        d *= 2;
    arm(TimerKind::kPersist, now + std::min(d, kMaxPersist));
}

/// RFC 9293 3.8.6.1: probe a zero window until it opens. The probe is an ACK below SND.UNA
/// (as Linux sends it), which the peer must answer with its current window.
void Connection::Impl::persist_timeout(Instant now) {
    if (!sends_window_probe())
        return;
    // RFC 1122 4.2.2.17 keeps probing while the peer answers; unanswered probes count like
    // retransmissions (Linux tcp_probe_timer), so a vanished peer cannot pin the connection.
    if (++persist_probes > cfg.max_retransmits) {
        enter_closed(std::make_error_code(std::errc::timed_out));
        return;
    }
    transmit(snd_una - 1, 0, kAck, now);
    ++persist_backoff;
    arm_persist(now);
}

bool Connection::Impl::sends_window_probe() const {
    const bool open_state = state == TcpState::kEstablished || state == TcpState::kCloseWait ||
                            state == TcpState::kFinWait1 || state == TcpState::kLastAck ||
                            state == TcpState::kClosing;
    return open_state && snd_wnd == 0 && (snd_nxt < sndbuf.end() || need_fin());
}

void Connection::Impl::arm_keepalive(Instant now) {
    if (cfg.keepalive)
        arm(TimerKind::kKeepalive, now + cfg.keepalive_idle);
}

/// RFC 1122 4.2.3.6: after keepalive_idle without a segment from the peer, probe every
/// keepalive_interval; keepalive_probes unanswered probes end the connection.
void Connection::Impl::keepalive_timeout(Instant now) {
    if (!cfg.keepalive || (state != TcpState::kEstablished && state != TcpState::kCloseWait))
        return;
    if (keepalive_probes_sent == 0 && now - last_receive < cfg.keepalive_idle) {
        arm(TimerKind::kKeepalive, last_receive + cfg.keepalive_idle);
        return;
    }
    if (keepalive_probes_sent >= cfg.keepalive_probes) {
        send_rst(snd_nxt, true, now);
        enter_closed(std::make_error_code(std::errc::timed_out));
        return;
    }
    ++keepalive_probes_sent;
    transmit(snd_una - 1, 0, kAck, now);
    arm(TimerKind::kKeepalive, now + cfg.keepalive_interval);
}

} // namespace multios::net::tcp
