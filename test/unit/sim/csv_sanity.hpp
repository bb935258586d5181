// The sanity check every example scenario's CSV output must pass (issue 7: "every educational
// scenario runs in CI and its CSV passes a sanity check"): exact headers, one row per flow (or
// link direction) per sample at multiples of the sample interval, non-negative numbers,
// throughput no faster than the fastest link, TCP state present and positive, cumulative
// counters that never go back, queues within their limits.
#pragma once

#include <catch2/catch.hpp>

#include <cstdint>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "sim/scenario.hpp"

namespace multios::net::sim_scenario_test {

inline std::vector<std::string> split_csv_line(const std::string& line) {
    std::vector<std::string> out;
    std::stringstream in(line);
    std::string field;
    while (std::getline(in, field, ','))
        out.push_back(field);
    if (!line.empty() && line.back() == ',')
        out.emplace_back();
    return out;
}

/// "1.250000" (seconds, six decimals) in nanoseconds.
inline std::int64_t csv_time_ns(const std::string& t) {
    const auto dot = t.find('.');
    REQUIRE(dot != std::string::npos);
    REQUIRE(t.size() - dot - 1 == 6);
    return std::stoll(t.substr(0, dot)) * 1'000'000'000 + std::stoll(t.substr(dot + 1)) * 1000;
}

/// Rows of `csv` after the header, each checked to have `columns` fields.
inline std::vector<std::vector<std::string>>
csv_rows(const std::string& csv, const std::string& header, std::size_t columns) {
    std::stringstream in(csv);
    std::string line;
    REQUIRE(std::getline(in, line));
    CHECK(line == header);
    std::vector<std::vector<std::string>> rows;
    while (std::getline(in, line)) {
        rows.push_back(split_csv_line(line));
        INFO(line);
        REQUIRE(rows.back().size() == columns);
    }
    return rows;
}

/// Samples are taken every interval: each name appears once per sample time, in file order.
inline void check_sample_grid(const std::vector<std::vector<std::string>>& rows, std::size_t names,
                              const sim::ScenarioFile& s) {
    REQUIRE(names > 0);
    REQUIRE(rows.size() % names == 0);
    const std::int64_t step = s.sample_interval.count();
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const std::int64_t t = csv_time_ns(rows[i][0]);
        CHECK(t == static_cast<std::int64_t>(i / names + 1) * step);
        CHECK(rows[i][1] == rows[i % names][1]);
    }
}

inline std::uint64_t fastest_link_bps(const sim::ScenarioFile& s) {
    std::uint64_t fastest = 0;
    for (const auto& l : s.links) {
        if (l.config.rate_bps == 0)
            return 0; // an infinitely fast link: no bound
        fastest = std::max(fastest, l.config.rate_bps);
    }
    return fastest;
}

inline void check_flows_csv(const std::string& csv, const sim::ScenarioFile& s) {
    const auto rows =
        csv_rows(csv, "time,flow,throughput_bps,cwnd,ssthresh,srtt_us,retransmits", 7);
    check_sample_grid(rows, s.apps.size(), s);
    const std::uint64_t bound = fastest_link_bps(s);
    std::map<std::string, std::uint64_t> retransmits;
    for (const auto& r : rows) {
        INFO(r[0] << "," << r[1]);
        const std::uint64_t bps = std::stoull(r[2]);
        if (bound != 0) {
            // What the app read in one interval: at most the fastest link's rate, plus what a
            // receive buffer may hand over at once after a stall (one 1 MiB window).
            const double interval_s = std::chrono::duration<double>(s.sample_interval).count();
            CHECK(static_cast<double>(bps) <= double(bound) + (8.0 * (1 << 20)) / interval_s);
        }
        if (r[3].empty()) {
            CHECK(r[6].empty()); // not a TCP flow (or not connected): no TCP columns
            continue;
        }
        CHECK(std::stoull(r[3]) > 0); // cwnd
        CHECK(std::stoull(r[4]) > 0); // ssthresh
        const std::uint64_t rexmit = std::stoull(r[6]);
        CHECK(rexmit >= retransmits[r[1]]);
        retransmits[r[1]] = rexmit;
    }
}

inline void check_links_csv(const std::string& csv, const sim::ScenarioFile& s) {
    const auto rows = csv_rows(csv, "time,link,queue_len,drops", 4);
    check_sample_grid(rows, 2 * s.links.size(), s);
    std::size_t max_queue = 0;
    for (const auto& l : s.links)
        max_queue = std::max(max_queue, l.config.queue_packets);
    std::map<std::string, std::uint64_t> drops;
    for (const auto& r : rows) {
        INFO(r[0] << "," << r[1]);
        CHECK(std::stoull(r[2]) <= max_queue);
        const std::uint64_t d = std::stoull(r[3]);
        CHECK(d >= drops[r[1]]);
        drops[r[1]] = d;
    }
}

} // namespace multios::net::sim_scenario_test
