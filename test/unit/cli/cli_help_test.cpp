// `--help` everywhere: the right text, exit code 0, and only implemented commands listed.
#include <catch2/catch.hpp>

#include <initializer_list>
#include <string>
#include <vector>

#include "cli_args.hpp"
#include "help.hpp"

using namespace multios::net::cli;

namespace {

std::string help_text(std::initializer_list<const char*> words) {
    std::vector<std::string> args(words.begin(), words.end());
    auto out = parse_cli_args(args);
    REQUIRE(out.kind == ParseOutcome::Kind::Help);
    REQUIRE(out.exit_code() == 0);
    return out.message;
}

} // namespace

TEST_CASE("top-level help lists the implemented commands and every option", "[cli]") {
    auto text = help_text({"--help"});
    CHECK(text == top_level_help());
    CHECK(help_text({"-h"}) == text);
    CHECK(help_text({"--ip", "10.0.0.2/24", "--help", "serve"}) == text);
    CHECK(help_text({"help"}) == text);
    CHECK(text.starts_with("Usage: multios-net [GLOBAL OPTIONS]"));
    for (const char* word :
         {"serve", "ping DEST", "demo", "--vdev SPEC", "--ip ADDR/PREFIX", "--mac MAC", "--mtu N",
          "--loss P", "--delay MS", "--reorder P", "--gateway ADDR", "--pcap FILE", "--seed N",
          "--lcores N", "--eal", "--config FILE", "net_tap0,iface=mnet0", "68..9000"}) {
        INFO(word);
        CHECK(text.find(word) != std::string::npos);
    }
    // Commands appear once they exist.
    CHECK(text.find("  simulate FILE") != std::string::npos);
    CHECK(text.find("  get URL") != std::string::npos);
}

TEST_CASE("every command has its own help", "[cli]") {
    CHECK(help_text({"serve", "--help"}) == command_help(Command::Serve));
    CHECK(help_text({"serve", "--udp-echo", "7", "-h"}) == command_help(Command::Serve));
    CHECK(help_text({"ping", "--help"}) == command_help(Command::Ping));
    CHECK(help_text({"ping", "10.0.0.1", "-c", "3", "-h"}) == command_help(Command::Ping));
    CHECK(help_text({"demo", "--help"}) == command_help(Command::Demo));
    CHECK(help_text({"help", "ping"}) == command_help(Command::Ping));
    CHECK(command_help(Command::Serve).find("--udp-echo PORT") != std::string::npos);
    for (const char* word : {"-c N", "-s SIZE", "-i SECONDS", "-t TTL", "-W SECONDS", "65507"}) {
        INFO(word);
        CHECK(command_help(Command::Ping).find(word) != std::string::npos);
    }
    CHECK(command_help(Command::Demo).starts_with("Usage: multios-net demo"));
}

TEST_CASE("help for an unknown command is a usage error", "[cli]") {
    std::vector<std::string> args{"help", "nope"};
    auto out = parse_cli_args(args);
    CHECK(out.kind == ParseOutcome::Kind::UsageError);
    CHECK(out.message == "multios-net: unknown command 'nope' (see multios-net --help)");
}
