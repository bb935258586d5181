// `get URL [-o FILE] [-P N]`: an HTTP/1.1 GET over the stack's TCP. The body goes to FILE (or
// stdout); the status line and a summary (bytes, seconds, throughput) go to stderr. Exit 0 on a
// 2xx response received in full; 1 on an HTTP error, a refused or timed-out connection, or a
// body cut short (CONTRACTS.md).
//
// With -P N (N > 1) the same GET runs N times at once, connection i on lcore i mod L. Each lcore
// opens, advances and closes its own connections on its own thread (set up through
// Runtime::run_on_each), so a connection never leaves the shard its flow hashes to. Lcores
// share no mutable state: each writes only its own LcoreResult and publishes it with an atomic
// flag (release); the main thread (lcore 0) reads a result only after seeing its flag (acquire).
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include <fmt/format.h>

#include "commands.hpp"
#include "http_message.hpp"
#include "lcore_jobs.hpp"
#include "runtime.hpp"
#include "stack_ready.hpp"
#include "url.hpp"

namespace multios::net::app {

namespace {

using namespace std::chrono_literals;

constexpr Duration kSourceTimeout = 5s;   ///< IPv6 DAD takes about a second.
constexpr Duration kConnectTimeout = 15s; ///< SYN retransmissions give up much later.
constexpr Duration kIdleTimeout = 30s;    ///< No byte received for this long: give up.
constexpr Duration kCloseLinger = 1s;     ///< Time for our FIN to be acknowledged.
constexpr std::size_t kReadChunk = 64 * 1024;

/// Polls until the stack has a source address for `dst` (IPv6: after DAD).
bool wait_for_source(Runtime& rt, const IpAddress& dst) {
    const Instant give_up = rt.now() + kSourceTimeout;
    std::atomic<bool> done{false};
    bool ok = false;
    rt.loop().on_iteration = [&](Instant now) {
        ok = ok || has_source(rt.stack(), dst);
        if (ok || now > give_up || g_stop.load())
            done.store(true);
    };
    rt.loop().run(done);
    rt.loop().on_iteration = nullptr;
    return ok;
}

/// The response as it arrives: head first, then the body through the framing it announced.
class ResponseReader {
  public:
    /// `out` nullptr: the body is counted and discarded. `print_status`: the status line goes
    /// to stderr when the head arrives.
    explicit ResponseReader(std::FILE* out, bool print_status = true)
        : out_(out), print_status_(print_status) {}

    /// Takes received bytes. False once the response is malformed or the output failed.
    bool feed(std::string_view data) {
        while (!data.empty() && !complete_ && error_.empty()) {
            if (!have_head_)
                data = take_head(data);
            else
                data = take_body(data);
        }
        return error_.empty();
    }
    /// The peer closed: complete only for a read-until-close body.
    void on_eof() {
        if (have_head_ && framing_ == http::BodyFraming::kUntilClose)
            complete_ = true;
    }
    bool complete() const { return complete_; }
    bool have_head() const { return have_head_; }
    const http::ResponseHead& head() const { return head_; }
    const std::string& error() const { return error_; }
    std::uint64_t body_bytes() const { return body_bytes_; }
    std::optional<std::uint64_t> expected() const {
        return framing_ == http::BodyFraming::kContentLength ? head_.content_length : std::nullopt;
    }

