// tcp::Connection: construction, opening, application calls, queries. Segment arrival is in
// connection_input.cpp, transmission in connection_output.cpp, timers in connection_timers.cpp.
#include "tcp/connection.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "tcp/connection_impl.hpp"

namespace multios::net::tcp {

std::string_view to_string(TcpState s) {
    switch (s) {
    case TcpState::kClosed:
        return "CLOSED";
    case TcpState::kListen:
        return "LISTEN";
    case TcpState::kSynSent:
        return "SYN-SENT";
    case TcpState::kSynReceived:
        return "SYN-RECEIVED";
    case TcpState::kEstablished:
        return "ESTABLISHED";
    case TcpState::kFinWait1:
        return "FIN-WAIT-1";
    case TcpState::kFinWait2:
        return "FIN-WAIT-2";
    case TcpState::kCloseWait:
        return "CLOSE-WAIT";
    case TcpState::kClosing:
        return "CLOSING";
    case TcpState::kLastAck:
        return "LAST-ACK";
    case TcpState::kTimeWait:
        return "TIME-WAIT";
    }
    return "?";
}

namespace {

/// Smallest shift that lets `buffer` be advertised in the 16-bit window field (RFC 7323 2.3).
std::uint8_t wscale_for(std::size_t buffer) {
    std::uint8_t shift = 0;
    while (shift < 14 && (buffer >> shift) > 65535)
        ++shift;
    return shift;
}

/// Built once per connection, at construction (restart_with_smss() adapts it to the MSS the
/// handshake fixes).
std::unique_ptr<CongestionControl> make_cc(const TcpConfig& cfg, std::uint32_t smss) {
    CcConfig cc;
    cc.smss = smss;
    auto algo = make_congestion_control(cfg.congestion, cc);
    return algo ? std::move(algo) : make_congestion_control("newreno", cc);
}

} // namespace

Connection::Impl::Impl(Connection& s, const TcpConfig& config, const FourTuple& t,
                       std::uint16_t mss, TimerWheel& w, SegmentSink& o, EventSink& e)
    : self(s), cfg(config), tuple(t), wheel(w), out(o), events(e), sndbuf(config.send_buffer),
      rcv(config.receive_buffer), local_mss(mss), rtt(config.rtt),
      rack(config.rack ? config.send_buffer / 512 + 64 : 0) {
    for (std::size_t i = 0; i < timers.size(); ++i)
        timers[i].bind(&s, static_cast<std::uint16_t>(i));
    rcv_limit = static_cast<std::uint32_t>(std::min(cfg.initial_receive_window, rcv.capacity()));
    rcv_wscale = cfg.window_scaling ? wscale_for(rcv.capacity()) : 0;
    smss = std::min<std::uint32_t>(local_mss, peer_mss);
    cc = make_cc(cfg, smss);
    quickacks = cfg.quickack_segments;
}

std::uint32_t Connection::Impl::ts_now(Instant now) const {
    return static_cast<std::uint32_t>(to_ns(now) / 1'000'000) + ts_offset;
}

/// Applies the options of the peer's SYN (RFC 9293 3.7.1 MSS, RFC 7323 1.3 / 2.2 window scale
/// only when both sides sent it, RFC 7323 3.2 timestamps, RFC 2018 2 SACK-permitted).
void Connection::Impl::negotiate(const wire::TcpSegment& syn) {
    const auto& o = syn.options;
    peer_mss = o.mss ? o.mss : 536;
    smss = std::max<std::uint32_t>(std::min<std::uint32_t>(local_mss, peer_mss), 64);
    ws_ok = cfg.window_scaling && o.has_window_scale;
    snd_wscale = ws_ok ? o.window_scale : 0;
    if (!ws_ok)
        rcv_wscale = 0;
    ts_ok = cfg.timestamps && o.has_timestamps;
    if (ts_ok)
        ts_recent = o.ts_val;
    sack_ok = cfg.sack && o.sack_permitted;
    // Nothing has used the congestion control yet (SYN retransmissions do not): rebuild it in
    // place for the negotiated segment size rather than allocating a second one.
    cc->restart_with_smss(max_payload());
}

void Connection::Impl::init_receive(SeqNum seg_seq, Instant now) {
    irs = seg_seq;
    rcv.init(irs + 1);
    autotune_mark = irs + 1;
    rcv_adv_right = irs + 1; // receive_window() moves the right edge from here
    rcv_adv_right = irs + 1 + receive_window();
    last_receive = now;
    ts_recent_stamp = now;
}

void Connection::Impl::enter_established(Instant now) {
    state = TcpState::kEstablished;
    retries = 0;
    rtt.reset_backoff();
    disarm(TimerKind::kRetransmit);
    arm_keepalive(now);
    notify(tcpevent::kConnected | (sndbuf.free_space() ? tcpevent::kWritable : 0));
}

void Connection::Impl::enter_closed(std::error_code why) {
    if (state == TcpState::kClosed)
        return;
    state = TcpState::kClosed;
    if (!error)
        error = why;
    for (auto& t : timers)
        wheel.cancel(t);
    notify(tcpevent::kClosed | tcpevent::kReadable | tcpevent::kWritable);
}

void Connection::Impl::enter_time_wait(Instant now) {
    state = TcpState::kTimeWait;
    for (auto& t : timers)
        wheel.cancel(t);
    // Our FIN is acknowledged, so nothing will be sent or resent again: a TIME-WAIT connection
    // (2*MSL, possibly many of them) keeps no send-side memory. Unread received data stays.
    sndbuf.release_if_empty();
    rack.release_if_empty();
    arm(TimerKind::kTimeWait, now + cfg.time_wait);
}

// ---------------------------------------------------------------------------------------------

Connection::Connection(const TcpConfig& config, const FourTuple& tuple, std::uint16_t local_mss,
                       TimerWheel& wheel, SegmentSink& out, EventSink& events)
    : impl_(std::make_unique<Impl>(*this, config, tuple, local_mss, wheel, out, events)) {}

Connection::~Connection() = default;

void Connection::connect(std::uint32_t iss, Instant now) {
    Impl& c = *impl_;
    c.iss = SeqNum(iss);
    c.ts_offset = iss;
    c.snd_una = c.snd_nxt = c.snd_max = c.recover = c.iss;
    c.sndbuf.set_una(c.iss + 1);
    c.state = TcpState::kSynSent;
    c.stats = {};
    c.send_syn(now);
    c.arm_retransmit(now);
}

void Connection::accept_syn(const wire::TcpSegment& syn, std::uint32_t iss, Instant now) {
    Impl& c = *impl_;
    c.passive = true;
    c.iss = SeqNum(iss);
    c.ts_offset = iss;
    c.snd_una = c.snd_nxt = c.snd_max = c.recover = c.iss;
    c.sndbuf.set_una(c.iss + 1);
    c.negotiate(syn);
    c.init_receive(SeqNum(syn.seq), now);
    c.snd_wnd = syn.window; // RFC 7323 2.2: the window of a SYN is never scaled.
    c.max_snd_wnd = c.snd_wnd;
    c.snd_wl1 = SeqNum(syn.seq);
    c.state = TcpState::kSynReceived;
    c.send_syn(now);
    c.arm_retransmit(now);
}

void Connection::accept_cookie(const wire::TcpSegment& ack, std::uint16_t mss, Instant now) {
    Impl& c = *impl_;
    c.passive = true;
    c.iss = SeqNum(ack.ack - 1);
    c.snd_una = c.snd_nxt = c.snd_max = c.recover = c.iss + 1;
    c.sndbuf.set_una(c.iss + 1);
    c.peer_mss = mss;
    c.smss = std::min<std::uint32_t>(c.local_mss, mss);
    c.ws_ok = c.ts_ok = c.sack_ok = false;
    c.rcv_wscale = c.snd_wscale = 0;
    c.cc->restart_with_smss(c.smss); // unused so far, as in negotiate()
    c.init_receive(SeqNum(ack.seq - 1), now);
    c.snd_wnd = ack.window;
    c.max_snd_wnd = c.snd_wnd;
    c.snd_wl1 = SeqNum(ack.seq);
    c.snd_wl2 = SeqNum(ack.ack);
    c.enter_established(now);
    if (!ack.payload.empty() || (ack.flags & wire::tcpflag::kFin))
        c.on_segment(ack, now);
}

void Connection::on_segment(const wire::TcpSegment& seg, Instant now) {
    impl_->on_segment(seg, now);
}

void Connection::on_timer(TimerKind kind, Instant now) {
    impl_->on_timer(kind, now);
}

void Connection::on_path_mtu(std::uint32_t mtu, Instant now) {
    Impl& c = *impl_;
    const std::uint32_t headers = c.tuple.remote.is_v4() ? 40 : 60;
    if (mtu <= headers + 64)
        return;
    const std::uint32_t mss = mtu - headers;
    if (mss >= c.smss)
        return;
    c.smss = mss;
    // The segment that was too big is lost: resend from SND.UNA at the new size (RFC 1191 /
    // RFC 8201 leave it to TCP; Linux retransmits at once rather than waiting for the RTO).
    if (c.flight() > 0) {
        c.snd_nxt = c.snd_una;
        c.fin_sent = c.fin_sent && c.fin_seq < c.snd_nxt;
        c.output(now);
    }
}

void Connection::on_path_mtu(std::uint32_t mtu, std::uint32_t quoted_seq, Instant now) {
    const Impl& c = *impl_;
    const SeqNum seq(quoted_seq);
    if (c.snd_una <= seq && seq < c.snd_max)
        on_path_mtu(mtu, now);
}

std::size_t Connection::send(std::span<const std::byte> data, Instant now) {
    Impl& c = *impl_;
    switch (c.state) {
    case TcpState::kSynSent:
    case TcpState::kSynReceived:
    case TcpState::kEstablished:
    case TcpState::kCloseWait:
        break;
    default:
        return 0;
    }
    if (c.fin_queued)
        return 0;
    const std::size_t n = c.sndbuf.write(data);
    if (n && c.state != TcpState::kSynSent && c.state != TcpState::kSynReceived)
        c.output(now);
    return n;
}

std::size_t Connection::recv(std::span<std::byte> out, Instant now) {
    Impl& c = *impl_;
    const std::size_t n = c.rcv.read(out);
    if (n)
        c.maybe_window_update(now);
    return n;
}

void Connection::shutdown_send(Instant now) {
    Impl& c = *impl_;
    switch (c.state) {
    case TcpState::kSynSent:
        c.enter_closed({});
        return;
    case TcpState::kSynReceived:
    case TcpState::kEstablished:
        c.fin_queued = true;
        if (c.state == TcpState::kEstablished)
            c.state = TcpState::kFinWait1;
        break;
    case TcpState::kCloseWait:
        c.fin_queued = true;
        c.state = TcpState::kLastAck;
        break;
    default:
        return;
    }
    c.output(now);
}

void Connection::close(Instant now) {
    Impl& c = *impl_;
    c.app_closed = true;
    // RFC 9293 3.10.4 / RFC 2525 2.17: closing with unread data loses it, so tell the peer.
    if (c.rcv.readable() > 0 && c.state != TcpState::kClosed) {
        abort(now);
        return;
    }
    shutdown_send(now);
    if (c.state == TcpState::kFinWait2)
        c.arm(TimerKind::kKeepalive, now + c.cfg.fin_wait2_timeout);
}

void Connection::abort(Instant now) {
    Impl& c = *impl_;
    c.app_closed = true;
    switch (c.state) {
    case TcpState::kSynReceived:
    case TcpState::kEstablished:
    case TcpState::kFinWait1:
    case TcpState::kFinWait2:
    case TcpState::kCloseWait:
        c.send_rst(c.snd_nxt, true, now);
        break;
    default:
        break;
    }
    c.enter_closed({});
}

void Connection::set_nodelay(bool on) {
    impl_->cfg.nodelay = on;
}

void Connection::set_keepalive(bool on, Instant now) {
    impl_->cfg.keepalive = on;
    const TcpState st = impl_->state;
    // The keepalive timer doubles as the FIN-WAIT-2 timeout: only touch it where it means
    // keepalive.
    if (st != TcpState::kEstablished && st != TcpState::kCloseWait)
        return;
    if (on)
        impl_->arm_keepalive(now);
    else
        impl_->disarm(TimerKind::kKeepalive);
}

void Connection::set_keepalive_params(Duration idle, Duration interval, unsigned probes,
                                      Instant now) {
    Impl& c = *impl_;
    c.cfg.keepalive_idle = idle;
    c.cfg.keepalive_interval = interval;
    c.cfg.keepalive_probes = probes;
    const bool alive = c.state == TcpState::kEstablished || c.state == TcpState::kCloseWait;
    if (!c.cfg.keepalive || !alive || c.keepalive_probes_sent > 0)
        return;
    // Like Linux TCP_KEEPIDLE: the idle time counts from the last segment received.
    c.arm(TimerKind::kKeepalive, std::max(now, c.last_receive + idle));
}

const TcpConfig& Connection::config() const {
    return impl_->cfg;
}

TcpState Connection::state() const {
    return impl_->state;
}
const FourTuple& Connection::tuple() const {
    return impl_->tuple;
}
std::size_t Connection::readable() const {
    return impl_->rcv.readable();
}
bool Connection::eof() const {
    return impl_->fin_received && impl_->rcv.readable() == 0;
}
std::size_t Connection::writable() const {
    const Impl& c = *impl_;
    switch (c.state) {
    case TcpState::kSynSent:
    case TcpState::kSynReceived:
    case TcpState::kEstablished:
    case TcpState::kCloseWait:
        return c.fin_queued ? 0 : c.sndbuf.free_space();
    default:
        return 0;
    }
}
std::size_t Connection::unacknowledged() const {
    return impl_->sndbuf.size();
}
std::error_code Connection::error() const {
    return impl_->error;
}
bool Connection::reapable() const {
    if (impl_->state != TcpState::kClosed)
        return false;
    return std::none_of(impl_->timers.begin(), impl_->timers.end(),
                        [](const TimerNode& t) { return t.armed(); });
}
bool Connection::accepts_new_syn(const wire::TcpSegment& syn) const {
    const Impl& c = *impl_;
    using namespace wire::tcpflag;
    if (c.state != TcpState::kTimeWait || !(syn.flags & kSyn) || (syn.flags & (kAck | kRst)))
        return false;
    if (c.ts_ok && syn.options.has_timestamps)
        return static_cast<std::int32_t>(syn.options.ts_val - c.ts_recent) > 0;
    return SeqNum(syn.seq) > c.ack_number();
}

bool Connection::passive() const {
    return impl_->passive;
}

TcpInfo Connection::info() const {
    const Impl& c = *impl_;
    TcpInfo i = c.stats;
    i.state = c.state;
    i.congestion = c.cc->name();
    i.snd_mss = c.smss;
    i.rcv_mss = c.local_mss;
    i.snd_wscale = c.snd_wscale;
    i.rcv_wscale = c.rcv_wscale;
    i.sack = c.sack_ok;
    i.timestamps = c.ts_ok;
    i.cwnd = c.cc->cwnd();
    i.ssthresh = c.cc->ssthresh();
    i.srtt = c.rtt.srtt();
    i.rttvar = c.rtt.rttvar();
    i.rto = c.rtt.rto();
    i.min_rtt = c.rtt.has_sample() ? c.rtt.min_rtt() : Duration{0};
    i.snd_wnd = c.snd_wnd;
    i.rcv_wnd = c.receive_window();
    i.unacked = c.flight();
    i.sacked = c.scoreboard.sacked_bytes();
    i.lost = static_cast<std::uint32_t>(c.rack.lost_count());
    i.ooo_drops = c.rcv.counters().range_table_full_drops;
    return i;
}

void format_tcp_info(const TcpInfo& i, std::string& out) {
    const auto ms = [](Duration d) {
        return static_cast<double>(d.count()) / 1e6;
    };
    fmt::format_to(
        std::back_inserter(out),
        "{} {} wscale:{},{} rto:{:.0f} rtt:{:.3f}/{:.3f} minrtt:{:.3f} mss:{} rcvmss:{} "
        "cwnd:{} ssthresh:{} snd_wnd:{} rcv_wnd:{} bytes_sent:{} bytes_retrans:{} "
        "bytes_acked:{} bytes_received:{} segs_out:{} segs_in:{} data_segs_out:{} "
        "data_segs_in:{} unacked:{} sacked:{} lost:{} retrans:{} rto_count:{} "
        "fast_recoveries:{} challenge_acks:{} paws_drops:{} ooo_drops:{}{}{}",
        to_string(i.state), i.congestion, i.snd_wscale, i.rcv_wscale, ms(i.rto), ms(i.srtt),
        ms(i.rttvar), ms(i.min_rtt), i.snd_mss, i.rcv_mss,
        i.cwnd / std::max<std::uint32_t>(i.snd_mss, 1),
        i.ssthresh == UINT32_MAX ? 0u : i.ssthresh / std::max<std::uint32_t>(i.snd_mss, 1),
        i.snd_wnd, i.rcv_wnd, i.bytes_sent, i.bytes_retrans, i.bytes_acked, i.bytes_received,
        i.segs_out, i.segs_in, i.data_segs_out, i.data_segs_in, i.unacked, i.sacked, i.lost,
        i.total_retrans, i.rto_count, i.fast_recoveries, i.challenge_acks, i.paws_drops,
        i.ooo_drops, i.sack ? " sack" : "", i.timestamps ? " ts" : "");
}

} // namespace multios::net::tcp
