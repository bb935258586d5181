#include "latency_histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace multios::net::app {

unsigned LatencyHistogram::bucket_of(std::uint64_t ns) {
    if (ns < kExact)
        return static_cast<unsigned>(ns);
    // Octave e holds [2^e, 2^(e+1)); its top kSubBucketBits bits below the leading one pick
    // the sub-bucket.
    const unsigned e = 63u - static_cast<unsigned>(std::countl_zero(ns));
    const unsigned sub = static_cast<unsigned>(ns >> (e - kSubBucketBits)) & (kSubBuckets - 1);
    return kExact + (e - kExactBits) * kSubBuckets + sub;
}

std::uint64_t LatencyHistogram::bucket_upper(unsigned bucket) {
    if (bucket < kExact)
        return bucket;
    const unsigned e = (bucket - kExact) / kSubBuckets + kExactBits;
    const std::uint64_t sub = (bucket - kExact) % kSubBuckets;
    const unsigned shift = e - kSubBucketBits;
    const std::uint64_t lower = (std::uint64_t{1} << e) + (sub << shift);
    return lower + ((std::uint64_t{1} << shift) - 1);
}

void LatencyHistogram::record(std::uint64_t ns) {
    ++counts_[bucket_of(ns)];
    ++count_;
    min_ = std::min(min_, ns);
    max_ = std::max(max_, ns);
    sum_ += static_cast<long double>(ns);
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
    for (unsigned i = 0; i < kBuckets; ++i)
        counts_[i] += other.counts_[i];
    count_ += other.count_;
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
    sum_ += other.sum_;
}

double LatencyHistogram::mean() const {
    return count_ ? static_cast<double>(sum_ / static_cast<long double>(count_)) : 0.0;
}

std::uint64_t LatencyHistogram::quantile(double q) const {
    if (count_ == 0)
        return 0;
    q = std::clamp(q, 0.0, 1.0);
    const auto rank = std::max<std::uint64_t>(
        1, static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_))));
    std::uint64_t seen = 0;
    for (unsigned i = 0; i < kBuckets; ++i) {
        seen += counts_[i];
        if (seen >= rank)
            return std::min(bucket_upper(i), max_);
    }
    return max_;
}

} // namespace multios::net::app
