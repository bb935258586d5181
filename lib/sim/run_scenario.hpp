// Runs a scenario (scenario.hpp) on the simulator: builds the network (one StackCore per
// node, a duplex link per [[link]]), starts the apps at their times, and writes the outputs
// into a directory: one pcap per link (both directions, as the receiving ends saw the frames,
// unless the link says pcap = false), flows.csv, links.csv and summary.txt. This is what
// `multios-net simulate` calls.
//
// Determinism: everything derives from the scenario and the seed; no clock is read and no
// output depends on the host. Same scenario + same seed => byte-identical files.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include <multios/net/result.hpp>
#include <multios/net/time.hpp>

#include "sim/run_summary.hpp"
#include "sim/scenario.hpp"

namespace multios::net::sim {

struct SimulateOptions {
    std::optional<std::uint64_t> seed; ///< Overrides [simulation] seed.
    /// Where the files go (created if missing). Empty: no files, only the summary.
    std::string out_dir;
    std::optional<Duration> duration; ///< Overrides [simulation] duration.
    /// Called with (simulated so far, total) about every 1% of the run, for a progress bar.
    std::function<void(Duration, Duration)> progress;
};

/// Runs `scenario`. Errors: errno values (the output directory or a file could not be
/// written; EADDRINUSE and the like if the stack refused a socket the scenario asks for).
Result<RunSummary> run_scenario(const ScenarioFile& scenario, const SimulateOptions& options);

} // namespace multios::net::sim
