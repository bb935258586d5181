// A fixed-size log-linear histogram of latencies for `multios-net load`: exact below 64 ns,
// then 32 linear sub-buckets per power of two (at most ~3 % relative error) up to 2^63 ns.
// Bounded memory (kBuckets counters, no allocation after construction), O(1) record, and
// mergeable, so each lcore fills its own and the main thread adds them up at the end.
#pragma once

#include <array>
#include <cstdint>

namespace multios::net::app {

class LatencyHistogram {
  public:
    static constexpr unsigned kExactBits = 6;     ///< Values below 2^6 get a bucket each.
    static constexpr unsigned kSubBucketBits = 5; ///< 32 sub-buckets per power of two above.
    static constexpr unsigned kExact = 1u << kExactBits;
    static constexpr unsigned kSubBuckets = 1u << kSubBucketBits;
    static constexpr unsigned kBuckets = kExact + (64 - kExactBits) * kSubBuckets;

    /// Adds one sample (nanoseconds).
    void record(std::uint64_t ns);
    /// Adds every sample of `other`.
    void merge(const LatencyHistogram& other);

    std::uint64_t count() const { return count_; }
    std::uint64_t min() const { return count_ ? min_ : 0; }
    std::uint64_t max() const { return max_; }
    /// Mean of the recorded values (exact: the sum is kept), 0 when empty.
    double mean() const;
    /// The value at quantile `q` (0..1): the upper edge of the bucket holding the
    /// ceil(q * count)-th smallest sample, never above max(). 0 when empty.
    std::uint64_t quantile(double q) const;

    /// Bucket of a value and the largest value that bucket holds (for tests and quantile()).
    static unsigned bucket_of(std::uint64_t ns);
    static std::uint64_t bucket_upper(unsigned bucket);

  private:
    std::array<std::uint64_t, kBuckets> counts_{};
    std::uint64_t count_ = 0;
    std::uint64_t min_ = UINT64_MAX;
    std::uint64_t max_ = 0;
    long double sum_ = 0;
};

} // namespace multios::net::app
