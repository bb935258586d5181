// Response heads as `get` parses them and the body framing it derives (RFC 9112 4, 6.3).
#include <catch2/catch.hpp>

#include <string>

#include "http_message.hpp"

using namespace multios::net::app::http;

namespace multios::net::http_response_test {

ResponseParse parse(const std::string& s) {
    return parse_response_head(s);
}

TEST_CASE("a status line with Content-Length", "[http]") {
    const std::string s = "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\nServer: x\r\n\r\nBODY";
    const auto r = parse(s);
    REQUIRE(r.status == ParseStatus::kComplete);
    CHECK(r.head_bytes == s.size() - 4);
    CHECK(r.head.status == 200);
    CHECK(r.head.reason == "OK");
    CHECK(r.head.content_length == std::optional<std::uint64_t>(1234));
    CHECK_FALSE(r.head.close);
    CHECK(body_framing(r.head, Method::kGet) == BodyFraming::kContentLength);
    CHECK(body_framing(r.head, Method::kHead) == BodyFraming::kNone);
}

TEST_CASE("python http.server's HTTP/1.0 response is read until close", "[http]") {
    const auto r = parse("HTTP/1.0 200 OK\r\nServer: SimpleHTTP/0.6 Python/3.11.2\r\n"
                         "Content-type: application/octet-stream\r\n\r\n");
    REQUIRE(r.status == ParseStatus::kComplete);
    CHECK(r.head.version_minor == 0);
    CHECK(r.head.close);
    CHECK(body_framing(r.head, Method::kGet) == BodyFraming::kUntilClose);
}

TEST_CASE("Transfer-Encoding chunked overrides Content-Length", "[http]") {
    const auto r = parse("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n"
                         "Transfer-Encoding: gzip, chunked\r\n\r\n");
    REQUIRE(r.status == ParseStatus::kComplete);
    CHECK(r.head.chunked);
    CHECK_FALSE(r.head.content_length);
    CHECK(body_framing(r.head, Method::kGet) == BodyFraming::kChunked);
    const auto g = parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n");
    CHECK(body_framing(g.head, Method::kGet) == BodyFraming::kUntilClose);
}

TEST_CASE("bodiless statuses and an empty reason", "[http]") {
    for (int code : {100, 204, 304}) {
        const auto r = parse("HTTP/1.1 " + std::to_string(code) + " X\r\n\r\n");
        REQUIRE(r.status == ParseStatus::kComplete);
        CHECK(body_framing(r.head, Method::kGet) == BodyFraming::kNone);
    }
    const auto e = parse("HTTP/1.1 404 \r\nContent-Length: 0\r\n\r\n");
    REQUIRE(e.status == ParseStatus::kComplete);
    CHECK(e.head.status == 404);
    CHECK(e.head.reason.empty());
    CHECK(body_framing(e.head, Method::kGet) == BodyFraming::kNone);
    CHECK(parse("HTTP/1.1 200\r\n\r\n").head.status == 200);
}

TEST_CASE("Connection: close is noticed", "[http]") {
    CHECK(parse("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n").head.close);
}

TEST_CASE("malformed responses are errors", "[http]") {
    for (const std::string s :
         {"HTTP/1.1 2000 OK\r\n\r\n", "HTTP/1.1 20 OK\r\n\r\n", "HTTP/2 200 OK\r\n\r\n",
          "ICY 200 OK\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
          "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
          "HTTP/1.1 200 OK\r\nBad Field: 1\r\n\r\n", "\r\n"}) {
        INFO(s);
        CHECK(parse(s).status == ParseStatus::kError);
    }
    std::string huge = "HTTP/1.1 200 OK\r\n";
    huge += std::string(kMaxHeadBytes, 'x');
    CHECK(parse(huge).status == ParseStatus::kError);
    CHECK(parse("HTTP/1.1 200 OK\r\nA: b\r\n").status == ParseStatus::kIncomplete);
}

} // namespace multios::net::http_response_test
