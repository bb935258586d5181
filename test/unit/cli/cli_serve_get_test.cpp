// `serve` TCP service options and the `get` command: what is accepted, what each option sets,
// and the usage errors (exit 2) for missing, repeated or conflicting pieces.
#include <catch2/catch.hpp>

#include <initializer_list>
#include <string>
#include <vector>

#include "cli_args.hpp"
#include "help.hpp"

using namespace multios::net::cli;

namespace multios::net::cli_serve_get_test {

ParseOutcome parse(std::initializer_list<const char*> words) {
    std::vector<std::string> args(words.begin(), words.end());
    return parse_cli_args(args);
}

CliConfig run(std::initializer_list<const char*> words) {
    auto out = parse(words);
    INFO(out.message);
    REQUIRE(out.kind == ParseOutcome::Kind::Run);
    return out.config;
}

std::string usage(std::initializer_list<const char*> words) {
    auto out = parse(words);
    INFO(out.message);
    REQUIRE(out.kind == ParseOutcome::Kind::UsageError);
    REQUIRE(out.exit_code() == 2);
    return out.message;
}

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

using Ports = std::vector<std::uint16_t>;

} // namespace multios::net::cli_serve_get_test

using namespace multios::net::cli_serve_get_test;

TEST_CASE("serve takes repeatable --echo, --discard and --chargen ports", "[cli]") {
    auto cfg = run({"serve", "--echo", "7", "--discard", "9", "--chargen=19", "--echo=1007",
                    "--discard", "1009", "--chargen", "65535"});
    CHECK(cfg.command == Command::Serve);
    CHECK(cfg.serve.tcp_echo_ports == Ports{7, 1007});
    CHECK(cfg.serve.tcp_discard_ports == Ports{9, 1009});
    CHECK(cfg.serve.tcp_chargen_ports == Ports{19, 65535});
    CHECK(cfg.serve.udp_echo_ports.empty());
    CHECK_FALSE(cfg.serve.http_port);
    CHECK_FALSE(cfg.serve.http_root);
}

TEST_CASE("serve without TCP options has no TCP services", "[cli]") {
    auto cfg = run({"serve", "--udp-echo", "7"});
    CHECK(cfg.serve.tcp_echo_ports.empty());
    CHECK(cfg.serve.tcp_discard_ports.empty());
    CHECK(cfg.serve.tcp_chargen_ports.empty());
    CHECK_FALSE(cfg.serve.http_port);
}

TEST_CASE("serve TCP port values are checked like --udp-echo", "[cli]") {
    for (const char* opt : {"--echo", "--discard", "--chargen", "--http"}) {
        INFO(opt);
        CHECK(usage({"serve", opt, "0"}) ==
              std::string("multios-net serve: invalid value '0' for ") + opt +
                  ": expected an integer in 1..65535 (see multios-net serve --help)");
        CHECK(contains(usage({"serve", opt, "65536"}), "expected an integer in 1..65535"));
        CHECK(contains(usage({"serve", opt, "x7"}), std::string("invalid value 'x7' for ") + opt));
        CHECK(usage({"serve", opt}) == std::string("multios-net serve: option '") + opt +
                                           "' needs a value (PORT) (see multios-net serve --help)");
    }
}

TEST_CASE("a TCP port serves one service only", "[cli]") {
    CHECK(usage({"serve", "--echo", "7", "--echo", "7"}) ==
          "multios-net serve: --echo 7 given twice (see multios-net serve --help)");
    CHECK(usage({"serve", "--echo", "7", "--discard", "7"}) ==
          "multios-net serve: TCP port 7 given to both --echo and --discard "
          "(see multios-net serve --help)");
    CHECK(contains(usage({"serve", "--chargen", "19", "--echo", "19"}),
                   "TCP port 19 given to both --chargen and --echo"));
    CHECK(contains(usage({"serve", "--discard", "9", "--chargen", "9"}),
                   "TCP port 9 given to both --discard and --chargen"));
    CHECK(contains(usage({"serve", "--http", "80", "--root", "/srv", "--echo", "80"}),
                   "TCP port 80 given to both --http and --echo"));
    CHECK(contains(usage({"serve", "--echo", "80", "--http", "80", "--root", "/srv"}),
                   "TCP port 80 given to both --echo and --http"));
}

