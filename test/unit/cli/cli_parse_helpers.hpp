// Helpers the CLI parser tests share: parse a command line given as words and check the outcome
// kind, so each test file states only what its command keeps.
#pragma once

#include <catch2/catch.hpp>

#include <initializer_list>
#include <string>
#include <vector>

#include "cli_args.hpp"
#include "help.hpp"

namespace multios::net::cli_parse_test {

inline cli::ParseOutcome parse(std::initializer_list<const char*> words) {
    std::vector<std::string> args(words.begin(), words.end());
    return cli::parse_cli_args(args);
}

/// The configuration of a command line that must parse to a run of `command`.
inline cli::CliConfig run_command(std::initializer_list<const char*> words, cli::Command command) {
    auto out = parse(words);
    INFO(out.message);
    REQUIRE(out.kind == cli::ParseOutcome::Kind::Run);
    REQUIRE(out.config.command == command);
    return out.config;
}

/// The message of a command line that must be a usage error (exit 2).
inline std::string usage(std::initializer_list<const char*> words) {
    auto out = parse(words);
    INFO(out.message);
    REQUIRE(out.kind == cli::ParseOutcome::Kind::UsageError);
    REQUIRE(out.exit_code() == cli::kExitUsage);
    return out.message;
}

inline bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

} // namespace multios::net::cli_parse_test
