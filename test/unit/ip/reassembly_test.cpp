#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <vector>

#include "ip/fragmenter.hpp"
#include "ip/reassembly.hpp"
#include "ip_test_util.hpp"

using namespace multios::net;
using namespace multios::net::test;
using namespace std::chrono_literals;

namespace {

constexpr Instant t0 = instant_from_ns(1'000'000'000);

std::vector<std::byte> pattern(std::size_t n, unsigned salt = 0) {
    std::vector<std::byte> v(n);
    for (std::size_t i = 0; i < n; ++i)
        v[i] = static_cast<std::byte>((i * 7 + i / 251 + salt) & 0xff);
    return v;
}

FragmentKey key4(std::uint32_t id, std::uint8_t proto = 17) {
    return {v4(192, 0, 2, 1), v4(192, 0, 2, 2), id, proto};
}

FragmentKey key6(std::uint32_t id) {
    return {v6({0x2001, 0xdb8, 0, 0, 0, 0, 0, 1}), v6({0x2001, 0xdb8, 0, 0, 0, 0, 0, 2}), id, 0};
}

std::vector<FragmentPiece> pieces_of(std::size_t payload, std::size_t mtu, std::size_t hdr) {
    std::vector<FragmentPiece> out;
    FragmentPlanner p({payload, mtu, hdr});
    FragmentPiece piece;
    while (p.next(piece))
        out.push_back(piece);
    return out;
}

struct Fixture {
    explicit Fixture(ReassemblyConfig c = {}) : r(c, drops) {}
    DropCounters drops;
    Reassembler r;
    std::vector<std::byte> header = pattern(28, 99);

    ReassemblyStatus feed(const FragmentKey& k, const std::vector<std::byte>& payload,
                          std::size_t offset, std::size_t len, bool more, Instant now = t0) {
        return r.add(k, static_cast<std::uint16_t>(offset), more,
                     std::span(payload).subspan(offset, len), header, now);
    }
    ReassemblyStatus feed(const FragmentKey& k, const std::vector<std::byte>& payload,
                          const FragmentPiece& p, Instant now = t0) {
        return feed(k, payload, p.offset, p.length, p.more, now);
    }
    bool assembled_equals(const std::vector<std::byte>& payload) const {
        const auto got = r.assembled();
        return got.size() == payload.size() && std::equal(got.begin(), got.end(), payload.begin());
    }
    // Feeds all pieces in the given order; every add but the final one must be Incomplete.
    void feed_all(const FragmentKey& k, const std::vector<std::byte>& payload,
                  const std::vector<FragmentPiece>& order) {
        for (std::size_t i = 0; i < order.size(); ++i) {
            const auto st = feed(k, payload, order[i]);
            CHECK(st == (i + 1 == order.size() ? ReassemblyStatus::Complete
                                               : ReassemblyStatus::Incomplete));
        }
        CHECK(assembled_equals(payload));
        CHECK(r.buffers_in_use() == 0);
        CHECK(r.datagrams_in_progress() == 0);
        CHECK(drops.total() == 0);
    }
};

} // namespace

TEST_CASE("reassembly: in order, reverse and random order", "[ip][reassembly]") {
    Fixture f;
    const auto p4 = pattern(4000);
    auto pieces = pieces_of(4000, 1500, 20);
    f.feed_all(key4(1), p4, pieces);
    CHECK(std::equal(f.r.assembled_leading_header().begin(), f.r.assembled_leading_header().end(),
                     f.header.begin(), f.header.end()));

    std::reverse(pieces.begin(), pieces.end());
    f.feed_all(key4(2), p4, pieces);
    // The leading header comes from the offset-0 fragment even when it arrives last.
    CHECK(f.r.assembled_leading_header().size() == f.header.size());

    const auto p6 = pattern(65000, 3);
    auto many = pieces_of(65000, 1280, 48);
    std::mt19937 rng(42);
    std::shuffle(many.begin(), many.end(), rng);
    f.feed_all(key6(0xdeadbeef), p6, many);

    // Largest IPv6 payload: 65535 bytes of fragmentable data with no extension headers.
    const auto p6max = pattern(65535, 5);
    auto max_pieces = pieces_of(65535, 9000, 48);
    std::shuffle(max_pieces.begin(), max_pieces.end(), rng);
    f.feed_all(key6(7), p6max, max_pieces);
}

TEST_CASE("reassembly: interleaved datagrams and distinct keys", "[ip][reassembly]") {
    Fixture f;
    const auto a = pattern(3000, 1), b = pattern(3000, 2), c = pattern(3000, 3);
    const auto pieces = pieces_of(3000, 1500, 20);
    // Same id, different protocol (RFC 791 key) and an IPv6 datagram with the same id.
    const auto ka = key4(5, 17), kb = key4(5, 6);
    const auto kc = key6(5);
    for (std::size_t i = 0; i + 1 < pieces.size(); ++i) {
        CHECK(f.feed(ka, a, pieces[i]) == ReassemblyStatus::Incomplete);
        CHECK(f.feed(kb, b, pieces[i]) == ReassemblyStatus::Incomplete);
        CHECK(f.feed(kc, c, pieces[i]) == ReassemblyStatus::Incomplete);
    }
    CHECK(f.r.datagrams_in_progress() == 3);
    CHECK(f.feed(kb, b, pieces.back()) == ReassemblyStatus::Complete);
    CHECK(f.assembled_equals(b));
    CHECK(f.feed(kc, c, pieces.back()) == ReassemblyStatus::Complete);
    CHECK(f.assembled_equals(c));
    CHECK(f.feed(ka, a, pieces.back()) == ReassemblyStatus::Complete);
    CHECK(f.assembled_equals(a));
    CHECK(f.r.buffers_in_use() == 0);
    CHECK(f.drops.total() == 0);
}

TEST_CASE("reassembly: exact duplicates are ignored", "[ip][reassembly]") {
    Fixture f;
    const auto p = pattern(6000);
    auto pieces = pieces_of(6000, 1500, 20);
    std::vector<FragmentPiece> order;
    for (const auto& x : pieces) {
        order.push_back(x);
        order.push_back(x);
    }
    order.pop_back(); // Final piece once, so it completes.
    std::mt19937 rng(7);
    std::shuffle(order.begin(), order.end() - 1, rng);
    for (std::size_t i = 0; i + 1 < order.size(); ++i)
        CHECK(f.feed(key4(9), p, order[i]) == ReassemblyStatus::Incomplete);
    CHECK(f.feed(key4(9), p, order.back()) == ReassemblyStatus::Complete);
    CHECK(f.assembled_equals(p));
    CHECK(f.drops.total() == 0);
    CHECK(f.r.buffers_in_use() == 0);
}

TEST_CASE("reassembly: any overlap drops the whole datagram", "[ip][reassembly]") {
    struct Case {
        const char* name;
        std::size_t held_off, held_len, new_off, new_len;
    };
    const Case cases[] = {
        {"head", 8, 16, 0, 16},  // new piece runs into the start of a held one
        {"tail", 0, 16, 8, 16},  // new piece starts inside a held one
        {"middle", 0, 32, 8, 8}, // new piece inside a held one
        {"cover", 8, 8, 0, 32},  // new piece covers a held one
        {"same start", 0, 16, 0, 24},
    };
    for (const auto& c : cases) {
        SECTION(c.name) {
            Fixture f;
            const auto p = pattern(64);
            CHECK(f.feed(key6(1), p, c.held_off, c.held_len, true) == ReassemblyStatus::Incomplete);
            CHECK(f.feed(key6(1), p, 48, 16, false) == ReassemblyStatus::Incomplete);
            CHECK(f.r.buffers_in_use() > 0);
            CHECK(f.feed(key6(1), p, c.new_off, c.new_len, true) == ReassemblyStatus::Dropped);
            CHECK(f.drops[DropReason::FragOverlap] == 1);
            CHECK(f.r.datagrams_in_progress() == 0);
            CHECK(f.r.buffers_in_use() == 0);
            // RFC 5722: later fragments of that datagram are dropped too.
            CHECK(f.feed(key6(1), p, 32, 16, true) == ReassemblyStatus::Dropped);
            CHECK(f.drops[DropReason::FragOverlap] == 2);
            CHECK(f.r.datagrams_in_progress() == 0);
            // Other datagrams are unaffected.
            CHECK(f.feed(key6(2), p, 0, 48, true) == ReassemblyStatus::Incomplete);
            CHECK(f.feed(key6(2), p, 48, 16, false) == ReassemblyStatus::Complete);
            CHECK(f.assembled_equals(p));
            // After the timeout the key is usable again.
            CHECK(f.feed(key6(1), p, 0, 48, true, t0 + 61s) == ReassemblyStatus::Incomplete);
        }
    }
}

TEST_CASE("reassembly: tiny 8-byte fragments", "[ip][reassembly]") {
    Fixture f;
    const auto p = pattern(512);
    std::vector<FragmentPiece> pieces;
    for (std::uint16_t off = 0; off < 512; off += 8)
        pieces.push_back({off, 8, off + 8 < 512});
    std::mt19937 rng(3);
    std::shuffle(pieces.begin(), pieces.end(), rng);
    // Make sure the final add is the one that completes: any order works, so feed and count.
    std::size_t complete = 0;
    for (const auto& x : pieces)
        complete += f.feed(key4(3), p, x) == ReassemblyStatus::Complete ? 1 : 0;
    CHECK(complete == 1);
    CHECK(f.assembled_equals(p));
    CHECK(f.drops.total() == 0);

    // More fragments than a datagram may hold: dropped, memory released.
    ReassemblyConfig small;
    small.max_fragments_per_datagram = 16;
    Fixture g(small);
    for (std::uint16_t off = 0; off < 16 * 8; off += 8)
        CHECK(g.feed(key4(4), p, off, 8, true) == ReassemblyStatus::Incomplete);
    CHECK(g.feed(key4(4), p, 128, 8, true) == ReassemblyStatus::Dropped);
    CHECK(g.drops[DropReason::FragNoMemory] == 1);
    CHECK(g.r.buffers_in_use() == 0);
}

TEST_CASE("reassembly: malformed fragments", "[ip][reassembly]") {
    Fixture f;
    const auto p = pattern(4000);
    // Not a multiple of 8 with MF set.
    CHECK(f.feed(key4(1), p, 0, 12, true) == ReassemblyStatus::Dropped);
    CHECK(f.drops[DropReason::FragBad] == 1);
    // Zero length.
    CHECK(f.feed(key4(1), p, 8, 0, true) == ReassemblyStatus::Dropped);
    CHECK(f.drops[DropReason::FragBad] == 2);
    CHECK(f.r.datagrams_in_progress() == 0);

    // A second last fragment with a different end.
    CHECK(f.feed(key4(2), p, 0, 16, true) == ReassemblyStatus::Incomplete);
    CHECK(f.feed(key4(2), p, 32, 10, false) == ReassemblyStatus::Incomplete);
    CHECK(f.feed(key4(2), p, 48, 10, false) == ReassemblyStatus::Dropped);
    CHECK(f.drops[DropReason::FragBad] == 3);
    CHECK(f.r.datagrams_in_progress() == 0);

    // Data beyond a known end.
    CHECK(f.feed(key4(3), p, 32, 10, false) == ReassemblyStatus::Incomplete);
    CHECK(f.feed(key4(3), p, 40, 16, true) == ReassemblyStatus::Dropped);
    CHECK(f.drops[DropReason::FragBad] == 4);

    // A last fragment ending before data already held.
    CHECK(f.feed(key4(4), p, 64, 16, true) == ReassemblyStatus::Incomplete);
    CHECK(f.feed(key4(4), p, 16, 8, false) == ReassemblyStatus::Dropped);
    CHECK(f.drops[DropReason::FragBad] == 5);
    CHECK(f.r.buffers_in_use() == 0);
    CHECK(f.r.datagrams_in_progress() == 0);
}

TEST_CASE("reassembly: datagrams beyond 65535 bytes are dropped", "[ip][reassembly]") {
    Fixture f;
    const auto p = pattern(65535);
    // Ping of death: legitimate-looking fragments, then one ending past 65535 - 20.
    CHECK(f.feed(key4(1), p, 0, 1480, true) == ReassemblyStatus::Incomplete);
    CHECK(f.feed(key4(1), p, 1480, 1480, true) == ReassemblyStatus::Incomplete);
    CHECK(f.feed(key4(1), p, 65512, 16, false) == ReassemblyStatus::Dropped);
    CHECK(f.drops[DropReason::FragTooBig] == 1);
    CHECK(f.r.datagrams_in_progress() == 0);
    CHECK(f.r.buffers_in_use() == 0);
    // Exactly 65535 with a 20-byte header is fine.
    CHECK(f.feed(key4(2), p, 65512, 3, false) == ReassemblyStatus::Incomplete);
    CHECK(f.drops[DropReason::FragTooBig] == 1);
    // A larger IPv4 header (options) lowers the limit.
    CHECK(f.r.add(key4(3), 65504, false, std::span(p).subspan(0, 8), {}, t0, 40) ==
          ReassemblyStatus::Dropped);
    CHECK(f.drops[DropReason::FragTooBig] == 2);
    // IPv6: unfragmentable extension headers count toward the Payload Length.
    CHECK(f.r.add(key6(1), 65520, false, std::span(p).subspan(0, 15), {}, t0, 0) ==
          ReassemblyStatus::Incomplete);
    CHECK(f.r.add(key6(2), 65520, false, std::span(p).subspan(0, 15), {}, t0, 8) ==
          ReassemblyStatus::Dropped);
    CHECK(f.drops[DropReason::FragTooBig] == 3);
}

TEST_CASE("reassembly: atomic fragments complete on their own", "[ip][reassembly]") {
    Fixture f;
    const auto p = pattern(100);
    CHECK(f.feed(key6(1), p, 0, 48, true) == ReassemblyStatus::Incomplete);
    // RFC 6946: offset 0 and M=0 is processed in isolation, not mixed with the queue.
    CHECK(f.feed(key6(1), p, 0, 100, false) == ReassemblyStatus::Complete);
    CHECK(f.assembled_equals(p));
    CHECK(f.r.datagrams_in_progress() == 1);
    CHECK(f.drops.total() == 0);
}

TEST_CASE("reassembly: timeout reports and counts", "[ip][reassembly]") {
    Fixture f;
    const auto p = pattern(4000);
    CHECK(f.r.next_deadline() == kNever);
    CHECK(f.feed(key4(1), p, 0, 1480, true) == ReassemblyStatus::Incomplete);
    CHECK(f.feed(key6(2), p, 1232, 1232, true) == ReassemblyStatus::Incomplete);
    // Later fragments do not extend the lifetime (measured from the first fragment).
    CHECK(f.feed(key4(1), p, 1480, 1480, true, t0 + 20s) == ReassemblyStatus::Incomplete);
    CHECK(f.r.next_deadline() == t0 + 30s);

    std::vector<ExpiredDatagram> seen;
    std::vector<std::vector<std::byte>> headers;
    auto collect = [&](const ExpiredDatagram& e) {
        seen.push_back(e);
        headers.emplace_back(e.leading_header.begin(), e.leading_header.end());
    };
    CHECK(f.r.poll(t0 + 30s - 1ns, collect) == 0);
    CHECK(f.r.poll(t0 + 30s, collect) == 1);
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].key == key4(1));
    CHECK(seen[0].first_fragment_received);
    CHECK(headers[0] == f.header);
    CHECK(f.drops[DropReason::FragTimeout] == 1);
    CHECK(f.r.next_deadline() == t0 + 60s);

    CHECK(f.r.poll(t0 + 60s, collect) == 1);
    REQUIRE(seen.size() == 2);
    CHECK(seen[1].key == key6(2));
    CHECK_FALSE(seen[1].first_fragment_received);
    CHECK(headers[1].empty());
    CHECK(f.drops[DropReason::FragTimeout] == 2);
    CHECK(f.r.next_deadline() == kNever);
    CHECK(f.r.buffers_in_use() == 0);
    CHECK(f.r.datagrams_in_progress() == 0);

    // Configured timeouts; poll without a callback.
    ReassemblyConfig c;
    c.timeout_v4 = 5s;
    Fixture g(c);
    CHECK(g.feed(key4(1), p, 8, 8, true) == ReassemblyStatus::Incomplete);
    CHECK(g.r.poll(t0 + 5s) == 1);
    CHECK(g.drops[DropReason::FragTimeout] == 1);
}

