// `load URL [-c CONNECTIONS] [-d SECONDS] [-n REQUESTS]`: an HTTP/1.1 load generator over the
// stack's TCP, in the manner of wrk: C keep-alive connections each send GET requests back to
// back (one outstanding request per connection), read every response in full and record its
// latency in a fixed-size histogram. Prints requests/s, MB/s, latency p50/p90/p99/max and the
// errors; exit 1 when a request failed or none completed (CONTRACTS.md exit codes).
//
// With --lcores L connection i runs on lcore i mod L, as `get -P` spreads its transfers: each
// lcore opens, advances and closes its own connections from its poll loop (hooks installed
// through Runtime::run_on_each), keeps its own tally and histogram, and publishes them with an
// atomic flag (release); the main thread merges them after seeing every flag (acquire).
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <fmt/format.h>

#include "commands.hpp"
#include "http_load_client.hpp"
#include "lcore_jobs.hpp"
#include "runtime.hpp"
#include "stack_ready.hpp"
#include "url.hpp"

namespace multios::net::app {

namespace {

using namespace std::chrono_literals;

constexpr Duration kSourceTimeout = 5s; ///< IPv6 DAD takes about a second.
constexpr Duration kCloseLinger = 1s;   ///< Time for our FINs to be acknowledged.
/// Neither -d nor -n: run this long (wrk's default). With -n only the run ends when the
/// requests are done; each is bounded by kLoadIdleTimeout.
constexpr double kDefaultSeconds = 10.0;
constexpr std::size_t kReadChunk = 64 * 1024;

/// One lcore's share of the run: a request count (-n) and/or a deadline (-d).
class LcoreBudget final : public LoadBudget {
  public:
    explicit LcoreBudget(std::optional<std::uint64_t> requests) : left_(requests) {}
    void start(Instant now, std::optional<Duration> duration) {
        if (duration)
            deadline_ = now + *duration;
    }
    bool take(Instant now) override {
        if (over(now) || (left_ && *left_ == 0))
            return false;
        if (left_)
            --*left_;
        return true;
    }
    bool over(Instant now) const { return deadline_ && now >= *deadline_; }
    bool exhausted() const { return left_ && *left_ == 0; }

  private:
    std::optional<std::uint64_t> left_;
    std::optional<Instant> deadline_;
};

/// What one lcore's connections came to. Written only by that lcore until it stores `done`
/// (release); the main thread reads it only after loading `done` (acquire).
struct LcoreLoadResult {
    LoadTally tally;
    Instant started{};
    Instant finished{};
    std::atomic<bool> done{false};
    std::atomic<bool> closed{false}; ///< Connections closed, or the linger ran out.
};

/// The connections of one lcore, driven from that lcore's poll loop.
class LcoreLoad {
  public:
    LcoreLoad(StackCore& stack, const HttpUrl& url, const std::string& request, unsigned conns,
              std::optional<std::uint64_t> requests, std::optional<Duration> duration,
              Instant start)
        : stack_(stack), url_(url), request_(request), conn_count_(conns), budget_(requests),
          duration_(duration), start_(start) {}

    void on_iteration(Instant now) {
        switch (phase_) {
        case Phase::kWaitSource:
            return wait_source(now);
        case Phase::kRunning:
            return advance(now);
        case Phase::kClosing:
            return linger(now);
        case Phase::kIdle:
            return discard_events();
        }
    }

    /// Ends the run if it still goes (interrupted), closes every connection and lingers.
    void begin_close(Instant now) {
        if (phase_ == Phase::kWaitSource || phase_ == Phase::kRunning)
            publish(now);
        for (auto& c : conns_)
            c->close(now);
        close_start_ = now;
        phase_ = Phase::kClosing;
    }

    unsigned connections() const { return conn_count_; }
    const LcoreLoadResult& result() const { return result_; }

  private:
    enum class Phase { kWaitSource, kRunning, kClosing, kIdle };

    void wait_source(Instant now) {
        if (!has_source(stack_, url_.host) && now - start_ <= kSourceTimeout && !g_stop.load())
            return;
        budget_.start(now, duration_);
        result_.started = now;
        const LoadContext ctx{stack_,         url_.host,     url_.port, request_,
                              std::span(rx_), result_.tally, budget_,   index_};
        for (unsigned i = 0; i < conn_count_; ++i)
            conns_.push_back(std::make_unique<HttpLoadConnection>(ctx));
        phase_ = Phase::kRunning;
        if (conn_count_ == 0)
            publish(now);
    }

    void dispatch_events(Instant now) {
        stack_.tcp_take_events(
            [&](TcpConnId c, std::uint32_t ev) {
                if (auto it = index_.find(c); it != index_.end())
                    it->second->on_events(ev, now);
            },
            [](TcpListenerId) {});
    }

    void discard_events() {
        stack_.tcp_take_events([](TcpConnId, std::uint32_t) {}, [](TcpListenerId) {});
    }

    void advance(Instant now) {
        dispatch_events(now);
        bool in_flight = false;
        for (auto& c : conns_) {
            c->step(now);
            in_flight = in_flight || c->in_flight();
        }
        // -d: requests still in flight at the deadline are dropped, as wrk drops them.
        if (budget_.over(now) || (budget_.exhausted() && !in_flight) || g_stop.load())
            publish(now);
    }

    void publish(Instant now) {
        result_.finished = now;
        phase_ = Phase::kIdle;
        result_.done.store(true, std::memory_order_release);
    }

    /// True while a connection of this stack is neither closed nor in TIME-WAIT.
    bool closing_busy() const {
        bool busy = false;
        stack_.tcp_for_each([&](TcpConnId, const tcp::Connection& c) {
            const auto s = c.state();
            busy = busy || (s != tcp::TcpState::kTimeWait && s != tcp::TcpState::kClosed);
        });
        return busy;
    }