  private:
    std::string_view take_head(std::string_view data) {
        const std::size_t room = http::kMaxHeadBytes - std::min(buf_.size(), http::kMaxHeadBytes);
        const std::size_t n = std::min(room, data.size());
        buf_.append(data.substr(0, n));
        data.remove_prefix(n);
        auto parsed = http::parse_response_head(buf_);
        if (parsed.status == http::ParseStatus::kError) {
            error_ = "bad response: " + parsed.error;
            return {};
        }
        if (parsed.status == http::ParseStatus::kIncomplete) {
            if (buf_.size() >= http::kMaxHeadBytes)
                error_ = "bad response: head too large";
            return data;
        }
        std::string rest = buf_.substr(parsed.head_bytes);
        rest.append(data);
        buf_.clear();
        // RFC 9110 15.2: interim 1xx responses precede the final one (101 is not for us).
        if (parsed.head.status < 200) {
            if (parsed.head.status == 101) {
                error_ = "unexpected 101 Switching Protocols";
                return {};
            }
            pending_ = std::move(rest);
            return pending_;
        }
        head_ = parsed.head;
        have_head_ = true;
        if (print_status_)
            fmt::print(stderr, "HTTP/1.{} {} {}\n", head_.version_minor, head_.status,
                       head_.reason);
        framing_ = http::body_framing(head_, http::Method::kGet);
        complete_ = framing_ == http::BodyFraming::kNone;
        pending_ = std::move(rest);
        return pending_;
    }

    std::string_view take_body(std::string_view data) {
        switch (framing_) {
        case http::BodyFraming::kNone:
            complete_ = true;
            return {};
        case http::BodyFraming::kContentLength: {
            const auto left = *head_.content_length - body_bytes_;
            const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(left, data.size()));
            write(data.substr(0, n));
            complete_ = body_bytes_ == *head_.content_length;
            return data.substr(n);
        }
        case http::BodyFraming::kChunked: {
            std::string_view piece;
            const std::size_t used = chunked_.decode(data, piece);
            write(piece);
            if (chunked_.failed())
                error_ = "bad response: malformed chunked body";
            complete_ = chunked_.done();
            return data.substr(used);
        }
        case http::BodyFraming::kUntilClose:
            write(data);
            return {};
        }
        return {};
    }

    void write(std::string_view piece) {
        if (piece.empty())
            return;
        if (out_ != nullptr && std::fwrite(piece.data(), 1, piece.size(), out_) != piece.size())
            error_ = fmt::format("writing the body: {}", std::strerror(errno));
        body_bytes_ += piece.size();
    }

    std::FILE* out_;
    bool print_status_;
    std::string buf_;     ///< Head bytes so far.
    std::string pending_; ///< Bytes after a head, handed back to feed().
    http::ResponseHead head_;
    bool have_head_ = false;
    bool complete_ = false;
    http::BodyFraming framing_ = http::BodyFraming::kUntilClose;
    http::ChunkedDecoder chunked_;
    std::uint64_t body_bytes_ = 0;
    std::string error_;
};

/// One GET on one connection, advanced once per poll-loop iteration on its stack's lcore.
struct Transfer {
    Transfer(StackCore& s, std::string req, ResponseReader r, Instant start,
             std::span<std::byte> scratch)
        : stack(s), request(std::move(req)), reader(std::move(r)), started(start),
          last_progress(start), rx(scratch) {}

    StackCore& stack;
    TcpConnId conn = 0;
    bool has_conn = false; ///< False when tcp_connect itself failed.
    std::string request;
    std::size_t request_sent = 0;
    ResponseReader reader;
    bool connected = false;
    bool eof = false;
    std::string failure; ///< Set when the transfer cannot complete.
    Instant started;
    Instant last_progress;
    std::optional<Instant> ended;
    std::span<std::byte> rx; ///< Read buffer; the transfers of one lcore share it.

    /// Opens the connection; a failure is recorded as the transfer's failure.
    void open(const HttpUrl& url, Instant now) {
        auto c = stack.tcp_connect(url.host, url.port, now);
        if (!c) {
            failure = "connect: " + c.error().message();
            return;
        }
        conn = *c;
        has_conn = true;
    }

    void on_events(std::uint32_t ev) {
        if (ev & tcp::tcpevent::kConnected)
            connected = true;
        if (ev & tcp::tcpevent::kClosed && !reader.complete()) {
            const tcp::Connection* c = stack.tcp_connection(conn);
            const auto err = c ? c->error() : std::error_code{};
            if (!connected || err)
                failure = (connected ? "" : "connect: ") +
                          (err ? err.message() : std::string("connection closed"));
        }
    }

