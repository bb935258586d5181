// `multios-net simulate`: a scenario file run on simulated time (lib/sim), no DPDK.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <unistd.h>
#include <variant>

#include <fmt/format.h>

#include "commands.hpp"
#include "sim/run_scenario.hpp"
#include "sim/scenario.hpp"
#include "sim_plot.hpp"

namespace multios::net::app {

namespace {

using WallClock = std::chrono::steady_clock;

// A one-line bar on stderr, redrawn in place; shown only on a terminal and only once the run
// has taken a couple of seconds (short runs print nothing but the summary).
class ProgressBar {
  public:
    void update(Duration done, Duration total) {
        if (!tty_ || WallClock::now() - start_ < std::chrono::seconds(2) ||
            total <= Duration::zero())
            return;
        const double f =
            std::min(1.0, static_cast<double>(done.count()) / static_cast<double>(total.count()));
        const int filled = static_cast<int>(f * kWidth);
        std::fprintf(stderr, "\r[%-*s] %3d%% of %.1f simulated s", kWidth,
                     std::string(static_cast<std::size_t>(filled), '#').c_str(),
                     static_cast<int>(f * 100), std::chrono::duration<double>(total).count());
        shown_ = true;
    }
    void finish() {
        if (shown_)
            std::fputc('\n', stderr);
    }

  private:
    static constexpr int kWidth = 40;
    bool tty_ = ::isatty(STDERR_FILENO) == 1;
    bool shown_ = false;
    WallClock::time_point start_ = WallClock::now();
};

} // namespace

int run_simulate(const cli::CliConfig& cfg) {
    const cli::SimulateOptions& o = cfg.simulate;
    auto loaded = sim::load_scenario(o.scenario);
    if (const auto* e = std::get_if<sim::ScenarioError>(&loaded)) {
        std::fprintf(stderr, "multios-net: simulate: %s\n", e->message.c_str());
        return cli::kExitUsage;
    }
    ProgressBar bar;
    sim::SimulateOptions so;
    so.seed = o.seed;
    so.out_dir = o.out_dir.value_or("");
    if (o.duration_s)
        so.duration =
            std::chrono::duration_cast<Duration>(std::chrono::duration<double>(*o.duration_s));
    so.progress = [&bar](Duration done, Duration total) {
        bar.update(done, total);
    };
    const auto wall_start = WallClock::now();
    auto summary = sim::run_scenario(std::get<sim::ScenarioFile>(loaded), so);
    bar.finish();
    if (!summary) {
        std::fprintf(stderr, "multios-net: simulate: %s: %s\n", o.scenario.c_str(),
                     summary.error().message().c_str());
        return cli::kExitFailed;
    }
    const double wall = std::chrono::duration<double>(WallClock::now() - wall_start).count();
    std::fputs(sim::format_summary(*summary).c_str(), stdout);
    std::printf("%.3f simulated s in %.3f real s, %llu events (seed %llu)\n",
                std::chrono::duration<double>(summary->simulated).count(), wall,
                static_cast<unsigned long long>(summary->events),
                static_cast<unsigned long long>(summary->seed));
    for (const auto& f : summary->files)
        std::printf("wrote %s\n", f.c_str());
    // Plots come last and only read the CSV files: whatever happens here, the run's own
    // (deterministic) outputs are complete and the run succeeded.
    if (o.out_dir && o.plots) {
        const std::string title = std::filesystem::path(o.scenario).stem().string();
        if (auto why = run_sim_plot(*o.out_dir, title))
            std::fprintf(stderr, "multios-net: simulate: plots skipped: %s\n", why->c_str());
    }
    return cli::kExitOk;
}

} // namespace multios::net::app
