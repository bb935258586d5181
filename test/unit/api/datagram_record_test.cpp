// api::write_record / peek_record / read_record: datagrams queued in a ByteRing with their
// peer. A record goes in whole or not at all, comes out whole (a short buffer truncates the
// copy, as recvfrom does, but the record is still consumed) and keeps its peer's family.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string_view>
#include <thread>
#include <vector>

#include "api/datagram_record.hpp"

namespace multios::net::api_unit_test {

using api::ByteRing;
using api::kRecordHeader;

namespace {

SocketAddress peer_of(std::string_view text) {
    auto a = SocketAddress::parse(text);
    REQUIRE(a);
    return *a;
}

std::vector<std::byte> bytes_of(std::string_view s) {
    std::vector<std::byte> v(s.size());
    for (std::size_t i = 0; i < s.size(); ++i)
        v[i] = std::byte(static_cast<unsigned char>(s[i]));
    return v;
}

std::string string_of(std::span<const std::byte> b) {
    return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

} // namespace

TEST_CASE("Datagram records keep payload and IPv4 or IPv6 peer, oldest first", "[api-unit]") {
    ByteRing ring(1024);
    const auto v4 = peer_of("10.99.0.1:5353");
    const auto v6 = peer_of("[fd99::1]:65535");
    REQUIRE(api::write_record(ring, v4, bytes_of("hello")));
    REQUIRE(api::write_record(ring, v6, bytes_of("over IPv6")));
    REQUIRE(api::write_record(ring, SocketAddress::any_v4(0), {})); // empty datagrams exist too
    CHECK(ring.readable() == 3 * kRecordHeader + 5 + 9);

    std::array<std::byte, 64> buf{};
    auto info = api::peek_record(ring);
    REQUIRE(info);
    CHECK(info->length == 5);
    CHECK(info->peer == v4);
    CHECK(info->peer.is_v4());
    CHECK(api::read_record(ring, *info, buf) == 5);
    CHECK(string_of(std::span(buf).first(5)) == "hello");

    info = api::peek_record(ring);
    REQUIRE(info);
    CHECK(info->length == 9);
    CHECK(info->peer == v6);
    CHECK_FALSE(info->peer.is_v4());
    CHECK(info->peer.to_string() == "[fd99::1]:65535");
    CHECK(api::read_record(ring, *info, buf) == 9);
    CHECK(string_of(std::span(buf).first(9)) == "over IPv6");

    info = api::peek_record(ring);
    REQUIRE(info);
    CHECK(info->length == 0);
    CHECK(info->peer == SocketAddress::any_v4(0));
    CHECK(api::read_record(ring, *info, buf) == 0);

    CHECK_FALSE(api::peek_record(ring));
    CHECK(ring.readable() == 0);
}

TEST_CASE("A short buffer truncates the datagram and the record is still consumed whole",
          "[api-unit]") {
    ByteRing ring(256);
    const auto peer = peer_of("192.0.2.7:9");
    REQUIRE(api::write_record(ring, peer, bytes_of("0123456789")));
    REQUIRE(api::write_record(ring, peer, bytes_of("next")));

    std::array<std::byte, 4> small{};
    auto info = api::peek_record(ring);
    REQUIRE(info);
    CHECK(info->length == 10); // the full length, so a caller can report truncation
    CHECK(api::read_record(ring, *info, small) == 4);
    CHECK(string_of(small) == "0123");

    // The rest of the first datagram is gone: the next record starts cleanly.
    info = api::peek_record(ring);
    REQUIRE(info);
    CHECK(info->length == 4);
    CHECK(api::read_record(ring, *info, small) == 4);
    CHECK(string_of(small) == "next");
    CHECK(ring.readable() == 0);

    // A zero-size buffer still consumes the record.
    REQUIRE(api::write_record(ring, peer, bytes_of("dropped")));
    info = api::peek_record(ring);
    REQUIRE(info);
    CHECK(api::read_record(ring, *info, std::span<std::byte>()) == 0);
    CHECK_FALSE(api::peek_record(ring));
}

TEST_CASE("A full ring refuses a record whole and stays readable", "[api-unit]") {
    ByteRing ring(128); // room for header + 104 bytes exactly
    const auto peer = peer_of("[fd00::1]:80");
    std::vector<std::byte> payload(128 - kRecordHeader, std::byte{7});
    CHECK_FALSE(api::write_record(ring, peer, std::vector<std::byte>(payload.size() + 1)));
    CHECK(ring.readable() == 0); // nothing half-written
    REQUIRE(api::write_record(ring, peer, payload));
    CHECK(ring.writable() == 0);
    CHECK_FALSE(api::write_record(ring, peer, {})); // not even a header fits
    CHECK(ring.readable() == 128);

    ByteRing partial(128);
    REQUIRE(api::write_record(partial, peer, std::vector<std::byte>(50)));
    const std::size_t before = partial.readable();
    // 128 - 74 = 54 free: a 40-byte datagram needs 64.
    CHECK_FALSE(api::write_record(partial, peer, std::vector<std::byte>(40)));
    CHECK(partial.readable() == before);
    auto info = api::peek_record(partial);
    REQUIRE(info);
    CHECK(info->length == 50);
}

TEST_CASE("Records that straddle the end of the ring come out intact", "[api-unit]") {
    ByteRing ring(128);
    const auto peer = peer_of("10.0.0.1:1234");
    std::array<std::byte, 128> buf{};
    // Records of 24 + 13 bytes move the seam through headers and payloads alike.
    for (int i = 0; i < 100; ++i) {
        const std::string text = "datagram #" + std::to_string(1000 + i).substr(1);
        REQUIRE(text.size() == 13);
        REQUIRE(api::write_record(ring, SocketAddress{peer.address, static_cast<std::uint16_t>(i)},
                                  bytes_of(text)));
        auto info = api::peek_record(ring);
        REQUIRE(info);
        REQUIRE(info->length == 13);
        REQUIRE(info->peer.port == i);
        REQUIRE(info->peer.address == peer.address);
        REQUIRE(api::read_record(ring, *info, buf) == 13);
        REQUIRE(string_of(std::span(buf).first(13)) == text);
    }
}

TEST_CASE("A reader on another thread never sees half of a record", "[api-unit]") {
    constexpr int kRecords = 200'000;
    ByteRing ring(512);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    std::atomic<bool> timed_out{false};

    std::thread writer([&] {
        std::vector<std::byte> payload(200);
        for (int i = 0; i < kRecords; ++i) {
            // Length and content derived from the sequence number, checked by the reader.
            const std::size_t len = static_cast<std::size_t>(i * 7 % 200);
            for (std::size_t k = 0; k < len; ++k)
                payload[k] = std::byte(static_cast<std::uint8_t>(i + k));
            Ipv6Address v6{};
            v6.bytes[0] = 0xfd;
            v6.bytes[15] = static_cast<std::uint8_t>(i);
            const SocketAddress peer{
                i % 2 == 0 ? IpAddress(Ipv4Address::from_u32(static_cast<std::uint32_t>(i)))
                           : IpAddress(v6),
                static_cast<std::uint16_t>(i)};
            while (!api::write_record(ring, peer, std::span(payload).first(len))) {
                if (timed_out || std::chrono::steady_clock::now() > deadline) {
                    timed_out = true;
                    return;
                }
                std::this_thread::yield();
            }
        }
    });

    std::array<std::byte, 256> buf{};
    int seen = 0, bad = 0, half_visible = 0;
    while (seen < kRecords && !timed_out) {
        auto info = api::peek_record(ring);
        if (!info) {
            if (std::chrono::steady_clock::now() > deadline)
                timed_out = true;
            std::this_thread::yield();
            continue;
        }
        if (ring.readable() < kRecordHeader + info->length)
            ++half_visible;
        const std::size_t len = static_cast<std::size_t>(seen * 7 % 200);
        const std::size_t n = api::read_record(ring, *info, buf);
        bool ok = n == len && info->length == len &&
                  info->peer.port == static_cast<std::uint16_t>(seen) &&
                  info->peer.is_v4() == (seen % 2 == 0);
        for (std::size_t k = 0; ok && k < n; ++k)
            ok = buf[k] == std::byte(static_cast<std::uint8_t>(seen + k));
        bad += ok ? 0 : 1;
        ++seen;
    }
    writer.join();
    CHECK_FALSE(timed_out);
    CHECK(seen == kRecords);
    CHECK(bad == 0);
    CHECK(half_visible == 0);
}

} // namespace multios::net::api_unit_test
