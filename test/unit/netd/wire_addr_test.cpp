// lib/netd/wire_addr: endpoints between a caller's sockaddr and the ring protocol's WireAddr.
// The client library converts every address an application passes or receives through these
// two functions, so they carry the kernel's semantics: short lengths are EINVAL, foreign
// families EAFNOSUPPORT, IPv4-mapped IPv6 travels as IPv4 and comes back mapped on an AF_INET6
// socket, and output is truncated to the caller's room while the full length is reported.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <array>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <sys/un.h>

#include "netd/wire_addr.hpp"

namespace multios::net::netd_unit_test {

using netd::WireAddr;

namespace {

sockaddr_in v4(const char* text, std::uint16_t port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    REQUIRE(inet_pton(AF_INET, text, &a.sin_addr) == 1);
    return a;
}

sockaddr_in6 v6(const char* text, std::uint16_t port, std::uint32_t scope = 0) {
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(port);
    a.sin6_scope_id = scope;
    REQUIRE(inet_pton(AF_INET6, text, &a.sin6_addr) == 1);
    return a;
}

const sockaddr* sa(const void* p) {
    return static_cast<const sockaddr*>(p);
}

WireAddr wire_v4(std::array<std::uint8_t, 4> bytes, std::uint16_t port) {
    WireAddr w;
    w.family = AF_INET;
    w.port = port;
    std::memcpy(w.bytes, bytes.data(), 4);
    return w;
}

} // namespace

TEST_CASE("wire_addr: IPv4 sockaddr becomes a host-order WireAddr", "[netd]") {
    const sockaddr_in in = v4("10.99.0.1", 7);
    auto w = netd::wire_from_sockaddr(sa(&in), sizeof in);
    REQUIRE(w);
    CHECK(w->family == AF_INET);
    CHECK(w->port == 7);
    CHECK(w->scope_id == 0);
    CHECK(std::memcmp(w->bytes, "\x0a\x63\x00\x01", 4) == 0);
}

TEST_CASE("wire_addr: IPv6 sockaddr keeps address and scope id", "[netd]") {
    const sockaddr_in6 in6 = v6("fe80::1:2", 8000, 5);
    auto w = netd::wire_from_sockaddr(sa(&in6), sizeof in6);
    REQUIRE(w);
    CHECK(w->family == AF_INET6);
    CHECK(w->port == 8000);
    CHECK(w->scope_id == 5);
    CHECK(std::memcmp(w->bytes, &in6.sin6_addr, 16) == 0);
}

TEST_CASE("wire_addr: a v4-mapped IPv6 address travels as IPv4", "[netd]") {
    const sockaddr_in6 in6 = v6("::ffff:10.99.0.1", 9, 3);
    auto w = netd::wire_from_sockaddr(sa(&in6), sizeof in6);
    REQUIRE(w);
    CHECK(w->family == AF_INET);
    CHECK(w->port == 9);
    CHECK(w->scope_id == 0);
    CHECK(std::memcmp(w->bytes, "\x0a\x63\x00\x01", 4) == 0);
}

TEST_CASE("wire_addr: an almost-mapped address stays IPv6", "[netd]") {
    // ::fffe:a.b.c.d and ::a.b.c.d (deprecated compatible) are not v4-mapped.
    for (const char* text : {"::fffe:10.99.0.1", "::10.99.0.1", "0:0:0:0:1:ffff:a63:1"}) {
        const sockaddr_in6 in6 = v6(text, 1);
        auto w = netd::wire_from_sockaddr(sa(&in6), sizeof in6);
        REQUIRE(w);
        CHECK(w->family == AF_INET6);
    }
}

TEST_CASE("wire_addr: short lengths and null are EINVAL", "[netd]") {
    const sockaddr_in in = v4("10.99.0.1", 7);
    const sockaddr_in6 in6 = v6("fd99::1", 7);
    CHECK(netd::wire_from_sockaddr(nullptr, sizeof in).error().value() == EINVAL);
    CHECK(netd::wire_from_sockaddr(sa(&in), 0).error().value() == EINVAL);
    CHECK(netd::wire_from_sockaddr(sa(&in), 1).error().value() == EINVAL);
    CHECK(netd::wire_from_sockaddr(sa(&in), sizeof in - 1).error().value() == EINVAL);
    CHECK(netd::wire_from_sockaddr(sa(&in6), sizeof in6 - 1).error().value() == EINVAL);
    // An AF_INET6 family with only an IPv4-sized buffer behind it.
    CHECK(netd::wire_from_sockaddr(sa(&in6), sizeof(sockaddr_in)).error().value() == EINVAL);
    // Longer than needed is fine (sockaddr_storage is what many programs pass).
    sockaddr_storage ss{};
    std::memcpy(&ss, &in, sizeof in);
    CHECK(netd::wire_from_sockaddr(sa(&ss), sizeof ss));
}

TEST_CASE("wire_addr: other families are EAFNOSUPPORT", "[netd]") {
    sockaddr_un un{};
    un.sun_family = AF_UNIX;
    std::strcpy(un.sun_path, "/tmp/x");
    CHECK(netd::wire_from_sockaddr(sa(&un), sizeof un).error().value() == EAFNOSUPPORT);
    sockaddr_storage ss{};
    ss.ss_family = AF_UNSPEC;
    CHECK(netd::wire_from_sockaddr(sa(&ss), sizeof ss).error().value() == EAFNOSUPPORT);
    ss.ss_family = AF_PACKET;
    CHECK(netd::wire_from_sockaddr(sa(&ss), sizeof ss).error().value() == EAFNOSUPPORT);
}

TEST_CASE("wire_addr: IPv4 back to sockaddr_in on an AF_INET socket", "[netd]") {
    sockaddr_storage ss{};
    const socklen_t n = netd::sockaddr_from_wire(wire_v4({10, 99, 0, 1}, 7), AF_INET,
                                                 reinterpret_cast<sockaddr*>(&ss), sizeof ss);
    REQUIRE(n == sizeof(sockaddr_in));
    const auto* in = reinterpret_cast<const sockaddr_in*>(&ss);
    CHECK(in->sin_family == AF_INET);
    CHECK(ntohs(in->sin_port) == 7);
    char text[INET_ADDRSTRLEN];
    REQUIRE(inet_ntop(AF_INET, &in->sin_addr, text, sizeof text) != nullptr);
    CHECK(std::string(text) == "10.99.0.1");
}

TEST_CASE("wire_addr: IPv4 comes back v4-mapped on an AF_INET6 socket", "[netd]") {
    sockaddr_storage ss{};
    const socklen_t n = netd::sockaddr_from_wire(wire_v4({10, 99, 0, 1}, 4242), AF_INET6,
                                                 reinterpret_cast<sockaddr*>(&ss), sizeof ss);
    REQUIRE(n == sizeof(sockaddr_in6));
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&ss);
    CHECK(in6->sin6_family == AF_INET6);
    CHECK(ntohs(in6->sin6_port) == 4242);
    CHECK(IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr));
    char text[INET6_ADDRSTRLEN];
    REQUIRE(inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text) != nullptr);
    CHECK(std::string(text) == "::ffff:10.99.0.1");
}

