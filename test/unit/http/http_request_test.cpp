// Request heads as `serve --http` parses them: what is accepted, persistence, and the status
// each malformed or oversized head gets (RFC 9112 2-6, RFC 9110 9, RFC 6585 5).
#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include "http_message.hpp"

using namespace multios::net::app::http;
using namespace std::string_literals;

namespace multios::net::http_request_test {

/// The parse result holds views into its input: keep every input alive for the whole test.
struct Inputs {
    std::vector<std::unique_ptr<std::string>> kept;
};
Inputs& inputs() {
    static Inputs in;
    return in;
}

RequestParse parse(std::string s) {
    inputs().kept.push_back(std::make_unique<std::string>(std::move(s)));
    return parse_request_head(*inputs().kept.back());
}

int error_of(const std::string& s) {
    const auto r = parse(s);
    INFO(s);
    REQUIRE(r.status == ParseStatus::kError);
    return r.error_status;
}

TEST_CASE("a simple GET is parsed with its target and length", "[http]") {
    const std::string s = "GET /a/b.txt?x=1 HTTP/1.1\r\nHost: h\r\nUser-Agent: t\r\n\r\nNEXT";
    const auto r = parse(s);
    REQUIRE(r.status == ParseStatus::kComplete);
    CHECK(r.head_bytes == s.size() - 4);
    CHECK(r.request.method == Method::kGet);
    CHECK(r.request.target == "/a/b.txt?x=1");
    CHECK(r.request.version_minor == 1);
    CHECK(r.request.keep_alive);
    CHECK(r.request.content_length == 0);
}

TEST_CASE("a head is incomplete until its empty line arrives", "[http]") {
    const std::string s = "HEAD / HTTP/1.1\r\nHost: h\r\n\r\n";
    for (std::size_t n = 0; n < s.size(); ++n)
        CHECK(parse(s.substr(0, n)).status == ParseStatus::kIncomplete);
    const auto r = parse(s);
    REQUIRE(r.status == ParseStatus::kComplete);
    CHECK(r.request.method == Method::kHead);
}

TEST_CASE("bare LF line endings and leading empty lines are tolerated", "[http]") {
    const auto r = parse("\r\n\nGET /x HTTP/1.1\nHost: h\n\n");
    REQUIRE(r.status == ParseStatus::kComplete);
    CHECK(r.request.target == "/x");
}

TEST_CASE("persistence follows the version and Connection options", "[http]") {
    CHECK_FALSE(parse("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n").request.keep_alive);
    CHECK_FALSE(
        parse("GET / HTTP/1.1\r\nHost: h\r\nConnection: TE, Close\r\n\r\n").request.keep_alive);
    CHECK_FALSE(parse("GET / HTTP/1.0\r\n\r\n").request.keep_alive);
    const auto ka = parse("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    REQUIRE(ka.status == ParseStatus::kComplete);
    CHECK(ka.request.keep_alive);
    CHECK(ka.request.version_minor == 0);
}

TEST_CASE("methods are classified case-sensitively", "[http]") {
    CHECK(parse("POST / HTTP/1.1\r\nHost: h\r\n\r\n").request.method == Method::kOtherKnown);
    CHECK(parse("DELETE / HTTP/1.1\r\nHost: h\r\n\r\n").request.method == Method::kOtherKnown);
    CHECK(parse("get / HTTP/1.1\r\nHost: h\r\n\r\n").request.method == Method::kUnknown);
    CHECK(parse("BREW / HTTP/1.1\r\nHost: h\r\n\r\n").request.method == Method::kUnknown);
}

TEST_CASE("Content-Length is read; conflicting or malformed lengths are 400", "[http]") {
    const auto r = parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 42\r\n\r\n");
    REQUIRE(r.status == ParseStatus::kComplete);
    CHECK(r.request.content_length == 42);
    CHECK(parse("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n")
              .request.content_length == 5);
    CHECK(error_of("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n") ==
          400);
    CHECK(error_of("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n") == 400);
    CHECK(error_of("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999\r\n\r\n") ==
          400);
    // RFC 9112 6.1: both framings at once is how requests are smuggled.
    CHECK(error_of("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n"
                   "Transfer-Encoding: chunked\r\n\r\n") == 400);
    CHECK(parse("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n")
              .request.transfer_encoding);
}

TEST_CASE("malformed request lines and fields are 400", "[http]") {
    CHECK(error_of("GET /\r\n\r\n") == 400);
    CHECK(error_of("GET  / HTTP/1.1\r\nHost: h\r\n\r\n") == 400);
    CHECK(error_of("GET / HTTP/1.1 x\r\nHost: h\r\n\r\n") == 400);
    CHECK(error_of("GET / FTP/1.1\r\nHost: h\r\n\r\n") == 400);
    CHECK(error_of("G(T / HTTP/1.1\r\nHost: h\r\n\r\n") == 400);
    CHECK(error_of("GET / HTTP/1.1\r\nHost : h\r\n\r\n") == 400);           // space before colon
    CHECK(error_of("GET / HTTP/1.1\r\nHost: h\r\n folded\r\n\r\n") == 400); // obs-fold
    CHECK(error_of("GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n") == 400);
    CHECK(error_of("GET / HTTP/1.1\r\nHost: h\rX: y\r\n\r\n") == 400); // bare CR
    CHECK(error_of("GET / HTTP/1.1\r\nHost: h\0x\r\n\r\n"s) == 400);
    CHECK(error_of("GET /a\0b HTTP/1.1\r\nHost: h\r\n\r\n"s) == 400);
}

TEST_CASE("Host is required once in HTTP/1.1", "[http]") {
    CHECK(error_of("GET / HTTP/1.1\r\n\r\n") == 400);
    CHECK(error_of("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n") == 400);
    CHECK(parse("GET / HTTP/1.0\r\n\r\n").status == ParseStatus::kComplete);
}

TEST_CASE("other HTTP major versions are 505", "[http]") {
    CHECK(error_of("GET / HTTP/2.0\r\nHost: h\r\n\r\n") == 505);
    CHECK(error_of("GET / HTTP/0.9\r\nHost: h\r\n\r\n") == 505);
}

TEST_CASE("heads are bounded: 431 for large fields, 414 for a long request line", "[http]") {
    std::string big = "GET / HTTP/1.1\r\nHost: h\r\n";
    while (big.size() < kMaxHeadBytes)
        big += "X-Filler: 0123456789012345678901234567890123456789\r\n";
    CHECK(error_of(big) == 431);
    CHECK(error_of("GET /" + std::string(kMaxHeadBytes, 'a')) == 414);
    // Exactly at the bound but complete: still accepted.
    std::string fits = "GET / HTTP/1.1\r\nHost: h\r\nX: ";
    fits += std::string(kMaxHeadBytes - fits.size() - 4, 'v') + "\r\n\r\n";
    REQUIRE(fits.size() == kMaxHeadBytes);
    CHECK(parse(fits).status == ParseStatus::kComplete);
}

TEST_CASE("only the first head of pipelined requests is taken", "[http]") {
    const std::string a = "GET /1 HTTP/1.1\r\nHost: h\r\n\r\n";
    const std::string b = "GET /2 HTTP/1.1\r\nHost: h\r\n\r\n";
    const auto r1 = parse(a + b);
    REQUIRE(r1.status == ParseStatus::kComplete);
    CHECK(r1.head_bytes == a.size());
    CHECK(r1.request.target == "/1");
    const auto r2 = parse((a + b).substr(r1.head_bytes));
    CHECK(r2.request.target == "/2");
}

} // namespace multios::net::http_request_test