TEST_CASE("a UDP and a TCP service may share a port number", "[cli]") {
    auto cfg = run({"serve", "--udp-echo", "7", "--echo", "7"});
    CHECK(cfg.serve.udp_echo_ports == Ports{7});
    CHECK(cfg.serve.tcp_echo_ports == Ports{7});
}

TEST_CASE("serve takes repeatable --udp-sink ports, one UDP service per port", "[cli]") {
    auto cfg = run({"serve", "--udp-sink", "9", "--udp-sink=1009", "--udp-echo", "7"});
    CHECK(cfg.serve.udp_sink_ports == Ports{9, 1009});
    CHECK(cfg.serve.udp_echo_ports == Ports{7});
    CHECK(run({"serve", "--echo", "7"}).serve.udp_sink_ports.empty());
    // UDP and TCP are separate port spaces: a sink may share its number with a TCP service.
    auto shared = run({"serve", "--udp-sink", "9", "--discard", "9"});
    CHECK(shared.serve.udp_sink_ports == Ports{9});
    CHECK(shared.serve.tcp_discard_ports == Ports{9});

    CHECK(usage({"serve", "--udp-sink", "9", "--udp-sink", "9"}) ==
          "multios-net serve: --udp-sink 9 given twice (see multios-net serve --help)");
    CHECK(usage({"serve", "--udp-echo", "7", "--udp-sink", "7"}) ==
          "multios-net serve: UDP port 7 given to both --udp-echo and --udp-sink "
          "(see multios-net serve --help)");
    CHECK(contains(usage({"serve", "--udp-sink", "9", "--udp-echo", "9"}),
                   "UDP port 9 given to both --udp-sink and --udp-echo"));
    CHECK(contains(usage({"serve", "--udp-sink", "0"}), "expected an integer in 1..65535"));
    CHECK(contains(usage({"serve", "--udp-sink"}), "option '--udp-sink' needs a value (PORT)"));
    CHECK(contains(usage({"--udp-sink", "9", "serve"}), "--udp-sink"));
}

TEST_CASE("serve --http needs --root and the other way round", "[cli]") {
    auto cfg = run({"serve", "--http", "8080", "--root", "/srv/www"});
    CHECK(cfg.serve.http_port == std::optional<std::uint16_t>(8080));
    CHECK(cfg.serve.http_root == std::optional<std::string>("/srv/www"));
    auto eq = run({"serve", "--root=/tmp", "--http=80", "--echo", "7"});
    CHECK(eq.serve.http_port == std::optional<std::uint16_t>(80));
    CHECK(eq.serve.http_root == std::optional<std::string>("/tmp"));
    CHECK(eq.serve.tcp_echo_ports == Ports{7});
    // The parser is pure: whether DIR exists is serve's business at run time.
    CHECK(run({"serve", "--http", "80", "--root", "/no/such/dir"}).serve.http_root ==
          std::optional<std::string>("/no/such/dir"));

    CHECK(usage({"serve", "--http", "80"}) ==
          "multios-net serve: --http needs --root DIR (the directory to serve) "
          "(see multios-net serve --help)");
    CHECK(usage({"serve", "--root", "/srv"}) ==
          "multios-net serve: --root is only meaningful with --http PORT "
          "(see multios-net serve --help)");
    CHECK(contains(usage({"serve", "--http", "80", "--root"}),
                   "option '--root' needs a value (DIR)"));
    CHECK(contains(usage({"serve", "--http", "80", "--root="}), "invalid value '' for --root"));
    CHECK(contains(usage({"serve", "--http", "80", "--http", "81", "--root", "/srv"}),
                   "option '--http' given twice"));
    CHECK(contains(usage({"serve", "--http", "80", "--root", "/a", "--root", "/b"}),
                   "option '--root' given twice"));
}

TEST_CASE("serve rejects stray words and misplaced options", "[cli]") {
    CHECK(usage({"serve", "--echo", "7", "9"}) ==
          "multios-net serve: unexpected argument '9' (see multios-net serve --help)");
    CHECK(contains(usage({"serve", "--echo", "7", "--mtu", "1400"}),
                   "'--mtu' is a global/port option"));
    CHECK(contains(usage({"serve", "--chargn", "19"}), "unknown option '--chargn'"));
}

