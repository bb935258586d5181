// `simulate SCENARIO [--seed N] [--out DIR] [--duration S] [--no-plots]`: what the parser keeps,
// and the usage errors (exit 2) for missing, bad or repeated values.
#include <catch2/catch.hpp>

#include <initializer_list>
#include <string>

#include "cli_parse_helpers.hpp"

using namespace multios::net::cli;
using namespace multios::net::cli_parse_test;

namespace multios::net::cli_simulate_test {

SimulateOptions run(std::initializer_list<const char*> words) {
    return run_command(words, Command::Simulate).simulate;
}

} // namespace multios::net::cli_simulate_test

using namespace multios::net::cli_simulate_test;

TEST_CASE("simulate keeps the scenario and leaves unset options to the file", "[cli]") {
    const auto o = run({"simulate", "s.toml"});
    CHECK(o.scenario == "s.toml");
    CHECK_FALSE(o.seed);
    CHECK_FALSE(o.out_dir);
    CHECK_FALSE(o.duration_s);
    CHECK(o.plots);
}

TEST_CASE("simulate takes --seed, --out and --duration in any order and spelling", "[cli]") {
    const auto o = run({"simulate", "--seed", "42", "s.toml", "--out=/tmp/x", "--duration", "2.5"});
    CHECK(o.scenario == "s.toml");
    CHECK(o.seed == 42u);
    CHECK(o.out_dir == "/tmp/x");
    CHECK(o.duration_s == Approx(2.5));
    CHECK(run({"simulate", "s.toml", "--seed=18446744073709551615"}).seed ==
          18446744073709551615ull);
}

TEST_CASE("simulate --no-plots is a flag that takes no value", "[cli]") {
    // The word after the flag is not eaten as its value: here it is the scenario.
    const auto o = run({"simulate", "--no-plots", "s.toml", "--out", "/tmp/x"});
    CHECK_FALSE(o.plots);
    CHECK(o.scenario == "s.toml");
    CHECK(o.out_dir == "/tmp/x");
    CHECK_FALSE(run({"simulate", "s.toml", "--no-plots"}).plots);
    CHECK(contains(usage({"simulate", "s.toml", "--no-plots=yes"}), "takes no value"));
    CHECK(contains(usage({"simulate", "s.toml", "--no-plots", "--no-plots"}), "given twice"));
    CHECK(contains(usage({"simulate", "--no-plots"}), "missing SCENARIO"));
}

TEST_CASE("simulate falls back to the global --seed", "[cli]") {
    CHECK(run({"--seed", "9", "simulate", "s.toml"}).seed == 9u);
    CHECK(run({"--seed", "9", "simulate", "s.toml", "--seed", "3"}).seed == 3u);
}

TEST_CASE("simulate usage errors", "[cli]") {
    CHECK(contains(usage({"simulate"}), "missing SCENARIO"));
    CHECK(contains(usage({"simulate", "a.toml", "b.toml"}), "unexpected argument 'b.toml'"));
    CHECK(contains(usage({"simulate", "s.toml", "--seed"}), "--seed"));
    CHECK(contains(usage({"simulate", "s.toml", "--seed", "-1"}), "invalid value '-1'"));
    CHECK(contains(usage({"simulate", "s.toml", "--seed", "1", "--seed", "2"}), "given twice"));
    CHECK(contains(usage({"simulate", "s.toml", "--duration", "0"}), "invalid value '0'"));
    CHECK(contains(usage({"simulate", "s.toml", "--duration", "x"}), "--duration"));
    CHECK(contains(usage({"simulate", "s.toml", "--duration", "100000"}), "at most"));
    CHECK(contains(usage({"simulate", "s.toml", "--out", ""}), "--out"));
    CHECK(contains(usage({"simulate", "s.toml", "--bogus"}), "--bogus"));
}

TEST_CASE("simulate has its own help and is listed at the top level", "[cli]") {
    auto out = parse({"simulate", "--help"});
    REQUIRE(out.kind == ParseOutcome::Kind::Help);
    CHECK(contains(out.message, "Usage: multios-net simulate SCENARIO"));
    CHECK(contains(out.message, "--duration S"));
    CHECK(contains(out.message, "--no-plots"));
    CHECK(contains(out.message, "cwnd.png"));
    CHECK(contains(top_level_help(), "simulate FILE"));
    CHECK(contains(command_help(Command::Simulate), "docs/simulator.md"));
}
