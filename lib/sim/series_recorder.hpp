// Time series of a run: every `interval` of simulated time, one flows.csv row per flow (the
// receiving app's throughput over the interval; the sender's cwnd, ssthresh, srtt and
// retransmissions for TCP; the latest RTT for ping) and one links.csv row per link direction
// (queue length at that instant, cumulative drops). Every column is an integer (time as
// seconds with six decimals, from integer nanoseconds), so the bytes depend only on the
// simulation, never on float formatting.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include <multios/net/result.hpp>
#include <multios/net/time.hpp>

#include "sim/event_scheduler.hpp"
#include "sim/link.hpp"
#include "sim/scenario_apps.hpp"

namespace multios::net::sim {

class SeriesRecorder final : public EventTarget {
  public:
    struct LinkRow {
        std::string name;
        const Link* link = nullptr;
    };

    /// Opens flows.csv and links.csv in `dir` and writes their headers.
    static Result<std::unique_ptr<SeriesRecorder>>
    open(const std::string& dir, EventScheduler& scheduler, Instant origin, Duration interval,
         std::vector<const ScenarioApp*> flows, std::vector<LinkRow> links);
    ~SeriesRecorder();
    SeriesRecorder(const SeriesRecorder&) = delete;
    SeriesRecorder& operator=(const SeriesRecorder&) = delete;

    /// Flushes and closes both files (the first write error, if any).
    Result<void> close();

    void on_event(Instant now, std::uint64_t tag) override;

  private:
    SeriesRecorder(EventScheduler& scheduler, Instant origin, Duration interval);
    void write(std::FILE* f, const std::string& line);

    EventScheduler& scheduler_;
    Instant origin_;
    Duration interval_;
    std::uint64_t samples_ = 0;
    std::vector<const ScenarioApp*> flows_;
    std::vector<std::uint64_t> last_bytes_;
    std::vector<LinkRow> links_;
    std::FILE* flows_csv_ = nullptr;
    std::FILE* links_csv_ = nullptr;
    int error_ = 0;
};

/// Link drops of every kind (queue, RED, loss, MTU, in flight, no buffer).
std::uint64_t total_drops(const LinkCounters& c);

} // namespace multios::net::sim