TEST_CASE("wire_addr: IPv6 with scope round-trips", "[netd]") {
    const sockaddr_in6 in6 = v6("fe80::ff:fe00:2", 443, 7);
    auto w = netd::wire_from_sockaddr(sa(&in6), sizeof in6);
    REQUIRE(w);
    sockaddr_in6 back{};
    const socklen_t n =
        netd::sockaddr_from_wire(*w, AF_INET6, reinterpret_cast<sockaddr*>(&back), sizeof back);
    REQUIRE(n == sizeof back);
    CHECK(back.sin6_family == AF_INET6);
    CHECK(back.sin6_port == in6.sin6_port);
    CHECK(back.sin6_scope_id == 7);
    CHECK(std::memcmp(&back.sin6_addr, &in6.sin6_addr, 16) == 0);
}

TEST_CASE("wire_addr: a mapped address given to an AF_INET6 socket comes back mapped", "[netd]") {
    const sockaddr_in6 in6 = v6("::ffff:192.0.2.7", 80);
    auto w = netd::wire_from_sockaddr(sa(&in6), sizeof in6);
    REQUIRE(w);
    sockaddr_in6 back{};
    REQUIRE(netd::sockaddr_from_wire(*w, AF_INET6, reinterpret_cast<sockaddr*>(&back),
                                     sizeof back) == sizeof back);
    CHECK(std::memcmp(&back.sin6_addr, &in6.sin6_addr, 16) == 0);
    CHECK(back.sin6_port == in6.sin6_port);
}

