// The http app: HTTP/1.1 framing fed byte by byte and in pipelined chunks (no network), the
// latency histogram, the scenario fields it accepts and refuses, and whole runs with exact
// byte counts and latencies checked against RTT + serialization on a lossless link.
#include <catch2/catch.hpp>

#include <string>
#include <variant>
#include <vector>

#include "sim/http_message.hpp"
#include "sim/latency_histogram.hpp"
#include "sim/run_scenario.hpp"
#include "sim/scenario.hpp"

using namespace multios::net;
using namespace multios::net::sim;
using namespace std::chrono_literals;

namespace multios::net::sim_http_test {
namespace {

std::span<const std::byte> bytes_of(std::string_view s) {
    return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

struct SeenRequest {
    std::string method, target;
    bool keep_alive;
    std::uint64_t content_length;
};

/// Feeds `wire` to a fresh request parser in pieces of `piece` bytes.
std::vector<SeenRequest> parse_requests(std::string_view wire, std::size_t piece, bool& ok) {
    http::RequestParser p;
    std::vector<SeenRequest> out;
    ok = true;
    for (std::size_t i = 0; i < wire.size() && ok; i += piece) {
        ok = p.feed(bytes_of(wire.substr(i, piece)), [&](const http::Request& r) {
            out.push_back(
                {std::string(r.method), std::string(r.target), r.keep_alive, r.content_length});
        });
    }
    return out;
}

std::variant<ScenarioFile, ScenarioError> parse(const std::string& app_lines) {
    return parse_scenario(R"([simulation]
duration = "2s"
[[node]]
name = "c"
addresses = ["10.4.0.1/24"]
[[node]]
name = "s"
addresses = ["10.4.0.2/24"]
[[link]]
a = "c"
b = "s"
[[app]]
kind = "http"
from = "c"
to = "s"
)" + app_lines,
                          "run.toml");
}

/// The error message of a scenario that must be refused ("" if it was accepted).
std::string refusal(const std::string& app_lines) {
    const auto r = parse(app_lines);
    const auto* e = std::get_if<ScenarioError>(&r);
    return e ? e->message : std::string();
}

/// One client, one server, a lossless link; `app_lines` completes the http app.
ScenarioFile two_hosts(const std::string& rate, const std::string& delay,
                       const std::string& app_lines) {
    auto r = parse_scenario("[simulation]\nduration = \"5s\"\n"
                            "[[node]]\nname = \"c\"\naddresses = [\"10.4.0.1/24\"]\n"
                            "[[node]]\nname = \"s\"\naddresses = [\"10.4.0.2/24\"]\n"
                            "[[link]]\na = \"c\"\nb = \"s\"\nqueue = 1000\nrate = \"" +
                                rate + "\"\ndelay = \"" + delay +
                                "\"\n[[app]]\nkind = \"http\"\nname = \"web\"\nfrom = \"c\"\n"
                                "to = \"s\"\n" +
                                app_lines,
                            "run.toml");
    if (auto* e = std::get_if<ScenarioError>(&r)) {
        FAIL(e->message);
    }
    return std::get<ScenarioFile>(std::move(r));
}

/// Bytes of the server's response head for a body of `n` bytes.
std::size_t head_size(std::uint64_t n) {
    std::array<char, 256> buf{};
    return http::format_response_head(n, true, buf);
}

double ms(Duration d) {
    return std::chrono::duration<double, std::milli>(d).count();
}

} // namespace
} // namespace multios::net::sim_http_test

using namespace multios::net::sim_http_test;

TEST_CASE("http requests split anywhere across reads are parsed", "[sim_http]") {
    const std::string wire = "GET /10240 HTTP/1.1\r\nHost: 10.0.0.2\r\nUser-Agent: t\r\n\r\n"
                             "GET /index.html HTTP/1.1\r\nhost: x\r\nConnection: close\r\n\r\n";
    for (const std::size_t piece :
         {std::size_t{1}, std::size_t{2}, std::size_t{7}, std::size_t{38}, wire.size()}) {
        INFO("piece " << piece);
        bool ok = false;
        const auto reqs = parse_requests(wire, piece, ok);
        REQUIRE(ok);
        REQUIRE(reqs.size() == 2);
        CHECK(reqs[0].method == "GET");
        CHECK(reqs[0].target == "/10240");
        CHECK(reqs[0].keep_alive);
        CHECK(reqs[1].target == "/index.html");
        CHECK_FALSE(reqs[1].keep_alive); // RFC 9112 9.6: Connection: close
    }
    CHECK(http::size_from_target("/10240") == 10240u);
    CHECK_FALSE(http::size_from_target("/index.html"));
    CHECK_FALSE(http::size_from_target("/"));
    CHECK_FALSE(http::size_from_target("/-1"));
}

