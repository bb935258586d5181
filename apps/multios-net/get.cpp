// `get URL [-o FILE]`: an HTTP/1.1 GET over the stack's TCP. The body goes to FILE (or stdout);
// the status line and a summary (bytes, seconds, throughput) go to stderr. Exit 0 on a 2xx
// response received in full; 1 on an HTTP error, a refused or timed-out connection, or a body
// cut short (CONTRACTS.md).
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <variant>

#include <fmt/format.h>

#include "commands.hpp"
#include "http_message.hpp"
#include "runtime.hpp"
#include "url.hpp"

namespace multios::net::app {

namespace {

using namespace std::chrono_literals;

constexpr Duration kSourceTimeout = 5s;   ///< IPv6 DAD takes about a second.
constexpr Duration kConnectTimeout = 15s; ///< SYN retransmissions give up much later.
constexpr Duration kIdleTimeout = 30s;    ///< No byte received for this long: give up.
constexpr Duration kCloseLinger = 1s;     ///< Time for our FIN to be acknowledged.
constexpr std::size_t kReadChunk = 64 * 1024;

double seconds_between(Instant a, Instant b) {
    return std::chrono::duration<double>(b - a).count();
}

/// Polls until the stack has a source address for `dst` (IPv6: after DAD).
bool wait_for_source(Runtime& rt, const IpAddress& dst) {
    const Instant give_up = rt.now() + kSourceTimeout;
    std::atomic<bool> done{false};
    bool ok = false;
    rt.loop().on_iteration = [&](Instant now) {
        for (std::size_t i = 0; i < rt.stack().interface_count(); ++i) {
            const auto& info = rt.stack().interface(static_cast<IfIndex>(i));
            ok = ok || (dst.is_v4() ? info.source_v4_for(dst.v4()) != nullptr
                                    : info.source_v6_for(dst.v6()) != nullptr);
        }
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
    explicit ResponseReader(std::FILE* out) : out_(out) {}

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
        fmt::print(stderr, "HTTP/1.{} {} {}\n", head_.version_minor, head_.status, head_.reason);
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
        if (std::fwrite(piece.data(), 1, piece.size(), out_) != piece.size())
            error_ = fmt::format("writing the body: {}", std::strerror(errno));
        body_bytes_ += piece.size();
    }

    std::FILE* out_;
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

/// One GET on one connection, advanced once per poll-loop iteration.
struct Transfer {
    StackCore& stack;
    TcpConnId conn;
    std::string request;
    std::size_t request_sent = 0;
    ResponseReader reader;
    bool connected = false;
    bool eof = false;
    std::string failure; ///< Set when the transfer cannot complete.
    Instant last_progress;
    std::vector<std::byte> rx = std::vector<std::byte>(kReadChunk);

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
            auto r = stack.tcp_recv(conn, std::span(rx), now);
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

/// Runs the transfer until it completes, fails, times out or is interrupted.
void run_transfer(Runtime& rt, Transfer& t, Instant start) {
    std::atomic<bool> done{false};
    t.last_progress = start;
    rt.loop().on_iteration = [&](Instant now) {
        t.stack.tcp_take_events(
            [&](TcpConnId c, std::uint32_t ev) {
                if (c == t.conn)
                    t.on_events(ev);
            },
            [](TcpListenerId) {});
        t.step(now);
        if (t.failure.empty() && !t.connected && now - start > kConnectTimeout)
            t.failure = "connection timed out";
        if (t.failure.empty() && now - t.last_progress > kIdleTimeout)
            t.failure = "timed out waiting for data";
        if (t.failure.empty() && t.eof && !t.reader.complete())
            t.failure = t.reader.have_head() ? "connection closed before the end of the body"
                                             : "connection closed before a response";
        if (g_stop.load() && t.failure.empty())
            t.failure = "interrupted";
        if (t.reader.complete() || !t.failure.empty())
            done.store(true);
    };
    rt.loop().run(done);
    rt.loop().on_iteration = nullptr;
}

/// Closes the connection and polls briefly so our FIN (or RST) reaches the server.
void close_gracefully(Runtime& rt, Transfer& t) {
    const Instant start = rt.now();
    rt.stack().tcp_close(t.conn, start);
    std::atomic<bool> done{false};
    rt.loop().on_iteration = [&](Instant now) {
        t.stack.tcp_take_events([](TcpConnId, std::uint32_t) {}, [](TcpListenerId) {});
        bool busy = false;
        t.stack.tcp_for_each([&](TcpConnId, const tcp::Connection& c) {
            const auto s = c.state();
            busy = busy || (s != tcp::TcpState::kTimeWait && s != tcp::TcpState::kClosed);
        });
        if (!busy || now - start > kCloseLinger || g_stop.load())
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
    auto rt = Runtime::start(cfg);
    if (!rt)
        return cli::kExitFailed;
    if (!wait_for_source(*rt, url.host)) {
        std::fprintf(stderr, "multios-net get: connect: Network is unreachable\n");
        return cli::kExitFailed;
    }
    const Instant start = rt->now();
    auto conn = rt->stack().tcp_connect(url.host, url.port, start);
    if (!conn) {
        std::fprintf(stderr, "multios-net get: connect: %s\n", conn.error().message().c_str());
        return cli::kExitFailed;
    }
    Transfer t{rt->stack(), *conn, build_request(url), 0, ResponseReader(out), false, false,
               {},          start};
    run_transfer(*rt, t, start);
    const double secs = seconds_between(start, rt->now());
    close_gracefully(*rt, t);
    const bool flushed = std::fflush(out) == 0 && (out == stdout || std::fclose(out) == 0);
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

} // namespace multios::net::app
