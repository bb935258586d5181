// lib/netd/segment_layout: the client's segment as the daemon formats it and as the client
// opens it. The client must not trust the daemon: open_segment() refuses every header that
// would make it touch memory outside the mapping (offsets out of range, ranges running past the
// end, sizes that wrap 64-bit arithmetic, misaligned areas, no readiness slots). The segment is
// placed in a heap block of exactly the size passed in, so the ASan build flags any access
// outside it.
#include <catch2/catch.hpp>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <limits>
#include <new>

#include "netd/segment_layout.hpp"

namespace multios::net::netd_unit_test {

using netd::SegmentHeader;
using netd::SegmentView;

namespace {

// A page-aligned heap block of exactly `n` bytes, zero-filled like a fresh memfd.
struct SegmentBlock {
    explicit SegmentBlock(std::size_t n)
        : bytes(n), p(static_cast<std::byte*>(::operator new (n, std::align_val_t{4096}))) {
        std::memset(p, 0, n);
    }
    ~SegmentBlock() { ::operator delete (p, std::align_val_t{4096}); }
    SegmentBlock(const SegmentBlock&) = delete;
    SegmentBlock& operator=(const SegmentBlock&) = delete;
    std::size_t bytes;
    std::byte* p;
};

SegmentHeader* header_of(SegmentBlock& b) {
    return std::launder(reinterpret_cast<SegmentHeader*>(b.p));
}

// Every area of an opened view lies inside the block.
void check_inside(const SegmentView& v, const SegmentBlock& b) {
    const auto* lo = b.p;
    const auto* hi = b.p + b.bytes;
    const auto* r0 = reinterpret_cast<const std::byte*>(v.readiness.data());
    const auto* r1 = reinterpret_cast<const std::byte*>(v.readiness.data() + v.readiness.size());
    CHECK(r0 >= lo);
    CHECK(r1 <= hi);
    CHECK(v.data.data() >= lo);
    CHECK(v.data.data() + v.data.size() <= hi);
    CHECK(reinterpret_cast<const std::byte*>(v.header) == lo);
}

std::error_code open_error(SegmentBlock& b, std::size_t bytes) {
    auto v = netd::open_segment(b.p, bytes);
    return v ? std::error_code{} : v.error();
}

constexpr std::uint64_t kMax64 = std::numeric_limits<std::uint64_t>::max();

} // namespace

TEST_CASE("segment_layout: open accepts what format wrote", "[netd]") {
    SegmentBlock b(netd::segment_bytes());
    auto formatted = netd::format_segment(b.p, b.bytes);
    REQUIRE(formatted);
    auto opened = netd::open_segment(b.p, b.bytes);
    REQUIRE(opened);
    check_inside(*opened, b);
    CHECK(opened->readiness.size() == netd::kReadinessSlots);
    CHECK(opened->data.size() == netd::kDataBytes);
    CHECK(opened->data.data() == formatted->data.data());
    CHECK(opened->readiness.data() == formatted->readiness.data());
    CHECK(header_of(b)->magic == netd::kSegmentMagic);
    CHECK(header_of(b)->version == netd::kProtocolVersion);

    SECTION("requests flow client -> daemon") {
        const std::array<std::byte, 3> msg{std::byte{1}, std::byte{2}, std::byte{3}};
        REQUIRE(opened->requests.try_push(msg));
        std::array<std::byte, 16> out{};
        auto n = formatted->requests.try_pop(out);
        REQUIRE(n);
        CHECK(*n == 3);
        CHECK(out[2] == std::byte{3});
    }
    SECTION("completions flow daemon -> client, a whole Completion fits a slot") {
        netd::Completion c;
        c.result = 42;
        c.seq = 7;
        REQUIRE(
            formatted->completions.try_push({reinterpret_cast<const std::byte*>(&c), sizeof c}));
        netd::Completion got;
        auto n = opened->completions.try_pop({reinterpret_cast<std::byte*>(&got), sizeof got});
        REQUIRE(n);
        CHECK(*n == sizeof c);
        CHECK(got.result == 42);
        CHECK(got.seq == 7);
    }
    SECTION("readiness words written by the daemon are seen by the client") {
        formatted->readiness[netd::kReadinessSlots - 1].store(0x5);
        CHECK(opened->readiness[netd::kReadinessSlots - 1].load() == 0x5);
    }
    SECTION("the areas do not overlap each other or the header") {
        const SegmentHeader* h = header_of(b);
        CHECK(h->request_ring_offset >= sizeof(SegmentHeader));
        CHECK(h->request_ring_offset + h->request_ring_bytes <= h->completion_ring_offset);
        CHECK(h->completion_ring_offset + h->completion_ring_bytes <= h->readiness_offset);
        CHECK(h->readiness_offset + std::uint64_t{h->readiness_slots} * 4 <= h->data_offset);
        CHECK(h->data_offset + h->data_bytes == b.bytes);
    }
}

TEST_CASE("segment_layout: the rings carry a Request and a Completion whole", "[netd]") {
    SegmentBlock b(netd::segment_bytes());
    auto v = netd::format_segment(b.p, b.bytes);
    REQUIRE(v);
    CHECK(v->requests.max_message() >= sizeof(netd::Request));
    CHECK(v->completions.max_message() >= sizeof(netd::Completion));
}

TEST_CASE("segment_layout: format refuses a block that is too small", "[netd]") {
    SegmentBlock b(netd::segment_bytes() - 1);
    CHECK(netd::format_segment(b.p, b.bytes).error().value() == EINVAL);
}

TEST_CASE("segment_layout: open refuses a bad header", "[netd]") {
    SegmentBlock b(netd::segment_bytes());
    REQUIRE(netd::format_segment(b.p, b.bytes));
    SegmentHeader* h = header_of(b);
    int want = EINVAL;

    SECTION("never formatted (zeros)") {
        std::memset(b.p, 0, b.bytes);
    }
    SECTION("wrong magic") {
        h->magic = 0x12345678;
    }
    SECTION("byte-swapped magic") {
        h->magic = __builtin_bswap32(netd::kSegmentMagic);
    }
    SECTION("another protocol version is EPROTO") {
        h->version = netd::kProtocolVersion + 1;
        want = EPROTO;
    }
    SECTION("version 0 is EPROTO") {
        h->version = 0;
        want = EPROTO;
    }
    SECTION("request ring inside the header") {
        h->request_ring_offset = 0;
    }
    SECTION("request ring past the end") {
        h->request_ring_offset = b.bytes;
    }
    SECTION("request ring runs over the end") {
        h->request_ring_offset = (b.bytes - h->request_ring_bytes / 2) / 64 * 64;
    }
    SECTION("request ring larger than the segment") {
        h->request_ring_bytes = b.bytes + 64;
    }
    SECTION("request ring misaligned") {
        h->request_ring_offset += 8;
    }
    SECTION("completion ring offset + length wraps 64 bits") {
        h->completion_ring_offset = kMax64 - 63; // a multiple of 64
        h->completion_ring_bytes = 128;
    }
    SECTION("completion ring length of 2^64 - 1") {
        h->completion_ring_bytes = kMax64;
    }
    SECTION("completion ring misaligned") {
        h->completion_ring_offset += 32;
    }
    SECTION("completion ring too small for its own header") {
        h->completion_ring_bytes = 64;
    }
    SECTION("zero readiness slots") {
        h->readiness_slots = 0;
    }
    SECTION("2^32 - 1 readiness slots") {
        h->readiness_slots = 0xffffffffu;
    }
    SECTION("readiness words run over the end") {
        h->readiness_offset = b.bytes - 4 * (h->readiness_slots - 1);
    }
    SECTION("readiness offset misaligned") {
        h->readiness_offset += 2;
    }
    SECTION("readiness offset wraps") {
        h->readiness_offset = kMax64 - 3;
    }
    SECTION("data area runs over the end") {
        h->data_bytes += 8;
    }
    SECTION("data area past the end") {
        h->data_offset = b.bytes;
    }
    SECTION("data offset + length wraps 64 bits") {
        h->data_offset = kMax64 - 7;
        h->data_bytes = 16;
    }
    SECTION("data length of 2^64 - 1") {
        h->data_bytes = kMax64;
    }
    SECTION("data area misaligned") {
        h->data_offset += 4;
        h->data_bytes -= 8;
    }
    SECTION("data area too small for a request's payload") {
        h->data_bytes = 4095;
    }
    SECTION("request ring's own header scribbled") {
        std::memset(b.p + h->request_ring_offset, 0xa5, 64);
    }
    SECTION("completion ring's slot size scribbled") {
        auto* rh =
            std::launder(reinterpret_cast<shm::RingHeader*>(b.p + h->completion_ring_offset));
        rh->slot_size = 0x80000000u;
    }
    CHECK(open_error(b, b.bytes).value() == want);
}

TEST_CASE("segment_layout: open refuses a mapping shorter than the header says", "[netd]") {
    SegmentBlock b(netd::segment_bytes());
    REQUIRE(netd::format_segment(b.p, b.bytes));
    // The daemon sent a memfd whose size is less than what its header describes.
    CHECK(open_error(b, b.bytes - 4096).value() == EINVAL);
    CHECK(open_error(b, b.bytes - 1).value() == EINVAL);
    CHECK(open_error(b, 4096).value() == EINVAL);
    CHECK(open_error(b, 4095).value() == EINVAL);
    CHECK(open_error(b, 0).value() == EINVAL);
}

TEST_CASE("segment_layout: a tiny mapping is refused before the header is read", "[netd]") {
    // Exactly 64 bytes: reading SegmentHeader (which is bigger) would be out of bounds.
    SegmentBlock b(64);
    CHECK(open_error(b, b.bytes).value() == EINVAL);
}

TEST_CASE("segment_layout: a different but valid geometry is accepted and stays inside", "[netd]") {
    SegmentBlock b(netd::segment_bytes());
    REQUIRE(netd::format_segment(b.p, b.bytes));
    SegmentHeader* h = header_of(b);

    SECTION("fewer readiness slots") {
        h->readiness_slots = 1;
        auto v = netd::open_segment(b.p, b.bytes);
        REQUIRE(v);
        CHECK(v->readiness.size() == 1);
        check_inside(*v, b);
    }
    SECTION("a smaller data area ending exactly at the end") {
        h->data_bytes = 8192;
        h->data_offset = b.bytes - 8192;
        auto v = netd::open_segment(b.p, b.bytes);
        REQUIRE(v);
        CHECK(v->data.size() == 8192);
        check_inside(*v, b);
    }
    SECTION("readiness words ending exactly at the end") {
        h->readiness_slots = 1024;
        h->readiness_offset = b.bytes - 4096;
        auto v = netd::open_segment(b.p, b.bytes);
        REQUIRE(v);
        check_inside(*v, b);
        v->readiness[1023].store(1);
        CHECK(v->readiness[1023].load() == 1);
    }
}

TEST_CASE("segment_layout: a header changed after open does not move the view", "[netd]") {
    // The geometry is copied once: a daemon that rewrites it later cannot redirect the client.
    SegmentBlock b(netd::segment_bytes());
    REQUIRE(netd::format_segment(b.p, b.bytes));
    auto v = netd::open_segment(b.p, b.bytes);
    REQUIRE(v);
    SegmentHeader* h = header_of(b);
    h->data_offset = kMax64 - 7;
    h->data_bytes = kMax64;
    h->readiness_slots = 0xffffffffu;
    CHECK(v->data.size() == netd::kDataBytes);
    CHECK(v->readiness.size() == netd::kReadinessSlots);
    check_inside(*v, b);
}

} // namespace multios::net::netd_unit_test
