// One function per `multios-net` command; each returns the process exit code.
#pragma once

#include "cli_args.hpp"

namespace multios::net::app {

int run_serve(const cli::CliConfig& cfg);
int run_ping(const cli::CliConfig& cfg);
int run_get(const cli::CliConfig& cfg);
int run_demo(const cli::CliConfig& cfg, const char* self_path);
int run_simulate(const cli::CliConfig& cfg);
int run_load(const cli::CliConfig& cfg);

} // namespace multios::net::app