TEST_CASE("http: pipelined requests in one read, bodies skipped, leading CRLF ignored",
          "[sim_http]") {
    std::string wire = "\r\n";
    for (int i = 0; i < 5; ++i) {
        wire += "GET /" + std::to_string(i) + " HTTP/1.1\r\nHost: h\r\n\r\n";
    }
    wire += "GET /body HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nGET /GET /after HTTP/1.0\r\n"
            "\r\n";
    bool ok = false;
    const auto reqs = parse_requests(wire, wire.size(), ok);
    REQUIRE(ok);
    REQUIRE(reqs.size() == 7);
    CHECK(reqs[4].target == "/4");
    CHECK(reqs[5].content_length == 5);
    CHECK(reqs[6].target == "/after"); // the 5 body bytes "GET /" were not taken as a request
    CHECK_FALSE(reqs[6].keep_alive);   // HTTP/1.0 without keep-alive
}

TEST_CASE("http: malformed requests are refused with the right error", "[sim_http]") {
    struct Case {
        std::string wire;
        http::ParseError why;
    };
    const std::vector<Case> cases = {
        {"GET /a HTTP/1.1\r\n\r\n", http::ParseError::missing_host},
        {"GET /a HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", http::ParseError::missing_host},
        {"GET /a HTTP/2.0\r\nHost: a\r\n\r\n", http::ParseError::bad_version},
        {"GET  /a HTTP/1.1\r\nHost: a\r\n\r\n", http::ParseError::bad_start_line},
        {"GET /a HTTP/1.1 x\r\nHost: a\r\n\r\n", http::ParseError::bad_start_line},
        {"GET /a HTTP/1.1\r\nHost : a\r\n\r\n", http::ParseError::bad_header},
        {"GET /a HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", http::ParseError::bad_header},
        {"GET /a HTTP/1.1\r\nHost: a\nX: y\r\n\r\n", http::ParseError::bad_header},
        {"GET /a HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
         http::ParseError::bad_content_length},
        {"GET /a HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n",
         http::ParseError::bad_content_length},
        {"GET /a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n",
         http::ParseError::transfer_encoding},
        {"GET /a HTTP/1.1\r\nHost: a\r\nX: " + std::string(9000, 'a') + "\r\n\r\n",
         http::ParseError::head_too_large},
    };
    for (const Case& c : cases) {
        INFO(c.wire.substr(0, 80));
        http::RequestParser p;
        int seen = 0;
        CHECK_FALSE(p.feed(bytes_of(c.wire), [&](const http::Request&) { ++seen; }));
        CHECK(p.error() == c.why);
        CHECK(seen == 0);
        // The parser stays failed: the stream cannot be resynchronized.
        CHECK_FALSE(p.feed(bytes_of("GET / HTTP/1.1\r\nHost: a\r\n\r\n"),
                           [&](const http::Request&) { ++seen; }));
        CHECK(seen == 0);
    }
    std::array<char, 128> buf{};
    const auto n =
        http::format_error_response(http::error_status(http::ParseError::bad_version), buf);
    CHECK(std::string_view(buf.data(), n) ==
          "HTTP/1.1 505 HTTP Version Not Supported\r\nContent-Length: 0\r\nConnection: "
          "close\r\n\r\n");
}

