// The `serve --http` service: one HttpConnection per accepted TCP connection, driven by
// readiness events (and a 1 ms retry for connections waiting to send), never blocking the poll
// loop. A connection alternates between reading one request head and sending its response;
// it reads nothing while it sends, so pipelined requests wait in TCP's receive window.
#include "http_server.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <span>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>

#include "http_message.hpp"

namespace multios::net::app {

namespace {

using namespace std::chrono_literals;

constexpr std::size_t kMaxConnections = 2048;
constexpr std::size_t kStagingBytes = 64 * 1024;
/// Send only when the buffer takes at least this much (or the rest of the file): fewer reads.
constexpr std::size_t kMinSendChunk = 8 * 1024;
/// Files up to this size go out in the same send as the head: a separate small send would
/// wait behind Nagle for the ACK of the head, which the client delays (RFC 9293 3.7.4 and
/// 3.8.6.3: 40 ms per response).
constexpr std::size_t kInlineBodyBytes = 16 * 1024;
/// Pipelined requests answered per wake-up, so one client cannot hold the loop.
constexpr int kMaxRequestsPerPump = 16;
/// Request bodies (of refused methods) skipped to keep the connection; larger ones close it.
constexpr std::uint64_t kMaxDiscardBytes = 1 << 20;
constexpr Duration kHeadTimeout = 30s; ///< A whole head must arrive in this (slowloris).
constexpr Duration kIdleTimeout = 60s; ///< Keep-alive connection with no request.
constexpr Duration kSendStallTimeout = 120s;
constexpr Duration kLingerTimeout = 2s; ///< After our FIN, waiting for the peer's.
constexpr Duration kSweepInterval = 1s;
constexpr Duration kRetryInterval = 1ms;

bool would_block(const std::error_code& e) {
    return e.value() == EAGAIN || e.value() == EWOULDBLOCK;
}

/// An owned file descriptor.
class Fd {
  public:
    Fd() = default;
    explicit Fd(int fd) : fd_(fd) {}
    Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
    Fd& operator=(Fd&& o) noexcept {
        if (this != &o) {
            reset();
            fd_ = std::exchange(o.fd_, -1);
        }
        return *this;
    }
    ~Fd() { reset(); }
    int get() const { return fd_; }
    bool valid() const { return fd_ >= 0; }
    void reset() {
        if (fd_ >= 0)
            ::close(fd_);
        fd_ = -1;
    }

