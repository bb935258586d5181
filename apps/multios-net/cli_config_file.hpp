// `multios-net --config FILE`: the stack configuration file under the command line.
// Precedence (docs/config.md): an option given on the command line wins over the file's value;
// the file fills only what the command line left out.
#pragma once

#include <optional>
#include <string>

#include "cli_args.hpp"
#include "config/stack_config_file.hpp"

namespace multios::net::cli {

/// Merges `file` under the options already in `cfg` (see docs/config.md for the rules on
/// ports). Returns a message when the merged result breaks a rule (an IPv6 address from one
/// source with a small MTU from the other).
std::optional<std::string> merge_config_file(CliConfig& cfg, const config::FileConfig& file);

/// Reads cfg.global.config_file and merges it; the message ("FILE:LINE:COL: ...") on failure.
std::optional<std::string> load_config_file(CliConfig& cfg);

} // namespace multios::net::cli
