// Help texts of `multios-net` and its commands. Printed to stdout by `--help` (exit 0).
#pragma once

#include <string>

#include "cli_args.hpp"

namespace multios::net::cli {

/// `multios-net --help`: the grammar, global and port options, the commands.
std::string top_level_help();

/// `multios-net COMMAND --help`.
std::string command_help(Command c);

/// One line pointing at the help, appended to usage errors.
std::string see_help(std::optional<Command> c);

} // namespace multios::net::cli
