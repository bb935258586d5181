// Runs every script in scripts/*.pkt (one Catch2 section each, named after the file) against
// tcp::Connection, plus self-tests of the script parser. A script whose header says
// "# xfail: reason" must fail; if it passes, the marker is stale and the suite fails.
// One script: unit-tests 'tcp conformance: scripts' -c NAME (TCP_CONFORMANCE_DIR=DIR runs the
// scripts of another directory, e.g. one being written).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "harness.hpp"
#include "script.hpp"

#ifndef MULTIOS_TCP_CONFORMANCE_DIR
#error "MULTIOS_TCP_CONFORMANCE_DIR must name the scripts directory"
#endif

namespace multios::net::conformance_test {

namespace {

/// The scripts directory; TCP_CONFORMANCE_DIR in the environment overrides it (to try scripts
/// being written without rebuilding).
std::filesystem::path script_dir() {
    const char* env = std::getenv("TCP_CONFORMANCE_DIR");
    return env != nullptr && *env != '\0' ? env : MULTIOS_TCP_CONFORMANCE_DIR;
}

std::vector<std::filesystem::path> script_files() {
    std::vector<std::filesystem::path> files;
    for (const auto& e : std::filesystem::directory_iterator(script_dir()))
        if (e.path().extension() == ".pkt")
            files.push_back(e.path());
    std::sort(files.begin(), files.end());
    return files;
}

std::string read_all(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

} // namespace

TEST_CASE("tcp conformance: scripts", "[tcp_conformance]") {
    const auto files = script_files();
    for (const auto& path : files) {
        const std::string name = path.stem().string();
        DYNAMIC_SECTION(name) {
            std::string error;
            const auto script = parse_script(name, read_all(path), error);
            INFO(name << ".pkt: " << error);
            REQUIRE(script.has_value());
            Harness h(*script);
            const RunResult r = h.run();
            if (script->xfail.empty()) {
                INFO(r.message);
                CHECK(r.ok);
            } else {
                INFO(name << " is marked xfail (" << script->xfail
                          << ") but passed: remove the marker");
                CHECK_FALSE(r.ok);
            }
        }
    }
}

TEST_CASE("tcp conformance: the suite has at least 100 scripts", "[tcp_conformance]") {
    // The TCP issue asks for at least 100 scripts covering its bullets.
    CHECK(script_files().size() >= 100);
}

TEST_CASE("tcp conformance: segment syntax round-trips", "[tcp_conformance]") {
    SegmentSpec s;
    std::string error;
    REQUIRE(parse_segment("S. 0:0(0) ack 1 win 65535 <mss 1460,sackOK,TS val 7 ecr 0,nop,"
                          "wscale 7>",
                          s, error));
    CHECK(s.flags == (wire::tcpflag::kSyn | wire::tcpflag::kAck));
    CHECK(s.ack == 1u);
    CHECK(s.window == 65535);
    REQUIRE(s.options);
    CHECK(s.options->mss == 1460);
    CHECK(s.options->wscale == 7);
    CHECK(s.options->sack_permitted);
    CHECK(s.options->ts_val == 7u);
    CHECK(format_segment(s) ==
          "S. 0:0(0) ack 1 win 65535 <mss 1460,sackOK,TS val 7 ecr 0,wscale 7>");

    REQUIRE(parse_segment("P. 1:1001(1000) ack 1 <sack 2001:3001 4001:5001>", s, error));
    CHECK(s.len == 1000);
    REQUIRE(s.options);
    CHECK(s.options->sack.size() == 2);
    CHECK(!parse_segment("P. 1:1001(999) ack 1", s, error)); // end - start != len
    CHECK(!parse_segment("Q 1:1(0)", s, error));
    CHECK(!parse_segment(". 1:1(0) ack 1 <mss>", s, error));
}

TEST_CASE("tcp conformance: script header, times and xfail", "[tcp_conformance]") {
    std::string error;
    const auto s = parse_script("t",
                                "# RFC 9293 3.5\n# xfail: not yet\nconfig nodelay=1 mss=1000\n"
                                "0.100 connect iss=5\n+0.2~0.05 > S 0:0(0)\n+0.1 state SYN-SENT\n",
                                error);
    REQUIRE(s.has_value());
    CHECK(s->xfail == "not yet");
    REQUIRE(s->config.size() == 2);
    REQUIRE(s->lines.size() == 3);
    CHECK(s->lines[1].time == Approx(0.3));
    CHECK(s->lines[1].tolerance == Approx(0.05));
    CHECK(s->lines[2].time == Approx(0.4));
    CHECK(s->lines[2].words == std::vector<std::string>{"state", "SYN-SENT"});
    CHECK(!parse_script("t", "abc connect\n", error).has_value());
}

} // namespace multios::net::conformance_test
