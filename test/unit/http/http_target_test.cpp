// Request targets mapped onto the served tree: nothing may name a file outside --root
// (HARDENING.md row 24; the classic "../" and "%2e%2e" traversals, NUL truncation).
#include <catch2/catch.hpp>

#include <string>

#include "http_message.hpp"

using namespace multios::net::app::http;

namespace multios::net::http_target_test {

std::string relative(std::string_view target) {
    const auto t = resolve_target(target);
    INFO(target);
    REQUIRE(t.error_status == 0);
    return t.relative;
}

int refused(std::string_view target) {
    const auto t = resolve_target(target);
    INFO(target);
    CHECK(t.relative.empty());
    return t.error_status;
}

TEST_CASE("plain paths map to relative names", "[http]") {
    CHECK(relative("/") == "");
    CHECK(relative("/index.html") == "index.html");
    CHECK(relative("/a/b/c.bin?x=../../etc") == "a/b/c.bin");
    CHECK(relative("/a//b/./c") == "a/b/c");
    CHECK(relative("/a%20b.txt") == "a b.txt");
    CHECK(relative("/file..name") == "file..name");
    CHECK(relative("/...") == "...");
}

TEST_CASE("absolute paths stay inside the root", "[http]") {
    CHECK(relative("//etc/passwd") == "etc/passwd");
    CHECK(relative("/%2fetc%2fpasswd") == "etc/passwd");
    CHECK(relative("http://host:8080/x/y") == "x/y");
    CHECK(relative("http://host") == "");
}

TEST_CASE("directory targets are flagged by their trailing slash", "[http]") {
    CHECK(resolve_target("/dir/").trailing_slash);
    CHECK(resolve_target("/").trailing_slash);
    CHECK_FALSE(resolve_target("/dir").trailing_slash);
    CHECK(resolve_target("/dir?q=1").path == "/dir");
}

TEST_CASE("dot-dot segments are refused, however they are spelled", "[http]") {
    CHECK(refused("/..") == 403);
    CHECK(refused("/../etc/passwd") == 403);
    CHECK(refused("/a/../../etc/passwd") == 403);
    CHECK(refused("/a/..") == 403);
    CHECK(refused("/%2e%2e/etc/passwd") == 403);
    CHECK(refused("/%2E%2E%2Fetc%2Fpasswd") == 403);
    CHECK(refused("/.%2e/x") == 403);
    CHECK(refused("/a/..%2f..%2fetc") == 403);
    CHECK(refused("http://h/../x") == 403);
}

TEST_CASE("NUL bytes and malformed escapes are refused", "[http]") {
    CHECK(refused("/a%00.html") == 403);
    CHECK(refused("/a%0") == 400);
    CHECK(refused("/a%zz") == 400);
    CHECK(refused("/a%") == 400);
}

TEST_CASE("targets that are not origin- or absolute-form are 400", "[http]") {
    CHECK(refused("*") == 400);
    CHECK(refused("index.html") == 400);
    CHECK(refused("host:80") == 400);
    CHECK(refused("http://h?x") == 400);
}

TEST_CASE("responses carry the reason phrase, length and persistence", "[http]") {
    const auto h = format_response_head(404, 14, "text/plain", true);
    CHECK(h.starts_with("HTTP/1.1 404 Not Found\r\n"));
    CHECK(h.find("Content-Length: 14\r\n") != std::string::npos);
    CHECK(h.find("Content-Type: text/plain\r\n") != std::string::npos);
    CHECK(h.find("Connection: keep-alive\r\n") != std::string::npos);
    CHECK(h.ends_with("\r\n\r\n"));
    const auto c = format_response_head(405, 0, "", false, "Allow: GET, HEAD\r\n");
    CHECK(c.find("Connection: close\r\nAllow: GET, HEAD\r\n\r\n") != std::string::npos);
    CHECK(c.find("Content-Type") == std::string::npos);
    // What we send, we must be able to read back.
    const auto back = parse_response_head(h);
    REQUIRE(back.status == ParseStatus::kComplete);
    CHECK(back.head.status == 404);
    CHECK(back.head.content_length == std::optional<std::uint64_t>(14));
}

TEST_CASE("content types come from the extension", "[http]") {
    CHECK(content_type_for("a/index.HTML") == "text/html; charset=utf-8");
    CHECK(content_type_for("x.png") == "image/png");
    CHECK(content_type_for("big.bin") == "application/octet-stream");
    CHECK(content_type_for("noext") == "application/octet-stream");
    CHECK(content_type_for("dir.d/file") == "application/octet-stream");
    CHECK(content_type_for("trailing.") == "application/octet-stream");
}

} // namespace multios::net::http_target_test
