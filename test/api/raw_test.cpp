// Raw sockets: ICMP echo to the kernel, IPv4 (header built here) and IPv6 (checksum by the stack).
#include <catch2/catch.hpp>

#include "api_env.hpp"

namespace multios::net::api_test {

namespace {

constexpr std::uint16_t kIdent = 0x4d4e;

// RFC 1071 Internet checksum of `data`.
std::uint16_t inet_checksum(std::span<const std::uint8_t> data) {
    std::uint32_t sum = 0;
    for (std::size_t i = 0; i + 1 < data.size(); i += 2)
        sum += static_cast<std::uint32_t>(data[i] << 8 | data[i + 1]);
    if (data.size() % 2 != 0)
        sum += static_cast<std::uint32_t>(data.back() << 8);
    while ((sum >> 16) != 0)
        sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<std::uint16_t>(~sum);
}

// An ICMP / ICMPv6 echo request; the checksum is filled in for ICMPv4 only.
std::vector<std::uint8_t> echo_request(std::uint8_t type, std::uint16_t seq, bool checksum) {
    std::vector<std::uint8_t> m = {type,
                                   0,
                                   0,
                                   0,
                                   kIdent >> 8,
                                   kIdent & 0xff,
                                   static_cast<std::uint8_t>(seq >> 8),
                                   static_cast<std::uint8_t>(seq)};
    for (char c : std::string_view("multios raw echo payload"))
        m.push_back(static_cast<std::uint8_t>(c));
    if (checksum) {
        const std::uint16_t c = inet_checksum(m);
        m[2] = static_cast<std::uint8_t>(c >> 8);
        m[3] = static_cast<std::uint8_t>(c);
    }
    return m;
}

std::span<const std::byte> bytes_of(const std::vector<std::uint8_t>& v) {
    return {reinterpret_cast<const std::byte*>(v.data()), v.size()};
}

} // namespace

TEST_CASE("raw ICMP (protocol 1): echo request to the kernel, reply with the IPv4 header",
          "[api][raw]") {
    Socket r(SocketType::Raw, 1);
    REQUIRE(r.set_receive_timeout(std::chrono::milliseconds(500)));
    const auto request = echo_request(8, 1, true);
    const SocketAddress kernel = kernel_at(Family::V4, 0);
    REQUIRE(r.send_to(bytes_of(request), kernel));
    std::array<std::byte, 2048> buf;
    bool found = false;
    const auto start = std::chrono::steady_clock::now();
    while (!found && elapsed_ms(start) < 5000) {
        auto got = r.recv_from(buf);
        if (!got) {
            if (err(got) == EAGAIN) {
                REQUIRE(r.send_to(bytes_of(request), kernel)); // the first may wait for ARP
                continue;
            }
            FAIL("recv_from: " << got.error().message());
        }
        const auto* p = reinterpret_cast<const std::uint8_t*>(buf.data());
        const std::size_t n = got->first;
        REQUIRE(n >= 20);
        CHECK((p[0] >> 4) == 4);
        const std::size_t ihl = (p[0] & 0x0f) * 4u;
        if (p[9] != 1 || n < ihl + 8)
            continue;
        const std::uint8_t* icmp = p + ihl;
        if (icmp[0] != 0 || (icmp[4] << 8 | icmp[5]) != kIdent)
            continue;
        found = true;
        CHECK(got->second.address == kernel.address);
        CHECK(n - ihl == request.size());
        CHECK(std::equal(request.begin() + 8, request.end(), icmp + 8));
        CHECK(inet_checksum(std::span(icmp, n - ihl)) == 0);
    }
    CHECK(found);
}

TEST_CASE("raw ICMPv6 (protocol 58): echo request to the kernel, the stack computes the checksum",
          "[api][raw]") {
    Socket r(SocketType::Raw, 58);
    REQUIRE(r.set_receive_timeout(std::chrono::milliseconds(500)));
    const auto request = echo_request(128, 1, false);
    const SocketAddress kernel = kernel_at(Family::V6, 0);
    REQUIRE(r.send_to(bytes_of(request), kernel));
    std::array<std::byte, 2048> buf;
    bool found = false;
    const auto start = std::chrono::steady_clock::now();
    while (!found && elapsed_ms(start) < 5000) {
        auto got = r.recv_from(buf);
        if (!got) {
            if (err(got) == EAGAIN) {
                REQUIRE(r.send_to(bytes_of(request), kernel));
                continue;
            }
            FAIL("recv_from: " << got.error().message());
        }
        const auto* p = reinterpret_cast<const std::uint8_t*>(buf.data());
        const std::size_t n = got->first;
        // IPv6 raw sockets get the ICMPv6 message without the IP header (raw(7)); neighbor
        // discovery arrives here too and is skipped.
        if (n < 8 || p[0] != 129 || (p[4] << 8 | p[5]) != kIdent)
            continue;
        found = true;
        CHECK(got->second.address == kernel.address);
        CHECK(n == request.size());
        CHECK(std::equal(request.begin() + 8, request.end(), p + 8));
    }
    CHECK(found);
}

} // namespace multios::net::api_test
