// `get` URLs: numeric IPv4 or bracketed IPv6 hosts, ports, targets (RFC 3986 3).
#include <catch2/catch.hpp>

#include <string>

#include "url.hpp"

using namespace multios::net;
using namespace multios::net::app;

namespace multios::net::url_test {

HttpUrl ok(std::string_view s) {
    auto r = parse_http_url(s);
    INFO(s);
    if (auto* e = std::get_if<std::string>(&r))
        FAIL(*e);
    return std::get<HttpUrl>(r);
}

std::string bad(std::string_view s) {
    auto r = parse_http_url(s);
    INFO(s);
    REQUIRE(std::holds_alternative<std::string>(r));
    return std::get<std::string>(r);
}

TEST_CASE("IPv4 URLs with and without port and path", "[http]") {
    const auto a = ok("http://10.0.0.1:8000/big.bin");
    CHECK(a.host == IpAddress(*Ipv4Address::parse("10.0.0.1")));
    CHECK(a.port == 8000);
    CHECK(a.target == "/big.bin");
    CHECK(a.authority == "10.0.0.1:8000");
    const auto b = ok("http://10.0.0.1");
    CHECK(b.port == 80);
    CHECK(b.target == "/");
    CHECK(ok("http://10.0.0.1:/x").port == 80);
    CHECK(ok("http://10.0.0.1?q=1").target == "/?q=1");
    CHECK(ok("http://10.0.0.1/a?b=c#frag").target == "/a?b=c");
}

TEST_CASE("IPv6 literals are bracketed", "[http]") {
    const auto a = ok("http://[fd99::1]:8080/f");
    CHECK(a.host.is_v6());
    CHECK(a.host.to_string() == "fd99::1");
    CHECK(a.port == 8080);
    CHECK(a.authority == "[fd99::1]:8080");
    CHECK(ok("http://[::1]").port == 80);
    CHECK(bad("http://fd99::1/").find("brackets") != std::string::npos);
    CHECK(bad("http://[10.0.0.1]/").find("brackets") != std::string::npos);
    CHECK(bad("http://[fd99::1/").find("']'") != std::string::npos);
    CHECK(bad("http://[fd99::1]x/").find("after ']'") != std::string::npos);
}

TEST_CASE("bad URLs say why", "[http]") {
    CHECK(bad("ftp://10.0.0.1/").find("not an http:// URL") != std::string::npos);
    CHECK(bad("http:///x").find("no host") != std::string::npos);
    CHECK(bad("http://example.com/").find("numeric") != std::string::npos);
    CHECK(bad("http://10.0.0.1:0/").find("out of range") != std::string::npos);
    CHECK(bad("http://10.0.0.1:65536/").find("out of range") != std::string::npos);
    CHECK(bad("http://10.0.0.1:8x/").find("invalid port") != std::string::npos);
    CHECK(bad("http://u@10.0.0.1/").find("user information") != std::string::npos);
    CHECK(bad("http://10.0.0.1/a b").find("space") != std::string::npos);
    CHECK(bad("http://10.0.0.1/a\r\nX: y").find("control") != std::string::npos);
}

} // namespace multios::net::url_test
