// SocketAddress::parse / to_string: "a.b.c.d:port" and "[v6]:port", nothing else (the port is
// required, brackets are for IPv6 only, an unbracketed IPv6 address with a port is ambiguous).
#include <catch2/catch.hpp>

#include <cerrno>

#include <multios/net/socket_address.hpp>

namespace multios::net::api_unit_test {

TEST_CASE("SocketAddress parses IPv4 with a port and prints it back", "[api-unit]") {
    auto a = SocketAddress::parse("192.168.1.100:80");
    REQUIRE(a);
    CHECK(a->is_v4());
    CHECK(a->port == 80);
    CHECK(a->address == IpAddress(Ipv4Address{{192, 168, 1, 100}}));
    CHECK(a->to_string() == "192.168.1.100:80");

    for (const char* text : {"0.0.0.0:0", "10.99.0.2:65535", "255.255.255.255:1"}) {
        auto b = SocketAddress::parse(text);
        REQUIRE(b);
        CHECK(b->to_string() == text); // to_string is the inverse of parse
    }
}

TEST_CASE("SocketAddress parses bracketed IPv6 with a port and prints it back", "[api-unit]") {
    auto a = SocketAddress::parse("[fd00::1]:80");
    REQUIRE(a);
    CHECK_FALSE(a->is_v4());
    CHECK(a->address.is_v6());
    CHECK(a->port == 80);
    Ipv6Address expected{};
    expected.bytes[0] = 0xfd;
    expected.bytes[15] = 1;
    CHECK(a->address == IpAddress(expected));
    CHECK(a->to_string() == "[fd00::1]:80");

    for (const char* text : {"[::]:0", "[fd99::2]:65535", "[::1]:8080"}) {
        auto b = SocketAddress::parse(text);
        REQUIRE(b);
        CHECK(b->to_string() == text);
        auto again = SocketAddress::parse(b->to_string());
        REQUIRE(again);
        CHECK(*again == *b);
    }
}

TEST_CASE("SocketAddress refuses malformed text with EINVAL", "[api-unit]") {
    const char* bad[] = {
        "",                     // empty
        "10.0.0.1",             // missing port
        "10.0.0.1:",            // empty port
        "10.0.0.1:65536",       // port out of range
        "10.0.0.1:99999999999", // port overflows
        "10.0.0.1:-1",          // negative port
        "10.0.0.1:80x",         // trailing garbage
        "10.0.0.1: 80",         // space
        "fd00::1:80",           // IPv6 without brackets (ambiguous)
        "::1:80",
        "[1.2.3.4]:80", // brackets around IPv4
        "[fd00::1]",    // bracketed, no port
        "[fd00::1]:",   // bracketed, empty port
        "[fd00::1]80",  // no colon after the bracket
        "[fd00::1:80",  // unclosed bracket
        "[]:80",        // empty address
        ":80",          // no address
        "fd00::1]:80",  // stray bracket
        "300.1.1.1:80", // bad IPv4
        "[fd00::g]:80", // bad IPv6
        "localhost:80", // names are not resolved
    };
    for (const char* text : bad) {
        INFO("input: \"" << text << "\"");
        auto r = SocketAddress::parse(text);
        CHECK_FALSE(r);
        CHECK(r.error() == std::errc::invalid_argument);
    }
}

TEST_CASE("SocketAddress any_v4 and any_v6 are the unspecified addresses", "[api-unit]") {
    const auto v4 = SocketAddress::any_v4(8080);
    CHECK(v4.is_v4());
    CHECK(v4.port == 8080);
    CHECK(v4.address == IpAddress(Ipv4Address{}));
    CHECK(v4.to_string() == "0.0.0.0:8080");
    CHECK(v4 == SocketAddress::parse("0.0.0.0:8080").value());

    const auto v6 = SocketAddress::any_v6(0);
    CHECK_FALSE(v6.is_v4());
    CHECK(v6.port == 0);
    CHECK(v6.address == IpAddress(Ipv6Address{}));
    CHECK(v6.to_string() == "[::]:0");
    CHECK(v6 == SocketAddress::parse("[::]:0").value());
    CHECK_FALSE(v4 == SocketAddress::any_v6(8080)); // families differ
}

} // namespace multios::net::api_unit_test
