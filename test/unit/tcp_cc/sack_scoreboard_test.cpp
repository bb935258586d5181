// RFC 6675 scoreboard: merging, bounds, D-SACK (RFC 2883), IsLost, SetPipe and NextSeg on a
// scripted loss pattern. Sequence numbers start just below the 32-bit wrap on purpose.
#include <catch2/catch.hpp>

#include <vector>

#include "tcp/sack_scoreboard.hpp"

using multios::net::tcp::NextSegment;
using multios::net::tcp::SackScoreboard;
using multios::net::tcp::SeqRange;
using multios::net::wire::SackBlock;

namespace multios::net::tcp_cc_test {
namespace {

constexpr std::uint32_t kBase = 0xfffff000u; // Wraps inside segment 5.
constexpr std::uint32_t kSmss = 1000;

/// First octet of segment k (1-based, 1000 octets each).
constexpr std::uint32_t seg(unsigned k) {
    return kBase + (k - 1) * kSmss;
}
/// SACK block covering segments [first, last].
SackBlock segs(unsigned first, unsigned last) {
    return SackBlock{seg(first), seg(last + 1)};
}

std::vector<SeqRange> ranges_of(const SackScoreboard& sb) {
    return {sb.ranges().begin(), sb.ranges().end()};
}

} // namespace
} // namespace multios::net::tcp_cc_test

using namespace multios::net::tcp_cc_test;

TEST_CASE("sack: out-of-order blocks merge into one range", "[tcp_cc]") {
    SackScoreboard sb;
    const std::uint32_t una = seg(1), max = seg(11);
    SackBlock b1[] = {segs(5, 5)};
    CHECK(sb.update(una, max, b1).newly_sacked == 1000);
    SackBlock b2[] = {segs(3, 3), segs(5, 5)};
    CHECK(sb.update(una, max, b2).newly_sacked == 1000);
    CHECK(sb.range_count() == 2);
    SackBlock b3[] = {segs(3, 5)}; // 4 fills the gap: one range 3..5 (RFC 2018 4 order).
    auto r = sb.update(una, max, b3);
    CHECK(r.newly_sacked == 1000);
    CHECK_FALSE(r.dsack);
    REQUIRE(sb.range_count() == 1);
    CHECK(ranges_of(sb)[0] == SeqRange{seg(3), seg(6)});
    CHECK(sb.sacked_bytes() == 3000);
    CHECK(sb.highest_sacked() == seg(6));

    // Overlapping and spanning blocks count only the new octets.
    SackBlock b4[] = {SackBlock{seg(7), seg(9)}, SackBlock{seg(2), seg(8)}};
    r = sb.update(una, max, b4);
    CHECK(r.newly_sacked == 4000); // 7..8 (2000) + 2 and 6 (2000)
    REQUIRE(sb.range_count() == 1);
    CHECK(ranges_of(sb)[0] == SeqRange{seg(2), seg(9)});
    CHECK(sb.sacked_bytes() == 7000);
}

TEST_CASE("sack: cumulative ACK trims and forgets ranges", "[tcp_cc]") {
    SackScoreboard sb;
    SackBlock b[] = {segs(3, 4), segs(6, 8)};
    sb.update(seg(1), seg(11), b);
    CHECK(sb.sacked_bytes() == 5000);
    sb.update(seg(5), seg(11), {}); // 3..4 now cumulatively acked.
    CHECK(sb.range_count() == 1);
    CHECK(sb.sacked_bytes() == 3000);
    sb.update(seg(7), seg(11), {}); // Reneging-safe trim of 6..8 to 7..8.
    REQUIRE(sb.range_count() == 1);
    CHECK(ranges_of(sb)[0] == SeqRange{seg(7), seg(9)});
    CHECK(sb.sacked_bytes() == 2000);
    sb.update(seg(5), seg(11), {}); // An old ACK never moves backwards.
    CHECK(sb.sacked_bytes() == 2000);
    sb.update(seg(10), seg(11), {});
    CHECK(sb.empty());
    CHECK(sb.sacked_bytes() == 0);
    CHECK(sb.highest_sacked() == seg(10));
}