    void linger(Instant now) {
        discard_events();
        if (closing_busy() && now - close_start_ <= kCloseLinger && !g_stop.load())
            return;
        phase_ = Phase::kIdle;
        result_.closed.store(true, std::memory_order_release);
    }

    StackCore& stack_;
    const HttpUrl& url_;
    const std::string& request_;
    const unsigned conn_count_;
    LcoreBudget budget_;
    std::optional<Duration> duration_;
    Instant start_;
    std::vector<std::byte> rx_ = std::vector<std::byte>(kReadChunk);
    LoadConnIndex index_;
    std::vector<std::unique_ptr<HttpLoadConnection>> conns_;
    Phase phase_ = Phase::kWaitSource;
    Instant close_start_{};
    LcoreLoadResult result_;
};

using LcoreLoads = LcoreJobs<LcoreLoad>;

/// Connection i goes to lcore i mod L; requests (-n) are shared out the same way.
LcoreLoads make_lcore_loads(Runtime& rt, const HttpUrl& url, const std::string& request,
                            const cli::LoadOptions& o, std::optional<Duration> duration,
                            Instant start) {
    const unsigned lcores = rt.lcore_count();
    LcoreLoads loads;
    for (unsigned l = 0; l < lcores; ++l) {
        const unsigned conns = o.connections / lcores + (l < o.connections % lcores ? 1 : 0);
        std::optional<std::uint64_t> requests;
        if (o.requests)
            requests = *o.requests / lcores + (l < *o.requests % lcores ? 1 : 0);
        loads.push_back(std::make_unique<LcoreLoad>(*rt.shard(l).stack, url, request, conns,
                                                    requests, duration, start));
    }
    return loads;
}

double us(std::uint64_t ns) {
    return static_cast<double>(ns) / 1e3;
}

/// The report (stdout); true when every request succeeded and at least one completed.
bool report(Runtime& rt, const LcoreLoads& loads, const std::string& url_text,
            unsigned connections) {
    LoadTally total;
    std::optional<Instant> first;
    Instant last{};
    for (const auto& l : loads) {
        const LcoreLoadResult& r = l->result();
        if (!r.done.load(std::memory_order_acquire))
            continue; // an lcore that did not answer: its numbers are not ours to read
        total.add(r.tally);
        first = first ? std::min(*first, r.started) : r.started;
        last = std::max(last, r.finished);
    }
    const double secs = first ? std::max(0.0, seconds_between(*first, last)) : 0.0;
    const double rps = secs > 0 ? static_cast<double>(total.ok) / secs : 0.0;
    const double mbs = secs > 0 ? static_cast<double>(total.bytes) / secs / 1e6 : 0.0;
    const LoadErrors& e = total.errors;
    const LatencyHistogram& h = total.latency;
    fmt::print("load {}: {} connections on {} lcore{}, {:.3f} s\n", url_text, connections,
               loads.size(), loads.size() == 1 ? "" : "s", secs);
    fmt::print("requests: ok={} errors={} (connect={} closed={} timeout={} status={} "
               "protocol={}) reconnects={}\n",
               total.ok, e.total(), e.connect, e.closed, e.timeout, e.status, e.protocol,
               total.reconnects);
    fmt::print("rate: {:.1f} requests/s, {:.3f} MB/s ({} bytes)\n", rps, mbs, total.bytes);
    fmt::print("latency: p50={:.1f}us p90={:.1f}us p99={:.1f}us max={:.1f}us mean={:.1f}us\n",
               us(h.quantile(0.50)), us(h.quantile(0.90)), us(h.quantile(0.99)), us(h.max()),
               h.mean() / 1e3);
    if (loads.size() > 1) {
        const std::vector<LcoreSnapshot> snaps = rt.snapshots();
        for (std::size_t l = 0; l < loads.size() && l < snaps.size(); ++l)
            fmt::print("{} connections={} ok={}\n", Runtime::lcore_line(snaps[l]),
                       loads[l]->connections(), loads[l]->result().tally.ok);
    }
    std::fflush(stdout);
    return total.ok > 0 && e.total() == 0;
}

} // namespace

int run_load(const cli::CliConfig& cfg) {
    install_signal_handlers();
    const cli::LoadOptions& o = cfg.load;
    auto parsed = parse_http_url(o.url);
    if (auto* err = std::get_if<std::string>(&parsed)) {
        std::fprintf(stderr, "multios-net load: %s\n", err->c_str());
        return cli::kExitUsage;
    }
    const HttpUrl url = std::get<HttpUrl>(parsed);
    const std::string request =
        fmt::format("GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: multios-net-load\r\n\r\n",
                    url.target, url.authority);
    std::optional<Duration> duration;
    if (o.duration_s || !o.requests)
        duration = std::chrono::duration_cast<Duration>(
            std::chrono::duration<double>(o.duration_s.value_or(kDefaultSeconds)));
    auto rt = start_runtime(cfg);
    if (!rt)
        return cli::kExitFailed;
    const Instant start = rt->now();
    LcoreLoads loads = make_lcore_loads(*rt, url, request, o, duration, start);
    if (!install_worker_hooks(*rt, loads)) {
        remove_lcore_hooks(*rt);
        return cli::kExitFailed;
    }
    drive_lcore_jobs(*rt, loads, &LcoreLoadResult::done, std::nullopt);
    close_lcore_jobs(*rt, loads, &LcoreLoadResult::closed, kCloseLinger);
    remove_lcore_hooks(*rt);
    return report(*rt, loads, o.url, o.connections) ? cli::kExitOk : cli::kExitFailed;
}

} // namespace multios::net::app
