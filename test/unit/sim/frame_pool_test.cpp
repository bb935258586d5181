// The frame pool: bounded, slots reused, copies independent.
#include <catch2/catch.hpp>

#include "sim/frame_pool.hpp"

using namespace multios::net::sim;

TEST_CASE("the frame pool refuses frames beyond its capacity and reuses released slots", "[sim]") {
    FramePool pool(3);
    const auto a = pool.allocate(100);
    const auto b = pool.allocate(1500);
    const auto c = pool.allocate(60);
    REQUIRE(a);
    REQUIRE(b);
    REQUIRE(c);
    CHECK_FALSE(pool.allocate(10));
    CHECK(pool.in_use() == 3);
    pool.release(*b);
    const auto d = pool.allocate(200);
    REQUIRE(d);
    CHECK(*d == *b); // the freed slot, not a new one
    CHECK(pool.length(*d) == 200);
    pool.set_length(*d, 64);
    CHECK(pool.bytes(*d).size() == 64);
    pool.set_length(*d, 1'000'000); // never past the buffer
    CHECK(pool.bytes(*d).size() == 1500);
}

TEST_CASE("a copied frame has the same bytes and its own storage", "[sim]") {
    FramePool pool(4);
    const auto a = *pool.allocate(4);
    auto ab = pool.bytes(a);
    ab[0] = std::byte{1};
    ab[3] = std::byte{4};
    const auto c = pool.copy(a);
    REQUIRE(c);
    CHECK(std::equal(pool.bytes(*c).begin(), pool.bytes(*c).end(), pool.bytes(a).begin()));
    pool.bytes(a)[0] = std::byte{9};
    CHECK(pool.bytes(*c)[0] == std::byte{1});
}
