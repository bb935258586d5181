#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <random>
#include <vector>

#include "tcp/recv_assembler.hpp"
#include "tcp_buffers_test_util.hpp"

using multios::net::tcp::RecvAssembler;
using multios::net::tcp::SackBlock;
using multios::net::tcp::SeqNum;

namespace {

// Stream byte i: differs between neighbours so misplaced bytes show.
std::byte ra_byte(std::size_t i) {
    return static_cast<std::byte>((i * 131 + i / 257 + 1) & 0xff);
}

std::vector<std::byte> ra_stream(std::size_t from, std::size_t n) {
    std::vector<std::byte> v(n);
    for (std::size_t i = 0; i < n; ++i)
        v[i] = ra_byte(from + i);
    return v;
}

/// Test harness: the stream starts at sequence `base`; offsets are stream offsets.
struct RaFixture {
    RaFixture(std::size_t capacity, std::size_t max_ranges, std::uint32_t base_seq)
        : ra(capacity, max_ranges), base(base_seq) {
        ra.init(SeqNum(base));
    }
    std::size_t put(std::size_t offset, std::size_t n) {
        return ra.insert(seq(offset), ra_stream(offset, n));
    }
    SeqNum seq(std::size_t offset) const {
        return SeqNum(base) + static_cast<std::uint32_t>(offset);
    }
    std::vector<std::byte> read_all() {
        std::vector<std::byte> out(ra.readable());
        REQUIRE(ra.read(out) == out.size());
        return out;
    }
    std::vector<SackBlock> sacks(std::size_t max = 4) const {
        std::vector<SackBlock> out(max);
        out.resize(ra.sack_blocks(out));
        return out;
    }
    std::pair<std::uint32_t, std::uint32_t> block(std::size_t from, std::size_t to) const {
        return {seq(from).value(), seq(to).value()};
    }

    RecvAssembler ra;
    std::uint32_t base;
};

std::vector<std::pair<std::uint32_t, std::uint32_t>> ra_pairs(const std::vector<SackBlock>& v) {
    std::vector<std::pair<std::uint32_t, std::uint32_t>> out;
    for (const auto& b : v)
        out.emplace_back(b.left, b.right);
    return out;
}

struct RaSegment {
    std::size_t offset;
    std::size_t len;
};

std::vector<RaSegment> ra_cut(std::size_t total, std::mt19937& rng) {
    std::vector<RaSegment> segs;
    std::uniform_int_distribution<std::size_t> len(1, 1460);
    for (std::size_t off = 0; off < total;) {
        const std::size_t n = std::min(len(rng), total - off);
        segs.push_back({off, n});
        off += n;
    }
    return segs;
}

} // namespace

TEST_CASE("RecvAssembler in-order delivery", "[tcp_buffers][recv_assembler]") {
    RaFixture f(4096, 64, 1000);
    CHECK(f.ra.rcv_nxt() == SeqNum(1000));
    CHECK(f.ra.window() == 4096);
    CHECK(f.put(0, 100) == 100);
    CHECK(f.put(100, 50) == 50);
    CHECK(f.ra.rcv_nxt() == SeqNum(1150));
    CHECK(f.ra.readable() == 150);
    CHECK(f.ra.ooo_range_count() == 0);
    CHECK(f.sacks().empty());
    CHECK(f.read_all() == ra_stream(0, 150));
    CHECK(f.ra.read_seq() == SeqNum(1150));
    CHECK(f.ra.insert(SeqNum(1150), {}) == 0); // empty payload (pure ACK)
}

TEST_CASE("RecvAssembler reversed segments", "[tcp_buffers][recv_assembler]") {
    RaFixture f(8192, 64, 0xfffff000u); // the stream crosses 2^32
    const std::size_t seg = 100;
    for (std::size_t k = 50; k-- > 1;) {
        REQUIRE(f.put(k * seg, seg) == seg);
        REQUIRE(f.ra.rcv_nxt() == SeqNum(0xfffff000u));
        REQUIRE(f.ra.ooo_range_count() == 1); // each one touches the previous: merged
    }
    CHECK(f.ra.ooo_bytes() == 49 * seg);
    CHECK(f.ra.readable() == 0);
    CHECK(ra_pairs(f.sacks()) ==
          std::vector<std::pair<std::uint32_t, std::uint32_t>>{f.block(seg, 50 * seg)});
    CHECK(f.put(0, seg) == seg);
    CHECK(f.ra.ooo_range_count() == 0);
    CHECK(f.ra.ooo_bytes() == 0);
    CHECK(f.ra.rcv_nxt() == f.seq(50 * seg));
    CHECK(f.read_all() == ra_stream(0, 50 * seg));
    CHECK(f.ra.counters().duplicate_bytes == 0);
}

