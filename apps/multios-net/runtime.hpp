// The CLI's view of the multi-core engine (glue::LcoreRuntime): signals, and the command line
// mapped onto a glue::RuntimeConfig.
#pragma once

#include <atomic>
#include <memory>

#include "cli_args.hpp"
#include "pmd_glue/lcore_runtime.hpp"

namespace multios::net::app {

/// Set by SIGINT/SIGTERM; every command's loop stops on it.
extern std::atomic<bool> g_stop;
/// Set by SIGUSR1: print counters at the next iteration.
extern std::atomic<bool> g_dump;
void install_signal_handlers();

using Runtime = glue::LcoreRuntime;
using Shard = glue::Shard;
using LcoreSnapshot = glue::LcoreSnapshot;

/// The engine for the parsed command line (ports, --lcores, --pcap, --seed, --eal,
/// --gateway); `setup` runs once per shard before the worker lcores start. Prints one clear
/// line and returns nullptr on failure. A --config file is already merged into `cfg` by
/// parse_cli().
std::unique_ptr<Runtime> start_runtime(const cli::CliConfig& cfg,
                                       const Runtime::ShardSetup& setup = {});

} // namespace multios::net::app