TEST_CASE("http responses: status, headers, Content-Length, body split across reads",
          "[sim_http]") {
    std::array<char, 256> head{};
    const std::size_t h = http::format_response_head(3000, true, head);
    std::string wire(head.data(), h);
    wire += std::string(3000, 'x');
    wire += "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n";
    wire += "HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\nConnection: close\r\n\r\nno";
    for (const std::size_t piece : {std::size_t{1}, std::size_t{100}, wire.size()}) {
        INFO("piece " << piece);
        http::ResponseParser p;
        std::vector<http::Response> got;
        for (std::size_t i = 0; i < wire.size(); i += piece) {
            REQUIRE(p.feed(bytes_of(std::string_view(wire).substr(i, piece)),
                           [&](const http::Response& r) { got.push_back(r); }));
            if (i + piece < h + 3000) {
                CHECK(got.empty()); // complete only with the last body byte
            }
        }
        REQUIRE(got.size() == 3); // the 100 is interim
        CHECK(got[0].status == 200);
        CHECK(got[0].content_length == 3000);
        CHECK(got[0].head_bytes == h);
        CHECK(got[0].keep_alive);
        CHECK(got[1].status == 204);
        CHECK(got[2].status == 404);
        CHECK_FALSE(got[2].keep_alive);
        CHECK(p.idle());
    }
    http::ResponseParser bad;
    CHECK_FALSE(bad.feed(bytes_of("HTTP/1.1 200 OK\r\n\r\n"), [](const http::Response&) {}));
    CHECK(bad.error() == http::ParseError::no_length);
    http::ResponseParser junk;
    CHECK_FALSE(junk.feed(bytes_of("HTTP/1.1 2x0 OK\r\n\r\n"), [](const http::Response&) {}));
    CHECK(junk.error() == http::ParseError::bad_start_line);
}