TEST_CASE("sack: blocks outside [snd_una, snd_max] are ignored", "[tcp_cc]") {
    SackScoreboard sb;
    const std::uint32_t una = seg(3), max = seg(11);
    SackBlock bad[] = {
        SackBlock{seg(5), seg(12)}, // beyond snd_max (never sent)
        SackBlock{seg(6), seg(6)},  // empty
        SackBlock{seg(8), seg(7)},  // reversed
        SackBlock{seg(2), seg(4)},  // straddles snd_una
        SackBlock{seg(1), seg(2)},  // below snd_una, not first: not a D-SACK
    };
    // The first block is fine so no D-SACK interpretation applies to the rest.
    SackBlock with_good[6] = {segs(9, 10)};
    std::copy(std::begin(bad), std::end(bad), with_good + 1);
    auto r = sb.update(una, max, with_good);
    CHECK(r.ignored == 5);
    CHECK(r.newly_sacked == 2000);
    CHECK_FALSE(r.dsack);
    CHECK(sb.range_count() == 1);
    SackBlock huge[] = {SackBlock{seg(4), seg(4) + 0x90000000u}};
    CHECK(sb.update(una, max, huge).ignored == 1);
    CHECK(sb.sacked_bytes() == 2000);
}

TEST_CASE("sack: D-SACK is recognised and not stored", "[tcp_cc]") {
    SackScoreboard sb;
    const std::uint32_t una = seg(3), max = seg(11);
    SECTION("below the cumulative ACK (RFC 2883 4.1.1)") {
        SackBlock b[] = {segs(1, 1), segs(5, 5)};
        auto r = sb.update(una, max, b);
        REQUIRE(r.dsack);
        CHECK(*r.dsack == SeqRange{seg(1), seg(2)});
        CHECK(r.newly_sacked == 1000);
        CHECK(sb.sacked_bytes() == 1000);
    }
    SECTION("covered by the second block (RFC 2883 4.1.2)") {
        SackBlock b[] = {segs(6, 6), segs(5, 7)};
        auto r = sb.update(una, max, b);
        REQUIRE(r.dsack);
        CHECK(*r.dsack == SeqRange{seg(6), seg(7)});
        CHECK(r.newly_sacked == 3000);
    }
    SECTION("strictly inside a range SACKed already") {
        SackBlock first[] = {segs(5, 8)};
        sb.update(una, max, first);
        SackBlock dup[] = {segs(6, 6)};
        auto r = sb.update(una, max, dup);
        REQUIRE(r.dsack);
        CHECK(r.newly_sacked == 0);
        SackBlock repeat[] = {segs(5, 8)}; // A plain repeat is not a D-SACK.
        r = sb.update(una, max, repeat);
        CHECK_FALSE(r.dsack);
        CHECK(r.newly_sacked == 0);
        CHECK(sb.sacked_bytes() == 4000);
    }
}

TEST_CASE("sack: bounded at kMaxRanges, the highest range is forgotten", "[tcp_cc]") {
    SackScoreboard sb;
    const std::uint32_t una = 1000, max = 1000 + 100 * 200;
    for (unsigned i = 0; i < 40; ++i) {
        SackBlock b[] = {SackBlock{una + 200 * i + 100, una + 200 * i + 200}};
        sb.update(una, max, b);
    }
    CHECK(sb.range_count() == SackScoreboard::kMaxRanges);
    CHECK(sb.sacked_bytes() == 100 * SackScoreboard::kMaxRanges);
    CHECK(sb.highest_sacked() == una + 200 * 31 + 200);
    // A new low range still gets in: the highest one makes room.
    SackBlock low[] = {SackBlock{una + 10, una + 20}};
    CHECK(sb.update(una, max, low).newly_sacked == 10);
    CHECK(sb.range_count() == SackScoreboard::kMaxRanges);
    CHECK(sb.highest_sacked() == una + 200 * 30 + 200);
    CHECK(sb.sacked_bytes() == 100 * 31 + 10);
    sb.reset();
    CHECK(sb.empty());
    CHECK(sb.sacked_bytes() == 0);
}

TEST_CASE("sack: IsLost needs DupThresh discontiguous ranges or (DupThresh-1)*SMSS bytes",
          "[tcp_cc]") {
    SackScoreboard sb;
    const std::uint32_t una = seg(1), max = seg(11);
    SECTION("three discontiguous small SACKed pieces") {
        SackBlock b[] = {SackBlock{seg(2), seg(2) + 100}, SackBlock{seg(3), seg(3) + 100},
                         SackBlock{seg(4), seg(4) + 100}};
        sb.update(una, max, b);
        CHECK(sb.sacked_bytes() == 300);              // Far below 2*SMSS ...
        CHECK(sb.is_lost(seg(1), kSmss));             // ... but three discontiguous ranges above.
        CHECK_FALSE(sb.is_lost(seg(2) + 100, kSmss)); // Only two above.
        CHECK_FALSE(sb.is_lost(seg(2) + 50, kSmss));  // SACKed itself.
    }
    SECTION("byte rule") {
        SackBlock b[] = {segs(2, 3)};
        sb.update(una, max, b);
        CHECK_FALSE(sb.is_lost(seg(1), kSmss)); // 2000 is not more than 2000.
        SackBlock more[] = {segs(2, 3), SackBlock{seg(4), seg(4) + 1}};
        sb.update(una, max, more);
        CHECK(sb.is_lost(seg(1), kSmss));
        CHECK_FALSE(sb.is_lost(seg(1), 4, kSmss)); // DupThresh 4: needs > 3000 or 4 ranges.
    }
    CHECK_FALSE(sb.is_lost(seg(1) - 1, kSmss)); // Below snd_una: acknowledged, not lost.
}

