#include <catch2/catch.hpp>

#include <array>
#include <set>
#include <vector>

#include "ip/fragmenter.hpp"
#include "ip/siphash.hpp"
#include "ip_test_util.hpp"

using namespace multios::net;
using namespace multios::net::test;

namespace {

std::vector<FragmentPiece> plan(const FragmentSpec& spec) {
    std::vector<FragmentPiece> out;
    FragmentPlanner p(spec);
    FragmentPiece piece;
    while (p.next(piece))
        out.push_back(piece);
    return out;
}

// The properties every plan must have: 8-byte aligned offsets, every packet within the MTU,
// contiguous exact coverage, MF on all but the last (which carries the original MF).
void check_plan(const FragmentSpec& spec, const std::vector<FragmentPiece>& pieces) {
    REQUIRE_FALSE(pieces.empty());
    std::size_t expect = spec.base_offset;
    for (std::size_t i = 0; i < pieces.size(); ++i) {
        const auto& p = pieces[i];
        const bool last = i + 1 == pieces.size();
        const std::size_t hdr =
            i == 0 || spec.later_header_len == 0 ? spec.header_len : spec.later_header_len;
        CHECK(p.offset % 8 == 0);
        CHECK(p.offset == expect);
        CHECK(hdr + p.length <= spec.mtu);
        CHECK(p.length > 0);
        if (!last) {
            CHECK(p.length % 8 == 0);
            CHECK(p.more);
        } else {
            CHECK(p.more == spec.base_more);
        }
        expect += p.length;
    }
    CHECK(expect == spec.base_offset + spec.payload_len);
    CHECK(FragmentPlanner(spec).count() == pieces.size());
}

} // namespace

TEST_CASE("fragmenter: plans cover the payload and fit the MTU", "[ip][fragmenter]") {
    for (std::size_t payload : {4000u, 65000u}) {
        for (std::size_t mtu : {1500u, 1280u}) {
            for (std::size_t hdr : {20u, 60u, 48u, 88u}) {
                CAPTURE(payload, mtu, hdr);
                FragmentSpec spec{payload, mtu, hdr};
                check_plan(spec, plan(spec));
            }
        }
    }
}

TEST_CASE("fragmenter: known IPv4 and IPv6 layouts", "[ip][fragmenter]") {
    // IPv4, 20-byte header, MTU 1500: 1480 data bytes per fragment.
    const auto v4 = plan({4000, 1500, 20});
    REQUIRE(v4.size() == 3);
    CHECK(v4[0] == FragmentPiece{0, 1480, true});
    CHECK(v4[1] == FragmentPiece{1480, 1480, true});
    CHECK(v4[2] == FragmentPiece{2960, 1040, false});
    // IPv6 at MTU 1280 with fixed + Fragment header (48): 1232 bytes each.
    const auto v6 = plan({4000, 1280, 48});
    REQUIRE(v6.size() == 4);
    CHECK(v6[0] == FragmentPiece{0, 1232, true});
    CHECK(v6[3] == FragmentPiece{3696, 304, false});
    // A non-multiple-of-8 room is rounded down for all but the last piece.
    const auto odd = plan({100, 50, 20}); // room 30 -> 24
    REQUIRE(odd.size() == 4);
    CHECK(odd[0].length == 24);
    CHECK(odd[3] == FragmentPiece{72, 28, false});
    // Payload that fits: one unfragmented piece.
    CHECK(plan({1000, 1500, 20}) == std::vector<FragmentPiece>{{0, 1000, false}});
    // 65000 bytes at MTU 1500 for IPv4: 43 fragments of 1480 and a last one of 1360.
    CHECK(FragmentPlanner({65000, 1500, 20}).count() == 44);
}

TEST_CASE("fragmenter: refragmenting an IPv4 fragment keeps offset and MF", "[ip][fragmenter]") {
    // A middle fragment (offset 1480, MF=1, 1480 bytes) crossing a 576-byte link.
    FragmentSpec spec{1480, 576, 20, 0, 1480, true};
    const auto pieces = plan(spec);
    check_plan(spec, pieces);
    REQUIRE(pieces.size() == 3);
    CHECK(pieces[0] == FragmentPiece{1480, 552, true});
    CHECK(pieces[2] == FragmentPiece{2584, 376, true});
    // The original last fragment: the new last piece has MF clear.
    FragmentSpec last{1040, 576, 20, 0, 2960, false};
    const auto tail = plan(last);
    check_plan(last, tail);
    CHECK_FALSE(tail.back().more);
}

TEST_CASE("fragmenter: later fragments may have a shorter header", "[ip][fragmenter]") {
    // 40 bytes of options on the first fragment only (non-copied options, RFC 791 3.1).
    FragmentSpec spec{3000, 1500, 60, 20};
    const auto pieces = plan(spec);
    check_plan(spec, pieces);
    REQUIRE(pieces.size() == 3);
    CHECK(pieces[0].length == 1440);
    CHECK(pieces[1].length == 1480);
}

