#include "sim/link.hpp"

#include <algorithm>
#include <array>

#include "impair/impaired_path.hpp"

namespace multios::net::sim {

namespace {
// Independent generator streams of one link (prng::derive_seed keeps them unrelated).
constexpr std::uint64_t kStreamWire = 0;  // ImpairmentModel: Bernoulli loss, reorder
constexpr std::uint64_t kStreamBurst = 1; // Gilbert-Elliott
constexpr std::uint64_t kStreamExtra = 2; // duplication, corruption, jitter
constexpr std::uint64_t kStreamRed = 3;   // RED early drops

ImpairmentConfig wire_impairments(const LinkConfig& c) {
    ImpairmentConfig i;
    i.loss = c.loss;
    i.delay = c.delay;
    i.reorder = c.reorder;
    return i;
}

bool draw_below(double draw, double p) {
    // uniform() is in [0, 1): p = 0 never fires, p = 1 always does, NaN never.
    return draw < p;
}
} // namespace

Link::Link(EventScheduler& scheduler, FramePool& pool, const LinkConfig& config, std::uint64_t seed)
    : scheduler_(scheduler), pool_(pool), config_(config),
      model_(wire_impairments(config), prng::derive_seed(seed, kStreamWire)),
      rng_(prng::derive_seed(seed, kStreamExtra)),
      red_(config.red, prng::derive_seed(seed, kStreamRed)),
      queue_(std::max<std::size_t>(config.queue_packets, 1)), line_(config.in_flight_capacity) {
    if (config.burst_loss && config.burst_loss->active()) {
        burst_.emplace(*config.burst_loss, prng::derive_seed(seed, kStreamBurst));
    }
}

void Link::attach(LinkReceiver& receiver, IfIndex ifindex) {
    receiver_ = &receiver;
    ifindex_ = ifindex;
}

void Link::set_queue_observer(std::function<void(Instant, std::size_t)> fn) {
    queue_observer_ = std::move(fn);
}

void Link::set_delivery_observer(std::function<void(Instant, std::span<const std::byte>)> fn) {
    delivery_observer_ = std::move(fn);
}

Duration Link::serialization_time(std::size_t len) const {
    if (config_.rate_bps == 0) {
        return Duration::zero();
    }
    // bits / rate, in ns, rounded up: 1500 B at 10 Mbit/s is exactly 1.2 ms. 128-bit
    // intermediate: len * 8e9 overflows 64 bits only for absurd frames, but costs nothing.
    const unsigned __int128 bits_ns = static_cast<unsigned __int128>(len) * 8 * 1'000'000'000ULL;
    const unsigned __int128 ns = (bits_ns + config_.rate_bps - 1) / config_.rate_bps;
    return Duration(static_cast<Duration::rep>(ns));
}

void Link::drop(FrameHandle h, std::uint64_t& reason) {
    ++reason;
    pool_.release(h);
}

void Link::queue_changed(Instant now) {
    counters_.max_queue = std::max(counters_.max_queue, queue_.size());
    if (queue_observer_) {
        queue_observer_(now, queue_.size());
    }
}

void Link::offer(FrameHandle h, Instant now) {
    ++counters_.sent;
    if (pool_.length(h) > config_.mtu + kEthernetHeader) {
        drop(h, counters_.dropped_mtu);
        return;
    }
    if (!admit(h, now)) {
        return;
    }
    queue_changed(now);
    if (queue_.size() == 1) {
        start_transmission(now);
    }
}

bool Link::admit(FrameHandle h, Instant now) {
    if (config_.discipline == QueueDiscipline::red &&
        red_.should_drop(queue_.size(), now, idle_since_, serialization_time(pool_.length(h)))) {
        drop(h, counters_.dropped_red);
        return false;
    }
    // Drop-tail: the arrival that finds the queue full is the one lost.
    if (!queue_.push(h)) {
        drop(h, counters_.dropped_queue);
        return false;
    }
    return true;
}

void Link::start_transmission(Instant now) {
    const Duration t = serialization_time(pool_.length(queue_.front()));
    scheduler_.schedule(now + t, *this, kTxDone);
}

void Link::transmission_done(Instant now) {
    const FrameHandle h = queue_.front();
    queue_.pop();
    queue_changed(now);
    if (queue_.empty()) {
        idle_since_ = now;
    } else {
        // Back-to-back: the next frame starts the instant the previous one is out.
        start_transmission(now);
    }
    on_wire(h, now);
}

void Link::on_wire(FrameHandle h, Instant now) {
    const Verdict v = model_.decide(now);
    const bool burst_lost = burst_ && burst_->lose();
    const double dup_draw = rng_.uniform();
    const double corrupt_draw = rng_.uniform();
    const double jitter_draw = rng_.uniform();
    const std::uint64_t bit_draw = rng_.next();
    if (v.drop || burst_lost) {
        drop(h, counters_.dropped_loss);
        return;
    }
    if (draw_below(corrupt_draw, config_.corrupt)) {
        flip_random_bit(h, bit_draw);
    }
    Instant release_at = v.release_at;
    if (config_.jitter > Duration::zero()) {
        release_at += Duration(static_cast<Duration::rep>(
            jitter_draw * static_cast<double>(config_.jitter.count() + 1)));
    }
    const bool duplicate = draw_below(dup_draw, config_.duplicate);
    put_in_flight(h, release_at, v.hold_for_reorder, now);
    if (duplicate) {
        const auto copy = pool_.copy(h);
        if (!copy) {
            ++counters_.dropped_no_buffer;
        } else {
            ++counters_.duplicated;
            put_in_flight(*copy, release_at, false, now);
        }
    }
    arm_release(now);
}

void Link::flip_random_bit(FrameHandle h, std::uint64_t draw) {
    const auto bytes = pool_.bytes(h);
    if (bytes.empty()) {
        return;
    }
    const std::uint64_t bit = draw % (bytes.size() * 8);
    bytes[bit / 8] ^= static_cast<std::byte>(1u << (bit % 8));
    ++counters_.corrupted;
}

void Link::put_in_flight(FrameHandle h, Instant release_at, bool hold, Instant now) {
    // A held frame waits for the next one; with none it leaves after the same bound the real
    // ports use (ImpairedPath::kMinHold), so a lone frame is late, not lost.
    const Instant deadline = now + std::max(config_.delay, ImpairedPath<FrameHandle>::kMinHold);
    const DelayLinePush r = hold ? line_.hold(h, release_at, deadline) : line_.push(h, release_at);
    if (r == DelayLinePush::full) {
        drop(h, counters_.dropped_in_flight);
    } else if (r == DelayLinePush::held) {
        ++counters_.reordered;
    }
}

void Link::arm_release(Instant now) {
    const Instant due = line_.next_due();
    if (due == kNever || (release_armed_ != kNever && release_armed_ <= due)) {
        return;
    }
    release_armed_ = std::max(due, now);
    ++release_generation_;
    scheduler_.schedule(release_armed_, *this, (release_generation_ << 1) | kRelease);
}

void Link::release_due(Instant now) {
    release_armed_ = kNever;
    std::array<FrameHandle, 64> batch;
    for (;;) {
        const std::size_t n = line_.pop_due(now, batch);
        for (std::size_t i = 0; i < n; ++i) {
            ++counters_.delivered;
            if (delivery_observer_) {
                delivery_observer_(now, pool_.bytes(batch[i]));
            }
            if (receiver_ != nullptr) {
                receiver_->on_frame(ifindex_, batch[i], now);
            } else {
                pool_.release(batch[i]);
            }
        }
        if (n < batch.size()) {
            break;
        }
    }
    arm_release(now);
}

void Link::on_event(Instant now, std::uint64_t tag) {
    if ((tag & 1) == kTxDone) {
        transmission_done(now);
        return;
    }
    if ((tag >> 1) == release_generation_) {
        release_due(now);
    }
}

} // namespace multios::net::sim
