// The chunked transfer coding (RFC 9112 7.1) decoded incrementally, byte by byte as well as
// in one piece, with its bounds on sizes, extensions and trailers.
#include <catch2/catch.hpp>

#include <string>

#include "http_message.hpp"

using namespace multios::net::app::http;

namespace multios::net::http_chunked_test {

struct Decoded {
    std::string body;
    bool done = false;
    bool failed = false;
    std::size_t consumed = 0;
};

/// Feeds `in` in pieces of `step` bytes, as a receive loop would.
Decoded decode_all(const std::string& in, std::size_t step) {
    ChunkedDecoder d;
    Decoded out;
    for (std::size_t at = 0; at < in.size() && !d.done() && !d.failed(); at += step) {
        std::string_view piece = std::string_view(in).substr(at, step);
        while (!piece.empty() && !d.done() && !d.failed()) {
            std::string_view data;
            const auto n = d.decode(piece, data);
            REQUIRE(n > 0);
            out.body.append(data);
            out.consumed += n;
            piece.remove_prefix(n);
        }
    }
    out.done = d.done();
    out.failed = d.failed();
    return out;
}

TEST_CASE("chunks are joined, whatever the read sizes", "[http]") {
    const std::string in = "5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\n\r\nNEXT";
    for (std::size_t step : {1u, 2u, 3u, 7u, 100u}) {
        const auto d = decode_all(in, step);
        INFO(step);
        CHECK(d.done);
        CHECK(d.body == "hello, world");
        CHECK(d.consumed == in.size() - 4);
    }
}

TEST_CASE("hex sizes, trailers and bare LF are accepted", "[http]") {
    const std::string body(0x1A, 'z');
    const auto d = decode_all("1a\r\n" + body + "\r\n0\r\nX-Sum: 1\r\nY: 2\r\n\r\n", 5);
    CHECK(d.done);
    CHECK(d.body == body);
    const auto lf = decode_all("3\nabc\n0\n\n", 1);
    CHECK(lf.done);
    CHECK(lf.body == "abc");
}

TEST_CASE("an unfinished body is neither done nor failed", "[http]") {
    const auto d = decode_all("5\r\nhel", 1);
    CHECK_FALSE(d.done);
    CHECK_FALSE(d.failed);
    CHECK(d.body == "hel");
}

TEST_CASE("malformed chunked bodies fail", "[http]") {
    for (const std::string s : {"\r\n", "g\r\n", "5\r\nhelloX\r\n", "5\rX", "0\r\n\rX", "-1\r\n",
                                "5 x\r\nhello\r\n0\r\n\r\n" /* ext ok */}) {
        const auto d = decode_all(s, 1);
        INFO(s);
        if (s.starts_with("5 x"))
            CHECK(d.done);
        else
            CHECK(d.failed);
    }
}

TEST_CASE("sizes, extensions and trailers are bounded", "[http]") {
    CHECK(decode_all(std::string(16, 'f') + "\r\n", 4).failed);
    CHECK(decode_all("1;" + std::string(kMaxChunkLineBytes + 1, 'e') + "\r\n", 64).failed);
    std::string trailers = "0\r\n";
    while (trailers.size() < kMaxTrailerBytes + 100)
        trailers += "X-T: 0123456789\r\n";
    CHECK(decode_all(trailers, 512).failed);
}

} // namespace multios::net::http_chunked_test
