#include "http_load_client.hpp"

#include <algorithm>
#include <cerrno>

namespace multios::net::app {

void LoadErrors::add(const LoadErrors& o) {
    connect += o.connect;
    closed += o.closed;
    timeout += o.timeout;
    status += o.status;
    protocol += o.protocol;
}

void LoadTally::add(const LoadTally& o) {
    ok += o.ok;
    bytes += o.bytes;
    reconnects += o.reconnects;
    errors.add(o.errors);
    latency.merge(o.latency);
}

void HttpLoadConnection::open(Instant now) {
    reset_response();
    peer_closed_ = false;
    phase_since_ = now;
    auto c = ctx_.stack.tcp_connect(ctx_.host, ctx_.port, now);
    if (!c)
        return fail(&LoadErrors::connect, now);
    conn_ = *c;
    has_conn_ = true;
    ctx_.index[conn_] = this;
    if (tcp::Connection* tc = ctx_.stack.tcp_connection(conn_))
        tc->set_nodelay(true); // each request is one write; never wait for an ACK to send it
    if (opened_before_)
        ++ctx_.tally.reconnects;
    opened_before_ = true;
    phase_ = Phase::kConnecting;
}

void HttpLoadConnection::drop_conn(Instant now, bool abort) {
    if (!has_conn_)
        return;
    ctx_.index.erase(conn_);
    if (abort)
        ctx_.stack.tcp_abort(conn_, now);
    else
        ctx_.stack.tcp_close(conn_, now);
    has_conn_ = false;
}

void HttpLoadConnection::close(Instant now) {
    drop_conn(now, false);
    phase_ = Phase::kDone;
}

void HttpLoadConnection::reset_response() {
    head_buf_.clear();
    have_head_ = false;
    framing_ = http::BodyFraming::kNone;
    body_left_ = 0;
    chunked_ = http::ChunkedDecoder{};
    response_done_ = false;
    sent_ = 0;
}

void HttpLoadConnection::fail(std::uint64_t LoadErrors::*kind, Instant now) {
    ++(ctx_.tally.errors.*kind);
    drop_conn(now, true);
    reset_response();
    phase_ = Phase::kRetryWait;
    phase_since_ = now;
    // A connection that cannot be opened uses up the request it would have carried, so a
    // run bounded by -n ends even when the server is down.
    if (kind == &LoadErrors::connect && !ctx_.budget.take(now))
        phase_ = Phase::kDone;
}

void HttpLoadConnection::on_events(std::uint32_t events, Instant now) {
    if ((events & tcp::tcpevent::kConnected) && phase_ == Phase::kConnecting)
        phase_ = Phase::kReady;
    if (!(events & tcp::tcpevent::kClosed) || !has_conn_)
        return;
    // Reached CLOSED: refused, reset or timed out. Readable data was taken by step() first
    // only if it ran; read what is left so a complete response still counts.
    if (phase_ == Phase::kConnecting)
        return fail(&LoadErrors::connect, now);
    if (in_flight()) {
        receive_some(now);
        if (in_flight())
            return fail(&LoadErrors::closed, now);
    }
    drop_conn(now, true);
    if (phase_ == Phase::kReady)
        phase_ = Phase::kClosed; // idle keep-alive connection gone: open another
}

void HttpLoadConnection::start_request(Instant now) {
    reset_response();
    request_start_ = now;
    last_rx_ = now;
    phase_ = Phase::kSending;
    send_some(now);
}

void HttpLoadConnection::send_some(Instant now) {
    while (sent_ < ctx_.request.size()) {
        auto r =
            ctx_.stack.tcp_send(conn_, std::as_bytes(std::span(ctx_.request)).subspan(sent_), now);
        if (!r) {
            if (r.error().value() != EAGAIN)
                fail(&LoadErrors::closed, now);
            return;
        }
        if (*r == 0)
            return;
        sent_ += *r;
    }
    phase_ = Phase::kReceiving;
}

void HttpLoadConnection::receive_some(Instant now) {
    while (has_conn_) {
        auto r = ctx_.stack.tcp_recv(conn_, ctx_.scratch, now);
        if (!r) {
            if (r.error().value() != EAGAIN)
                fail(&LoadErrors::closed, now);
            return;
        }
        if (*r == 0) {
            peer_closed_ = true;
            break;
        }
        last_rx_ = now;
        ctx_.tally.bytes += *r;
        const std::string_view data(reinterpret_cast<const char*>(ctx_.scratch.data()), *r);
        if (!feed(data, now))
            return;
    }
    if (!peer_closed_)
        return;
    // The server closed: that ends a read-until-close body (RFC 9112 6.3 item 8); in the
    // middle of any other response it is an error; between responses it is its right.
    if (phase_ == Phase::kReceiving && have_head_ && framing_ == http::BodyFraming::kUntilClose)
        return complete(now);
    if (in_flight())
        return fail(&LoadErrors::closed, now);
    drop_conn(now, false);
    if (phase_ != Phase::kDone)
        phase_ = Phase::kClosed;
}

bool HttpLoadConnection::feed(std::string_view data, Instant now) {
    if (phase_ != Phase::kReceiving) {
        fail(&LoadErrors::protocol, now); // bytes nobody asked for
        return false;
    }
    while (!data.empty()) {
        if (!have_head_) {
            data = take_head(data);
            if (!have_head_ && response_done_) // take_head() signals an error this way
                break;
        } else {
            data = take_body(data);
        }
        if (response_done_)
            break;
    }
    if (response_done_ && !have_head_) {
        fail(&LoadErrors::protocol, now);
        return false;
    }
    if (response_done_ && !data.empty()) {
        fail(&LoadErrors::protocol, now); // we never pipeline: nothing may follow
        return false;
    }
    if (response_done_)
        complete(now);
    return true;
}

std::string_view HttpLoadConnection::take_head(std::string_view data) {
    // Parse in place when the head arrives in one piece (the usual case); buffer otherwise.
    std::string_view buf = data;
    std::size_t buffered_before = 0;
    if (!head_buf_.empty()) {
        buffered_before = head_buf_.size();
        const std::size_t room =
            http::kMaxHeadBytes - std::min(buffered_before, http::kMaxHeadBytes);
        head_buf_.append(data.substr(0, std::min(room, data.size())));
        buf = head_buf_;
    }
    auto parsed = http::parse_response_head(buf);
    if (parsed.status == http::ParseStatus::kError ||
        (parsed.status == http::ParseStatus::kIncomplete && buf.size() >= http::kMaxHeadBytes)) {
        response_done_ = true; // with have_head_ false: malformed
        return {};
    }
    if (parsed.status == http::ParseStatus::kIncomplete) {
        if (head_buf_.empty())
            head_buf_.assign(data);
        return {};
    }
    // Bytes of `data` after the head.
    const std::size_t used = parsed.head_bytes - buffered_before;
    head_buf_.clear();
    // RFC 9110 15.2: interim 1xx responses come before the final one; skip them.
    if (parsed.head.status < 200)
        return data.substr(used);
    head_ = std::move(parsed.head);
    have_head_ = true;
    framing_ = http::body_framing(head_, http::Method::kGet);
    if (framing_ == http::BodyFraming::kContentLength)
        body_left_ = *head_.content_length;
    response_done_ = framing_ == http::BodyFraming::kNone;
    return data.substr(used);
}

std::string_view HttpLoadConnection::take_body(std::string_view data) {
    switch (framing_) {
    case http::BodyFraming::kNone:
        response_done_ = true;
        return data;
    case http::BodyFraming::kContentLength: {
        const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(body_left_, data.size()));
        body_left_ -= n;
        response_done_ = body_left_ == 0;
        return data.substr(n);
    }
    case http::BodyFraming::kChunked: {
        std::string_view piece;
        const std::size_t used = chunked_.decode(data, piece);
        if (chunked_.failed()) {
            have_head_ = false; // reported as malformed by feed()
            response_done_ = true;
            return {};
        }
        response_done_ = chunked_.done();
        return data.substr(used);
    }
    case http::BodyFraming::kUntilClose:
        return {};
    }
    return {};
}