TEST_CASE("get takes exactly one URL and an optional -o FILE", "[cli]") {
    auto cfg = run({"get", "http://10.0.0.1:8000/big.bin"});
    CHECK(cfg.command == Command::Get);
    CHECK(cfg.get.url == "http://10.0.0.1:8000/big.bin");
    CHECK_FALSE(cfg.get.output);

    auto out = run({"--ip", "10.0.0.2/24", "get", "http://10.0.0.1/x", "-o", "x.bin"});
    CHECK(out.get.url == "http://10.0.0.1/x");
    CHECK(out.get.output == std::optional<std::string>("x.bin"));
    CHECK(out.ports[0].ips.size() == 1);
}

TEST_CASE("get options may come before or after the URL", "[cli]") {
    auto before = run({"get", "-o", "f", "http://[fd00::1]:8080/a"});
    auto after = run({"get", "http://[fd00::1]:8080/a", "-o", "f"});
    auto glued = run({"get", "-of", "http://[fd00::1]:8080/a"});
    for (const auto* c : {&before, &after, &glued}) {
        CHECK(c->get.url == "http://[fd00::1]:8080/a");
        CHECK(c->get.output == std::optional<std::string>("f"));
    }
    // After "--" a word that starts with '-' is the URL, so it is checked as one.
    CHECK(contains(usage({"get", "--", "-o"}), "'-o' is not an http:// URL"));
}

TEST_CASE("get usage errors", "[cli]") {
    CHECK(usage({"get"}) == "multios-net get: missing URL (see multios-net get --help)");
    CHECK(usage({"get", "-o", "f"}) == "multios-net get: missing URL (see multios-net get --help)");
    CHECK(usage({"get", "http://10.0.0.1/", "http://10.0.0.1/b"}) ==
          "multios-net get: unexpected argument 'http://10.0.0.1/b' "
          "(see multios-net get --help)");
    CHECK(usage({"get", "http://10.0.0.1/", "-o"}) ==
          "multios-net get: option '-o' needs a value (FILE) (see multios-net get --help)");
    CHECK(contains(usage({"get", "http://10.0.0.1/", "-o", "a", "-o", "b"}),
                   "option '-o' given twice"));
    CHECK(contains(usage({"get", "http://10.0.0.1/", "-x"}), "unknown option '-x'"));
    CHECK(
        contains(usage({"get", "http://10.0.0.1/", "--output", "f"}), "unknown option '--output'"));
    CHECK(contains(usage({"get", "http://10.0.0.1/", "--ip", "10.0.0.2/24"}),
                   "'--ip' is a global/port option"));
    CHECK(usage({"get", "ftp://10.0.0.1/"}) ==
          "multios-net get: 'ftp://10.0.0.1/' is not an http:// URL (see multios-net get --help)");
    CHECK(contains(usage({"get", "https://10.0.0.1/"}), "https is not supported"));
    CHECK(contains(usage({"get", "10.0.0.1"}), "'10.0.0.1' is not an http:// URL"));
    CHECK(contains(usage({"get", "http://"}), "'http://' has no host"));
    CHECK(contains(usage({"get", "http:///path"}), "has no host"));
}

TEST_CASE("serve and get have help texts true to their options", "[cli]") {
    auto parse_help = [](std::initializer_list<const char*> words) {
        auto out = parse(words);
        REQUIRE(out.kind == ParseOutcome::Kind::Help);
        return out.message;
    };
    CHECK(parse_help({"get", "--help"}) == command_help(Command::Get));
    CHECK(parse_help({"get", "http://10.0.0.1/", "-h"}) == command_help(Command::Get));
    CHECK(parse_help({"help", "get"}) == command_help(Command::Get));
    CHECK(parse_help({"serve", "--echo", "7", "--help"}) == command_help(Command::Serve));
    const std::string serve = command_help(Command::Serve);
    for (const char* word : {"--udp-echo PORT", "--udp-sink PORT", "--echo PORT", "--discard PORT",
                             "--chargen PORT", "--http PORT", "--root DIR", "RFC 862", "RFC 863",
                             "RFC 864", "SIGUSR1", "lcore N: flows=F"}) {
        INFO(word);
        CHECK(contains(serve, word));
    }
    const std::string get = command_help(Command::Get);
    CHECK(get.starts_with("Usage: multios-net [GLOBAL/PORT OPTIONS] get URL [-o FILE]"));
    CHECK(contains(get, "-o FILE"));
    CHECK(contains(get, "stderr"));
    CHECK(contains(top_level_help(), "  get URL"));
}