    void step(Instant now) {
        if (!connected || !failure.empty())
            return;
        while (request_sent < request.size()) {
            auto r =
                stack.tcp_send(conn, std::as_bytes(std::span(request)).subspan(request_sent), now);
            if (!r) {
                if (r.error().value() != EAGAIN)
                    failure = r.error().message();
                return;
            }
            if (*r == 0)
                break;
            request_sent += *r;
        }
        while (!eof && !reader.complete() && failure.empty()) {
            auto r = stack.tcp_recv(conn, rx, now);
            if (!r) {
                if (r.error().value() != EAGAIN)
                    failure = r.error().message();
                return;
            }
            last_progress = now;
            if (*r == 0) {
                eof = true;
                reader.on_eof();
                break;
            }
            const std::string_view data(reinterpret_cast<const char*>(rx.data()), *r);
            if (!reader.feed(data))
                failure = reader.error();
        }
    }

    /// The failures that time, the peer's close or an interruption decide (after step()).
    void check(Instant now) {
        if (failure.empty() && !connected && now - started > kConnectTimeout)
            failure = "connection timed out";
        if (failure.empty() && now - last_progress > kIdleTimeout)
            failure = "timed out waiting for data";
        if (failure.empty() && eof && !reader.complete())
            failure = reader.have_head() ? "connection closed before the end of the body"
                                         : "connection closed before a response";
        if (g_stop.load() && failure.empty())
            failure = "interrupted";
    }

