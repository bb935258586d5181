// Helpers for the sim tests: a receiver that records what a link delivers, numbered frames,
// and the binomial bound the loss tests use.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "sim/event_scheduler.hpp"
#include "sim/frame_pool.hpp"
#include "sim/link.hpp"

namespace multios::net::sim_test {

using namespace multios::net::sim;

struct Delivery {
    Instant at;
    std::vector<std::byte> bytes;
};

/// Keeps a copy of every frame with its arrival time, and releases the frame.
class RecordingReceiver final : public LinkReceiver {
  public:
    explicit RecordingReceiver(FramePool& pool, bool keep_bytes = true)
        : pool_(pool), keep_bytes_(keep_bytes) {}
    void on_frame(IfIndex, FrameHandle h, Instant now) override {
        const auto b = pool_.bytes(h);
        Delivery d{now, {}};
        if (keep_bytes_) {
            d.bytes.assign(b.begin(), b.end());
        }
        got.push_back(std::move(d));
        pool_.release(h);
    }
    std::vector<Delivery> got;

  private:
    FramePool& pool_;
    bool keep_bytes_;
};

/// A frame of `len` bytes (at least 4) whose first four bytes carry `seq`, the rest a pattern.
inline FrameHandle numbered_frame(FramePool& pool, std::size_t len, std::uint32_t seq) {
    const FrameHandle h = *pool.allocate(len);
    auto b = pool.bytes(h);
    for (std::size_t i = 0; i < b.size(); ++i) {
        b[i] = static_cast<std::byte>((i * 7 + seq) & 0xff);
    }
    std::memcpy(b.data(), &seq, sizeof seq);
    return h;
}

inline std::uint32_t frame_seq(const std::vector<std::byte>& b) {
    std::uint32_t s = 0;
    std::memcpy(&s, b.data(), sizeof s);
    return s;
}

/// Four standard deviations of a Binomial(n, p) count.
inline double four_sigma(double n, double p) {
    return 4.0 * std::sqrt(n * p * (1.0 - p));
}

/// A scheduler, a pool and one link into a recording receiver.
struct LinkBench {
    EventScheduler sched{instant_from_ns(1'000'000'000)};
    FramePool pool;
    Link link;
    RecordingReceiver rx;

    explicit LinkBench(const LinkConfig& cfg, std::uint64_t seed = 1, bool keep_bytes = true)
        : link(sched, pool, cfg, seed), rx(pool, keep_bytes) {
        link.attach(rx, 0);
    }
    /// Offers `n` frames of `len` bytes, one every `gap`, and runs until all have left.
    void stream(std::uint32_t n, std::size_t len, Duration gap) {
        for (std::uint32_t i = 0; i < n; ++i) {
            link.offer(numbered_frame(pool, len, i), sched.now());
            sched.run_until(sched.now() + gap);
        }
        drain();
    }
    void drain() { sched.run_until(sched.now() + std::chrono::seconds(100)); }
};

} // namespace multios::net::sim_test