  private:
    int fd_ = -1;
};

/// openat2 with RESOLVE_BENEATH: no "..", absolute path or symbolic link may leave `dir`.
/// O_NONBLOCK so that opening a FIFO someone left in the tree cannot stall the loop.
Fd open_beneath(int dir, const char* path) {
    open_how how{};
    how.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    return Fd(static_cast<int>(::syscall(SYS_openat2, dir, path, &how, sizeof how)));
}

int status_for_errno(int e) {
    switch (e) {
    case EACCES:
    case EPERM:
    case EXDEV: // RESOLVE_BENEATH: the path tried to leave the root
    case ELOOP:
        return 403;
    case EMFILE:
    case ENFILE:
    case ENOMEM:
        return 503;
    default:
        return 404;
    }
}

/// Appends `size` bytes of `fd` to `out`; false (and `out` unchanged) on a short read.
bool append_file(std::string& out, int fd, std::size_t size) {
    const std::size_t at = out.size();
    out.resize(at + size);
    std::size_t got = 0;
    while (got < size) {
        const ssize_t n = ::pread(fd, out.data() + at + got, size - got, static_cast<off_t>(got));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            out.resize(at);
            return false;
        }
        got += static_cast<std::size_t>(n);
    }
    return true;
}

/// What a request target resolved to.
struct Resource {
    int status = 200;
    Fd file;
    std::uint64_t size = 0;
    std::string_view type;
    std::string location; ///< For 301.
};

struct HttpConnection {
    enum class Phase { kReading, kSending, kLingering };
    Phase phase = Phase::kReading;
    std::unique_ptr<char[]> in{new char[http::kMaxHeadBytes]};
    std::size_t in_len = 0;
    std::string head; ///< Response head (and an error body) being sent.
    std::size_t head_sent = 0;
    Fd file;
    std::uint64_t file_offset = 0, file_left = 0;
    std::uint64_t discard_left = 0; ///< Request body bytes still to skip.
    bool keep_alive = true;
    bool peer_eof = false;
    Instant head_started{}; ///< When the first byte of the pending head arrived.
    Instant last_progress{};
};

enum class Step { kDone, kBlocked, kFailed };

class HttpService final : public TcpService {
  public:
    explicit HttpService(std::string root) : root_(std::move(root)) {
        root_fd_ = Fd(::open(root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!root_fd_.valid())
            std::fprintf(stderr, "multios-net: http root '%s': %s (every request gets 404)\n",
                         root_.c_str(), std::strerror(errno));
    }

    std::string_view name() const override { return "http"; }

    void on_accept(StackCore& stack, TcpConnId c, Instant now) override {
        if (conns_.size() >= kMaxConnections) {
            stack.tcp_abort(c, now);
            return;
        }
        auto& conn = conns_[c];
        conn.last_progress = now;
        pump(stack, c, now);
    }

    void on_events(StackCore& stack, TcpConnId c, std::uint32_t events, Instant now) override {
        if (!conns_.contains(c))
            return;
        if (events & tcp::tcpevent::kClosed) {
            // The handle is stale now; the dispatcher releases it.
            conns_.erase(c);
            return;
        }
        pump(stack, c, now);
    }

    void on_iteration(StackCore& stack, Instant now) override {
        if (now >= next_retry_) {
            next_retry_ = now + kRetryInterval;
            retry_senders(stack, now);
        }
        if (now >= next_sweep_) {
            next_sweep_ = now + kSweepInterval;
            sweep(stack, now);
        }
    }

  private:
    void pump(StackCore& stack, TcpConnId id, Instant now);
    Step send_some(StackCore& stack, TcpConnId id, HttpConnection& c, Instant now);
    bool read_some(StackCore& stack, TcpConnId id, HttpConnection& c, Instant now);
    void linger(StackCore& stack, TcpConnId id, Instant now);
    void begin_close(StackCore& stack, TcpConnId id, HttpConnection& c, Instant now);
    void drop(StackCore& stack, TcpConnId id, bool abort, Instant now);
    void handle_request(HttpConnection& c, const http::Request& req);
    void respond_error(HttpConnection& c, int status, bool head_only, bool close,
                       std::string_view extra = {});
    Resource open_resource(const http::TargetPath& t) const;
    void retry_senders(StackCore& stack, Instant now);
    void sweep(StackCore& stack, Instant now);

    std::string root_;
    Fd root_fd_;
    std::unordered_map<TcpConnId, HttpConnection> conns_;
    std::array<std::byte, kStagingBytes> staging_{};
    std::vector<TcpConnId> scratch_;
    Instant next_retry_{};
    Instant next_sweep_{};
};

void HttpService::pump(StackCore& stack, TcpConnId id, Instant now) {
    for (int round = 0; round < kMaxRequestsPerPump; ++round) {
        auto it = conns_.find(id);
        if (it == conns_.end())
            return;
        HttpConnection& c = it->second;
        if (c.phase == HttpConnection::Phase::kLingering) {
            linger(stack, id, now);
            return;
        }
        if (c.phase == HttpConnection::Phase::kSending) {
            const Step st = send_some(stack, id, c, now);
            if (st == Step::kFailed) {
                drop(stack, id, true, now);
                return;
            }
            if (st == Step::kBlocked)
                return;
            if (!c.keep_alive) {
                begin_close(stack, id, c, now);
                return;
            }
            c.phase = HttpConnection::Phase::kReading;
        }
        if (!read_some(stack, id, c, now)) {
            drop(stack, id, true, now);
            return;
        }
        const auto parsed = http::parse_request_head(std::string_view(c.in.get(), c.in_len));
        if (parsed.status == http::ParseStatus::kIncomplete) {
            if (c.peer_eof)
                drop(stack, id, false, now); // everything was read: a clean close
            return;
        }
        if (parsed.status == http::ParseStatus::kError) {
            // The byte stream cannot be trusted past a malformed head: answer and close.
            respond_error(c, parsed.error_status, false, true);
            c.in_len = 0;
            continue;
        }
        handle_request(c, parsed.request);
        const std::size_t body_here =
            std::min<std::uint64_t>(c.discard_left, c.in_len - parsed.head_bytes);
        c.discard_left -= body_here;
        const std::size_t used = parsed.head_bytes + body_here;
        std::memmove(c.in.get(), c.in.get() + used, c.in_len - used);
        c.in_len -= used;
        if (c.in_len > 0)
            c.head_started = now;
    }
}

bool HttpService::read_some(StackCore& stack, TcpConnId id, HttpConnection& c, Instant now) {
    while (!c.peer_eof && c.discard_left > 0) {
        const auto want = static_cast<std::size_t>(
            std::min<std::uint64_t>(c.discard_left, static_cast<std::uint64_t>(kStagingBytes)));
        auto r = stack.tcp_recv(id, std::span(staging_.data(), want), now);
        if (!r)
            return would_block(r.error());
        c.peer_eof = *r == 0;
        c.discard_left -= *r;
    }
    while (!c.peer_eof && c.in_len < http::kMaxHeadBytes) {
        auto* dst = reinterpret_cast<std::byte*>(c.in.get() + c.in_len);
        auto r = stack.tcp_recv(id, std::span(dst, http::kMaxHeadBytes - c.in_len), now);
        if (!r)
            return would_block(r.error());
        c.peer_eof = *r == 0;
        if (*r > 0 && c.in_len == 0)
            c.head_started = now;
        c.in_len += *r;
        if (*r > 0)
            c.last_progress = now;
    }
    return true;
}

Step HttpService::send_some(StackCore& stack, TcpConnId id, HttpConnection& c, Instant now) {
    while (c.head_sent < c.head.size()) {
        const auto bytes = std::as_bytes(std::span(c.head)).subspan(c.head_sent);
        auto r = stack.tcp_send(id, bytes, now);
        if (!r)
            return would_block(r.error()) ? Step::kBlocked : Step::kFailed;
        if (*r == 0)
            return Step::kBlocked;
        c.head_sent += *r;
        c.last_progress = now;
    }
    while (c.file_left > 0) {
        const tcp::Connection* tc = stack.tcp_connection(id);
        if (!tc)
            return Step::kFailed;
        const std::size_t room = tc->writable();
        const auto left = static_cast<std::size_t>(
            std::min<std::uint64_t>(c.file_left, static_cast<std::uint64_t>(kStagingBytes)));
        if (room < std::min(left, kMinSendChunk))
            return Step::kBlocked;
        const std::size_t want = std::min(room, left);
        const ssize_t got =
            ::pread(c.file.get(), staging_.data(), want, static_cast<off_t>(c.file_offset));
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return Step::kFailed; // the file shrank: Content-Length cannot be kept
        const auto chunk = std::span(staging_.data(), static_cast<std::size_t>(got));
        auto r = stack.tcp_send(id, chunk, now);
        if (!r)
            return would_block(r.error()) ? Step::kBlocked : Step::kFailed;
        c.file_offset += *r;
        c.file_left -= *r;
        if (*r > 0)
            c.last_progress = now;
        if (*r < chunk.size())
            return Step::kBlocked;
    }
    c.file.reset();
    c.head.clear();
    c.head_sent = 0;
    return Step::kDone;
}

void HttpService::begin_close(StackCore& stack, TcpConnId id, HttpConnection& c, Instant now) {
    if (c.peer_eof) {
        drop(stack, id, false, now);
        return;
    }
    // Lingering close (RFC 9112 9.6): FIN now, then read until the peer's FIN, so unread
    // request bytes do not turn our close into a RST that could destroy the response.
    (void)stack.tcp_shutdown(id, now);
    c.phase = HttpConnection::Phase::kLingering;
    c.last_progress = now;
    linger(stack, id, now);
}

void HttpService::linger(StackCore& stack, TcpConnId id, Instant now) {
    for (;;) {
        auto r = stack.tcp_recv(id, std::span(staging_), now);
        if (!r) {
            if (!would_block(r.error()))
                drop(stack, id, false, now);
            return;
        }
        if (*r == 0) {
            drop(stack, id, false, now);
            return;
        }
    }
}

void HttpService::drop(StackCore& stack, TcpConnId id, bool abort, Instant now) {
    if (abort)
        stack.tcp_abort(id, now);
    else
        stack.tcp_close(id, now);
    conns_.erase(id);
}

void HttpService::respond_error(HttpConnection& c, int status, bool head_only, bool close,
                                std::string_view extra) {
    const std::string body = fmt::format("{} {}\n", status, http::reason_phrase(status));
    c.keep_alive = c.keep_alive && !close;
    c.head = http::format_response_head(status, body.size(), "text/plain; charset=utf-8",
                                        c.keep_alive, extra);
    if (!head_only)
        c.head += body;
    c.head_sent = 0;
    c.file.reset();
    c.file_left = 0;
    c.phase = HttpConnection::Phase::kSending;
}

void HttpService::handle_request(HttpConnection& c, const http::Request& req) {
    c.keep_alive = req.keep_alive;
    const bool head_only = req.method == http::Method::kHead;
    // RFC 9112 6.1: a transfer coding we do not decode in a request: 501, then close.
    if (req.transfer_encoding)
        return respond_error(c, 501, head_only, true);
    if (req.content_length > kMaxDiscardBytes)
        c.keep_alive = false;
    else
        c.discard_left = req.content_length;
    if (req.method == http::Method::kOtherKnown)
        return respond_error(c, 405, false, false, "Allow: GET, HEAD\r\n"); // RFC 9110 15.5.6
    if (req.method == http::Method::kUnknown)
        return respond_error(c, 501, false, false); // RFC 9110 9.1
    const auto target = http::resolve_target(req.target);
    if (target.error_status)
        return respond_error(c, target.error_status, head_only, false);
    Resource res = open_resource(target);
    if (res.status == 301)
        return respond_error(c, 301, head_only, false,
                             fmt::format("Location: {}\r\n", res.location));
    if (res.status != 200)
        return respond_error(c, res.status, head_only, false);
    c.head = http::format_response_head(200, res.size, res.type, c.keep_alive);
    c.head_sent = 0;
    c.file_offset = 0;
    c.file_left = head_only ? 0 : res.size;
    c.file = head_only ? Fd() : std::move(res.file);
    c.phase = HttpConnection::Phase::kSending;
    if (c.file_left > 0 && c.file_left <= kInlineBodyBytes &&
        append_file(c.head, c.file.get(), static_cast<std::size_t>(c.file_left))) {
        c.file_left = 0;
        c.file.reset();
    }
}

Resource HttpService::open_resource(const http::TargetPath& t) const {
    Resource res;
    if (!root_fd_.valid()) {
        res.status = 404;
        return res;
    }
    const char* path = t.relative.empty() ? "." : t.relative.c_str();
    res.file = open_beneath(root_fd_.get(), path);
    if (!res.file.valid()) {
        res.status = status_for_errno(errno);
        return res;
    }
    struct stat st {};
    if (::fstat(res.file.get(), &st) != 0) {
        res.status = 404;
        return res;
    }
    std::string_view served_name = t.relative;
    if (S_ISDIR(st.st_mode)) {
        if (!t.trailing_slash) {
            // Relative links in the index only work under the directory's own URL.
            res.status = 301;
            res.location = std::string(t.path) + "/";
            return res;
        }
        Fd index = open_beneath(res.file.get(), "index.html");
        if (!index.valid() || ::fstat(index.get(), &st) != 0) {
            res.status = index.valid() ? 404 : status_for_errno(errno);
            return res;
        }
        res.file = std::move(index);
        served_name = "index.html";
    }
    if (!S_ISREG(st.st_mode)) {
        res.status = 403; // devices, FIFOs, sockets: never
        return res;
    }
    res.size = static_cast<std::uint64_t>(st.st_size);
    res.type = http::content_type_for(served_name);
    return res;
}

void HttpService::retry_senders(StackCore& stack, Instant now) {
    scratch_.clear();
    for (const auto& [id, c] : conns_)
        if (c.phase == HttpConnection::Phase::kSending)
            scratch_.push_back(id);
    for (auto id : scratch_)
        pump(stack, id, now);
}

void HttpService::sweep(StackCore& stack, Instant now) {
    scratch_.clear();
    for (const auto& [id, c] : conns_) {
        bool expired = false;
        switch (c.phase) {
        case HttpConnection::Phase::kReading:
            expired = c.in_len > 0 ? now - c.head_started > kHeadTimeout
                                   : now - c.last_progress > kIdleTimeout;
            break;
        case HttpConnection::Phase::kSending:
            expired = now - c.last_progress > kSendStallTimeout;
            break;
        case HttpConnection::Phase::kLingering:
            expired = now - c.last_progress > kLingerTimeout;
            break;
        }
        if (expired)
            scratch_.push_back(id);
    }
    for (auto id : scratch_) {
        const bool stalled = conns_.at(id).phase == HttpConnection::Phase::kSending;
        drop(stack, id, stalled, now);
    }
}

} // namespace

std::unique_ptr<TcpService> make_http_service(std::string root) {
    return std::make_unique<HttpService>(std::move(root));
}

} // namespace multios::net::app