TEST_CASE("reassembly: a flood of incomplete datagrams never blocks a legitimate one",
          "[ip][reassembly]") {
    ReassemblyConfig c;
    c.cap_buffers = 256;
    c.max_datagrams = 64;
    Fixture f(c);
    const auto junk = pattern(1480, 11);
    std::mt19937 rng(2024);
    std::size_t max_in_use = 0;
    for (int i = 0; i < 10000; ++i) {
        const FragmentKey k{v4(203, 0, 113, static_cast<std::uint8_t>(rng())), v4(192, 0, 2, 2),
                            static_cast<std::uint16_t>(rng()), 17};
        const auto st = f.r.add(k, 0, true, junk, f.header, t0 + i * 1ms);
        CHECK(st == ReassemblyStatus::Incomplete);
        REQUIRE(f.r.buffers_in_use() <= c.cap_buffers);
        REQUIRE(f.r.datagrams_in_progress() <= c.max_datagrams);
        max_in_use = std::max(max_in_use, f.r.buffers_in_use());
    }
    CHECK(f.r.datagrams_in_progress() == c.max_datagrams);
    CHECK(f.drops[DropReason::FragEvicted] >= 10000 - c.max_datagrams - 10);

    const auto p = pattern(4000);
    const auto now = t0 + 10s;
    auto pieces = pieces_of(4000, 1500, 20);
    for (std::size_t i = 0; i < pieces.size(); ++i)
        CHECK(f.feed(key4(77), p, pieces[i].offset, pieces[i].length, pieces[i].more, now) ==
              (i + 1 == pieces.size() ? ReassemblyStatus::Complete : ReassemblyStatus::Incomplete));
    CHECK(f.assembled_equals(p));

    // Everything left expires and memory returns to zero.
    CHECK(f.r.poll(now + 30s) == c.max_datagrams - 1);
    CHECK(f.r.buffers_in_use() == 0);
    CHECK(f.r.datagrams_in_progress() == 0);
}