TEST_CASE("latency histogram: exact min/mean/max, quantiles within 1/128", "[sim_http]") {
    LatencyHistogram h;
    CHECK_FALSE(h.quantile(0.5));
    for (int i = 1; i <= 1000; ++i) {
        h.record(std::chrono::microseconds(i));
    }
    CHECK(h.count() == 1000);
    CHECK(h.min() == 1us);
    CHECK(h.max() == 1000us);
    CHECK(h.mean() == 500500ns);
    const double p50 = double(h.quantile(0.5)->count()), p99 = double(h.quantile(0.99)->count());
    CHECK(p50 == Approx(500'000).epsilon(1.0 / 128));
    CHECK(p99 == Approx(990'000).epsilon(1.0 / 128));
    CHECK(*h.quantile(0) == 1us);
    CHECK(*h.quantile(1) == 1000us);
    LatencyHistogram one;
    one.record(20'958'123ns);
    CHECK(*one.quantile(0.99) == 20'958'123ns); // clamped to the only sample
}

TEST_CASE("http scenario fields are read and bad values refused with file:line", "[sim_http]") {
    auto ok = parse("connections = 4\nrequests = 100\nresponse_size = \"10KB\"\n"
                    "request_path = \"/index.html\"\nrate = 2.5\nport = 80\n");
    REQUIRE(std::holds_alternative<ScenarioFile>(ok));
    const AppSpec& a = std::get<ScenarioFile>(ok).apps.at(0);
    CHECK(a.kind == AppKind::http);
    CHECK(a.name == "http0");
    CHECK(a.connections == 4);
    CHECK(a.requests == 100);
    CHECK(a.response_size == 10'000);
    CHECK(a.request_path == "/index.html");
    CHECK(a.request_rate == 2.5);
    CHECK(a.port == 80);
    auto defaults = parse("");
    REQUIRE(std::holds_alternative<ScenarioFile>(defaults));
    const AppSpec& d = std::get<ScenarioFile>(defaults).apps.at(0);
    CHECK(d.connections == 1);
    CHECK(d.requests == 0);
    CHECK(d.response_size == 1024);
    CHECK(d.request_path.empty());
    CHECK(d.request_rate == 0);

    CHECK(refusal("connections = 0\n").find("run.toml:16:15: connections: 0 is outside 1..256") !=
          std::string::npos);
    CHECK(refusal("connections = 300\n").find("outside 1..256") != std::string::npos);
    CHECK(refusal("requests = -1\n").find("run.toml:16:12: requests:") != std::string::npos);
    CHECK(refusal("response_size = \"2GiB\"\n").find("at most 1GiB") != std::string::npos);
    CHECK(refusal("response_size = \"lots\"\n").find("is not a size") != std::string::npos);
    CHECK(refusal("request_path = \"index.html\"\n").find("must start with '/'") !=
          std::string::npos);
    CHECK(refusal("request_path = \"/a b\"\n").find("request_path:") != std::string::npos);
    CHECK(refusal("request_path = \"/" + std::string(300, 'a') + "\"\n").find("at most 256") !=
          std::string::npos);
    CHECK(refusal("rate = 0\n").find("rate: requests per second") != std::string::npos);
    CHECK(refusal("rate = \"10Mbit\"\n").find("rate: expected a number") != std::string::npos);
    CHECK(refusal("size = 100\n").find("unknown key 'size' in an http [[app]]") !=
          std::string::npos);
    CHECK(refusal("kind2 = 1\n").find("run.toml:16:1:") != std::string::npos);
}

TEST_CASE("http run: N requests complete with exact byte counts", "[sim_http]") {
    const ScenarioFile s =
        two_hosts("10Mbit", "5ms", "connections = 3\nrequests = 20\nresponse_size = 5000\n");
    auto r = run_scenario(s, SimulateOptions{});
    REQUIRE(r);
    INFO(format_summary(*r));
    REQUIRE(r->flows.size() == 1);
    const FlowSummary& f = r->flows[0];
    CHECK(f.error.empty());
    CHECK(f.sent == 20);
    CHECK(f.received == 20);
    CHECK(f.bytes == 20 * (head_size(5000) + 5000));
    REQUIRE(f.completed_in);
    REQUIRE(f.latency);
    CHECK(f.latency->min <= f.latency->p50);
    CHECK(f.latency->p50 <= f.latency->p99);
    CHECK(f.latency->p99 <= f.latency->max);
    CHECK(f.requests_per_s > 0);
    CHECK(format_summary(*r).find("20/20 requests") != std::string::npos);
    CHECK(format_summary(*r).find("latency min/avg/p50/p99/max") != std::string::npos);

    // A request path other than /<n> is answered with response_size bytes.
    const ScenarioFile p = two_hosts(
        "10Mbit", "5ms", "requests = 3\nresponse_size = 700\nrequest_path = \"/index.html\"\n");
    auto rp = run_scenario(p, SimulateOptions{});
    REQUIRE(rp);
    CHECK(rp->flows[0].received == 3);
    CHECK(rp->flows[0].bytes == 3 * (head_size(700) + 700));
}

TEST_CASE("http latency on a lossless link: one RTT plus serialization", "[sim_http]") {
    // 10 Mbit/s, 10 ms each way. A 1000-byte response (+ its ~90-byte head) is one segment;
    // the request is one small segment. Expected latency = 2 * 10 ms + the two frames'
    // serialization (about 1.15 KB and 0.13 KB at 10 Mbit/s = 0.92 + 0.10 ms) = ~21.0 ms.
    // Tolerance: +-0.15 ms (the exact header and option bytes per frame are the stack's).
    const ScenarioFile s = two_hosts("10Mbit", "10ms", "requests = 10\nresponse_size = 1000\n");
    auto r = run_scenario(s, SimulateOptions{});
    REQUIRE(r);
    INFO(format_summary(*r));
    const FlowSummary& f = r->flows[0];
    REQUIRE(f.received == 10);
    REQUIRE(f.latency);
    const double rtt = 20.0;
    const double frames = double(head_size(1000) + 1000 + 66 + 100 + 66) * 8 / 10e6 * 1e3;
    CHECK(ms(f.latency->min) >= rtt);
    CHECK(ms(f.latency->min) == Approx(rtt + frames).margin(0.15));
    CHECK(ms(f.latency->max) == Approx(rtt + frames).margin(0.15));
    // Back to back on one connection: 10 requests take 10 latencies, after one RTT of ARP
    // and one of the TCP handshake.
    REQUIRE(f.completed_in);
    CHECK(ms(*f.completed_in) == Approx(10 * (rtt + frames) + 2 * rtt).margin(2.0));

    // With a rate, requests leave on schedule: 5 per second for 2 s is ~10, not hundreds.
    const ScenarioFile paced =
        two_hosts("10Mbit", "10ms", "rate = 5\nstop = \"2s\"\nresponse_size = 1000\n");
    auto rr = run_scenario(paced, SimulateOptions{});
    REQUIRE(rr);
    CHECK(rr->flows[0].received >= 9);
    CHECK(rr->flows[0].received <= 11);
}
