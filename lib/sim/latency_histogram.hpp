// A bounded record of latencies (the http app's request times): exact count, minimum, mean
// and maximum, and quantiles from log-linear buckets. Memory is fixed (9 KiB, allocated at
// the first sample) however many requests a run completes.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include <multios/net/time.hpp>

namespace multios::net::sim {

class LatencyHistogram {
  public:
    /// Sub-buckets per power of two: a quantile (a bucket's midpoint) is within
    /// 1 / (2 * kSubBuckets) = 0.8% of the recorded value it stands for.
    static constexpr std::uint32_t kSubBuckets = 64;
    /// Samples from 2^kMaxExponent ns (18 minutes) up share the last bucket (min, mean and
    /// max stay exact).
    static constexpr std::uint32_t kMaxExponent = 40;

    /// Records one latency (negative values count as zero).
    void record(Duration d);

    std::uint64_t count() const { return count_; }
    /// Zero when empty.
    Duration min() const { return min_; }
    Duration max() const { return max_; }
    Duration mean() const;
    /// The q-quantile (q in 0..1): the midpoint of the bucket holding the ceil(q * count)-th
    /// smallest sample, clamped to [min, max] (p0 and p100 are exact). nullopt when empty.
    std::optional<Duration> quantile(double q) const;

  private:
    static std::uint32_t bucket_of(std::uint64_t ns);
    static std::uint64_t bucket_mid(std::uint32_t b);

    std::vector<std::uint32_t> buckets_;
    std::uint64_t count_ = 0;
    Duration min_{}, max_{};
    /// Sum in ns as 128 bits: no overflow for any run length.
    unsigned __int128 sum_ns_ = 0;
};

} // namespace multios::net::sim