TEST_CASE("fragmenter: impossible specs are refused", "[ip][fragmenter]") {
    FragmentPiece p;
    FragmentPlanner tiny({100, 27, 20}); // 7 bytes of room: not even one 8-byte unit.
    CHECK_FALSE(tiny.valid());
    CHECK_FALSE(tiny.next(p));
    CHECK(tiny.count() == 0);
    CHECK_FALSE(FragmentPlanner({100, 20, 20}).valid());
    CHECK_FALSE(FragmentPlanner({100, 1500, 20, 1500}).valid());       // later header too big
    CHECK_FALSE(FragmentPlanner({100, 1500, 20, 0, 4, true}).valid()); // unaligned base
    CHECK_FALSE(FragmentPlanner({65536, 1500, 20}).valid());
    CHECK_FALSE(FragmentPlanner({1000, 1500, 20, 0, 64536, false}).valid());
    CHECK(FragmentPlanner({1000, 1500, 20, 0, 64528, false}).valid());

    std::array<FragmentPiece, 2> small{};
    CHECK(plan_fragments({4000, 1500, 20}, small) == 0);
    std::array<FragmentPiece, 3> enough{};
    CHECK(plan_fragments({4000, 1500, 20}, enough) == 3);
    CHECK(enough[2] == FragmentPiece{2960, 1040, false});
    CHECK(plan_fragments({100, 27, 20}, enough) == 0);
}

TEST_CASE("siphash: reference vectors", "[ip][fragmenter]") {
    // Key 00..0f (little-endian words), messages 00.. of length 0 and 15, from the paper.
    const SipKey key{0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull};
    std::array<std::uint8_t, 15> msg{};
    for (std::size_t i = 0; i < msg.size(); ++i)
        msg[i] = static_cast<std::uint8_t>(i);
    CHECK(siphash24(key, std::span<const std::uint8_t>{}) == 0x726fdb47dd0e0e31ull);
    CHECK(siphash24(key, msg) == 0xa129ca6149be45e5ull);
}

TEST_CASE("ip ids: deterministic per seed, unpredictable across destinations", "[ip][fragmenter]") {
    const Ipv4Address src{{10, 0, 0, 1}};
    Ipv4IdGenerator a(1234), b(1234), c(99);
    std::size_t same_as_other_seed = 0;
    for (int i = 0; i < 100; ++i) {
        const Ipv4Address dst{{10, 0, 1, static_cast<std::uint8_t>(i)}};
        const auto x = a.next(src, dst, 17);
        CHECK(x == b.next(src, dst, 17));
        same_as_other_seed += x == c.next(src, dst, 17) ? 1 : 0;
    }
    CHECK(same_as_other_seed < 5);

    // Towards one destination IDs do not repeat soon (RFC 6864 uniqueness within a lifetime).
    Ipv4IdGenerator g(7);
    const Ipv4Address dst{{192, 0, 2, 1}};
    std::set<std::uint16_t> seen;
    for (int i = 0; i < 1000; ++i)
        seen.insert(g.next(src, dst, 6));
    CHECK(seen.size() == 1000);

    // Consecutive IDs to different destinations are not a global counter (NUMBER:JACK).
    Ipv4IdGenerator h(7);
    std::size_t sequential = 0;
    std::uint16_t prev = h.next(src, Ipv4Address{{198, 51, 100, 0}}, 6);
    for (int i = 1; i < 200; ++i) {
        const auto id = h.next(src, Ipv4Address{{198, 51, 100, static_cast<std::uint8_t>(i)}}, 6);
        sequential += static_cast<std::uint16_t>(id - prev) < 16 ? 1 : 0;
        prev = id;
    }
    CHECK(sequential < 5);
}

TEST_CASE("ip ids: IPv6 fragment identifiers", "[ip][fragmenter]") {
    const Ipv6Address src = v6a({0x2001, 0xdb8, 0, 0, 0, 0, 0, 1});
    Ipv6FragmentIdGenerator g(42), same(42);
    std::set<std::uint32_t> seen;
    std::size_t sequential = 0;
    std::uint32_t prev = 0;
    for (std::uint16_t i = 0; i < 500; ++i) {
        const Ipv6Address dst = v6a({0x2001, 0xdb8, 1, 0, 0, 0, 0, i});
        const auto id = g.next(src, dst);
        CHECK(id == same.next(src, dst));
        seen.insert(id);
        sequential += (i != 0 && id - prev < 1024) ? 1 : 0;
        prev = id;
    }
    CHECK(seen.size() == 500);
    CHECK(sequential < 3);
    const Ipv6Address dst = v6a({0x2001, 0xdb8, 9});
    const auto first = g.next(src, dst);
    CHECK(g.next(src, dst) != first);
}
