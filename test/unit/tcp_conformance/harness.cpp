// The conformance harness: executes script lines on a virtual clock (see harness.hpp).
#include "harness.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <system_error>

namespace multios::net::conformance_test {

namespace {

using namespace multios::net::wire::tcpflag;

constexpr std::size_t kTraceLines = 40;
constexpr int kMaxTimerRounds = 1'000'000;

Duration from_seconds(double s) {
    return Duration(static_cast<std::int64_t>(std::llround(s * 1e9)));
}

bool parse_bool(const std::string& v) {
    return v == "1" || v == "true" || v == "on" || v == "yes";
}

std::string fmt_time(double s) {
    std::ostringstream o;
    o.setf(std::ios::fixed);
    o.precision(3);
    o << s;
    return o.str();
}

std::size_t options_length(const wire::TcpOptions& o) {
    std::size_t n = (o.mss ? 4 : 0) + (o.has_window_scale ? 3 : 0) + (o.sack_permitted ? 2 : 0) +
                    (o.has_timestamps ? 10 : 0) + (o.sack_count ? 2 + 8 * o.sack_count : 0);
    return (n + 3) / 4 * 4;
}

std::uint32_t stream_offset(std::uint32_t rel_seq, std::uint8_t flags) {
    return rel_seq + ((flags & kSyn) ? 1u : 0u) - 1u;
}

bool errno_matches(std::error_code e, const std::string& name) {
    if (name == "none")
        return !e;
    if (name == "ECONNREFUSED")
        return e == std::errc::connection_refused;
    if (name == "ECONNRESET")
        return e == std::errc::connection_reset;
    if (name == "ETIMEDOUT")
        return e == std::errc::timed_out;
    return false;
}

std::uint32_t event_bit(const std::string& name) {
    if (name == "connected")
        return tcp::tcpevent::kConnected;
    if (name == "readable")
        return tcp::tcpevent::kReadable;
    if (name == "writable")
        return tcp::tcpevent::kWritable;
    if (name == "closed")
        return tcp::tcpevent::kClosed;
    return 0;
}

bool compare_op(double a, const std::string& op, double b, bool& valid) {
    valid = true;
    if (op == "==")
        return a == b;
    if (op == "!=")
        return a != b;
    if (op == ">=")
        return a >= b;
    if (op == "<=")
        return a <= b;
    if (op == ">")
        return a > b;
    if (op == "<")
        return a < b;
    valid = false;
    return false;
}

double ms(Duration d) {
    return static_cast<double>(d.count()) / 1e6;
}

} // namespace

std::uint8_t pattern_byte(std::uint64_t off) {
    return static_cast<std::uint8_t>((off * 31 + 7) ^ (off >> 8));
}

Harness::Harness(const Script& script)
    : script_(script), t0_(instant_from_ns(1'000'000'000'000)), now_(t0_),
      wheel_(std::chrono::milliseconds(1), t0_) {}

Harness::~Harness() {
    conn_.reset(); // Before the wheel: destroying its armed TimerNodes unlinks them.
}

Instant Harness::at(double s) const {
    return t0_ + from_seconds(s);
}

double Harness::seconds(Instant t) const {
    return static_cast<double>((t - t0_).count()) / 1e9;
}

void Harness::trace(const std::string& line) {
    trace_.push_back(fmt_time(seconds(now_)) + " " + line);
    if (trace_.size() > kTraceLines)
        trace_.erase(trace_.begin());
}

bool Harness::apply_config(std::string& error) {
    for (const auto& [k, v] : script_.config) {
        const double d = std::atof(v.c_str());
        const auto u = static_cast<unsigned>(std::strtoul(v.c_str(), nullptr, 10));
        if (k == "send_buffer")
            cfg_.send_buffer = u;
        else if (k == "receive_buffer")
            cfg_.receive_buffer = u;
        else if (k == "initial_receive_window")
            cfg_.initial_receive_window = u;
        else if (k == "window_scaling")
            cfg_.window_scaling = parse_bool(v);
        else if (k == "timestamps")
            cfg_.timestamps = parse_bool(v);
        else if (k == "sack")
            cfg_.sack = parse_bool(v);
        else if (k == "rack")
            cfg_.rack = parse_bool(v);
        else if (k == "nodelay")
            cfg_.nodelay = parse_bool(v);
        else if (k == "delayed_ack")
            cfg_.delayed_ack = from_seconds(d);
        else if (k == "quickack_segments")
            cfg_.quickack_segments = u;
        else if (k == "time_wait")
            cfg_.time_wait = from_seconds(d);
        else if (k == "fin_wait2_timeout")
            cfg_.fin_wait2_timeout = from_seconds(d);
        else if (k == "syn_retries")
            cfg_.syn_retries = u;
        else if (k == "synack_retries")
            cfg_.synack_retries = u;
        else if (k == "max_retransmits")
            cfg_.max_retransmits = u;
        else if (k == "keepalive")
            cfg_.keepalive = parse_bool(v);
        else if (k == "keepalive_idle")
            cfg_.keepalive_idle = from_seconds(d);
        else if (k == "keepalive_interval")
            cfg_.keepalive_interval = from_seconds(d);
        else if (k == "keepalive_probes")
            cfg_.keepalive_probes = u;
        else if (k == "challenge_acks_per_second")
            cfg_.challenge_acks_per_second = u;
        else if (k == "congestion")
            congestion_ = v;
        else if (k == "rto_min")
            cfg_.rtt.rto_min = from_seconds(d);
        else if (k == "rto_initial")
            cfg_.rtt.rto_initial = from_seconds(d);
        else if (k == "mss")
            local_mss_ = static_cast<std::uint16_t>(u);
        else if (k == "tolerance")
            tolerance_ = d;
        else if (k == "v6")
            v6_ = parse_bool(v);
        else if (k == "peer_iss")
            peer_iss_ = static_cast<std::uint32_t>(std::strtoul(v.c_str(), nullptr, 10));
        else {
            error = "unknown config key '" + k + "'";
            return false;
        }
    }
    if (!congestion_.empty())
        cfg_.congestion = congestion_;
    return true;
}

void Harness::make_connection() {
    FourTuple t;
    if (v6_) {
        t.local = *IpAddress::parse("2001:db8::1");
        t.remote = *IpAddress::parse("2001:db8::2");
    } else {
        t.local = *IpAddress::parse("192.0.2.1");
        t.remote = *IpAddress::parse("192.0.2.2");
    }
    t.local_port = 8080;
    t.remote_port = 40000;
    conn_ = std::make_unique<tcp::Connection>(cfg_, t, local_mss_, wheel_, *this, *this);
}

// ---- sinks ----------------------------------------------------------------------------------

bool Harness::send_segment(const FourTuple&, const tcp::OutgoingSegment& seg, Instant now) {
    Sent s;
    s.at = now;
    s.spec.flags = seg.flags;
    s.spec.seq = seg.seq - iss_;
    s.spec.len = static_cast<std::uint32_t>(seg.payload.size());
    if (seg.flags & kAck)
        s.spec.ack = seg.ack - peer_iss_;
    s.spec.window = seg.window;
    if (seg.urgent != 0 || (seg.flags & kUrg))
        s.spec.urgent = seg.urgent;
    OptionSpec o;
    const auto& w = seg.options;
    if (w.mss)
        o.mss = w.mss;
    if (w.has_window_scale)
        o.wscale = w.window_scale;
    o.sack_permitted = w.sack_permitted;
    o.timestamps = w.has_timestamps;
    if (w.has_timestamps) {
        o.ts_val = w.ts_val;
        o.ts_ecr = w.ts_ecr;
        last_tsval_ = w.ts_val;
    }
    for (unsigned i = 0; i < w.sack_count && i < wire::kMaxSackBlocks; ++i)
        o.sack.emplace_back(w.sack[i].left - peer_iss_, w.sack[i].right - peer_iss_);
    s.spec.options = o;

    // Every payload byte must be the one the application wrote at that stream offset.
    if (!seg.payload.empty()) {
        const std::uint64_t off = stream_offset(s.spec.seq, seg.flags);
        std::size_t i = 0;
        bool bad = off + seg.payload.size() > std::max(app_sent_, app_offered_);
        for (auto part : {seg.payload.first, seg.payload.second})
            for (std::byte b : part)
                bad = bad || static_cast<std::uint8_t>(b) != pattern_byte(off + i++);
        if (bad)
            violations_.push_back("payload of " + format_segment(s.spec) +
                                  " is not the application's bytes at stream offset " +
                                  std::to_string(off) +
                                  " (sent so far: " + std::to_string(app_sent_) + ")");
    }
    trace("> " + format_segment(s.spec));
    outq_.push_back(std::move(s));
    return true;
}

void Harness::on_tcp_events(tcp::Connection&, std::uint32_t events) {
    events_ |= events;
}

// ---- time -----------------------------------------------------------------------------------

void Harness::fire(Instant t) {
    wheel_.advance(t, [&](TimerNode& n) {
        auto* c = static_cast<tcp::Connection*>(n.context());
        const auto kind = static_cast<tcp::TimerKind>(n.kind());
        if (c != nullptr)
            c->on_timer(kind, t);
    });
}

/// Fires every timer due up to `t` at its own deadline (so a segment a timer sends carries
/// the instant the timer was due, not `t`), then moves the clock to `t`.
void Harness::advance_to(Instant t) {
    for (int round = 0; round < kMaxTimerRounds; ++round) {
        const Instant nd = wheel_.next_deadline();
        if (nd == kNever || nd > t)
            break;
        now_ = std::max(now_, nd);
        fire(now_);
    }
    now_ = std::max(now_, t);
    fire(now_);
}

bool Harness::wait_for_segment(Instant deadline) {
    for (int round = 0; round < kMaxTimerRounds && outq_.empty(); ++round) {
        const Instant nd = wheel_.next_deadline();
        if (nd == kNever || nd > deadline)
            break;
        now_ = std::max(now_, nd);
        fire(now_);
    }
    return !outq_.empty();
}

bool Harness::check_quiet(std::string& error) {
    if (outq_.empty())
        return true;
    error = "unexpected segment(s):";
    for (const auto& s : outq_)
        error += "\n    " + fmt_time(seconds(s.at)) + " > " + format_segment(s.spec);
    return false;
}

// ---- lines ----------------------------------------------------------------------------------

RunResult Harness::run() {
    RunResult r;
    std::string error;
    if (!apply_config(error)) {
        r.ok = false;
        r.message = script_.name + ": " + error;
        return r;
    }
    const ScriptLine* failed = nullptr;
    for (const auto& line : script_.lines) {
        if (!step(line, error)) {
            failed = &line;
            break;
        }
    }
    if (failed == nullptr && !check_quiet(error))
        error = "at the end of the script: " + error;
    else if (failed == nullptr)
        return r;
    r.ok = false;
    std::ostringstream m;
    m << script_.name << ".pkt";
    if (failed != nullptr)
        m << ":" << failed->number << ": " << failed->text;
    m << "\n  " << error << "\n  trace (virtual time, relative seq/ack):\n";
    for (const auto& t : trace_)
        m << "    " << t << "\n";
    r.message = m.str();
    return r;
}

bool Harness::step(const ScriptLine& line, std::string& error) {
    bool ok = false;
    switch (line.kind) {
    case LineKind::kExpect:
        ok = expect(line, error);
        break;
    case LineKind::kInject:
        advance_to(at(line.time));
        ok = check_quiet(error) && inject(line, error);
        break;
    case LineKind::kCommand:
        advance_to(at(line.time));
        if (line.words[0] == "drain") {
            // Discards what was sent so far: for scripts about an outcome (e.g. a timeout)
            // rather than the exact segments on the way to it.
            trace("drain (" + std::to_string(outq_.size()) + " segments)");
            outq_.clear();
            ok = true;
            break;
        }
        ok = check_quiet(error) && run_command(line, error);
        break;
    }
    if (ok && !violations_.empty()) {
        error = "invariant broken: " + violations_.front();
        ok = false;
    }
    return ok;
}

bool Harness::inject(const ScriptLine& line, std::string& error) {
    const SegmentSpec& s = line.segment;
    wire::TcpSegment seg;
    seg.src_port = 40000;
    seg.dst_port = 8080;
    seg.seq = peer_iss_ + s.seq;
    seg.flags = s.flags;
    seg.window = s.window.value_or(65535);
    seg.urgent = s.urgent.value_or(0);
    if (s.flags & kAck) {
        if (!s.ack) {
            error = "an injected ACK needs 'ack N'";
            return false;
        }
    }
    // Relative to our ISS; for "cookie iss=N" that makes ack 1 the cookie ACK (ISS = ack - 1).
    seg.ack = iss_ + s.ack.value_or(0);
    if (s.options) {
        const auto& o = *s.options;
        auto& w = seg.options;
        w.mss = o.mss.value_or(0);
        w.has_window_scale = o.wscale.has_value();
        w.window_scale = static_cast<std::uint8_t>(std::min<unsigned>(o.wscale.value_or(0), 14));
        w.sack_permitted = o.sack_permitted;
        w.has_timestamps = o.timestamps;
        w.ts_val = o.ts_val.value_or(static_cast<std::uint32_t>((now_ - t0_).count() / 1'000'000) +
                                     100000);
        w.ts_ecr = o.ts_ecr.value_or(last_tsval_);
        for (const auto& [l, r] : o.sack) {
            if (w.sack_count == wire::kMaxSackBlocks)
                break;
            w.sack[w.sack_count++] = {iss_ + l, iss_ + r};
        }
    }
    seg.header_len = wire::kTcpMinHeaderLen + options_length(seg.options);
    payload_.resize(s.len);
    const std::uint32_t off = stream_offset(s.seq, s.flags);
    for (std::uint32_t i = 0; i < s.len; ++i)
        payload_[i] = static_cast<std::byte>(pattern_byte(std::uint64_t{off} + i));
    seg.payload = wire::Bytes(payload_.data(), payload_.size());
    trace("< " + format_segment(s));

    if (!conn_) {
        if (opening_ == Opening::kListen && (s.flags & kSyn)) {
            make_connection();
            conn_->accept_syn(seg, iss_, now_);
            return true;
        }
        if (opening_ == Opening::kCookie) {
            make_connection();
            conn_->accept_cookie(seg, cookie_mss_, now_);
            return true;
        }
        error = "no connection: use connect, listen or cookie first";
        return false;
    }
    conn_->on_segment(seg, now_);
    return true;
}

bool Harness::expect(const ScriptLine& line, std::string& error) {
    const double tol = line.tolerance >= 0 ? line.tolerance : tolerance_;
    const double want = line.time;
    if (!wait_for_segment(at(want + tol))) {
        advance_to(std::max(now_, at(want + tol)));
        error = "expected " + format_segment(line.segment) + " at " + fmt_time(want) + " (+-" +
                fmt_time(tol) + "), got nothing";
        return false;
    }
    const Sent got = outq_.front();
    outq_.pop_front();
    const double sent = seconds(got.at);
    if (sent < want - tol - 1e-9 || sent > want + tol + 1e-9) {
        error = "segment sent at " + fmt_time(sent) + ", expected at " + fmt_time(want) + " (+-" +
                fmt_time(tol) + ")\n  got: " + format_segment(got.spec);
        return false;
    }
    return compare(line.segment, got, error);
}

bool Harness::compare(const SegmentSpec& want, const Sent& got, std::string& error) const {
    const SegmentSpec& g = got.spec;
    std::vector<std::string> diffs;
    // PSH is the sender's choice (RFC 9293 3.9.1 "SEND ... PUSH flag"), so it is not compared.
    // So is ACK on an RST (RFC 9293 writes <CTL=RST>, Linux sends RST,ACK) unless the script
    // names the ack number.
    std::uint8_t ignore = kPsh;
    if ((want.flags & kRst) && !want.ack)
        ignore |= kAck;
    if ((want.flags & ~ignore) != (g.flags & ~ignore))
        diffs.push_back("flags");
    if (want.seq != g.seq)
        diffs.push_back("seq");
    if (want.len != g.len)
        diffs.push_back("len");
    if (want.ack && want.ack != g.ack)
        diffs.push_back("ack");
    if (want.window && *want.window != *g.window)
        diffs.push_back("win");
    if (want.urgent && want.urgent != g.urgent)
        diffs.push_back("urg");
    if (want.options) {
        const auto& w = *want.options;
        const auto& o = *g.options;
        if (w.mss != o.mss)
            diffs.push_back("mss");
        if (w.wscale != o.wscale)
            diffs.push_back("wscale");
        if (w.sack_permitted != o.sack_permitted)
            diffs.push_back("sackOK");
        if (w.timestamps != o.timestamps || (w.ts_val && w.ts_val != o.ts_val) ||
            (w.ts_ecr && w.ts_ecr != o.ts_ecr))
            diffs.push_back("TS");
        if (w.sack != o.sack)
            diffs.push_back("sack blocks");
    }
    if (diffs.empty())
        return true;
    std::string d;
    for (const auto& x : diffs)
        d += (d.empty() ? "" : ", ") + x;
    error = "segment differs in " + d + "\n  want: " + format_segment(want) +
            "\n  got:  " + format_segment(g) + "  (sent at " + fmt_time(seconds(got.at)) + ")";
    return false;
}

bool Harness::run_command(const ScriptLine& line, std::string& error) {
    const auto& w = line.words;
    const auto arg = [&](const std::string& key, std::uint32_t def) {
        for (std::size_t i = 1; i < w.size(); ++i)
            if (w[i].rfind(key + "=", 0) == 0)
                return static_cast<std::uint32_t>(
                    std::strtoul(w[i].c_str() + key.size() + 1, nullptr, 10));
        return def;
    };
    if (w[0] == "connect" || w[0] == "listen" || w[0] == "cookie") {
        if (conn_) {
            error = "a connection exists already";
            return false;
        }
        iss_ = arg("iss", iss_);
        trace(line.text.substr(line.text.find(w[0])));
        if (w[0] == "connect") {
            make_connection();
            conn_->connect(iss_, now_);
        } else if (w[0] == "listen") {
            opening_ = Opening::kListen;
        } else {
            opening_ = Opening::kCookie;
            cookie_mss_ = static_cast<std::uint16_t>(arg("mss", 1460));
        }
        return true;
    }
    if (w[0] == "quiet") {
        if (w.size() != 2) {
            error = "quiet wants a duration";
            return false;
        }
        advance_to(at(line.time + std::atof(w[1].c_str())));
        return check_quiet(error);
    }
    if (w[0] == "wait")
        return true;
    if (!conn_) {
        error = "no connection yet";
        return false;
    }
    trace(line.text.substr(line.text.find(w[0])));
    if (app_command(w, error))
        return error.empty();
    error.clear();
    return assert_command(w, error);
}

/// Application calls; false (with no error) when `w` is not one.
bool Harness::app_command(const std::vector<std::string>& w, std::string& error) {
    const auto count = [&](std::size_t i) {
        return static_cast<std::size_t>(std::strtoul(w[i].c_str(), nullptr, 10));
    };
    const auto expected = [&](std::size_t n) {
        return w.size() >= 4 && w[2] == "->" ? count(3) : n;
    };
    if (w[0] == "send" && w.size() >= 2) {
        const std::size_t n = count(1);
        std::vector<std::byte> data(n);
        for (std::size_t i = 0; i < n; ++i)
            data[i] = static_cast<std::byte>(pattern_byte(app_sent_ + i));
        app_offered_ = app_sent_ + n; // send() may transmit before it returns
        const std::size_t took = conn_->send(data, now_);
        app_sent_ += took;
        app_offered_ = app_sent_;
        if (took != expected(n))
            error = "send(" + std::to_string(n) + ") took " + std::to_string(took) + ", expected " +
                    std::to_string(expected(n));
        return true;
    }
    if (w[0] == "recv" && w.size() >= 2) {
        const std::size_t n = count(1);
        std::vector<std::byte> data(n);
        const std::size_t got = conn_->recv(data, now_);
        for (std::size_t i = 0; i < got; ++i)
            if (static_cast<std::uint8_t>(data[i]) != pattern_byte(app_received_ + i)) {
                error = "recv returned wrong byte at stream offset " +
                        std::to_string(app_received_ + i);
                break;
            }
        app_received_ += got;
        if (error.empty() && got != expected(n))
            error = "recv(" + std::to_string(n) + ") returned " + std::to_string(got) +
                    ", expected " + std::to_string(expected(n));
        return true;
    }
    if (w[0] == "shutdown")
        conn_->shutdown_send(now_);
    else if (w[0] == "close")
        conn_->close(now_);
    else if (w[0] == "abort")
        conn_->abort(now_);
    else if (w[0] == "nodelay" && w.size() == 2)
        conn_->set_nodelay(parse_bool(w[1]));
    else if (w[0] == "keepalive" && w.size() == 2)
        conn_->set_keepalive(parse_bool(w[1]), now_);
    else if (w[0] == "mtu" && w.size() == 2)
        conn_->on_path_mtu(static_cast<std::uint32_t>(count(1)), now_);
    else
        return false;
    return true;
}

bool Harness::assert_command(const std::vector<std::string>& w, std::string& error) {
    if (w[0] == "state" && w.size() == 2) {
        const auto got = tcp::to_string(conn_->state());
        if (got != w[1])
            error = "state is " + std::string(got) + ", expected " + w[1];
        return error.empty();
    }
    if (w[0] == "error" && w.size() == 2) {
        if (!errno_matches(conn_->error(), w[1]))
            error = "error() is '" + conn_->error().message() + "', expected " + w[1];
        return error.empty();
    }
    if ((w[0] == "event" || w[0] == "noevent") && w.size() == 2) {
        const std::uint32_t bit = event_bit(w[1]);
        if (bit == 0) {
            error = "unknown event " + w[1];
            return false;
        }
        const bool seen = (events_ & bit) != 0;
        events_ &= ~bit;
        if (seen != (w[0] == "event"))
            error = "event " + w[1] + (seen ? " was" : " was not") + " reported";
        return error.empty();
    }
    if (w[0] == "reapable" || w[0] == "notreapable") {
        if (conn_->reapable() != (w[0] == "reapable"))
            error = std::string("reapable() is ") + (conn_->reapable() ? "true" : "false") +
                    " in state " + std::string(tcp::to_string(conn_->state()));
        return error.empty();
    }
    if (w[0] == "info")
        return info_command(w, error);
    error = "unknown command '" + w[0] + "'";
    return false;
}

/// info FIELD OP VALUE over Connection::info() and the queries.
bool Harness::info_command(const std::vector<std::string>& w, std::string& error) {
    if (w.size() != 4) {
        error = "info wants FIELD OP VALUE";
        return false;
    }
    const tcp::TcpInfo i = conn_->info();
    const std::pair<const char*, double> fields[] = {
        {"cwnd", i.cwnd},
        {"ssthresh", i.ssthresh},
        {"snd_mss", i.snd_mss},
        {"rcv_mss", i.rcv_mss},
        {"snd_wscale", i.snd_wscale},
        {"rcv_wscale", i.rcv_wscale},
        {"sack", i.sack},
        {"timestamps", i.timestamps},
        {"snd_wnd", i.snd_wnd},
        {"rcv_wnd", i.rcv_wnd},
        {"unacked", i.unacked},
        {"sacked", i.sacked},
        {"rto_ms", ms(i.rto)},
        {"srtt_ms", ms(i.srtt)},
        {"bytes_retrans", static_cast<double>(i.bytes_retrans)},
        {"bytes_received", static_cast<double>(i.bytes_received)},
        {"total_retrans", static_cast<double>(i.total_retrans)},
        {"rto_count", static_cast<double>(i.rto_count)},
        {"fast_recoveries", static_cast<double>(i.fast_recoveries)},
        {"challenge_acks", static_cast<double>(i.challenge_acks)},
        {"paws_drops", static_cast<double>(i.paws_drops)},
        {"readable", static_cast<double>(conn_->readable())},
        {"writable", static_cast<double>(conn_->writable())},
        {"unacknowledged", static_cast<double>(conn_->unacknowledged())},
        {"eof", conn_->eof() ? 1.0 : 0.0},
    };
    for (const auto& [name, value] : fields) {
        if (w[1] != name)
            continue;
        bool valid = false;
        const bool ok = compare_op(value, w[2], std::atof(w[3].c_str()), valid);
        if (!valid)
            error = "bad operator " + w[2];
        else if (!ok)
            error =
                "info " + w[1] + " is " + std::to_string(value) + ", expected " + w[2] + " " + w[3];
        return error.empty();
    }
    error = "unknown info field " + w[1];
    return false;
}

} // namespace multios::net::conformance_test
