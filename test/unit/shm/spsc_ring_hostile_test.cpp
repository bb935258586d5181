// SpscRing against a hostile or buggy peer that writes anything into the shared header: open()
// refuses a bad header with EINVAL, and push/pop survive scribbled indices and lengths without
// touching memory outside the range (the ASan build checks the "outside" part: the ring is
// placed in a heap buffer of exactly bytes_needed() bytes).
#include <catch2/catch.hpp>

#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>

#include "shm/spsc_ring.hpp"

namespace multios::net::shm_test {

using shm::RingHeader;
using shm::SpscRing;

namespace {

// A 64-byte aligned heap block of exactly `bytes`, so that ASan flags any access past it.
struct ExactBlock {
    explicit ExactBlock(std::size_t n)
        : bytes(n), p(static_cast<std::byte*>(::operator new (n, std::align_val_t{64}))) {
        std::memset(p, 0, n);
    }
    ~ExactBlock() { ::operator delete (p, std::align_val_t{64}); }
    std::size_t bytes;
    std::byte* p;
};

RingHeader* header_of(ExactBlock& b) {
    return std::launder(reinterpret_cast<RingHeader*>(b.p));
}

} // namespace

TEST_CASE("SpscRing: open accepts what format wrote", "[shm]") {
    ExactBlock b(SpscRing::bytes_needed(32, 16));
    REQUIRE(SpscRing::format(b.p, b.bytes, 32));
    auto ring = SpscRing::open(b.p, b.bytes);
    REQUIRE(ring);
    CHECK(ring->slot_count() == 16);
    CHECK(ring->slot_size() == 32);
}

TEST_CASE("SpscRing: open rejects a corrupted header with EINVAL", "[shm]") {
    ExactBlock b(SpscRing::bytes_needed(32, 16));
    REQUIRE(SpscRing::format(b.p, b.bytes, 32));
    RingHeader* h = header_of(b);

    SECTION("bad magic") {
        h->magic.store(0x12345678);
    }
    SECTION("never formatted") {
        std::memset(b.p, 0, b.bytes);
    }
    SECTION("unknown version") {
        h->version = 2;
    }
    SECTION("slot_size 0") {
        h->slot_size = 0;
    }
    SECTION("slot_size not a multiple of 8") {
        h->slot_size = 36;
    }
    SECTION("slot_size huge") {
        h->slot_size = 0x80000000u;
    }
    SECTION("slot_count 0") {
        h->slot_count = 0;
    }
    SECTION("slot_count not a power of two") {
        h->slot_count = 12;
    }
    SECTION("slot_count beyond the range") {
        h->slot_count = 32;
    }
    SECTION("absurd slot_count") {
        h->slot_count = 0x80000000u;
    }
    SECTION("absurd count and size whose product wraps in 32 bits") {
        h->slot_size = 1u << 20;
        h->slot_count = 1u << 12;
    }
    SECTION("slots_offset moved") {
        h->slots_offset = 64;
    }
    SECTION("tail more than slot_count ahead of head") {
        h->tail.store(17);
    }
    SECTION("head ahead of tail") {
        h->head.store(1);
    }

    CHECK(SpscRing::open(b.p, b.bytes).error() == std::errc::invalid_argument);
}

TEST_CASE("SpscRing: open rejects a range too small or misaligned", "[shm]") {
    ExactBlock b(SpscRing::bytes_needed(32, 16));
    REQUIRE(SpscRing::format(b.p, b.bytes, 32));
    CHECK(SpscRing::open(b.p, b.bytes - 1).error() == std::errc::invalid_argument);
    CHECK(SpscRing::open(b.p, 100).error() == std::errc::invalid_argument);
    CHECK(SpscRing::open(b.p + 8, b.bytes - 8).error() == std::errc::invalid_argument);
}

TEST_CASE("SpscRing: pop survives scribbled indices without reading out of bounds", "[shm]") {
    ExactBlock b(SpscRing::bytes_needed(32, 4));
    auto formatted = SpscRing::format(b.p, b.bytes, 32);
    REQUIRE(formatted);
    auto consumer = SpscRing::open(b.p, b.bytes);
    auto producer = SpscRing::open(b.p, b.bytes);
    REQUIRE(consumer);
    REQUIRE(producer);
    RingHeader* h = header_of(b);
    std::array<std::byte, 64> out{};
    REQUIRE(producer->try_push(std::array<std::byte, 3>{}));

    SECTION("tail far ahead of head: rejected, flagged as corrupted") {
        h->tail.store(0x7fffffff);
        CHECK_FALSE(consumer->try_pop(out));
        CHECK(consumer->corrupted());
        CHECK_FALSE(producer->try_push(std::array<std::byte, 3>{}));
    }
    SECTION("head past tail: rejected") {
        h->head.store(5);
        CHECK_FALSE(consumer->try_pop(out));
        CHECK(consumer->corrupted());
    }
    SECTION("huge but consistent indices: the mask keeps them in the slot array") {
        h->head.store(0xfffffff0u);
        h->tail.store(0xfffffff3u);
        for (int i = 0; i < 3; ++i)
            CHECK(consumer->try_pop(out));
        CHECK_FALSE(consumer->try_pop(out));
        CHECK_FALSE(consumer->corrupted());
    }
    SECTION("every index pair: pop never faults and never returns more than a slot") {
        for (std::uint32_t head : {0u, 1u, 3u, 4u, 5u, 0x7fffffffu, 0xffffffffu}) {
            for (std::uint32_t tail : {0u, 1u, 3u, 4u, 5u, 0x80000000u, 0xffffffffu}) {
                h->head.store(head);
                h->tail.store(tail);
                auto n = consumer->try_pop(out);
                if (n)
                    CHECK(*n <= consumer->max_message());
            }
        }
    }
}

TEST_CASE("SpscRing: a scribbled length prefix is clamped to the slot", "[shm]") {
    ExactBlock b(SpscRing::bytes_needed(32, 2));
    auto ring = SpscRing::format(b.p, b.bytes, 32);
    REQUIRE(ring);
    REQUIRE(ring->try_push(std::array<std::byte, 4>{}));
    const std::uint32_t bogus = 0xffffff00u;
    std::memcpy(b.p + sizeof(RingHeader), &bogus, sizeof bogus); // slot 0's length prefix
    std::array<std::byte, 4096> out{};
    auto n = ring->try_pop(out);
    REQUIRE(n);
    CHECK(*n == ring->max_message());
    CHECK(ring->empty());
}

TEST_CASE("SpscRing: geometry changed after open is ignored", "[shm]") {
    ExactBlock b(SpscRing::bytes_needed(32, 4));
    REQUIRE(SpscRing::format(b.p, b.bytes, 32));
    auto ring = SpscRing::open(b.p, b.bytes);
    REQUIRE(ring);
    RingHeader* h = header_of(b);
    h->slot_size = 1u << 20; // a peer trying to redirect our slot arithmetic
    h->slot_count = 1u << 24;
    std::array<std::byte, 64> out{};
    for (int i = 0; i < 10; ++i) {
        REQUIRE(ring->try_push(std::array<std::byte, 28>{}));
        REQUIRE(ring->try_pop(out) == std::optional<std::size_t>(28));
    }
    CHECK(ring->slot_size() == 32);
    CHECK(ring->slot_count() == 4);
}

} // namespace multios::net::shm_test