    bool finished() const { return reader.complete() || !failure.empty(); }
    /// Complete, without failure, with a 2xx status.
    bool succeeded() const {
        const int status = reader.have_head() ? reader.head().status : 0;
        return failure.empty() && reader.complete() && status >= 200 && status < 300;
    }
    /// Why the transfer did not succeed (after finished()).
    std::string why_not() const {
        if (!failure.empty())
            return failure;
        if (!reader.have_head())
            return "no response";
        return fmt::format("HTTP status {} {}", reader.head().status, reader.head().reason);
    }
};

std::FILE* open_output(const cli::GetOptions& o) {
    if (!o.output)
        return stdout;
    std::FILE* f = std::fopen(o.output->c_str(), "wb");
    if (!f)
        std::fprintf(stderr, "multios-net get: %s: %s\n", o.output->c_str(), std::strerror(errno));
    return f;
}

std::string build_request(const HttpUrl& url) {
    return fmt::format("GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: multios-net\r\nAccept: "
                       "*/*\r\nConnection: close\r\n\r\n",
                       url.target, url.authority);
}

/// Hands the stack's pending events to `t` (the only connection on this stack).
void take_events(Transfer& t) {
    t.stack.tcp_take_events(
        [&](TcpConnId c, std::uint32_t ev) {
            if (c == t.conn)
                t.on_events(ev);
        },
        [](TcpListenerId) {});
}

/// Runs the transfer until it completes, fails, times out or is interrupted.
void run_transfer(Runtime& rt, Transfer& t) {
    std::atomic<bool> done{false};
    rt.loop().on_iteration = [&](Instant now) {
        take_events(t);
        t.step(now);
        t.check(now);
        if (t.finished())
            done.store(true);
    };
    rt.loop().run(done);
    rt.loop().on_iteration = nullptr;
}

/// True while `stack` has a connection that is neither closed nor in TIME-WAIT.
bool closing_busy(const StackCore& stack) {
    bool busy = false;
    stack.tcp_for_each([&](TcpConnId, const tcp::Connection& c) {
        const auto s = c.state();
        busy = busy || (s != tcp::TcpState::kTimeWait && s != tcp::TcpState::kClosed);
    });
    return busy;
}

void discard_events(StackCore& stack) {
    stack.tcp_take_events([](TcpConnId, std::uint32_t) {}, [](TcpListenerId) {});
}

/// Closes the connection and polls briefly so our FIN (or RST) reaches the server.
void close_gracefully(Runtime& rt, Transfer& t) {
    const Instant start = rt.now();
    rt.stack().tcp_close(t.conn, start);
    std::atomic<bool> done{false};
    rt.loop().on_iteration = [&](Instant now) {
        discard_events(t.stack);
        if (!closing_busy(t.stack) || now - start > kCloseLinger || g_stop.load())
            done.store(true);
    };
    rt.loop().run(done);
    rt.loop().on_iteration = nullptr;
}

void print_summary(const Transfer& t, double secs) {
    const double bytes = static_cast<double>(t.reader.body_bytes());
    const double rate = secs > 0 ? bytes / secs : 0.0;
    fmt::print(stderr, "{} bytes in {:.3f} s ({:.2f} MB/s, {:.1f} Mbit/s)\n", t.reader.body_bytes(),
               secs, rate / 1e6, rate * 8 / 1e6);
}

/// Flushes (and closes) the body's output; true when every byte reached it.
bool finish_output(std::FILE* out) {
    return std::fflush(out) == 0 && (out == stdout || std::fclose(out) == 0);
}

/// The single transfer's messages and exit code (also transfer 0's with --parallel).
int report_transfer(const Transfer& t, double secs, bool flushed) {
    if (!t.failure.empty()) {
        std::fprintf(stderr, "multios-net get: %s\n", t.failure.c_str());
        print_summary(t, secs);
        return cli::kExitFailed;
    }
    if (!flushed) {
        std::fprintf(stderr, "multios-net get: writing the body: %s\n", std::strerror(errno));
        return cli::kExitFailed;
    }
    print_summary(t, secs);
    const int status = t.reader.head().status;
    return status >= 200 && status < 300 ? cli::kExitOk : cli::kExitFailed;
}

int run_single(Runtime& rt, const HttpUrl& url, std::FILE* out) {
    const Instant start = rt.now();
    std::vector<std::byte> rx(kReadChunk);
    Transfer t(rt.stack(), build_request(url), ResponseReader(out), start, rx);
    t.open(url, start);
    if (!t.has_conn) {
        std::fprintf(stderr, "multios-net get: %s\n", t.failure.c_str());
        return cli::kExitFailed;
    }
    run_transfer(rt, t);
    const double secs = seconds_between(start, rt.now());
    close_gracefully(rt, t);
    return report_transfer(t, secs, finish_output(out));
}

// ---------------------------------------------------------------------------------------------
// --parallel N

/// What one lcore's transfers came to. Written only by that lcore until it stores `done`
/// (release); the main thread reads it only after loading `done` (acquire).
struct LcoreResult {
    unsigned ok = 0;
    std::uint64_t bytes = 0;
    std::optional<unsigned> failed; ///< The first failed transfer other than transfer 0.
    std::string failure;            ///< Its reason.
    Instant finished{};             ///< When the last transfer of the lcore ended.
    std::atomic<bool> done{false};
    std::atomic<bool> closed{false}; ///< Connections closed, or the linger ran out.
};

/// The transfers of one lcore: opened, advanced and closed on that lcore's own thread, from
/// its poll loop's on_iteration. Only `ids()` may be read from elsewhere (it never changes),
/// and `result()` once its flag has been seen.
class LcoreGets {
  public:
    LcoreGets(StackCore& stack, const HttpUrl& url, std::vector<unsigned> ids, std::FILE* out,
              Instant start)
        : stack_(stack), url_(url), ids_(std::move(ids)), out_(out), start_(start),
          request_(build_request(url)) {}

    void on_iteration(Instant now) {
        switch (phase_) {
        case Phase::kWaitSource:
            return wait_source(now);
        case Phase::kRunning:
            return advance(now);
        case Phase::kClosing:
            return linger(now);
        case Phase::kIdle:
            return discard_events(stack_);
        }
    }

    /// Closes every connection (what is still running counts as interrupted) and lingers.
    void begin_close(Instant now) {
        if (phase_ == Phase::kWaitSource || phase_ == Phase::kRunning)
            interrupt(now);
        for (const auto& t : transfers_)
            if (t->has_conn)
                stack_.tcp_close(t->conn, now);
        close_start_ = now;
        phase_ = Phase::kClosing;
    }