TEST_CASE("wire_addr: output is truncated to the room, the full length reported", "[netd]") {
    // As the kernel's getsockname: copy min(room, full), return full.
    std::array<unsigned char, sizeof(sockaddr_in6) + 8> buf;
    buf.fill(0xee);
    const WireAddr w = wire_v4({10, 99, 0, 1}, 7);

    SECTION("room 0 writes nothing") {
        CHECK(netd::sockaddr_from_wire(w, AF_INET, reinterpret_cast<sockaddr*>(buf.data()), 0) ==
              sizeof(sockaddr_in));
        CHECK(buf[0] == 0xee);
    }
    SECTION("room 4 of an AF_INET address writes 4 bytes") {
        CHECK(netd::sockaddr_from_wire(w, AF_INET, reinterpret_cast<sockaddr*>(buf.data()), 4) ==
              sizeof(sockaddr_in));
        sa_family_t fam;
        std::memcpy(&fam, buf.data(), sizeof fam);
        CHECK(fam == AF_INET);
        CHECK(buf[4] == 0xee);
    }
    SECTION("room 16 of an AF_INET6 address writes 16 bytes") {
        CHECK(netd::sockaddr_from_wire(w, AF_INET6, reinterpret_cast<sockaddr*>(buf.data()), 16) ==
              sizeof(sockaddr_in6));
        CHECK(buf[15] != 0xee);
        CHECK(buf[16] == 0xee);
    }
    SECTION("a larger room is written only up to the full length") {
        CHECK(netd::sockaddr_from_wire(w, AF_INET6, reinterpret_cast<sockaddr*>(buf.data()),
                                       buf.size()) == sizeof(sockaddr_in6));
        CHECK(buf[sizeof(sockaddr_in6)] == 0xee);
    }
    SECTION("a null output only reports the length") {
        CHECK(netd::sockaddr_from_wire(w, AF_INET6, nullptr, 64) == sizeof(sockaddr_in6));
    }
}

TEST_CASE("wire_addr: family 0 (no address) becomes AF_UNSPEC", "[netd]") {
    sockaddr_storage ss{};
    ss.ss_family = AF_INET;
    const socklen_t n =
        netd::sockaddr_from_wire(WireAddr{}, AF_INET, reinterpret_cast<sockaddr*>(&ss), sizeof ss);
    CHECK(n == sizeof(sa_family_t));
    CHECK(ss.ss_family == AF_UNSPEC);
}

TEST_CASE("wire_addr: daemon side converts to SocketAddress and back", "[netd]") {
    SECTION("IPv4") {
        const WireAddr w = wire_v4({192, 0, 2, 1}, 53);
        auto a = netd::socket_address_from_wire(w);
        REQUIRE(a);
        CHECK(a->is_v4());
        CHECK(a->port == 53);
        const WireAddr back = netd::wire_from_socket_address(*a);
        CHECK(back.family == AF_INET);
        CHECK(back.port == 53);
        CHECK(std::memcmp(back.bytes, w.bytes, 4) == 0);
    }
    SECTION("IPv6") {
        const sockaddr_in6 in6 = v6("fd99::2", 8000);
        auto w = netd::wire_from_sockaddr(sa(&in6), sizeof in6);
        REQUIRE(w);
        auto a = netd::socket_address_from_wire(*w);
        REQUIRE(a);
        CHECK_FALSE(a->is_v4());
        const WireAddr back = netd::wire_from_socket_address(*a);
        CHECK(back.family == AF_INET6);
        CHECK(back.port == 8000);
        CHECK(std::memcmp(back.bytes, &in6.sin6_addr, 16) == 0);
    }
    SECTION("family 0 and foreign families are EAFNOSUPPORT") {
        WireAddr w;
        CHECK(netd::socket_address_from_wire(w).error().value() == EAFNOSUPPORT);
        w.family = AF_UNIX;
        CHECK(netd::socket_address_from_wire(w).error().value() == EAFNOSUPPORT);
    }
}

} // namespace multios::net::netd_unit_test
