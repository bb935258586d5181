// PNG plots of a `simulate --out DIR` run: runs the multios-sim-plot script (Python 3 +
// matplotlib) on DIR's CSV files. Optional by design: the run's own files are already written
// when this starts, so a failure here is reported, never fatal.
#pragma once

#include <optional>
#include <string>

namespace multios::net::app {

/// Where the plot script is: $MULTIOS_SIM_PLOT when set, the source tree's copy when this
/// binary runs from its build directory, else the installed one (bindir).
std::string sim_plot_script();

/// Runs the script on `out_dir` with `title`; its stdout ("wrote DIR/x.png" lines) goes to
/// ours. Returns nothing on success, else one line saying why there are no plots (the
/// script's last stderr line, or how it could not be started).
std::optional<std::string> run_sim_plot(const std::string& out_dir, const std::string& title);

} // namespace multios::net::app