void HttpLoadConnection::complete(Instant now) {
    const bool ok = head_.status >= 200 && head_.status < 300;
    const bool close_after = head_.close || framing_ == http::BodyFraming::kUntilClose;
    if (ok) {
        ++ctx_.tally.ok;
        const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(now - request_start_);
        ctx_.tally.latency.record(
            static_cast<std::uint64_t>(std::max<std::int64_t>(0, ns.count())));
    } else {
        ++ctx_.tally.errors.status;
    }
    reset_response();
    phase_ = Phase::kReady;
    if (close_after || peer_closed_) {
        drop_conn(now, false);
        phase_ = Phase::kClosed;
    }
}

void HttpLoadConnection::step_ready(Instant now) {
    receive_some(now); // notices a server that closed an idle connection
    if (phase_ != Phase::kReady)
        return;
    if (!ctx_.budget.take(now)) {
        phase_ = Phase::kDone;
        return;
    }
    start_request(now);
}

void HttpLoadConnection::step(Instant now) {
    switch (phase_) {
    case Phase::kClosed:
        return open(now);
    case Phase::kConnecting:
        if (now - phase_since_ > kLoadConnectTimeout)
            fail(&LoadErrors::connect, now);
        return;
    case Phase::kReady:
        return step_ready(now);
    case Phase::kSending:
        send_some(now);
        if (phase_ != Phase::kReceiving)
            return;
        [[fallthrough]];
    case Phase::kReceiving:
        receive_some(now);
        if (in_flight() && now - last_rx_ > kLoadIdleTimeout)
            fail(&LoadErrors::timeout, now);
        // Keep-alive: the next request leaves in the same iteration as the last response.
        if (phase_ == Phase::kReady)
            step_ready(now);
        return;
    case Phase::kRetryWait:
        if (now - phase_since_ >= kLoadRetryPause)
            open(now);
        return;
    case Phase::kDone:
        return;
    }
}

} // namespace multios::net::app
