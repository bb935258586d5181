// api::ByteRing: the single-producer single-consumer byte ring behind every socket's receive
// and send queues. Wrap-around, the two-span views, peek, capacity rounding, and a two-thread
// stress run that checks every byte arrives once and in order.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <numeric>
#include <random>
#include <thread>
#include <vector>

#include "api/byte_ring.hpp"

namespace multios::net::api_unit_test {

using api::ByteRing;

namespace {

std::vector<std::byte> sequence(std::size_t n, std::uint8_t first = 0) {
    std::vector<std::byte> v(n);
    for (std::size_t i = 0; i < n; ++i)
        v[i] = std::byte(static_cast<std::uint8_t>(first + i));
    return v;
}

// The byte the stress producer writes at stream offset `at`: not a plain counter, so a byte
// delivered at the wrong offset (a stale or skipped region) is noticed.
std::byte pattern_at(std::uint64_t at) {
    return std::byte(static_cast<std::uint8_t>((at * 131) ^ (at >> 8) ^ (at >> 19)));
}

} // namespace

TEST_CASE("ByteRing rounds its capacity up to a power of two, 64 at least", "[api-unit]") {
    CHECK(ByteRing(0).capacity() == 64);
    CHECK(ByteRing(1).capacity() == 64);
    CHECK(ByteRing(64).capacity() == 64);
    CHECK(ByteRing(65).capacity() == 128);
    CHECK(ByteRing(1000).capacity() == 1024);
    CHECK(ByteRing(4096).capacity() == 4096);
    ByteRing r(100);
    CHECK(r.writable() == 128);
    CHECK(r.readable() == 0);
}

TEST_CASE("ByteRing write takes what fits and read returns it in order", "[api-unit]") {
    ByteRing r(64);
    const auto data = sequence(100);
    CHECK(r.write(data) == 64);
    CHECK(r.writable() == 0);
    CHECK(r.readable() == 64);
    CHECK(r.write(data) == 0); // full: nothing more

    std::vector<std::byte> out(100);
    CHECK(r.read(std::span(out).first(10)) == 10);
    CHECK(std::equal(out.begin(), out.begin() + 10, data.begin()));
    CHECK(r.readable() == 54);
    CHECK(r.writable() == 10);
    CHECK(r.read(out) == 54);
    CHECK(std::equal(out.begin(), out.begin() + 54, data.begin() + 10));
    CHECK(r.read(out) == 0); // empty
}

TEST_CASE("ByteRing wraps around and keeps byte order across the seam", "[api-unit]") {
    ByteRing r(64);
    std::vector<std::byte> out(64);
    // Move the indices to 50 so the next write straddles the end of the storage.
    REQUIRE(r.write(sequence(50)) == 50);
    REQUIRE(r.read(std::span(out).first(50)) == 50);

    const auto data = sequence(40, 200);
    REQUIRE(r.write(data) == 40);
    const auto spans = r.read_spans();
    CHECK(spans[0].size() == 14); // 64 - 50 before the seam
    CHECK(spans[1].size() == 26); // the rest from the start
    CHECK(std::equal(spans[0].begin(), spans[0].end(), data.begin()));
    CHECK(std::equal(spans[1].begin(), spans[1].end(), data.begin() + 14));
    REQUIRE(r.read(std::span(out).first(40)) == 40);
    CHECK(std::equal(out.begin(), out.begin() + 40, data.begin()));

    // Many laps with an odd step: indices far beyond the capacity still map correctly.
    for (int lap = 0; lap < 200; ++lap) {
        const auto chunk = sequence(37, static_cast<std::uint8_t>(lap));
        REQUIRE(r.write(chunk) == 37);
        REQUIRE(r.read(std::span(out).first(37)) == 37);
        REQUIRE(std::equal(out.begin(), out.begin() + 37, chunk.begin()));
    }
}

TEST_CASE("ByteRing write_spans offers the free space in two pieces at the seam", "[api-unit]") {
    ByteRing r(64);
    std::vector<std::byte> out(64);
    REQUIRE(r.write(sequence(60)) == 60);
    REQUIRE(r.read(std::span(out).first(40)) == 40); // 20 readable at [40, 60)

    auto spans = r.write_spans();
    CHECK(spans[0].size() == 4);  // [60, 64)
    CHECK(spans[1].size() == 40); // [0, 40)
    CHECK(spans[0].size() + spans[1].size() == r.writable());
    // Filling without commit() publishes nothing.
    for (auto s : spans)
        std::fill(s.begin(), s.end(), std::byte{0xAB});
    CHECK(r.readable() == 20);
    r.commit(10); // 4 before the seam, 6 after it
    CHECK(r.readable() == 30);
    REQUIRE(r.read(std::span(out).first(30)) == 30);
    CHECK(std::equal(out.begin(), out.begin() + 20, sequence(60).begin() + 40));
    CHECK(std::all_of(out.begin() + 20, out.begin() + 30,
                      [](std::byte b) { return b == std::byte{0xAB}; }));

    // A full ring offers no space at all.
    REQUIRE(r.write(sequence(64)) == 64);
    spans = r.write_spans();
    CHECK(spans[0].empty());
    CHECK(spans[1].empty());
}

TEST_CASE("ByteRing consume after read_spans drops exactly the bytes consumed", "[api-unit]") {
    ByteRing r(64);
    const auto data = sequence(30);
    REQUIRE(r.write(data) == 30);
    auto spans = r.read_spans();
    REQUIRE(spans[0].size() == 30);
    CHECK(spans[1].empty());
    r.consume(12);
    spans = r.read_spans();
    REQUIRE(spans[0].size() == 18);
    CHECK(spans[0][0] == data[12]);
    CHECK(r.writable() == 64 - 18);
}

TEST_CASE("ByteRing peek copies at an offset without consuming, across the seam", "[api-unit]") {
    ByteRing r(64);
    std::vector<std::byte> out(64);
    REQUIRE(r.write(sequence(56)) == 56);
    REQUIRE(r.read(std::span(out).first(56)) == 56);
    const auto data = sequence(30, 100); // occupies [56, 64) and [0, 22)
    REQUIRE(r.write(data) == 30);

    std::array<std::byte, 10> peeked{};
    r.peek(4, peeked); // [60, 64) and [0, 6): straddles the seam
    CHECK(std::equal(peeked.begin(), peeked.end(), data.begin() + 4));
    r.peek(0, std::span(peeked).first(3));
    CHECK(std::equal(peeked.begin(), peeked.begin() + 3, data.begin()));
    CHECK(r.readable() == 30); // nothing consumed
    REQUIRE(r.read(std::span(out).first(30)) == 30);
    CHECK(std::equal(out.begin(), out.begin() + 30, data.begin()));
}

TEST_CASE("ByteRing carries 50 MB between two threads in order and intact", "[api-unit]") {
    constexpr std::uint64_t kTotal = 50ull << 20;
    ByteRing r(4096);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    std::atomic<bool> timed_out{false};

    std::thread producer([&] {
        std::mt19937 rng(12345);
        std::uniform_int_distribution<std::size_t> size(1, 3000);
        std::vector<std::byte> chunk(3000);
        std::uint64_t at = 0;
        while (at < kTotal) {
            const std::size_t want = std::min<std::uint64_t>(size(rng), kTotal - at);
            for (std::size_t i = 0; i < want; ++i)
                chunk[i] = pattern_at(at + i);
            std::size_t done = 0;
            while (done < want) {
                // Alternate the copying write() and the span-and-commit path.
                if ((at & 1) == 0) {
                    done += r.write(std::span(chunk).subspan(done, want - done));
                } else {
                    std::size_t n = 0;
                    for (auto s : r.write_spans()) {
                        const std::size_t k = std::min(s.size(), want - done - n);
                        std::copy_n(chunk.begin() + static_cast<std::ptrdiff_t>(done + n), k,
                                    s.begin());
                        n += k;
                    }
                    r.commit(n);
                    done += n;
                }
                if (done < want) {
                    if (timed_out.load(std::memory_order_relaxed) ||
                        std::chrono::steady_clock::now() > deadline) {
                        timed_out = true;
                        return;
                    }
                    std::this_thread::yield();
                }
            }
            at += want;
        }
    });

    std::mt19937 rng(54321);
    std::uniform_int_distribution<std::size_t> size(1, 5000);
    std::vector<std::byte> out(5000);
    std::uint64_t at = 0, mismatches = 0, first_bad = kTotal;
    while (at < kTotal && !timed_out) {
        const std::size_t n = r.read(std::span(out).first(size(rng)));
        for (std::size_t i = 0; i < n; ++i) {
            if (out[i] != pattern_at(at + i)) {
                if (mismatches++ == 0)
                    first_bad = at + i;
            }
        }
        at += n;
        if (n == 0) {
            if (std::chrono::steady_clock::now() > deadline)
                timed_out = true;
            std::this_thread::yield();
        }
    }
    producer.join();
    CHECK_FALSE(timed_out);
    CHECK(at == kTotal);
    CHECK(mismatches == 0);
    CHECK(first_bad == kTotal);
    CHECK(r.readable() == 0);
}

} // namespace multios::net::api_unit_test