TEST_CASE("RecvAssembler random permutations reassemble the stream",
          "[tcp_buffers][recv_assembler]") {
    std::mt19937 rng(2018);
    const std::size_t total = 200 * 1000;
    const auto segs = ra_cut(total, rng);

    SECTION("range table large enough: one pass, nothing dropped") {
        RaFixture f(total, 1024, 0xfffe0000u);
        auto order = segs;
        std::shuffle(order.begin(), order.end(), rng);
        std::size_t accepted = 0;
        for (const auto& s : order) {
            accepted += f.put(s.offset, s.len);
            REQUIRE(f.ra.ooo_range_count() <= 1024);
        }
        CHECK(accepted == total);
        CHECK(f.ra.counters().range_table_full_drops == 0);
        CHECK(f.ra.counters().duplicate_bytes == 0);
        CHECK(f.ra.rcv_nxt() == f.seq(total));
        CHECK(f.read_all() == ra_stream(0, total));
    }

    SECTION("small ring and range table: sender retransmits, app reads as it goes") {
        // The "sender" sends every segment not yet acknowledged inside the advertised window,
        // shuffled, over and over; the app reads a random amount after each round. The ring
        // (16 KiB) and the stream offsets wrap many times.
        RaFixture f(16 * 1024, 8, 0xffffff00u);
        std::vector<std::byte> got;
        std::vector<std::byte> buf(20000);
        for (int round = 0; round < 10000 && got.size() < total; ++round) {
            const std::size_t nxt = seq_distance(f.ra.read_seq(), f.ra.rcv_nxt()) + got.size();
            const std::size_t right = got.size() + f.ra.capacity();
            std::vector<RaSegment> flight;
            for (const auto& s : segs)
                if (s.offset + s.len > nxt && s.offset < right)
                    flight.push_back(s);
            std::shuffle(flight.begin(), flight.end(), rng);
            for (const auto& s : flight) {
                f.put(s.offset, s.len);
                REQUIRE(f.ra.ooo_range_count() <= 8);
                REQUIRE(f.ra.ooo_bytes() + f.ra.readable() <= f.ra.capacity());
            }
            const auto want = std::uniform_int_distribution<std::size_t>(0, buf.size())(rng);
            const std::size_t n = f.ra.read(std::span(buf).first(want));
            got.insert(got.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
            REQUIRE(f.ra.read_seq() == f.seq(got.size()));
        }
        REQUIRE(got.size() == total);
        CHECK(got == ra_stream(0, total));
        CHECK(f.ra.counters().out_of_window_bytes > 0); // segments straddled the right edge
        CHECK(f.ra.counters().duplicate_bytes > 0);     // retransmissions of held data
    }
}

TEST_CASE("RecvAssembler overlaps and duplicates", "[tcp_buffers][recv_assembler]") {
    RaFixture f(1000, 64, 5000);
    CHECK(f.put(10, 10) == 10); // [10,20)
    CHECK(f.put(15, 15) == 10); // [15,30): 5 already held
    CHECK(f.ra.counters().duplicate_bytes == 5);
    CHECK(f.put(5, 7) == 5); // [5,12)
    CHECK(f.ra.ooo_range_count() == 1);
    CHECK(f.ra.ooo_bytes() == 25);
    CHECK(f.put(10, 10) == 0); // exact duplicate
    CHECK(f.ra.counters().duplicate_bytes == 17);

    // A retransmission with different bytes over held data: the held copy is kept.
    std::vector<std::byte> junk(40, std::byte{0xee});
    CHECK(f.ra.insert(f.seq(0), junk) == 5 + 10); // new: [0,5) and [30,40)
    CHECK(f.ra.ooo_range_count() == 0);
    CHECK(f.ra.rcv_nxt() == f.seq(40));
    const auto out = f.read_all();
    REQUIRE(out.size() == 40);
    const auto expect_held = ra_stream(5, 25);
    CHECK(std::equal(expect_held.begin(), expect_held.end(), out.begin() + 5));
    CHECK(out[0] == std::byte{0xee});
    CHECK(out[39] == std::byte{0xee});

    // A segment spanning two islands and the hole between them merges all three.
    RaFixture g(1000, 64, 0);
    CHECK(g.put(100, 10) == 10);
    CHECK(g.put(200, 10) == 10);
    CHECK(g.put(300, 10) == 10);
    CHECK(g.ra.ooo_range_count() == 3);
    CHECK(g.put(105, 100) == 90);
    CHECK(g.ra.ooo_range_count() == 2);
    CHECK(g.put(0, 100) == 100);
    CHECK(g.ra.rcv_nxt() == g.seq(210));
    CHECK(g.ra.ooo_range_count() == 1);
    CHECK(g.put(210, 90) == 90); // exactly fills the last hole: adjacent on both sides
    CHECK(g.ra.rcv_nxt() == g.seq(310));
    CHECK(g.read_all() == ra_stream(0, 310));
}

TEST_CASE("RecvAssembler trims before RCV.NXT and beyond the window",
          "[tcp_buffers][recv_assembler]") {
    RaFixture f(100, 64, 0xffffffd0u);
    REQUIRE(f.put(0, 50) == 50);
    // Straddles RCV.NXT: only the new part counts.
    CHECK(f.put(40, 20) == 10);
    CHECK(f.ra.counters().duplicate_bytes == 10);
    CHECK(f.ra.rcv_nxt() == f.seq(60));
    // Entirely old.
    CHECK(f.put(0, 60) == 0);
    CHECK(f.ra.counters().duplicate_bytes == 70);

    // Window: read position 0 + capacity 100 = right edge at offset 100.
    CHECK(f.ra.window() == 40);
    CHECK(f.put(90, 20) == 10); // [90,100) kept, [100,110) trimmed
    CHECK(f.ra.counters().out_of_window_bytes == 10);
    CHECK(f.put(100, 5) == 0); // starts at the right edge
    CHECK(f.ra.counters().out_of_window_bytes == 15);
    CHECK(f.ra.ooo_bytes() == 10);

    // Reading opens the window: the same bytes are now acceptable.
    std::vector<std::byte> buf(30);
    REQUIRE(f.ra.read(buf) == 30);
    CHECK(f.put(100, 5) == 5);
    CHECK(f.put(60, 30) == 30);
    CHECK(f.ra.rcv_nxt() == f.seq(105));
    CHECK(f.read_all() == ra_stream(30, 75));

    // Zero window: nothing is accepted, not even at RCV.NXT.
    RaFixture z(10, 64, 7);
    REQUIRE(z.put(0, 10) == 10);
    CHECK(z.ra.window() == 0);
    CHECK(z.put(10, 1) == 0);
    CHECK(z.ra.counters().out_of_window_bytes == 1);
}

TEST_CASE("RecvAssembler window accounting as the app reads", "[tcp_buffers][recv_assembler]") {
    RaFixture f(100, 64, 42);
    CHECK(f.ra.window() == 100);
    REQUIRE(f.put(0, 60) == 60);
    CHECK(f.ra.readable() == 60);
    CHECK(f.ra.window() == 40);
    // Out-of-order data inside the window does not shrink it: the right edge stays put.
    REQUIRE(f.put(80, 10) == 10);
    CHECK(f.ra.window() == 40);
    CHECK(f.ra.rcv_nxt() + static_cast<std::uint32_t>(f.ra.window()) == f.seq(100));

    std::vector<std::byte> buf(30);
    REQUIRE(f.ra.read(buf) == 30);
    CHECK(f.ra.window() == 70);
    CHECK(f.ra.rcv_nxt() + static_cast<std::uint32_t>(f.ra.window()) == f.seq(130));

    REQUIRE(f.put(60, 20) == 20); // fills the hole: RCV.NXT jumps over the island
    CHECK(f.ra.rcv_nxt() == f.seq(90));
    CHECK(f.ra.readable() == 60);
    CHECK(f.ra.window() == 40);
    CHECK(f.ra.rcv_nxt() + static_cast<std::uint32_t>(f.ra.window()) == f.seq(130));
    CHECK(f.read_all() == ra_stream(30, 60));
    CHECK(f.ra.window() == 100);
}

TEST_CASE("RecvAssembler range table stays bounded under 10^5 tiny out-of-order segments",
          "[tcp_buffers][recv_assembler]") {
    // HARDENING row 19 (SegmentSmack): islands of one byte with a gap before each.
    const std::size_t flood = 100000;
    RaFixture f(1 << 20, 64, 0x7ffffff0u);
    std::size_t accepted = 0;
    std::mt19937 rng(5390);
    std::vector<std::size_t> offsets(flood);
    std::iota(offsets.begin(), offsets.end(), std::size_t{1});
    std::shuffle(offsets.begin(), offsets.end(), rng);
    for (const std::size_t k : offsets) {
        accepted += f.put(2 * k, 1); // offsets 2, 4, 6, ...: never adjacent
        REQUIRE(f.ra.ooo_range_count() <= 64);
    }
    CHECK(accepted == 64);
    CHECK(f.ra.ooo_range_count() == 64);
    CHECK(f.ra.ooo_bytes() == 64);
    CHECK(f.ra.counters().range_table_full_drops == flood - 64);
    CHECK(f.ra.rcv_nxt() == f.seq(0));

    // Growing an existing island needs no new slot: accepted even with the table full.
    const std::vector<SackBlock> s = f.sacks(64);
    REQUIRE(s.size() == 64);
    const std::size_t island = s.back().left - f.base; // the oldest one
    const bool bridges = std::any_of(
        s.begin(), s.end(), [&](const SackBlock& b) { return b.left - f.base == island + 2; });
    CHECK(f.put(island + 1, 1) == 1);
    const std::size_t held = f.ra.ooo_range_count();
    CHECK(held == (bridges ? 63u : 64u));

    // The hole at RCV.NXT can always be filled, and filling it up to the lowest island frees
    // that island's slot.
    CHECK(f.put(0, 2) == 2);
    CHECK(f.ra.rcv_nxt() == f.seq(2));
    const std::vector<SackBlock> now = f.sacks(64);
    const auto lowest = std::min_element(now.begin(), now.end(), [&](const auto& x, const auto& y) {
        return x.left - f.base < y.left - f.base;
    });
    const std::size_t lowest_left = lowest->left - f.base;
    REQUIRE(lowest_left > 2);
    CHECK(f.put(2, lowest_left - 2) == lowest_left - 2);
    CHECK(f.ra.rcv_nxt() == SeqNum(lowest->right));
    CHECK(f.ra.ooo_range_count() == held - 1);
    CHECK(f.put(2 * flood + 2, 1) == 1); // a new island fits again
    CHECK(f.ra.ooo_range_count() == held);
}

TEST_CASE("RecvAssembler SACK blocks follow RFC 2018 section 4 order",
          "[tcp_buffers][recv_assembler]") {
    RaFixture f(10000, 64, 0xffffff00u);
    using Blocks = std::vector<std::pair<std::uint32_t, std::uint32_t>>;

    CHECK(f.put(100, 100) == 100);
    CHECK(ra_pairs(f.sacks()) == Blocks{f.block(100, 200)});
    CHECK(f.put(300, 100) == 100);
    CHECK(ra_pairs(f.sacks()) == Blocks{f.block(300, 400), f.block(100, 200)});
    CHECK(f.put(500, 100) == 100);
    CHECK(ra_pairs(f.sacks()) == Blocks{f.block(500, 600), f.block(300, 400), f.block(100, 200)});
    CHECK(f.put(700, 100) == 100);
    CHECK(f.put(900, 100) == 100);
    // Five islands, four blocks fit: the oldest one is left out.
    CHECK(ra_pairs(f.sacks()) ==
          Blocks{f.block(900, 1000), f.block(700, 800), f.block(500, 600), f.block(300, 400)});
    // A segment extending the oldest island makes that block first.
    CHECK(f.put(150, 100) == 50);
    CHECK(ra_pairs(f.sacks()) ==
          Blocks{f.block(100, 250), f.block(900, 1000), f.block(700, 800), f.block(500, 600)});
    // A duplicate inside an island is still "the segment which triggered this ACK".
    CHECK(f.put(520, 10) == 0);
    CHECK(ra_pairs(f.sacks(2)) == Blocks{f.block(500, 600), f.block(100, 250)});
    // A segment that bridges two islands: one merged block, first.
    CHECK(f.put(800, 100) == 100);
    CHECK(ra_pairs(f.sacks()) ==
          Blocks{f.block(700, 1000), f.block(500, 600), f.block(100, 250), f.block(300, 400)});
    // Advancing RCV.NXT over the first islands removes them from the report.
    CHECK(f.put(0, 300) == 150);
    CHECK(f.ra.rcv_nxt() == f.seq(400));
    CHECK(ra_pairs(f.sacks()) == Blocks{f.block(700, 1000), f.block(500, 600)});
    CHECK(ra_pairs(f.sacks(1)) == Blocks{f.block(700, 1000)});
    CHECK(f.sacks(0).empty());
}
