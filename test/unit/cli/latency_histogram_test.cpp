// The fixed-size log-linear latency histogram of `multios-net load`: bucket edges, bounded
// relative error, quantiles, merging.
#include <catch2/catch.hpp>

#include <cstdint>

#include "latency_histogram.hpp"

using multios::net::app::LatencyHistogram;

TEST_CASE("histogram buckets are exact below 64 and within 1/32 above", "[cli][histogram]") {
    for (std::uint64_t v = 0; v < 64; ++v) {
        CHECK(LatencyHistogram::bucket_of(v) == v);
        CHECK(LatencyHistogram::bucket_upper(static_cast<unsigned>(v)) == v);
    }
    for (std::uint64_t v :
         {64ull, 65ull, 100ull, 1000ull, 123456ull, 999999999ull, (1ull << 40) + 12345, ~0ull}) {
        const unsigned b = LatencyHistogram::bucket_of(v);
        REQUIRE(b < LatencyHistogram::kBuckets);
        const std::uint64_t upper = LatencyHistogram::bucket_upper(b);
        CHECK(upper >= v);
        // The bucket is at most 1/32 of its lower edge wide.
        CHECK(static_cast<double>(upper - v) <= static_cast<double>(v) / 32.0);
        // Buckets are ordered: the next value above the edge lands in the next bucket.
        if (upper != ~0ull)
            CHECK(LatencyHistogram::bucket_of(upper + 1) == b + 1);
    }
    CHECK(LatencyHistogram::bucket_of(~0ull) == LatencyHistogram::kBuckets - 1);
}

TEST_CASE("histogram quantiles, min, max and mean", "[cli][histogram]") {
    LatencyHistogram h;
    CHECK(h.count() == 0);
    CHECK(h.quantile(0.5) == 0);
    CHECK(h.max() == 0);
    CHECK(h.mean() == 0.0);
    // 1..1000 microseconds, once each.
    for (std::uint64_t us = 1; us <= 1000; ++us)
        h.record(us * 1000);
    CHECK(h.count() == 1000);
    CHECK(h.min() == 1000);
    CHECK(h.max() == 1000000);
    CHECK(h.mean() == Approx(500500.0));
    CHECK(h.quantile(0.5) == Approx(500000).epsilon(1.0 / 32));
    CHECK(h.quantile(0.5) >= 500000);
    CHECK(h.quantile(0.9) == Approx(900000).epsilon(1.0 / 32));
    CHECK(h.quantile(0.99) == Approx(990000).epsilon(1.0 / 32));
    CHECK(h.quantile(1.0) == 1000000); // clamped to the exact maximum
    CHECK(h.quantile(0.0) >= 1000);
    CHECK(h.quantile(0.0) <= 1000 + 1000 / 32);
}

TEST_CASE("histograms merge like one histogram of all samples", "[cli][histogram]") {
    LatencyHistogram a, b, all;
    for (std::uint64_t v = 0; v < 5000; ++v) {
        const std::uint64_t x = v * v % 100003;
        (v % 2 ? a : b).record(x);
        all.record(x);
    }
    a.merge(b);
    CHECK(a.count() == all.count());
    CHECK(a.min() == all.min());
    CHECK(a.max() == all.max());
    CHECK(a.mean() == Approx(all.mean()));
    for (double q : {0.1, 0.5, 0.9, 0.99, 0.999})
        CHECK(a.quantile(q) == all.quantile(q));
}