    const std::vector<unsigned>& ids() const { return ids_; }
    const LcoreResult& result() const { return result_; }
    /// The lcore's first transfer (transfer 0 on lcore 0); nullptr before it was opened.
    const Transfer* first() const { return transfers_.empty() ? nullptr : transfers_[0].get(); }

  private:
    enum class Phase { kWaitSource, kRunning, kClosing, kIdle };

    /// Waits for this shard's own source address (IPv6 DAD runs on every shard).
    void wait_source(Instant now) {
        if (!has_source(stack_, url_.host) && now - start_ <= kSourceTimeout && !g_stop.load())
            return;
        for (unsigned id : ids_)
            open_one(id, now);
        phase_ = Phase::kRunning;
    }

    void open_one(unsigned id, Instant now) {
        // Only transfer 0 writes its body and prints its status line.
        std::FILE* out = id == 0 ? out_ : nullptr;
        auto t = std::make_unique<Transfer>(stack_, request_, ResponseReader(out, id == 0), now,
                                            std::span(rx_));
        t->open(url_, now);
        if (t->has_conn)
            by_conn_[t->conn] = t.get();
        else
            t->ended = now;
        transfers_.push_back(std::move(t));
    }

    void dispatch_events() {
        stack_.tcp_take_events(
            [&](TcpConnId c, std::uint32_t ev) {
                if (auto it = by_conn_.find(c); it != by_conn_.end())
                    it->second->on_events(ev);
            },
            [](TcpListenerId) {});
    }

    void advance(Instant now) {
        dispatch_events();
        bool all = true;
        for (const auto& t : transfers_) {
            if (!t->finished()) {
                t->step(now);
                t->check(now);
            }
            // An event (reset, refusal) may have ended it before step().
            if (t->finished() && !t->ended)
                t->ended = now;
            all = all && t->finished();
        }
        if (all)
            publish(now);
    }

    void interrupt(Instant now) {
        for (const auto& t : transfers_)
            if (!t->finished()) {
                t->failure = "interrupted";
                t->ended = now;
            }
        for (std::size_t i = transfers_.size(); i < ids_.size(); ++i)
            open_failed(ids_[i], now);
        publish(now);
    }

    /// A transfer that never got to open (the lcore was stopped first).
    void open_failed(unsigned id, Instant now) {
        auto t = std::make_unique<Transfer>(stack_, std::string(), ResponseReader(nullptr, false),
                                            now, std::span(rx_));
        t->failure = id == 0 ? "interrupted" : "interrupted before connecting";
        t->ended = now;
        transfers_.push_back(std::move(t));
    }

    void publish(Instant now) {
        for (std::size_t i = 0; i < transfers_.size(); ++i) {
            const Transfer& t = *transfers_[i];
            result_.bytes += t.reader.body_bytes();
            if (t.succeeded())
                ++result_.ok;
            else if (ids_[i] != 0 && !result_.failed) {
                result_.failed = ids_[i];
                result_.failure = t.why_not();
            }
        }
        result_.finished = now;
        phase_ = Phase::kIdle;
        result_.done.store(true, std::memory_order_release);
    }

    void linger(Instant now) {
        discard_events(stack_);
        if (closing_busy(stack_) && now - close_start_ <= kCloseLinger && !g_stop.load())
            return;
        phase_ = Phase::kIdle;
        result_.closed.store(true, std::memory_order_release);
    }

