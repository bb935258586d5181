// echo (RFC 862), discard (RFC 863) and chargen (RFC 864) over the stack's TCP.
//
// All three are driven by readiness: the dispatcher calls on_accept once and on_events on every
// change; each call moves as many bytes as the connection allows right now and returns. Memory
// is bounded: one scratch buffer per service, and echo keeps at most one chunk per connection
// when tcp_send took less than the send buffer said it would.
#include "tcp_services.hpp"

#include <algorithm>
#include <cerrno>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>

namespace multios::net::app {

namespace {

/// Bytes moved per recv/send call; also the most echo holds back for one connection.
constexpr std::size_t kChunk = 64 * 1024;

bool would_block(const std::error_code& e) {
    return e.value() == EAGAIN || e.value() == EWOULDBLOCK;
}

/// What one attempt to move bytes found.
enum class Step { More, Wait, PeerDone, Failed };

/// Shared bookkeeping: per-connection state in a map, closing and counting.
template <class ConnState>
class ServiceBase : public CountingTcpService {
  public:
    void on_accept(StackCore& stack, TcpConnId c, Instant now) override {
        ++stats_.accepted;
        conns_.emplace(c, ConnState{});
        stats_.open = conns_.size();
        pump(stack, c, now);
    }

    void on_events(StackCore& stack, TcpConnId c, std::uint32_t events, Instant now) override {
        if (!conns_.count(c))
            return; // Already closed by us; the stack may still report its last changes.
        if (events & tcp::tcpevent::kClosed) {
            // The stack closed it (reset, timeout) before we did; releasing the handle lets the
            // stack free the connection.
            stack.tcp_close(c, now);
            ++stats_.failed;
            forget(c);
            return;
        }
        pump(stack, c, now);
    }

  protected:
    /// Moves bytes for `c` until it would block, then closes it if the exchange is over.
    void pump(StackCore& stack, TcpConnId c, Instant now) {
        for (;;) {
            auto it = conns_.find(c);
            if (it == conns_.end())
                return;
            switch (step(stack, c, it->second, now)) {
            case Step::More:
                continue;
            case Step::Wait:
                return;
            case Step::PeerDone:
                // Everything read has been queued: close sends it, then our FIN.
                stack.tcp_close(c, now);
                ++stats_.finished;
                forget(c);
                return;
            case Step::Failed:
                stack.tcp_abort(c, now);
                ++stats_.failed;
                forget(c);
                return;
            }
        }
    }

    /// One bounded step of the service's work for `c`.
    virtual Step step(StackCore& stack, TcpConnId c, ConnState& st, Instant now) = 0;

    void forget(TcpConnId c) {
        conns_.erase(c);
        stats_.open = conns_.size();
    }

    /// Reads into the scratch buffer, at most `max` bytes; counts them. 0 bytes = peer's FIN.
    Step read_some(StackCore& stack, TcpConnId c, std::size_t max, std::size_t& got, Instant now) {
        got = 0;
        auto r = stack.tcp_recv(c, std::span(scratch_.data(), std::min(max, scratch_.size())), now);
        if (!r)
            return would_block(r.error()) ? Step::Wait : Step::Failed;
        if (*r == 0)
            return Step::PeerDone;
        got = *r;
        stats_.bytes_in += got;
        return Step::More;
    }

    /// Queues bytes; `taken` says how many the send buffer took.
    Step send_some(StackCore& stack, TcpConnId c, std::span<const std::byte> data,
                   std::size_t& taken, Instant now) {
        taken = 0;
        auto r = stack.tcp_send(c, data, now);
        if (!r)
            return would_block(r.error()) ? Step::Wait : Step::Failed;
        taken = *r;
        stats_.bytes_out += taken;
        return taken == data.size() ? Step::More : Step::Wait;
    }

    std::vector<std::byte> scratch_ = std::vector<std::byte>(kChunk);
    std::unordered_map<TcpConnId, ConnState> conns_;
};

// ---------------------------------------------------------------------------------------------
// echo

struct EchoConn {
    /// Bytes read that tcp_send did not take yet (at most one chunk); no reading until empty.
    std::vector<std::byte> pending;
};

class EchoService final : public ServiceBase<EchoConn> {
  public:
    std::string_view name() const override { return "echo"; }

