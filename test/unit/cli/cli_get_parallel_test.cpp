// `get --parallel N` / `-P N`: the accepted spellings, the range 1..kMaxGetParallel, and the
// usage errors (exit 2) for missing, bad or repeated values.
#include <catch2/catch.hpp>

#include <initializer_list>
#include <string>

#include "cli_parse_helpers.hpp"

using namespace multios::net::cli;
using namespace multios::net::cli_parse_test;

namespace multios::net::cli_get_parallel_test {

constexpr const char* kUrl = "http://10.0.0.1:8000/big.bin";

CliConfig run(std::initializer_list<const char*> words) {
    return run_command(words, Command::Get);
}

} // namespace multios::net::cli_get_parallel_test

using namespace multios::net::cli_get_parallel_test;

TEST_CASE("get runs one transfer unless --parallel says otherwise", "[cli]") {
    CHECK(run({"get", kUrl}).get.parallel == 1);
    CHECK(run({"--lcores", "4", "get", kUrl, "-o", "f"}).get.parallel == 1);
}

TEST_CASE("get --parallel takes every spelling of its value", "[cli]") {
    CHECK(run({"get", kUrl, "--parallel", "8"}).get.parallel == 8);
    CHECK(run({"get", kUrl, "--parallel=16"}).get.parallel == 16);
    CHECK(run({"get", kUrl, "-P", "3"}).get.parallel == 3);
    CHECK(run({"get", kUrl, "-P5"}).get.parallel == 5);
    auto before = run({"get", "-P", "7", "-o", "out.bin", kUrl});
    CHECK(before.get.parallel == 7);
    CHECK(before.get.url == kUrl);
    CHECK(before.get.output == std::optional<std::string>("out.bin"));
    auto lcores = run({"--lcores", "2", "get", kUrl, "--parallel", "4"});
    CHECK(lcores.global.lcores == 2);
    CHECK(lcores.get.parallel == 4);
}

TEST_CASE("get --parallel accepts exactly 1..1024", "[cli]") {
    CHECK(kMaxGetParallel == 1024);
    CHECK(run({"get", kUrl, "-P", "1"}).get.parallel == 1);
    CHECK(run({"get", kUrl, "-P", "1024"}).get.parallel == 1024);
    CHECK(usage({"get", kUrl, "--parallel", "0"}) ==
          "multios-net get: invalid value '0' for --parallel: expected an integer in 1..1024 "
          "(see multios-net get --help)");
    CHECK(usage({"get", kUrl, "-P", "1025"}) ==
          "multios-net get: invalid value '1025' for -P: expected an integer in 1..1024 "
          "(see multios-net get --help)");
    for (const char* bad : {"-1", "x", "4x", "2.5", "", " 4", "99999999999999999999"}) {
        INFO("value '" << bad << "'");
        CHECK(contains(usage({"get", kUrl, "--parallel", bad}),
                       std::string("invalid value '") + bad + "' for --parallel"));
    }
    CHECK(contains(usage({"get", kUrl, "-Pten"}), "invalid value 'ten' for -P"));
    CHECK(contains(usage({"get", kUrl, "--parallel="}), "invalid value '' for --parallel"));
}

TEST_CASE("get --parallel usage errors", "[cli]") {
    CHECK(usage({"get", kUrl, "--parallel"}) ==
          "multios-net get: option '--parallel' needs a value (N) (see multios-net get --help)");
    CHECK(usage({"get", kUrl, "-P"}) ==
          "multios-net get: option '-P' needs a value (N) (see multios-net get --help)");
    CHECK(usage({"get", kUrl, "-P", "2", "--parallel", "3"}) ==
          "multios-net get: option '--parallel' given twice (see multios-net get --help)");
    CHECK(contains(usage({"get", kUrl, "-P2", "-P2"}), "option '--parallel' given twice"));
    CHECK(contains(usage({"get", kUrl, "--parallelism", "2"}), "unknown option '--parallelism'"));
    CHECK(contains(usage({"get", kUrl, "-p", "2"}), "unknown option '-p'"));
    CHECK(usage({"get", "-P", "2"}) == "multios-net get: missing URL (see multios-net get --help)");
    // After "--" the word is the URL, not an option.
    CHECK(contains(usage({"get", kUrl, "--", "-P"}), "unexpected argument '-P'"));
}

TEST_CASE("get help documents --parallel and its range", "[cli]") {
    const std::string text = command_help(Command::Get);
    CHECK(contains(text, "[-P N]"));
    CHECK(contains(text, "-P, --parallel N"));
    CHECK(contains(text, "1..1024"));
    CHECK(contains(text, "parallel: N transfers on L lcores: ok=K failed=F bytes=B"));
    CHECK(contains(text, " transfers=T ok=K bytes=B"));
    CHECK_FALSE(contains(text, "{max_parallel}"));
}