TEST_CASE("reassembly: memory cap evicts the oldest datagrams first", "[ip][reassembly]") {
    ReassemblyConfig c;
    c.cap_buffers = 16; // 32 KiB
    Fixture f(c);
    const auto big = pattern(65535, 4);
    std::mt19937 rng(5);
    // Spread fragments: each lands in 1-2 chunks, filling the cap long before the table.
    for (std::uint32_t i = 0; i < 2000; ++i) {
        const auto off = static_cast<std::uint16_t>((rng() % 8000) * 8);
        const auto st =
            f.r.add(key6(1000 + i), off, true, std::span(big).subspan(0, 1232), {}, t0 + i * 1ms);
        CHECK(st == ReassemblyStatus::Incomplete);
        REQUIRE(f.r.buffers_in_use() <= c.cap_buffers);
    }
    CHECK(f.drops[DropReason::FragEvicted] > 1900);
    const auto oldest_left = f.r.next_deadline();
    CHECK(oldest_left > t0 + 60s + 1900ms); // Only recent datagrams survived.

    // A 30000-byte datagram needs 15 of the 16 chunks: older ones are evicted to make room.
    const auto p = pattern(30000);
    auto pieces = pieces_of(30000, 1500, 48);
    std::shuffle(pieces.begin(), pieces.end(), rng);
    std::size_t complete = 0;
    for (const auto& x : pieces) {
        complete += f.feed(key6(1), p, x, t0 + 3s) == ReassemblyStatus::Complete ? 1 : 0;
        REQUIRE(f.r.buffers_in_use() <= c.cap_buffers);
    }
    CHECK(complete == 1);
    CHECK(f.assembled_equals(p));
    CHECK(f.drops[DropReason::FragNoMemory] == 0);

    // A datagram that needs more than the whole cap is dropped, and frees what it held.
    const auto huge = pattern(40000);
    ReassemblyStatus last = ReassemblyStatus::Incomplete;
    for (const auto& x : pieces_of(40000, 1500, 48)) {
        last = f.feed(key6(2), huge, x, t0 + 4s);
        if (last != ReassemblyStatus::Incomplete)
            break;
    }
    CHECK(last == ReassemblyStatus::Dropped);
    CHECK(f.drops[DropReason::FragNoMemory] == 1);

    // When the last fragment comes first, the oversized datagram is refused before it
    // evicts anything.
    CHECK(f.feed(key6(3), p, 0, 1448, true, t0 + 5s) == ReassemblyStatus::Incomplete);
    const auto evicted = f.drops[DropReason::FragEvicted];
    CHECK(f.r.add(key6(4), 39992, false, std::span(huge).subspan(39992, 8), {}, t0 + 5s) ==
          ReassemblyStatus::Dropped);
    CHECK(f.drops[DropReason::FragNoMemory] == 2);
    CHECK(f.drops[DropReason::FragEvicted] == evicted);
    CHECK(f.r.datagrams_in_progress() == 1);
    CHECK(f.r.poll(t0 + 1h) == 1);
    CHECK(f.drops[DropReason::FragTimeout] == 1);
    CHECK(f.r.buffers_in_use() == 0);
}

TEST_CASE("reassembly: eviction picks the oldest across IPv4 and IPv6", "[ip][reassembly]") {
    ReassemblyConfig c;
    c.max_datagrams = 2;
    const auto p = pattern(64);
    for (bool v4_first : {true, false}) {
        Fixture f(c);
        const FragmentKey older = v4_first ? key4(1) : key6(1);
        const FragmentKey newer = v4_first ? key6(2) : key4(2);
        CHECK(f.feed(older, p, 0, 32, true, t0) == ReassemblyStatus::Incomplete);
        CHECK(f.feed(newer, p, 0, 32, true, t0 + 1s) == ReassemblyStatus::Incomplete);
        // A third datagram needs a slot: the older one goes, whatever its family.
        CHECK(f.feed(key6(3), p, 0, 32, true, t0 + 2s) == ReassemblyStatus::Incomplete);
        CHECK(f.drops[DropReason::FragEvicted] == 1);
        CHECK(f.feed(newer, p, 32, 32, false, t0 + 3s) == ReassemblyStatus::Complete);
        CHECK(f.assembled_equals(p));
        CHECK(f.feed(older, p, 32, 32, false, t0 + 3s) == ReassemblyStatus::Incomplete);
    }
}