  private:
    Step step(StackCore& stack, TcpConnId c, EchoConn& st, Instant now) override {
        std::size_t taken = 0;
        if (!st.pending.empty()) {
            Step s = send_some(stack, c, st.pending, taken, now);
            st.pending.erase(st.pending.begin(), st.pending.begin() + static_cast<long>(taken));
            return s;
        }
        const tcp::Connection* tc = stack.tcp_connection(c);
        if (!tc)
            return Step::Failed;
        // Backpressure: read only what the send buffer can take now. With no room the peer's
        // data stays in our receive buffer, its window closes and it stops sending; kWritable
        // brings us back here.
        std::size_t room = tc->writable();
        if (room == 0)
            return Step::Wait;
        std::size_t got = 0;
        Step r = read_some(stack, c, room, got, now);
        if (r != Step::More)
            return r;
        auto data = std::span<const std::byte>(scratch_.data(), got);
        Step s = send_some(stack, c, data, taken, now);
        if (taken < got && s != Step::Failed)
            st.pending.assign(data.begin() + static_cast<long>(taken), data.end());
        return s;
    }
};

// ---------------------------------------------------------------------------------------------
// discard

struct DiscardConn {};

class DiscardService final : public ServiceBase<DiscardConn> {
  public:
    std::string_view name() const override { return "discard"; }

  private:
    Step step(StackCore& stack, TcpConnId c, DiscardConn&, Instant now) override {
        std::size_t got = 0;
        return read_some(stack, c, scratch_.size(), got, now);
    }
};

// ---------------------------------------------------------------------------------------------
// chargen

constexpr std::size_t kChargenLine = 72;                    // RFC 864: 72 characters a line
constexpr std::size_t kChargenChars = 95;                   // printable ASCII, ' ' .. '~'
constexpr std::size_t kChargenLineBytes = kChargenLine + 2; // plus CR LF
constexpr std::size_t kChargenPeriod = kChargenChars * kChargenLineBytes; // then it repeats

struct ChargenConn {
    std::uint64_t offset = 0; ///< Position in the RFC 864 stream of the next byte to queue.
};

class ChargenService final : public ServiceBase<ChargenConn> {
  public:
    std::string_view name() const override { return "chargen"; }

  private:
    Step step(StackCore& stack, TcpConnId c, ChargenConn& st, Instant now) override {
        // RFC 864: "Data received by the server is thrown away"; the peer's FIN ends the run.
        std::size_t got = 0;
        Step r = read_some(stack, c, scratch_.size(), got, now);
        if (r == Step::More)
            return Step::More;
        if (r != Step::Wait)
            return r;
        const tcp::Connection* tc = stack.tcp_connection(c);
        if (!tc)
            return Step::Failed;
        std::size_t room = std::min(tc->writable(), scratch_.size());
        if (room == 0)
            return Step::Wait; // kWritable brings us back when the send buffer drains.
        auto out = std::span(scratch_.data(), room);
        chargen_fill(st.offset, out);
        std::size_t taken = 0;
        Step s = send_some(stack, c, out, taken, now);
        st.offset = (st.offset + taken) % kChargenPeriod;
        return s;
    }
};

} // namespace

std::uint64_t chargen_fill(std::uint64_t offset, std::span<std::byte> out) {
    for (auto& b : out) {
        std::uint64_t pos = offset % kChargenPeriod;
        std::uint64_t line = pos / kChargenLineBytes, col = pos % kChargenLineBytes;
        char ch;
        if (col < kChargenLine)
            ch = static_cast<char>(' ' + (line + col) % kChargenChars);
        else
            ch = col == kChargenLine ? '\r' : '\n';
        b = static_cast<std::byte>(ch);
        ++offset;
    }
    return offset;
}

std::unique_ptr<CountingTcpService> make_echo_service() {
    return std::make_unique<EchoService>();
}

std::unique_ptr<CountingTcpService> make_discard_service() {
    return std::make_unique<DiscardService>();
}

std::unique_ptr<CountingTcpService> make_chargen_service() {
    return std::make_unique<ChargenService>();
}

std::string describe_stats(const CountingTcpService& s, std::uint16_t port) {
    return describe_stats(s.name(), s.stats(), port);
}

std::string describe_stats(std::string_view name, const TcpServiceStats& st, std::uint16_t port) {
    return fmt::format("tcp {} port {}: open={} accepted={} finished={} failed={} bytes_in={} "
                       "bytes_out={}",
                       name, port, st.open, st.accepted, st.finished, st.failed, st.bytes_in,
                       st.bytes_out);
}

TcpServiceStats& operator+=(TcpServiceStats& a, const TcpServiceStats& b) {
    a.accepted += b.accepted;
    a.finished += b.finished;
    a.failed += b.failed;
    a.bytes_in += b.bytes_in;
    a.bytes_out += b.bytes_out;
    a.open += b.open;
    return a;
}

} // namespace multios::net::app
