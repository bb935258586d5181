// `load URL [-c N] [-d S] [-n N]`: accepted spellings, defaults, ranges and usage errors
// (exit 2), and its help text.
#include <catch2/catch.hpp>

#include <initializer_list>
#include <string>

#include "cli_parse_helpers.hpp"

using namespace multios::net::cli;
using namespace multios::net::cli_parse_test;

namespace multios::net::cli_load_test {

constexpr const char* kUrl = "http://10.0.0.1:8080/f600";

LoadOptions run(std::initializer_list<const char*> words) {
    return run_command(words, Command::Load).load;
}

} // namespace multios::net::cli_load_test

using namespace multios::net::cli_load_test;

TEST_CASE("load defaults: 10 connections, no -d or -n", "[cli]") {
    const LoadOptions o = run({"--ip", "10.0.0.2/24", "load", kUrl});
    CHECK(o.url == kUrl);
    CHECK(o.connections == 10);
    CHECK_FALSE(o.duration_s);
    CHECK_FALSE(o.requests);
}

TEST_CASE("load takes every spelling of its options, before or after the URL", "[cli]") {
    CHECK(run({"load", kUrl, "-c", "50"}).connections == 50);
    CHECK(run({"load", kUrl, "-c7"}).connections == 7);
    CHECK(run({"load", "--connections=3", kUrl}).connections == 3);
    CHECK(run({"load", "--connections", "4", kUrl}).connections == 4);
    CHECK(run({"load", kUrl, "-d", "2.5"}).duration_s == Approx(2.5));
    CHECK(run({"load", kUrl, "--duration=10"}).duration_s == Approx(10.0));
    CHECK(run({"load", kUrl, "-n", "1000"}).requests == std::optional<std::uint64_t>(1000));
    CHECK(run({"load", kUrl, "--requests", "5"}).requests == std::optional<std::uint64_t>(5));
    const LoadOptions all = run({"load", "-n", "9", "-d", "1", kUrl, "-c", "2"});
    CHECK(all.connections == 2);
    CHECK(all.duration_s == Approx(1.0));
    CHECK(all.requests == std::optional<std::uint64_t>(9));
    CHECK(run({"load", "--", kUrl}).url == kUrl);
}

TEST_CASE("load checks ranges", "[cli]") {
    CHECK(run({"load", kUrl, "-c", std::to_string(kMaxLoadConnections).c_str()}).connections ==
          kMaxLoadConnections);
    const std::string too_many = std::to_string(kMaxLoadConnections + 1);
    CHECK(contains(usage({"load", kUrl, "-c", too_many.c_str()}), "invalid value"));
    CHECK(contains(usage({"load", kUrl, "-c", "0"}), "invalid value '0' for -c"));
    CHECK(contains(usage({"load", kUrl, "-d", "0"}), "seconds above 0"));
    CHECK(contains(usage({"load", kUrl, "-d", "-1"}), "invalid value"));
    CHECK(contains(usage({"load", kUrl, "-d", "3601"}), "at most 3600"));
    CHECK(contains(usage({"load", kUrl, "-d", "nan"}), "invalid value"));
    CHECK(contains(usage({"load", kUrl, "-n", "0"}), "invalid value '0' for -n"));
    CHECK(contains(usage({"load", kUrl, "-n", "x"}), "invalid value"));
}

TEST_CASE("load usage errors", "[cli]") {
    CHECK(contains(usage({"load"}), "missing URL"));
    CHECK(contains(usage({"load", kUrl, "http://10.0.0.1/"}), "unexpected argument"));
    CHECK(contains(usage({"load", "https://10.0.0.1/"}), "https is not supported"));
    CHECK(contains(usage({"load", "ftp://x/"}), "is not an http:// URL"));
    CHECK(contains(usage({"load", kUrl, "-c"}), "needs a value"));
    CHECK(contains(usage({"load", kUrl, "-d"}), "needs a value"));
    CHECK(contains(usage({"load", kUrl, "-c", "1", "-c", "2"}), "given twice"));
    CHECK(contains(usage({"load", kUrl, "-d", "1", "--duration", "2"}), "given twice"));
    CHECK(contains(usage({"load", kUrl, "-n", "1", "-n", "2"}), "given twice"));
    CHECK(contains(usage({"load", kUrl, "-x"}), "unknown option '-x'"));
    CHECK(contains(usage({"load", kUrl, "--lcores", "2"}), "write it before the command"));
    CHECK(contains(usage({"load"}), "multios-net load --help"));
}

TEST_CASE("load --help and help load describe the command", "[cli]") {
    auto out = parse({"load", "--help"});
    REQUIRE(out.kind == ParseOutcome::Kind::Help);
    CHECK(out.exit_code() == kExitOk);
    CHECK(contains(out.message, "Usage: multios-net [GLOBAL/PORT OPTIONS] load URL"));
    CHECK(contains(out.message, "1..10000"));
    CHECK(parse({"help", "load"}).message == out.message);
    CHECK(contains(top_level_help(), "load URL"));
}
