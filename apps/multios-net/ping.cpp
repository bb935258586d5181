// `ping`: ICMP echo from the stack, printed the way iputils ping prints it.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "commands.hpp"
#include "runtime.hpp"

namespace multios::net::app {

namespace {

double ms_between(Instant a, Instant b) {
    return std::chrono::duration<double, std::milli>(b - a).count();
}

Duration seconds(double s) {
    return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(s));
}

const char* describe_error(const PingError& e) {
    if (!e.v6) {
        switch (e.type) {
        case 3:
            switch (e.code) {
            case 0:
                return "Destination Net Unreachable";
            case 1:
                return "Destination Host Unreachable";
            case 2:
                return "Destination Protocol Unreachable";
            case 3:
                return "Destination Port Unreachable";
            case 4:
                return "Frag needed and DF set";
            default:
                return "Destination Unreachable";
            }
        case 11:
            return e.code == 0 ? "Time to live exceeded" : "Frag reassembly time exceeded";
        default:
            return "Parameter problem";
        }
    }
    switch (e.type) {
    case 1:
        return e.code == 4 ? "Destination unreachable: Port unreachable"
                           : "Destination unreachable: Address unreachable";
    case 3:
        return "Time exceeded: Hop limit";
    default:
        return "Parameter problem";
    }
}

/// RTT statistics as iputils computes them (mdev = population standard deviation).
struct RttStats {
    std::vector<double> samples;
    void print(std::FILE* out) const {
        if (samples.empty())
            return;
        double min = samples[0], max = samples[0], sum = 0, sum2 = 0;
        for (double v : samples) {
            min = std::min(min, v);
            max = std::max(max, v);
            sum += v;
            sum2 += v * v;
        }
        const double n = static_cast<double>(samples.size());
        const double avg = sum / n;
        const double mdev = std::sqrt(std::max(0.0, sum2 / n - avg * avg));
        fmt::print(out, "rtt min/avg/max/mdev = {:.3f}/{:.3f}/{:.3f}/{:.3f} ms\n", min, avg, max,
                   mdev);
    }
};

/// Waits (polling the stack) until every lcore has a source address for `dst`: IPv6
/// addresses are unusable until Duplicate Address Detection ends (and a reply may arrive on
/// any lcore).
bool wait_for_source(Runtime& rt, const IpAddress& dst) {
    const Instant give_up = rt.now() + std::chrono::seconds(5);
    std::atomic<bool> done{false};
    bool ok = false;
    Instant next_check{};
    rt.loop().on_iteration = [&](Instant now) {
        if (now < next_check)
            return;
        next_check = now + std::chrono::milliseconds(5);
        ok = rt.every_shard_has_source(dst);
        if (ok || now > give_up || g_stop.load())
            done.store(true);
    };
    rt.loop().run(done);
    rt.loop().on_iteration = nullptr;
    return ok;
}

} // namespace

int run_ping(const cli::CliConfig& cfg) {
    install_signal_handlers();
    const cli::PingOptions& o = cfg.ping;
    auto rt = start_runtime(cfg);
    if (!rt)
        return cli::kExitFailed;
    const IpAddress dst = o.destination;
    const std::string dtext = dst.to_string();
    if (dst.is_v4())
        std::printf("PING %s (%s) %u(%u) bytes of data.\n", o.destination_text.c_str(),
                    dtext.c_str(), o.size, o.size + 28);
    else
        std::printf("PING %s(%s) %u data bytes\n", o.destination_text.c_str(), dtext.c_str(),
                    o.size);
    std::fflush(stdout);
    if (!wait_for_source(*rt, dst)) {
        std::fprintf(stderr, "ping: connect: Network is unreachable\n");
        return cli::kExitFailed;
    }
    StackCore& stack = rt->stack();
    // Echo replies are steered to lcore (identifier mod lcores) (steer::classify_frame): pick
    // an identifier that brings them back to lcore 0, where this loop runs.
    const auto pid = static_cast<std::uint16_t>(::getpid());
    const auto id = static_cast<std::uint16_t>(pid - pid % rt->lcore_count());
    const Instant start = rt->now();
    const Duration interval = seconds(o.interval_s);
    const Duration wait = seconds(o.wait_s);
    std::uint32_t sent = 0, received = 0, errors = 0;
    Instant next_send = start, last_send = start;
    RttStats rtt;
    std::atomic<bool> done{false};
    int send_error = 0;

    rt->loop().on_iteration = [&](Instant now) {
        const bool more = !o.count || sent < *o.count;
        if (more && now >= next_send) {
            const auto seq = static_cast<std::uint16_t>(sent + 1);
            if (auto r = stack.ping_send(dst, id, seq, o.size, o.ttl, now); !r) {
                send_error = r.error().value();
                done.store(true);
                return;
            }
            ++sent;
            last_send = now;
            next_send = now + interval;
        }
        for (const auto& r : stack.ping_take_replies()) {
            ++received;
            const double ms = ms_between(r.sent_at, r.received_at);
            rtt.samples.push_back(ms);
            fmt::print("{} bytes from {}: icmp_seq={} ttl={} time={:.3f} ms\n", r.bytes,
                       r.from.to_string(), r.seq, r.ttl, ms);
        }
        for (const auto& e : stack.ping_take_errors()) {
            ++errors;
            fmt::print("From {} icmp_seq={} {}\n", e.from.to_string(), e.seq, describe_error(e));
        }
        std::fflush(stdout);
        const bool all_answered = received + errors >= sent;
        if (g_stop.load() || (!more && (all_answered || now >= last_send + wait)))
            done.store(true);
    };
    rt->loop().run(done);
    if (send_error) {
        std::fprintf(stderr, "ping: sendmsg: %s\n", std::strerror(send_error));
        if (sent == 0)
            return cli::kExitFailed;
    }
    const auto elapsed_ms = static_cast<long>(ms_between(start, rt->now()));
    const unsigned loss = sent ? static_cast<unsigned>(100 - (100ULL * received) / sent) : 0;
    std::printf("\n--- %s ping statistics ---\n", o.destination_text.c_str());
    if (errors)
        std::printf(
            "%u packets transmitted, %u received, +%u errors, %u%% packet loss, time %ldms\n", sent,
            received, errors, loss, elapsed_ms);
    else
        std::printf("%u packets transmitted, %u received, %u%% packet loss, time %ldms\n", sent,
                    received, loss, elapsed_ms);
    rtt.print(stdout);
    if (std::getenv("MULTIOS_DEBUG"))
        rt->print_report(stderr);
    std::fflush(stdout);
    return received > 0 ? cli::kExitOk : cli::kExitFailed;
}

} // namespace multios::net::app
