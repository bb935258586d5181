#include "sim/latency_histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace multios::net::sim {

namespace {
constexpr std::uint32_t kSubBits = 6; // log2(kSubBuckets)
static_assert(LatencyHistogram::kSubBuckets == 1u << kSubBits);
/// Values below kSubBuckets ns get one bucket each; above, every power of two 2^e
/// (kSubBits <= e < kMaxExponent) is split into kSubBuckets equal parts.
constexpr std::uint32_t kBucketCount =
    LatencyHistogram::kSubBuckets * (LatencyHistogram::kMaxExponent - kSubBits + 1);
} // namespace

std::uint32_t LatencyHistogram::bucket_of(std::uint64_t ns) {
    if (ns < kSubBuckets) {
        return static_cast<std::uint32_t>(ns);
    }
    const auto e = static_cast<std::uint32_t>(std::bit_width(ns) - 1); // 2^e <= ns
    if (e >= kMaxExponent) {
        return kBucketCount - 1;
    }
    const auto sub = static_cast<std::uint32_t>((ns >> (e - kSubBits)) & (kSubBuckets - 1));
    return kSubBuckets + (e - kSubBits) * kSubBuckets + sub;
}

std::uint64_t LatencyHistogram::bucket_mid(std::uint32_t b) {
    if (b < kSubBuckets) {
        return b;
    }
    const std::uint32_t e = (b - kSubBuckets) / kSubBuckets + kSubBits;
    const std::uint64_t sub = (b - kSubBuckets) % kSubBuckets;
    const std::uint64_t width = std::uint64_t{1} << (e - kSubBits);
    return ((kSubBuckets + sub) << (e - kSubBits)) + width / 2;
}

void LatencyHistogram::record(Duration d) {
    const Duration v = std::max(d, Duration::zero());
    if (buckets_.empty()) {
        buckets_.assign(kBucketCount, 0);
    }
    ++buckets_[bucket_of(static_cast<std::uint64_t>(v.count()))];
    min_ = count_ == 0 ? v : std::min(min_, v);
    max_ = std::max(max_, v);
    ++count_;
    sum_ns_ += static_cast<unsigned __int128>(v.count());
}

Duration LatencyHistogram::mean() const {
    if (count_ == 0) {
        return Duration::zero();
    }
    return Duration(static_cast<Duration::rep>(sum_ns_ / count_));
}

std::optional<Duration> LatencyHistogram::quantile(double q) const {
    if (count_ == 0) {
        return std::nullopt;
    }
    q = std::clamp(q, 0.0, 1.0);
    if (q == 0.0) {
        return min_;
    }
    const auto rank = std::max<std::uint64_t>(
        1, static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_))));
    std::uint64_t seen = 0;
    for (std::uint32_t b = 0; b < buckets_.size(); ++b) {
        seen += buckets_[b];
        if (seen >= rank) {
            const Duration mid(static_cast<Duration::rep>(bucket_mid(b)));
            return std::clamp(mid, min_, max_);
        }
    }
    return max_;
}

} // namespace multios::net::sim