TEST_CASE("sack: scripted loss of segments 3 and 6 out of 1..10", "[tcp_cc]") {
    // Segments 1 and 2 arrive (cumulative ACK at 3); 3 and 6 are lost; the receiver SACKs the
    // rest as it arrives, most recent block first (RFC 2018 4).
    SackScoreboard sb;
    const std::uint32_t una = seg(3), max = seg(11);
    const std::uint32_t nothing_rxt = una;

    SackBlock a4[] = {segs(4, 4)};
    sb.update(una, max, a4);
    CHECK_FALSE(sb.is_lost(seg(3), kSmss));
    SackBlock a5[] = {segs(4, 5)};
    sb.update(una, max, a5);
    CHECK_FALSE(sb.is_lost(seg(3), kSmss));
    // Nothing judged lost yet: pipe counts every unSACKed octet, NextSeg has only rule 3.
    CHECK(sb.pipe(una, max, nothing_rxt, kSmss) == 6000);
    auto n = sb.next_seg(una, max, nothing_rxt, kSmss, 0);
    REQUIRE(n);
    CHECK(n->rule == NextSegment::Rule::kHoleRetransmit);
    CHECK(n->range == SeqRange{seg(3), seg(4)});
    n = sb.next_seg(una, max, nothing_rxt, kSmss, 500); // Rule 2 before rule 3.
    REQUIRE(n);
    CHECK(n->rule == NextSegment::Rule::kNewData);
    CHECK(n->range == SeqRange{seg(11), seg(11) + 500});

    SackBlock a7[] = {segs(7, 7), segs(4, 5)};
    sb.update(una, max, a7);
    CHECK(sb.is_lost(seg(3), kSmss)); // 3000 octets SACKed above
    CHECK_FALSE(sb.is_lost(seg(6), kSmss));
    CHECK(sb.pipe(una, max, nothing_rxt, kSmss) == 4000); // hole 6 + segments 8..10
    n = sb.next_seg(una, max, nothing_rxt, kSmss, 5000);
    REQUIRE(n);
    CHECK(n->rule == NextSegment::Rule::kLostRetransmit);
    CHECK(n->range == SeqRange{seg(3), seg(4)});

    SackBlock a10[] = {segs(7, 10), segs(4, 5)};
    CHECK(sb.update(una, max, a10).newly_sacked == 3000);
    CHECK(sb.sacked_bytes() == 6000);
    CHECK(sb.highest_sacked() == seg(11));
    CHECK(sb.is_lost(seg(3), kSmss));
    CHECK(sb.is_lost(seg(6), kSmss));
    CHECK_FALSE(sb.is_lost(seg(11), kSmss));
    CHECK(sb.pipe(una, max, nothing_rxt, kSmss) == 0);

    // Retransmit 3, then 6: HighRxt moves, pipe counts the retransmissions.
    n = sb.next_seg(una, max, nothing_rxt, kSmss, 5000);
    REQUIRE(n);
    CHECK(n->range == SeqRange{seg(3), seg(4)});
    CHECK(sb.pipe(una, max, seg(4), kSmss) == 1000);
    n = sb.next_seg(una, max, seg(4), kSmss, 5000);
    REQUIRE(n);
    CHECK(n->rule == NextSegment::Rule::kLostRetransmit);
    CHECK(n->range == SeqRange{seg(6), seg(7)});
    CHECK(sb.pipe(una, max, seg(7), kSmss) == 2000);
    // Both holes retransmitted: new data next (rule 2), or nothing when none is allowed.
    n = sb.next_seg(una, max, seg(7), kSmss, 5000);
    REQUIRE(n);
    CHECK(n->rule == NextSegment::Rule::kNewData);
    CHECK(n->range == SeqRange{seg(11), seg(12)});
    CHECK_FALSE(sb.next_seg(una, max, seg(7), kSmss, 0));

    // The retransmission of 3 arrives: cumulative ACK jumps to 6.
    SackBlock a_after[] = {segs(7, 10)};
    sb.update(seg(6), max, a_after);
    CHECK(sb.sacked_bytes() == 4000);
    CHECK(sb.pipe(seg(6), max, seg(7), kSmss) == 1000);
    sb.update(seg(11), max, {});
    CHECK(sb.empty());
    CHECK(sb.pipe(seg(11), max, seg(11), kSmss) == 0);
}