    StackCore& stack_;
    const HttpUrl& url_;
    const std::vector<unsigned> ids_;
    std::FILE* out_;
    Instant start_;
    std::string request_;
    std::vector<std::byte> rx_ = std::vector<std::byte>(kReadChunk);
    std::vector<std::unique_ptr<Transfer>> transfers_;
    std::unordered_map<TcpConnId, Transfer*> by_conn_;
    Phase phase_ = Phase::kWaitSource;
    Instant close_start_{};
    LcoreResult result_;
};

using LcoreGetsList = LcoreJobs<LcoreGets>;

/// Transfer i goes to lcore i mod L.
LcoreGetsList make_lcore_gets(Runtime& rt, const HttpUrl& url, std::uint32_t n, std::FILE* out,
                              Instant start) {
    const unsigned lcores = rt.lcore_count();
    std::vector<std::vector<unsigned>> ids(lcores);
    for (unsigned i = 0; i < n; ++i)
        ids[i % lcores].push_back(i);
    LcoreGetsList gets;
    for (unsigned l = 0; l < lcores; ++l)
        gets.push_back(
            std::make_unique<LcoreGets>(*rt.shard(l).stack, url, std::move(ids[l]), out, start));
    return gets;
}

/// The failed transfers (first per lcore), the `parallel:` line and one line per lcore.
/// Called after remove_lcore_hooks(): every lcore's result is final. True when all succeeded.
bool report_parallel(Runtime& rt, const LcoreGetsList& gets, std::uint32_t n, Instant start) {
    unsigned ok = 0;
    std::uint64_t bytes = 0;
    Instant last = start;
    for (const auto& g : gets) {
        const LcoreResult& r = g->result();
        if (r.failed)
            fmt::print(stderr, "multios-net get: transfer {}: {}\n", *r.failed, r.failure);
        ok += r.ok;
        bytes += r.bytes;
        last = std::max(last, r.finished);
    }
    const double secs = seconds_between(start, last);
    const double rate = secs > 0 ? static_cast<double>(bytes) / secs : 0.0;
    fmt::print(stderr,
               "parallel: {} transfers on {} lcores: ok={} failed={} bytes={} in {:.3f} s "
               "({:.2f} MB/s)\n",
               n, gets.size(), ok, n - ok, bytes, secs, rate / 1e6);
    // The runtime's line per lcore (flows, steering) with this lcore's transfers appended.
    const std::vector<LcoreSnapshot> snaps = rt.snapshots();
    for (std::size_t l = 0; l < gets.size() && l < snaps.size(); ++l)
        fmt::print(stderr, "{} transfers={} ok={} bytes={}\n", Runtime::lcore_line(snaps[l]),
                   gets[l]->ids().size(), gets[l]->result().ok, gets[l]->result().bytes);
    return ok == n;
}

int run_parallel(Runtime& rt, const HttpUrl& url, std::uint32_t n, std::FILE* out) {
    const Instant start = rt.now();
    LcoreGetsList gets = make_lcore_gets(rt, url, n, out, start);
    if (!install_worker_hooks(rt, gets)) {
        remove_lcore_hooks(rt);
        return cli::kExitFailed;
    }
    drive_lcore_jobs(rt, gets, &LcoreResult::done, std::nullopt);
    close_lcore_jobs(rt, gets, &LcoreResult::closed, kCloseLinger);
    remove_lcore_hooks(rt);
    const bool flushed = finish_output(out);
    const Transfer* t0 = gets[0]->first();
    int code = cli::kExitFailed;
    if (t0 != nullptr)
        code = report_transfer(*t0, seconds_between(t0->started, t0->ended.value_or(rt.now())),
                               flushed);
    const bool all_ok = report_parallel(rt, gets, n, start);
    return code == cli::kExitOk && all_ok ? cli::kExitOk : cli::kExitFailed;
}

} // namespace

int run_get(const cli::CliConfig& cfg) {
    install_signal_handlers();
    auto parsed = parse_http_url(cfg.get.url);
    if (auto* e = std::get_if<std::string>(&parsed)) {
        std::fprintf(stderr, "multios-net get: %s\n", e->c_str());
        return cli::kExitUsage;
    }
    const HttpUrl url = std::get<HttpUrl>(parsed);
    std::FILE* out = open_output(cfg.get);
    if (!out)
        return cli::kExitFailed;
    auto rt = start_runtime(cfg);
    if (!rt)
        return cli::kExitFailed;
    if (!wait_for_source(*rt, url.host)) {
        std::fprintf(stderr, "multios-net get: connect: Network is unreachable\n");
        return cli::kExitFailed;
    }
    if (cfg.get.parallel > 1)
        return run_parallel(*rt, url, cfg.get.parallel, out);
    return run_single(*rt, url, out);
}

} // namespace multios::net::app
